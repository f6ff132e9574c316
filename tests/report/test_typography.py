"""Typographic apostrophes in everything a report renders, the data unchanged, and no line
break inside a word (issue 15, defect 7: "Gemeinsam klappt / ´s“")."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pptx import Presentation

from klappt.reference import reference_path
from klappt.report import build_report, load_recipe
from klappt.report.pptx import render_pptx
from klappt.report.sources import load_data
from klappt.report.typography import typographic


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("„Gemeinsam klappt´s“", "„Gemeinsam klappt’s“"),
        ("Gemeinsam klappt's", "Gemeinsam klappt’s"),
        ("Gemeinsam klappt`s", "Gemeinsam klappt’s"),
        ("Gemeinsam klappt’s", "Gemeinsam klappt’s"),
        ("‚Gemeinsam klappt's' 2020", "‚Gemeinsam klappt’s‘ 2020"),
        ("'zitiert' und ´ allein", "'zitiert' und ´ allein"),  # not inside a word: as typed
        ("", ""),
    ],
)
def test_apostrophes_inside_words_become_typographic__ok(typed, shown):
    assert typographic(typed) == shown


@pytest.fixture(scope="module")
def reference():
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    data = load_data(spec)
    return data, build_report(spec, data)


def _texts(built) -> list[str]:
    out = []
    for s in built.slides:
        out += [s.title, s.subtitle or "", s.headline or "", *s.bullets, *s.footnotes]
        for p in s.panels:
            out += [p.title, p.caption, p.description, *p.categories]
            out += [x.name for x in p.series] + [m.text for m in p.mentions]
    return out


def test_no_accent_or_straight_apostrophe_in_a_word_of_the_report__ok(reference):
    _, built = reference
    texts = _texts(built)
    assert any("klappt’s" in t for t in texts)
    assert not any("klappt´s" in t or "klappt's" in t for t in texts)
    deck = Presentation(io.BytesIO(render_pptx(built)))
    shown = " ".join(
        sh.text_frame.text for slide in deck.slides for sh in slide.shapes if sh.has_text_frame
    )
    assert "´s" not in shown and "klappt's" not in shown


def test_the_data_keep_what_was_typed__ok(reference):
    data, _ = reference
    form = data.wave("2022").instrument
    assert "klappt´s" in form.group("s2_begleitung").label("de")
    labels = [c.label("de") for q in form.questions for c in q.choices]
    assert any("klappt" in lb for lb in labels)


@pytest.mark.slow
@pytest.mark.skipif(
    not (shutil.which("libreoffice") and shutil.which("pdftotext")), reason="needs LibreOffice"
)
def test_no_line_breaks_inside_the_word_when_rendered__ok(reference, tmp_path):
    """The seed deck's agenda broke "„Gemeinsam klappt / ´s“"; LibreOffice lays the deck out."""
    _, built = reference
    deck = tmp_path / "deck.pptx"
    deck.write_bytes(render_pptx(built))
    subprocess.run(
        [
            "libreoffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path / 'lo'}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(deck),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "deck.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "klappt’s" in text
    lines = [line.strip() for line in text.splitlines()]
    assert not any(line.startswith(("’s", "´s")) for line in lines)
    assert not any(line.endswith("klappt") for line in lines)
