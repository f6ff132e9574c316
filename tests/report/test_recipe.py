"""Recipes: YAML into a ReportSpec, with the line of every mistake."""

from __future__ import annotations

import pytest

from klappt.errors import ErrorCode, KlapptError
from klappt.report.recipe import default_spec, dump_recipe, load_recipe, parse_recipe
from klappt.report.spec import (
    AgendaSlide,
    ClosingSlide,
    ComparisonSlide,
    ResultSlide,
    SectionSlide,
    TextSlide,
    TitleSlide,
)


def _error(source: str) -> KlapptError:
    with pytest.raises(KlapptError) as info:
        parse_recipe(source, "r.yaml")
    assert info.value.code is ErrorCode.REPORT_001
    return info.value


def test_recipe_reads_every_slide_kind__ok(here):
    spec = load_recipe(here / "recipe.yaml")
    kinds = [type(s) for s in spec.slides]
    assert kinds[:4] == [TitleSlide, AgendaSlide, TextSlide, SectionSlide]
    assert ComparisonSlide in kinds and ClosingSlide in kinds
    assert spec.wave == "2022"
    assert [w.name for w in spec.waves] == ["2020", "2022"]
    assert [s.number for s in spec.sections()] == [1, 2]
    result = next(s for s in spec.slides if isinstance(s, ResultSlide))
    assert [p.question for p in result.panels] == ["lebenswelt", "angebote"]
    assert result.panels[0].title == "Maßnahmen zur lebensweltlichen Integration"


def test_recipe_keeps_lines__ok():
    spec = parse_recipe(
        "slides:\n  - section: Eins\n  - result:\n      title: X\n      charts:\n        - a\n        - {question: b, kind: bar}\n"
    )
    assert spec.slides[0].line == 2
    result = spec.slides[1]
    assert result.line == 3
    assert [p.line for p in result.panels] == [6, 7]


def test_unknown_chart_kind_names_the_line__error():
    err = _error(
        "slides:\n  - result:\n      title: X\n      chart:\n        question: a\n        kind: torte\n"
    )
    assert err.params["line"] == 6
    assert "torte" in str(err)


def test_unknown_slide_kind_names_the_line__error():
    err = _error("slides:\n  - section: A\n  - folie: B\n")
    assert err.params["line"] == 3


def test_unknown_key_names_the_line__error():
    err = _error("slides:\n  - result:\n      titel: X\n      chart: a\n")
    assert err.params["line"] == 3
    assert "titel" in str(err)


def test_yaml_syntax_error_names_the_line__error():
    err = _error("slides:\n  - section: A\n  - result: {chart: [a, b}\n")
    assert err.params["line"] == 3


def test_duplicate_key_names_the_line__error():
    err = _error("title: A\nslides:\n  - section: A\ntitle: B\n")
    assert err.params["line"] == 4


def test_empty_recipe__error():
    assert _error("").params["line"] == 1


def test_missing_slides__error():
    _error("title: A\n")


def test_comparison_needs_items_or_waves__error():
    err = _error("slides:\n  - comparison:\n      title: A\n      question: q\n")
    assert err.params["line"] == 2


def test_block_text_lines_point_into_the_block__ok():
    spec = parse_recipe(
        "slides:\n  - text:\n      title: T\n      bullets:\n        - |\n          eins\n          zwei {{ x }}\n"
    )
    bullet = spec.slides[0].bullets[0]
    assert bullet.line_of(bullet.template.index("{{")) == 7


def test_default_spec_has_a_divider_per_group_and_a_slide_per_question__ok(form):
    spec = default_spec(form)
    sections = [s.title for s in spec.slides if isinstance(s, SectionSlide)]
    assert sections == [form.group("strukturen").label("de"), form.group("bewertung").label("de")]
    # issue 15: free text is not quoted on slides; the two scale items of "bewertung" are one
    # chart (a row per item), two small bar charts of a section share a slide, every other
    # tabulated question a slide of its own
    results = [
        tuple((p.question, p.items) for p in s.panels)
        for s in spec.slides
        if isinstance(s, ResultSlide)
    ]
    assert [r if len(r) > 1 else r[0] for r in results] == [
        (("lebenswelt", ()), ("koop", ())),
        ("region", ()),
        ("bew_struktur", ("bew_struktur", "bew_zielgruppe")),
        ("anzahl_tn", ()),
    ]
    assert isinstance(spec.slides[1], AgendaSlide)
    assert isinstance(spec.slides[-1], ClosingSlide)


def test_default_spec_in_english__ok(form):
    spec = default_spec(form, lang="en")
    assert "Structures and measures" in [
        s.title for s in spec.slides if isinstance(s, SectionSlide)
    ]


def test_dump_recipe_reads_back__ok(form):
    spec = default_spec(form)
    again = parse_recipe(dump_recipe(spec))
    assert [type(s) for s in again.slides] == [type(s) for s in spec.slides]
    assert [getattr(s, "title", None) for s in again.slides] == [
        getattr(s, "title", None) for s in spec.slides
    ]
    assert again.options == spec.options == {"decimals": "auto"}
    # the derived deck's "charts fill the slide" survives --init-recipe
    assert {s.layout for s in again.slides if isinstance(s, ResultSlide)} == {"fill"}
    assert [s.panels for s in again.slides if isinstance(s, ResultSlide)] == [
        tuple(p._replace(line=q.line) for p, q in zip(s.panels, t.panels, strict=True))
        for s, t in zip(
            [s for s in spec.slides if isinstance(s, ResultSlide)],
            [s for s in again.slides if isinstance(s, ResultSlide)],
            strict=True,
        )
    ]


def test_dump_recipe_of_a_full_recipe_reads_back__ok(here):
    spec = load_recipe(here / "recipe.yaml")
    again = parse_recipe(dump_recipe(spec))
    assert len(again.slides) == len(spec.slides)
    assert [w.name for w in again.waves] == ["2020", "2022"]
    comp = [s for s in again.slides if isinstance(s, ComparisonSlide)]
    assert comp[0].items[1].label == "haben Maßnahmen"
    assert comp[1].waves == ("2020", "2022")


def test_dumped_reference_recipe_reads_back__ok(tmp_path):
    """What --init-recipe style dumping writes is a recipe klappt reads again, numbers included."""
    from klappt.reference import reference_path
    from klappt.report.recipe import dump_recipe, load_recipe

    spec = load_recipe(reference_path("recipe_2022.yaml"))
    again_path = tmp_path / "again.yaml"
    again_path.write_text(dump_recipe(spec), encoding="utf-8")
    again = load_recipe(again_path)
    assert len(again.slides) == len(spec.slides)
