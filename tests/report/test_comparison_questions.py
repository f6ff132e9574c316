"""A comparison of different questions is no trend (issue 15, defect 6): the reference deck's
2020 "Konzepte" (n=46) and 2022 "Maßnahmen" (n=40) say so, label each bar with indicator and
wave, and draw no arrow; the same question in two waves keeps its "2020: … → 2022: …"."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation

from klappt.reference import reference_path
from klappt.report import build_report, load_recipe
from klappt.report.pptx import render_pptx
from klappt.report.sources import load_data


@pytest.fixture(scope="module")
def reference():
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    return build_report(spec, load_data(spec))


def test_different_questions_are_not_drawn_as_a_trend__ok(reference):
    slide = next(
        s for s in reference.slides if s.title == "Lebensweltliche Integration 2020 und 2022"
    )
    assert slide.headline == "unterschiedliche Fragen – kein direkter Zeitvergleich"
    assert slide.panels[0].categories == (
        "2020: Konzepte zur Lebensweltorientierung",
        "2022: Maßnahmen zur lebensweltlichen Integration",
    )
    deck = Presentation(io.BytesIO(render_pptx(reference)))
    index = reference.slides.index(slide)
    texts = " ".join(sh.text_frame.text for sh in deck.slides[index].shapes if sh.has_text_frame)
    assert "kein direkter Zeitvergleich" in texts
    assert "→" not in texts


def test_english_says_so_too__ok():
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    built = build_report(spec, load_data(spec), "en")
    slide = next(s for s in built.slides if s.headline)
    assert slide.headline == "different questions – no direct comparison over time"


def test_the_same_question_in_two_waves_keeps_its_arrow__ok(here):
    spec = load_recipe(here / "recipe.yaml")
    built = build_report(spec, load_data(spec))
    slide = next(s for s in built.slides if s.headline)
    assert "→" in slide.headline and slide.headline.startswith("2020: ")
