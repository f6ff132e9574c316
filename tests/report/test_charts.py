"""The charts of a deck read as one: a choice has one colour everywhere, empty answers stay in the
legend, chart workbooks hold exact shares, labels are whole, clouds size by frequency on one scale,
nothing is under 12 pt, and every series colour stands out from white (issue 15)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE

import klappt.report.html  # registers the SVG drawers
import klappt.report.print_charts  # noqa: F401  (registers the print drawers)
from klappt.coding.mentions import Mention
from klappt.reference import reference_path
from klappt.report.build import build_report
from klappt.report.cloud import SMALLEST, layout_cloud
from klappt.report.colors import choice_colors, is_neutral
from klappt.report.kinds import PRINT, SVG
from klappt.report.pptx import render_pptx
from klappt.report.recipe import load_recipe
from klappt.report.sources import load_data
from klappt.report.theme import NEUTRAL, QUALITATIVE, contrast, ordered_colors
from klappt.report.xlsx import render_xlsx

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"

# every return rates the structures "sehr gut" to "mittel", never "schlecht"; the work with the
# target group gets all four: the two doughnuts once had 3 and 4 legend entries and shifted colours
DATA = """\
_id,lebenswelt,angebote,koop,region,bew_struktur,bew_zielgruppe,anzahl_tn,mehrwert
1,ja,Sport,abh jobcenter,stadt,sehr_gut,gut,1,Kooperation
2,ja,Sport,abh,kreis,sehr_gut,schlecht,2,Kooperation
3,nein,,schule,stadt,gut,mittel,3,Vernetzung
4,ja,Kochen,mso,kreis,gut,sehr_gut,4,Vernetzung
5,ja,Kochen,jobcenter,stadt,mittel,gut,5,Austausch
6,nein,,abh,kreis,gut,schlecht,6,Austausch
7,ja,Sport,jobcenter,stadt,sehr_gut,mittel,7,Kooperation
8,ja,Treffpunkt,abh,kreis,gut,gut,8,Kooperation
"""

RECIPE = """\
title: Farben
waves:
  "2022": {form: form.md, data: data.csv}
slides:
  - result:
      title: Zwei Ringe
      charts:
        - {question: bew_struktur, kind: doughnut, title: Struktur}
        - {question: bew_zielgruppe, kind: doughnut, title: Zielgruppe}
  - result:
      title: Zwei Items
      chart: {items: [bew_struktur, bew_zielgruppe], title: Bewertung}
  - result:
      title: Ja oder nein
      chart: {question: lebenswelt, kind: doughnut, title: Lebenswelt}
  - result:
      title: Kooperationen
      chart: {question: koop, title: Kooperationen}
  - result:
      title: Wenige Nennungen
      chart: {question: angebote, title: Angebote}
"""


@pytest.fixture(scope="module")
def colours(here, tmp_path_factory):
    folder = tmp_path_factory.mktemp("colours")
    (folder / "form.md").write_text((here / "form.md").read_text(encoding="utf-8"), "utf-8")
    (folder / "data.csv").write_text(DATA, encoding="utf-8")
    (folder / "r.yaml").write_text(RECIPE, encoding="utf-8")
    spec = load_recipe(folder / "r.yaml")
    # a minimum of 1: these tests are about drawing; disclosure control has its own tests
    built = build_report(spec, load_data(spec), min_cell=1)
    return built, Presentation(io.BytesIO(render_pptx(built)))


@pytest.fixture(scope="module")
def reference():
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    built = build_report(spec, load_data(spec))
    data = render_pptx(built)
    return built, Presentation(io.BytesIO(data))


def _slide(deck, title):
    return next(s for s in deck.slides if s.shapes.title.text_frame.text == title)


def _charts(deck):
    return [sh.chart for s in deck.slides for sh in s.shapes if sh.has_chart]


def _fill(sppr) -> str | None:
    if sppr is None:
        return None
    clr = sppr.find(f"{A}solidFill/{A}srgbClr")
    return None if clr is None else clr.get("val")


def _keyed_colours(chart) -> list[tuple[str, str]]:
    """(name, colour) of what the chart's legend keys: slices of a ring, series of a stacked bar."""
    plot = chart.plots[0]
    ser = chart._chartSpace.findall(f".//{C}ser")
    if chart.chart_type in (XL_CHART_TYPE.DOUGHNUT, XL_CHART_TYPE.PIE):
        points = {
            int(dpt.find(f"{C}idx").get("val")): _fill(dpt.find(f"{C}spPr"))
            for dpt in ser[0].findall(f"{C}dPt")
        }
        return [(str(c), points[i]) for i, c in enumerate(plot.categories)]
    return [(s.name, _fill(x.find(f"{C}spPr"))) for s, x in zip(plot.series, ser, strict=True)]


