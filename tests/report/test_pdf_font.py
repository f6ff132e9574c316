"""The PDF is set in Carlito, the font its lines are measured with (issue 15, review item 9).

The font files are found in ``KLAPPT_FONT_DIR`` (when set), else through fontconfig or at
Debian's path; the tests point ``KLAPPT_FONT_DIR`` at a folder of their own: one holding a copy
of the installed Carlito (the PDF embeds it), one empty (a warning naming the Debian package,
in German and in English, and the PDF is still written).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from klappt.reference import reference_path
from klappt.report.built import BuiltReport, BuiltSlide
from klappt.report.fonts import FONT_DIR_ENV, carlito_files
from klappt.report.pdf import render_pdf

PDFFONTS = shutil.which("pdffonts")
SYSTEM = [f for f in Path("/usr/share/fonts/truetype/crosextra").glob("Carlito-*.ttf")]
REPORT = BuiltReport(
    "Bericht",
    "de",
    (BuiltSlide("text", "Kooperationsbeziehungen", bullets=("Rücklauf", "Übergang")),),
)


def _fonts(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "f.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [str(PDFFONTS), str(path)], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.skipif(not SYSTEM or not PDFFONTS, reason="Carlito or pdffonts not installed")
def test_pdf_embeds_carlito_from_the_named_folder__ok(tmp_path, monkeypatch, caplog):
    folder = tmp_path / "fonts"
    folder.mkdir()
    for f in SYSTEM:
        shutil.copy(f, folder / f.name)
    monkeypatch.setenv(FONT_DIR_ENV, str(folder))
    files = carlito_files()
    assert files and all(p.parent == folder for p, _w, _s in files)
    with caplog.at_level(logging.WARNING, logger="klappt.report.fonts"):
        pdf = render_pdf(REPORT)
    assert not caplog.records
    listed = _fonts(pdf, tmp_path)
    # the regular and the bold face (the title), embedded as subsets
    assert "Carlito-Bold" in listed and re.search(r"\+Carlito\s", listed), listed
    assert "DejaVu" not in listed


@pytest.mark.parametrize(
    ("lang", "words"),
    [("de", "nicht installiert"), ("en", "not installed")],
)
def test_without_carlito_a_warning_names_the_package__ok(
    tmp_path, monkeypatch, caplog, lang, words
):
    empty = tmp_path / "keine-schriften"
    empty.mkdir()
    monkeypatch.setenv(FONT_DIR_ENV, str(empty))
    monkeypatch.setenv("KLAPPT_LANG", lang)
    with caplog.at_level(logging.WARNING, logger="klappt.report.fonts"):
        assert carlito_files() == ()
        pdf = render_pdf(REPORT)
    assert pdf.startswith(b"%PDF-")  # still written
    # one warning (the lookup is remembered per folder), in the language asked for
    messages = [r.getMessage() for r in caplog.records if r.name == "klappt.report.fonts"]
    assert len(messages) == 1, messages
    assert "fonts-crosextra-carlito" in messages[0] and str(empty) in messages[0]
    assert words in messages[0] and FONT_DIR_ENV in messages[0]


def test_the_warning_reaches_the_user_of_the_cli__ok(tmp_path):
    empty = tmp_path / "leer"
    empty.mkdir()
    ref = Path(reference_path("arbeitshilfe_2022.xlsx")).parent
    out = tmp_path / "d.pdf"
    env = {**os.environ, FONT_DIR_ENV: str(empty), "KLAPPT_LANG": "de"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "klappt",
            "report",
            str(ref / "arbeitshilfe_2022.xlsx"),
            str(ref / "returns_2022.csv"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    assert "fonts-crosextra-carlito" in done.stderr and str(empty) in done.stderr
    assert "Traceback" not in done.stderr
