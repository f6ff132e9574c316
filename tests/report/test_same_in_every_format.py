"""A chart and a slide look the same in the deck, the HTML and the PDF (issue 15, the review of
the reference deck): a ring's legend under it in all three, a trend as columns in all three,
the demo mark in one place on every slide, and the program's abbreviations explained."""

from __future__ import annotations

import io
import re

import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE

from klappt.reference import reference_path
from klappt.report import build_report, load_recipe
from klappt.report.abbreviations import used_abbreviations
from klappt.report.html import render_html
from klappt.report.kinds import PRINT, SVG, chart_style
from klappt.report.pptx import render_pptx
from klappt.report.print_pages import render_pages
from klappt.report.sources import load_data

MARK = "Demo – synthetische Daten"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_PT = re.compile(r"(left|top|width|height):(-?[\d.]+)pt")


@pytest.fixture(scope="module")
def built():
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    return build_report(spec, load_data(spec), mark=MARK)


@pytest.fixture(scope="module")
def deck(built):
    return Presentation(io.BytesIO(render_pptx(built)))


def _panels(built, kind):
    return [(i, p) for i, s in enumerate(built.slides) for p in s.panels if p.kind == kind]


def _charts(slide):
    return [sh.chart for sh in slide.shapes if sh.has_chart]


def _box(style: str) -> dict[str, float]:
    return {k: float(v) for k, v in _PT.findall(style)}


