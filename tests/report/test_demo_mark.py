"""``klappt demo`` shows real names and dates beside synthetic numbers, so every slide says so
(issue 15, defect 11): every slide carries "Demo – synthetische Daten", in one place on every
kind of slide (the top right corner, klappt.report.grid.mark_box), not among the footnotes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pptx import Presentation

from klappt.reference import reference_path
from klappt.report import build_report, load_recipe
from klappt.report.pptx import render_pptx
from klappt.report.sources import load_data

MARK = "Demo – synthetische Daten"


def _slide_texts(deck) -> list[str]:
    return [
        " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
        for slide in deck.slides
    ]


def _check(deck, mark: str) -> None:
    texts = _slide_texts(deck)
    assert all(mark in t for t in texts), [i for i, t in enumerate(texts, 1) if mark not in t]
    marks = [[sh for sh in slide.shapes if sh.name == "Mark"] for slide in deck.slides]
    assert all(len(m) == 1 for m in marks), [len(m) for m in marks]
    assert all(m[0].text_frame.text == mark for m in marks)
    # one place on every kind of slide: title, agenda, text, section, result, closing alike
    kinds = {slide.slide_layout.name for slide in deck.slides}
    places = {(m[0].left, m[0].top, m[0].width, m[0].height) for m in marks}
    assert len(places) == 1, (kinds, places)
    left, top, width, _ = places.pop()
    assert top < deck.slide_height * 0.05  # the top of the slide
    assert left + width > deck.slide_width * 0.9  # at its right
    # and no longer among the footnotes (at the foot of one slide, under the bullets of another)
    for slide in deck.slides:
        foot = [sh for sh in slide.shapes if sh.name == "Footnotes"]
        assert not any(mark in sh.text_frame.text for sh in foot)
    # every slide's title stays clear of it
    for slide, m in zip(deck.slides, marks, strict=True):
        for sh in slide.shapes:
            beside = sh.left + sh.width > m[0].left
            if sh.name != "Mark" and sh.has_text_frame and sh.text_frame.text.strip() and beside:
                assert sh.top >= m[0].top + m[0].height or sh.name == "Background", sh.name


def test_a_marked_report_carries_the_mark_on_every_slide__ok():
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    built = build_report(spec, load_data(spec), mark=MARK)
    _check(Presentation(io.BytesIO(render_pptx(built))), MARK)
    plain = build_report(spec, load_data(spec))
    assert not any(MARK in t for t in _slide_texts(Presentation(io.BytesIO(render_pptx(plain)))))


@pytest.mark.slow
def test_klappt_demo_marks_its_deck__ok(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("KLAPPT_PROJECT", "DATABASE_URL")}
    done = subprocess.run(
        [sys.executable, "-m", "klappt", "demo", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    _check(Presentation(str(tmp_path / "out" / "referenz_2022.pptx")), MARK)
    html = (tmp_path / "out" / "referenz_2022.html").read_text(encoding="utf-8")
    assert html.count(MARK) >= 10