def test_a_choice_has_one_colour_in_every_chart_of_a_deck__ok(colours):
    _, deck = colours
    seen: dict[str, set[str]] = {}
    charts = 0
    for chart in _charts(deck):
        if chart.chart_type in (
            XL_CHART_TYPE.DOUGHNUT,
            XL_CHART_TYPE.PIE,
            XL_CHART_TYPE.BAR_STACKED_100,
        ):
            charts += 1
            for name, colour in _keyed_colours(chart):
                seen.setdefault(name, set()).add(colour)
    assert charts == 4  # two rings, the stacked pair, ja/nein
    assert {n: len(c) for n, c in seen.items() if len(c) > 1} == {}
    # and the colours follow the scale: first point darkest blue, "nein" neutral grey
    assert seen["sehr gut"] == {ordered_colors(4)[0]}
    assert seen["schlecht"] == {ordered_colors(4)[3]}
    assert seen["nein"] == {NEUTRAL}


def test_an_empty_answer_keeps_its_legend_entry__ok(colours):
    _, deck = colours
    rings = [sh.chart for sh in _slide(deck, "Zwei Ringe").shapes if sh.has_chart]
    struktur, zielgruppe = (list(r.plots[0].categories) for r in rings)
    assert struktur == zielgruppe == ["sehr gut", "gut", "mittel", "schlecht"]
    values = list(rings[0].plots[0].series[0].values)
    assert values[3] == 0
    # no "0 %" drawn on the ring for it
    ser = rings[0]._chartSpace.find(f".//{C}ser")
    deleted = [
        d.find(f"{C}idx").get("val")
        for d in ser.findall(f"{C}dLbls/{C}dLbl")
        if d.find(f"{C}delete") is not None
    ]
    assert deleted == ["3"]


def test_two_items_of_one_scale_are_one_stacked_bar_chart__ok(colours, reference):
    _, deck = colours
    charts = [sh.chart for sh in _slide(deck, "Zwei Items").shapes if sh.has_chart]
    assert len(charts) == 1 and charts[0].chart_type == XL_CHART_TYPE.BAR_STACKED_100
    assert len(list(charts[0].plots[0].categories)) == 2
    assert [s.name for s in charts[0].plots[0].series] == ["sehr gut", "gut", "mittel", "schlecht"]
    assert charts[0].has_legend
    _, ref = reference
    slide = _slide(ref, "Bewertung der Strukturentwicklung vs. Arbeit mit der Zielgruppe")
    charts = [sh.chart for sh in slide.shapes if sh.has_chart]
    assert [c.chart_type for c in charts] == [XL_CHART_TYPE.BAR_STACKED_100]
    assert len(list(charts[0].plots[0].categories)) == 2


def test_the_same_colours_in_svg_and_print__ok(colours):
    built, deck = colours
    slide = next(s for s in built.slides if s.title == "Zwei Ringe")
    pptx_rings = [sh.chart for sh in _slide(deck, "Zwei Ringe").shapes if sh.has_chart]
    for panel, chart in zip(slide.panels, pptx_rings, strict=True):
        wanted = [c for _, c in _keyed_colours(chart)]
        svg = SVG[panel.kind](panel, "x", 400.0, "de")
        legend = re.findall(r'<rect [^>]*fill="#([0-9A-F]{6})"', svg)
        assert len(wanted) == 4  # every choice of the scale, the empty "schlecht" too
        assert legend == wanted  # the legend: every choice, empty ones too, in list order
        printed = PRINT[panel.kind](panel, "x", 400.0, 225.0, "de")
        assert re.findall(r"background:#([0-9A-F]{6})", printed) == wanted


