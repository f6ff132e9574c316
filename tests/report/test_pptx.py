"""The deck: native charts whose data equal the tabulation, titles, bases, footnotes, bounds."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Emu

from klappt.errors import ErrorCode, KlapptError
from klappt.report.build import build_report
from klappt.report.pptx import render_pptx
from klappt.report.recipe import default_spec, load_recipe
from klappt.report.sources import load_data
from klappt.report.wording import round_half_up


@pytest.fixture(scope="module")
def built(here):
    spec = load_recipe(here / "recipe.yaml")
    # a small program (10 returns): with the default minimum of 3 sites most mentions would be
    # withheld; these tests are about drawing (disclosure: test_disclosure_report.py)
    return build_report(spec, load_data(spec), min_cell=1)


@pytest.fixture(scope="module")
def deck(built):
    return Presentation(io.BytesIO(render_pptx(built)))


def charts(slide):
    return [sh for sh in slide.shapes if sh.has_chart]


def texts(slide):
    return [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]


def test_one_slide_per_built_slide_with_its_title__ok(deck, built):
    assert len(deck.slides) == len(built.slides)
    for slide, b in zip(deck.slides, built.slides, strict=True):
        assert slide.shapes.title is not None
        assert slide.shapes.title.text_frame.text == b.title


def test_deck_is_16_9__ok(deck):
    assert (deck.slide_width, deck.slide_height) == (Emu(12192000), Emu(6858000))


def test_every_shape_lies_inside_the_slide__ok(deck):
    W, H = deck.slide_width, deck.slide_height
    for number, slide in enumerate(deck.slides, start=1):
        for sh in slide.shapes:
            assert sh.left >= 0 and sh.top >= 0, (number, sh.name)
            assert sh.left + sh.width <= W and sh.top + sh.height <= H, (number, sh.name)


def test_chart_data_equal_the_built_panels__ok(deck, built):
    seen = 0
    for slide, b in zip(deck.slides, built.slides, strict=True):
        drawn = charts(slide)
        expected = [p for p in b.panels if p.kind not in ("cloud", "table")]
        assert len(drawn) == len(expected)
        for frame, panel in zip(drawn, expected, strict=True):
            chart = frame.chart
            series = list(chart.plots[0].series)
            assert [s.name for s in series] == [s.name for s in panel.series]
            for s, ps in zip(series, panel.series, strict=True):
                assert list(s.values) == [v if v is not None else None for v in ps.values]
            cats = [c.replace("\n", " ") for c in chart.plots[0].categories]
            assert cats == [c for c in panel.categories] or all(c for c in cats)
            seen += 1
    assert seen >= 8


@pytest.mark.parametrize(
    ("question", "kind", "chart_type"),
    [
        ("lebenswelt", "doughnut", XL_CHART_TYPE.DOUGHNUT),
        ("koop", "bar", XL_CHART_TYPE.BAR_CLUSTERED),
        ("bew_struktur", "stacked", XL_CHART_TYPE.BAR_STACKED_100),
    ],
)
def test_chart_kind_by_question_type__ok(deck, built, question, kind, chart_type):
    for slide, b in zip(deck.slides, built.slides, strict=True):
        for frame, panel in zip(
            charts(slide), [p for p in b.panels if p.kind not in ("cloud", "table")], strict=True
        ):
            if panel.question == question and panel.kind == kind:
                assert frame.chart.chart_type == chart_type
                return
    pytest.fail(f"no {kind} chart of {question}")


def test_chart_values_equal_the_tabulation__ok(deck, tab2022, table_of):
    # the "Neue Kooperationen" bar chart: percent of base per choice, sorted by count
    slide = next(
        s
        for s in deck.slides
        if s.shapes.title.text_frame.text == "Weiterentwicklung der Kooperationslandschaft"
    )
    chart = charts(slide)[0].chart
    table = table_of(tab2022, "koop")
    # the chart's data hold the exact share (5 of 9 = 55.555…), the tabulation rounds to 55.6
    expected = {r["label"]: r["count"] * 100 / table["base"] for r in table["rows"]}
    got = dict(zip(chart.plots[0].categories, chart.plots[0].series[0].values, strict=True))
    assert got == pytest.approx(expected, abs=1e-9)
    assert {k: float(round_half_up(v, 1)) for k, v in got.items()} == {
        r["label"]: r["percent"] for r in table["rows"]
    }
    assert list(got.values()) == sorted(got.values(), reverse=True)


def test_base_and_multiple_answer_footnote__ok(deck, built, tab2022, table_of):
    slide = next(
        s
        for s in deck.slides
        if s.shapes.title.text_frame.text == "Weiterentwicklung der Kooperationslandschaft"
    )
    all_text = "\n".join(texts(slide))
    assert f"(n={table_of(tab2022, 'koop')['base']})" in all_text
    assert "Neue Kooperationen*" in all_text
    assert "*Es sind Mehrfachnennungen enthalten" in all_text


def test_german_number_format_on_data_labels__ok(deck):
    slide = next(
        s
        for s in deck.slides
        if s.shapes.title.text_frame.text == "Weiterentwicklung der Kooperationslandschaft"
    )
    labels = charts(slide)[0].chart.plots[0].data_labels
    assert labels.number_format.startswith("[$-407]")
    assert labels.number_format_is_linked is False


def test_english_deck_uses_english_number_format__ok(here):
    spec = load_recipe(here / "recipe.yaml")
    built = build_report(spec, load_data(spec), lang="en")
    deck = Presentation(io.BytesIO(render_pptx(built)))
    formats = {f.chart.plots[0].data_labels.number_format for s in deck.slides for f in charts(s)}
    assert formats and all(f.startswith("[$-409]") for f in formats)


def test_findings_carry_live_numbers__ok(deck):
    slide = next(
        s for s in deck.slides if s.shapes.title.text_frame.text == "Lebensweltliche Integration"
    )
    assert any("2022: 70\u00a0% haben Maßnahmen (n=7)" in t for t in texts(slide))


def test_mention_cloud_is_drawn_as_text_boxes__ok(deck):
    slide = next(
        s for s in deck.slides if s.shapes.title.text_frame.text == "Lebensweltliche Integration"
    )
    mentions = [sh for sh in slide.shapes if sh.name.startswith("Mention ")]
    assert mentions[0].text_frame.text in ("Sport(vereine)", "Sprachcafés")
    sizes = [sh.text_frame.paragraphs[0].runs[0].font.size for sh in mentions]
    assert sizes[0] > sizes[-1]


def test_chart_alt_text__ok(deck):
    slide = next(
        s
        for s in deck.slides
        if s.shapes.title.text_frame.text == "Weiterentwicklung der Kooperationslandschaft"
    )
    descr = charts(slide)[0]._element.nvGraphicFramePr.cNvPr.get("descr")
    assert "Ausländerbehörde 55,6" in descr


def test_default_storyline_on_any_form__ok(form, rs2022):
    from klappt.report.data import ReportData

    built = build_report(default_spec(form), ReportData.single(form, rs2022))
    deck = Presentation(io.BytesIO(render_pptx(built)))
    assert len(deck.slides) == len(built.slides)


def test_template_is_honoured__ok(built, tmp_path):
    tpl = Presentation()
    tpl.slide_width, tpl.slide_height = Emu(9144000), Emu(6858000)  # 4:3
    tpl.slides.add_slide(tpl.slide_layouts[0])  # a sample slide that must not survive
    path = tmp_path / "vorlage.pptx"
    tpl.save(path)
    deck = Presentation(io.BytesIO(render_pptx(built, template=path)))
    assert deck.slide_width == Emu(9144000)
    assert len(deck.slides) == len(built.slides)
    assert deck.slides[0].slide_layout.name == "Title Slide"
    assert deck.slides[4].slide_layout.name == "Title Only"
    for slide in deck.slides:
        for sh in slide.shapes:
            assert (
                sh.left + sh.width <= deck.slide_width and sh.top + sh.height <= deck.slide_height
            )


def test_broken_template__error(built, tmp_path):
    path = tmp_path / "kaputt.pptx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(KlapptError) as info:
        render_pptx(built, template=path)
    assert info.value.code is ErrorCode.REPORT_002
