"""A derived slide uses its room (issue 15): short charts one above another at the full width,
a filter's two small follow-ups beside it, bars and tables grown to fill, titles that read as
statements ("Jobcenter*", "Mit der ABH kooperieren wir über ..." were seen), and a form
without groups (the benchmark's) that gives a deck at all.

The coverage of every result slide is measured in ``test_derived_deck_layout.py``.
"""

from __future__ import annotations

import io

from pptx import Presentation

from klappt.instrument.model import Choice, Instrument, Question
from klappt.reference import load_reference, reference_path
from klappt.report import ReportData, build_report, default_spec
from klappt.report.built import DataTable
from klappt.report.coverage import DeckContext, coverage, read_register
from klappt.report.pptx import render_pptx
from klappt.report.recipe import load_recipe
from klappt.report.sources import load_data
from klappt.report.stats_layout import PAD, stats_layout
from klappt.report.textfit import text_width
from klappt.responses.dataset import load_responses
from klappt.responses.io import RawTable

EMU = 12700


def _built(register: bool = True):
    form, rs, _ = load_reference("2022")
    sites = read_register(reference_path("register.csv"))
    ctx = DeckContext(wave="2022", coverage=coverage(rs, sites) if register else None)
    return build_report(default_spec(form, "de", "2022", ctx), ReportData.single(form, rs, "2022"))


def _frames(built, question):
    prs = Presentation(io.BytesIO(render_pptx(built)))
    index = next(i for i, s in enumerate(built.slides) for p in s.panels if p.question == question)
    shapes = [sh for sh in prs.slides[index].shapes if sh.has_chart or sh.has_table]
    return prs, {sh.name.removeprefix("Chart "): sh for sh in shapes}


def test_two_short_charts_stand_one_above_another_at_the_full_width__ok():
    built = _built()
    prs, frames = _frames(built, "abh_fortfuehrung")
    filt, follow = frames["abh_fortfuehrung"], frames["abh_ueber"]
    assert follow.top >= filt.top + filt.height  # below, not beside
    assert filt.left == follow.left
    assert min(filt.width, follow.width) > prs.slide_width * 0.8


def test_a_filter_and_two_follow_ups_share_a_slide_in_two_columns__ok():
    built = _built()
    _, frames = _frames(built, "lebenswelt_weiter")
    filt, areas, weiter = (
        frames["lebenswelt"],
        frames["lebenswelt_bereiche"],
        frames["lebenswelt_weiter"],
    )
    # the filter and the short follow-up one above another at the left, the longer beside them
    assert filt.left == weiter.left and weiter.top >= filt.top + filt.height
    assert areas.left >= filt.left + filt.width
    assert areas.height > weiter.height


def test_a_short_chart_alone_grows_its_bars_to_use_the_slide__ok():
    # without a register the form's own site-type question keeps its slide (with one, the data
    # slide gives the response by type instead)
    built = _built(register=False)
    prs, frames = _frames(built, "gebietstyp")
    chart = frames["gebietstyp"]
    body = prs.slide_height / EMU - 160
    # three bars at the usual 30 pt slot took 122 pt; grown they take over half the body
    assert chart.height / EMU > body * 0.5


def test_derived_titles_read_as_statements_without_marks__ok():
    built = _built()
    results = [s for s in built.slides if s.kind == "result"]
    for s in results:
        assert not s.title.endswith(("*", "...", "…")), s.title
        for p in s.panels:
            assert not p.title.rstrip("*").endswith(("...", "…")), p.title
    # the multiple-answers mark moved from the title to the chart's base, the note stays
    mehrwert = next(s for s in results if s.panels[0].question == "mehrwert")
    assert mehrwert.title == "Mehrwert von „Gemeinsam klappt’s“ für die lokale Integrationsarbeit"
    assert mehrwert.panels[0].caption == "n=40*"
    assert mehrwert.footnotes[0].startswith("*")


def test_the_recipe_deck_keeps_its_grid_and_marks__ok():
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    built = build_report(spec, load_data(spec))
    assert {s.layout for s in built.slides} == {None}


def test_no_word_of_a_statistics_table_is_broken__ok():
    table = DataTable(
        title="Zahlen",
        columns=("Frage", "Basis (n)", "Mittelwert", "Median", "Minimum", "Maximum"),
        kinds=("text",) + ("number",) * 5,
        rows=(("Wie viele?", 39, 1.6, 2, 0, 4),),
        formatted=(("Wie viele?", "39", "1,6", "2", "0", "4"),),
    )
    lay = stats_layout(table, 880.0, 380.0, 0.6)
    for head, width in zip(table.columns, lay.column_widths, strict=True):
        for word in head.split():
            assert text_width(word, lay.size, True) <= width - 2 * PAD, (head, lay.size)
    # and the two rows grow to 60 % of the box on a derived slide
    assert sum(lay.row_heights) >= 0.6 * 380.0 - 0.5
    assert sum(stats_layout(table, 880.0, 380.0).row_heights) < 0.6 * 380.0


def test_a_form_without_groups_gives_a_deck__ok():
    yes_no = (Choice("ja", {"de": "ja"}), Choice("nein", {"de": "nein"}))
    form = Instrument(
        "Ohne Gruppen",
        "og",
        (
            Question("n1", "integer", {"de": "Zahl 1"}),
            Question("n2", "integer", {"de": "Zahl 2"}),
            Question("s1", "select_one", {"de": "Auswahl"}, choices=yes_no),
        ),
    )
    spec = default_spec(form, "de")  # raised IndexError: numbers of no group
    rows = [[str(i), str(i * 2), "ja" if i % 3 else "nein"] for i in range(1, 13)]
    rs, _ = load_responses(form, RawTable.from_records(["n1", "n2", "s1"], rows, source="x.csv"))
    built = build_report(spec, ReportData.single(form, rs, "1"))
    kinds = [p.kind for s in built.slides for p in s.panels]
    assert sorted(kinds) == ["bar", "table"]
    prs = Presentation(io.BytesIO(render_pptx(built)))
    assert any(sh.has_table for sl in prs.slides for sh in sl.shapes)


def test_an_unknown_layout_names_its_recipe_line__fail():
    import pytest

    from klappt.errors import KlapptError
    from klappt.report.recipe import parse_recipe

    recipe = (
        "title: B\nslides:\n  - result:\n      title: A\n      question: q\n      layout: wide\n"
    )
    with pytest.raises(KlapptError) as err:
        parse_recipe(recipe)
    assert "Zeile 6" in str(err.value) and "layout" in str(err.value)