def test_chart_workbooks_hold_exact_shares__ok(reference):
    built, deck = reference
    found = set()
    for chart in _charts(deck):
        wb = load_workbook(io.BytesIO(chart.part.chart_workbook.xlsx_part.blob))
        ws = wb.worksheets[0]
        numbers = [
            float(c.value)
            for row in ws.iter_rows()
            for c in row
            if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)
        ]
        found.update(v for v in numbers if v in (57.5, 42.5))
        # what the chart plots is what its workbook holds
        plotted = [v for s in chart.plots[0].series for v in s.values if v is not None]
        assert sorted(numbers) == pytest.approx(sorted(float(v) for v in plotted))
    # 23 and 17 of 40: stored 57.5 and 42.5, shown "58 %" and "43 %" by the number format
    assert found == {57.5, 42.5}
    slide = next(
        s for s in built.slides if any(57.5 in p.series[0].values for p in s.panels if p.series)
    )
    panel = next(p for p in slide.panels if p.series and 57.5 in p.series[0].values)
    assert panel.series[0].labels == ("58\u202f%", "43\u202f%")
    assert panel.number_format == '[$-407]0" %"'
    assert "Abweichungen von 100\u00a0% sind rundungsbedingt" in slide.footnotes


def test_the_excel_report_keeps_57_5_and_formats_it__ok(reference):
    built, _ = reference
    wb = load_workbook(io.BytesIO(render_xlsx(built)))
    cells = [c for ws in wb.worksheets[1:] for row in ws.iter_rows() for c in row]
    exact = [c for c in cells if c.value == 57.5]
    assert exact and all(c.number_format == '0.0" %"' for c in exact)
    assert not any(c.value == 58.0 and c.number_format.startswith("0.0") for c in cells)


def test_no_chart_label_is_shortened__ok(reference):
    built, deck = reference
    for chart in _charts(deck):
        for cat in chart.plots[0].categories:
            assert "…" not in str(cat), cat
        wb = load_workbook(io.BytesIO(chart.part.chart_workbook.xlsx_part.blob))
        for row in wb.worksheets[0].iter_rows():
            for c in row:
                assert "…" not in str(c.value or ""), c.value
    # and the whole label is there: its lines joined give the category of the built panel
    shown = {" ".join(str(c).split()) for ch in _charts(deck) for c in ch.plots[0].categories}
    wanted = {
        " ".join(c.split())
        for s in built.slides
        for p in s.panels
        if p.kind not in ("cloud", "table")
        for c in p.categories
    }
    assert wanted <= shown
    assert "Neue bzw. intensivere Kooperationsbeziehungen" in shown


def test_cloud_sizes_follow_frequency_and_never_go_under_12_pt__ok(reference):
    built, deck = reference
    clouds = 0
    for panel_slide, slide in zip(built.slides, deck.slides, strict=True):
        counts = {m.text: m.count for p in panel_slide.panels for m in p.mentions}
        placed = [
            (
                counts[" ".join(sh.text_frame.text.split("\n"))],
                sh.text_frame.paragraphs[0].runs[0].font.size.pt,
            )
            for sh in slide.shapes
            if sh.name.startswith("Mention ")
        ]
        if not placed:
            continue
        clouds += 1
        assert min(size for _, size in placed) >= SMALLEST
        for ca, sa in placed:
            for cb, sb in placed:
                if ca > cb:
                    assert sa >= sb, (ca, sa, cb, sb)
                if ca == cb:
                    assert sa == sb
    assert clouds >= 2  # the others, after disclosure control, have ten or fewer mentions: bars


def test_a_cloud_that_does_not_fit_shrinks_as_a_whole__ok():
    mentions = [Mention(f"Nennung Nummer {i}", 20 - i, ()) for i in range(12)]
    mentions.append(Mention("eine sehr lange Nennung " * 4, 15, ()))
    roomy = layout_cloud(mentions, 700, 400)
    tight = layout_cloud(mentions, 300, 260)
    assert len(roomy) == len(tight) == len(mentions)
    by_text = {m.text: m for m in tight}
    assert max(m.size for m in tight) < max(m.size for m in roomy)
    assert min(m.size for m in tight) >= SMALLEST
    for a in tight:
        for b in tight:
            if a.count > b.count:
                assert a.size >= b.size
    long = by_text["eine sehr lange Nennung " * 4]
    assert len(long.lines) > 1 and " ".join(long.lines) == long.text.strip()


def test_ten_or_fewer_mentions_are_a_sorted_bar_chart__ok(colours):
    built, deck = colours
    panel = next(s for s in built.slides if s.title == "Wenige Nennungen").panels[0]
    assert panel.kind == "bar" and panel.mentions
    counts = list(panel.series[0].counts)
    assert counts == sorted(counts, reverse=True) == [3, 2, 1]
    charts = [sh.chart for sh in _slide(deck, "Wenige Nennungen").shapes if sh.has_chart]
    assert [str(c) for c in charts[0].plots[0].categories] == ["Sport", "Kochen", "Treffpunkt"]