def test_a_rings_legend_is_under_it_in_deck_html_and_pdf__ok(built, deck):
    rings = _panels(built, "doughnut")
    assert len(rings) >= 4
    for i, panel in rings:
        # the deck: the native chart's legend at the bottom
        chart = next(c for c in _charts(deck.slides[i]) if c.chart_type == XL_CHART_TYPE.DOUGHNUT)
        pos = chart._chartSpace.find(f".//{C}legend/{C}legendPos")
        assert pos is not None and pos.get("val") == "b"
        # the HTML: every legend key below the ring (a ring's radius 120 around y=130)
        svg = SVG["doughnut"](panel, "x", 900.0, "de")
        keys = [float(y) for y in re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="12"', svg)]
        assert len(keys) == len(panel.categories)
        assert min(keys) > 130 + 120
        # the PDF: the same in a wide box (once the legend went right of the ring there) and
        # in a narrow one
        for width, height in ((600.0, 300.0), (300.0, 330.0)):
            html = PRINT["doughnut"](panel, "x", width, height, "de")
            ring = _box(re.search(r'<img[^>]*style="([^"]*)"', html).group(1))
            squares = [_box(s) for s in re.findall(r'<i style="([^"]*)"', html)]
            assert len(squares) == len(panel.categories)
            assert all(sq["top"] >= ring["top"] + ring["height"] for sq in squares), (width, html)


def test_a_trend_is_columns_in_deck_html_and_pdf__ok(built, deck):
    trends = _panels(built, "trend")
    assert trends
    for i, panel in trends:
        assert chart_style(panel) == "column"  # what the kinds table says (kinds.chart_style)
        chart = _charts(deck.slides[i])[0]
        assert chart._chartSpace.find(f".//{C}barDir").get("val") == "col"
        # the HTML: the bars of the groups stand on one base line and side by side
        svg = SVG["trend"](panel, "t", 700.0, "de")
        rects = re.findall(
            r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill', svg
        )
        bars = [tuple(map(float, r)) for r in rects if float(r[2]) != 12]  # not legend keys
        assert len(bars) == len(panel.categories) * len(panel.series)
        bottoms = {round(y + h, 1) for _, y, _, h in bars}
        assert len(bottoms) == 1, bottoms
        assert len({x for x, _, _, _ in bars}) == len(bars)
        # the PDF: the same
        html = PRINT["trend"](panel, "t", 500.0, 300.0, "de")
        boxes = [_box(s) for s in re.findall(r'<i style="([^"]*)"', html)]
        boxes = [b for b in boxes if b.get("height", 0) > 2 and b["width"] != b["height"]]
        assert len({round(b["top"] + b["height"], 1) for b in boxes}) == 1


def test_the_mark_sits_in_one_place_on_every_pdf_page_and_html_slide__ok(built, deck):
    pages = render_pages(built)
    sections = re.findall(r'<section class="page page-(\w+)">(.*?)</section>', pages, re.S)
    assert len(sections) == len(built.slides)
    places = set()
    for _, body in sections:
        marks = re.findall(r'<p style="([^"]*)">' + re.escape(MARK), body)
        assert len(marks) == 1
        places.add(tuple(sorted(_box(marks[0]).items())))
    assert len(places) == 1
    box = dict(places.pop())
    assert box["top"] < 5
    # the deck's mark: the same box, in points
    shape = next(sh for sh in deck.slides[0].shapes if sh.name == "Mark")
    assert abs(shape.top / 12700 - 0.0) < 0.5
    assert abs((shape.left + shape.width) / 12700 - (box["left"] + box["width"] + 3.6)) < 1
    # the HTML: first thing of every slide, in the corner (position: absolute, top right)
    html = render_html(built)
    slides = re.findall(r'<section class="slide slide-\w+"[^>]*>\n(.*?)\n', html)
    assert len(slides) == len(built.slides)
    assert all(s == f'<p class="mark">{MARK}</p>' for s in slides)
    assert re.search(r"\.slide > \.mark \{\{?[^}]*position: absolute; top: \d+px; right:", html)


def test_every_abbreviation_on_a_slide_is_explained_there__ok(built, deck):
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    glossary = spec.options["abbreviations"]
    explained = 0
    for slide, s in zip(deck.slides, built.slides, strict=True):
        text = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
        for chart in _charts(slide):
            text += " " + " ".join(str(c) for c in chart.plots[0].categories)
        notes = " ".join(sh.text_frame.text for sh in slide.shapes if sh.name == "Footnotes")
        for short, long in glossary.items():
            if re.search(rf"(?<![^\W_]){re.escape(short)}(?![^\W\d_])", text.replace(notes, "")):
                if long.replace("'", "’") in text.replace(notes, ""):
                    continue  # spelled out on the slide already
                assert f"{short} = " in notes, (s.title, short)
                explained += 1
    assert explained >= 15  # THM, CM, KI, … on the slides that use them


def test_only_abbreviations_a_slide_uses_are_explained__ok():
    glossary = {
        "KI": "Kommunales Integrationszentrum",
        "KIM": "Kommunales Integrationsmanagement",
        "CM": "Case-Management",
        "FB": "Förderbaustein",
        "ABH": "Ausländerbehörde",
    }
    used = used_abbreviations(
        ["THM und KIM-CM im Kreis", "FB6: THM", "Ausländerbehörde (ABH)", "KIWI"], glossary
    )
    # KI is not in KIM or KIWI, FB is in FB6, ABH is spelled out; in order of first use
    assert used == [("KIM", glossary["KIM"]), ("CM", glossary["CM"]), ("FB", glossary["FB"])]


def test_an_abbreviation_without_its_words_names_the_recipe_line__error(tmp_path):
    from klappt.errors import KlapptError

    text = reference_path("recipe_2022.yaml").read_text(encoding="utf-8")
    assert "    THM: Teilhabemanagement\n" in text
    line = text[: text.index("    THM: Teilhabemanagement")].count("\n") + 1
    bad = tmp_path / "recipe.yaml"
    bad.write_text(text.replace("    THM: Teilhabemanagement\n", "    THM:\n"), encoding="utf-8")
    with pytest.raises(KlapptError) as err:
        load_recipe(bad)
    message = str(err.value)
    assert "options.abbreviations" in message
    # the line of `abbreviations:` (the mapping), a few lines above THM
    assert re.search(r"Zeile (\d+)", message) and int(re.search(r"Zeile (\d+)", message)[1]) < line
