"""``klappt demo`` shows real names and dates beside synthetic numbers, so every slide says so
(issue 15, defect 11): the title slide and every footer carry "Demo – synthetische Daten"."""

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
    title = next(sh for sh in deck.slides[0].shapes if sh.name == "Mark")
    assert title.text_frame.text == mark
    # on a result slide: in the footer, below the chart
    result = next(s for s in deck.slides if any(sh.name == "Footnotes" for sh in s.shapes))
    foot = next(sh for sh in result.shapes if sh.name == "Footnotes")
    assert mark in foot.text_frame.text
    assert foot.top > deck.slide_height * 0.8


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
