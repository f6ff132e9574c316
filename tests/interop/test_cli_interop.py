"""Wiring of ``klappt convert`` and ``klappt export`` (the logic is tested in core)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lsbuild import make_lss
from typer.testing import CliRunner

from conftest import SURVEY
from klappt.cli import app
from klappt.instrument import read_instrument

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "heldout"


def test_convert_writes_the_xlsform__ok(tmp_path: Path) -> None:
    lss = tmp_path / "survey.lss"
    lss.write_bytes(make_lss(SURVEY))
    target = tmp_path / "form.xlsx"
    result = CliRunner().invoke(app, ["convert", str(lss), str(target), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Detected: LimeSurvey survey structure (.lss)" in result.output
    assert read_instrument(target).question("traeger").type == "select_one"


def test_convert_of_a_broken_file_writes_nothing__error(tmp_path: Path) -> None:
    lss = tmp_path / "broken.lss"
    lss.write_bytes(b"<?xml version='1.0'?><document><LimeSurveyDocType>Survey")
    target = tmp_path / "form.xlsx"
    result = subprocess.run(
        [sys.executable, "-m", "klappt", "convert", str(lss), str(target), "--lang", "en"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "not valid XML" in " ".join(result.stderr.split()) and "Traceback" not in result.stderr
    assert not target.exists()


def test_export_a_stored_wave__ok(tmp_path: Path) -> None:
    env = {**os.environ, "KLAPPT_LANG": "en"}
    env.pop("DATABASE_URL", None)

    def klappt(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "klappt", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    assert klappt("init", str(tmp_path / "p")).returncode == 0
    project = ["--project", str(tmp_path / "p")]
    assert (
        klappt(
            "import",
            "2023",
            str(HELDOUT / "form.xlsx"),
            str(HELDOUT / "returns_kobo.xlsx"),
            *project,
        ).returncode
        == 0
    )
    for fmt in ("sav", "csv", "xlsform"):
        done = klappt("export", "2023", "--format", fmt, *project)
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "2023.sav").read_bytes()[:4] == b"$FL2"
    tab = klappt(
        "tabulate", str(tmp_path / "2023_form.xlsx"), str(tmp_path / "2023.csv"), "--json", "-"
    )
    assert tab.returncode == 0 and '"responses": 25' in tab.stdout