def test_nothing_on_a_slide_is_under_12_pt__ok(reference):
    _, deck = reference
    sizes = []
    for slide in deck.slides:
        sizes += [int(x) for x in re.findall(rb'\bsz="(\d+)"', etree.tostring(slide._element))]
        for sh in slide.shapes:
            if sh.has_chart:
                sizes += [
                    int(x)
                    for x in re.findall(rb'\bsz="(\d+)"', etree.tostring(sh.chart._chartSpace))
                ]
    assert sizes and min(sizes) >= 1200


def test_every_series_colour_has_3_to_1_against_white__ok(reference):
    palette = [*QUALITATIVE, NEUTRAL, *(c for n in range(1, 10) for c in ordered_colors(n))]
    assert min(contrast(c) for c in palette) >= 3.0
    _, deck = reference
    used = set()
    for chart in _charts(deck):
        for sppr in chart._chartSpace.iter(f"{C}spPr"):
            fill = _fill(sppr)
            if fill:
                used.add(fill)
    assert len(used) >= 5
    assert {c: round(contrast(c), 2) for c in used if contrast(c) < 3.0} == {}


def test_none_and_no_answers_are_neutral__ok():
    assert (
        is_neutral("keine neuen Kooperationen") and is_neutral("nein") and is_neutral("weiß nicht")
    )
    assert not is_neutral("neue Kooperationen") and not is_neutral("Nennung")
    assert choice_colors(["ja", "nein"], False) == [QUALITATIVE[0], NEUTRAL]
    # a scale keeps its colours whatever answers occur: by place in the list, not among answers
    scale = ["sehr gut", "gut", "teils/teils", "schlecht", "sehr schlecht"]
    assert choice_colors(scale, True) == ordered_colors(5)


def test_reference_recipe_pairs_the_two_ratings__ok():
    text = Path(reference_path("recipe_2022.yaml")).read_text(encoding="utf-8")
    assert "items: [bewertung, bewertung_zg]" in text


def test_dont_know_answers_are_grey_in_every_format__ok():
    """ "noch offen", "noch unklar" (don't know, undecided) are grey like "nein", in a lighter
    shade so that the two stay apart in one chart: the same hex in the PPTX and the SVG."""
    from klappt.reference import load_reference
    from klappt.report import ReportData, default_spec
    from klappt.report.colors import DONT_KNOW_WORDS, neutral_color
    from klappt.report.html import render_html
    from klappt.report.theme import UNDECIDED

    assert neutral_color("noch offen") == neutral_color("not decided yet") == UNDECIDED
    assert neutral_color("weiß nicht") == neutral_color("don't know") == UNDECIDED
    assert neutral_color("nein") == neutral_color("keine Notwendigkeit") == NEUTRAL
    assert neutral_color("offene Angebote") is None and neutral_color("ja") is None
    assert {"noch offen", "noch unklar", "don't know"} <= set(DONT_KNOW_WORDS)
    assert UNDECIDED != NEUTRAL and contrast(UNDECIDED) >= 3.0
    form, rs, _ = load_reference("2022")
    built = build_report(default_spec(form, "de", "2022"), ReportData.single(form, rs, "2022"))
    panels = [p for s in built.slides for p in s.panels if "noch offen" in p.categories]
    assert panels
    p = panels[0]
    colours = dict(zip(p.categories, p.category_colors, strict=True))
    assert colours["noch offen"] == UNDECIDED and colours["nein"] == NEUTRAL
    assert colours["ja"] not in (UNDECIDED, NEUTRAL)
    # the deck: the chart of "ja/nein/noch offen" fills its "noch offen" point with the grey
    deck = Presentation(io.BytesIO(render_pptx(built)))
    chart = next(
        c for c in _charts(deck) if "noch offen" in [str(x) for x in c.plots[0].categories]
    )
    index = [str(x) for x in chart.plots[0].categories].index("noch offen")
    xml = etree.tostring(chart._chartSpace).decode()
    point = re.search(
        rf'<c:dPt><c:idx val="{index}"/>.*?<a:srgbClr val="([0-9A-F]{{6}})"', xml, re.S
    )
    assert point and point.group(1) == UNDECIDED
    # the HTML's SVG and the PDF's pages: bars in that grey
    from klappt.report.print_pages import render_pages

    assert f'fill="#{UNDECIDED}"' in render_html(built)
    assert UNDECIDED in render_pages(built).upper()
