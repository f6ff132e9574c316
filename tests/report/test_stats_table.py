"""A statistics table fills its slide sensibly: a table of two numbers at the largest text
(18 pt), its rows airy, centred in its box, in the deck and on the PDF page alike; a long table
falls back to 14 pt and stays inside its box."""

from __future__ import annotations

import io
import re

import pytest
from pptx import Presentation

from klappt.reference import load_reference
from klappt.report import ReportData, build_report, default_spec
from klappt.report.built import DataTable
from klappt.report.pptx import render_pptx
from klappt.report.print_pages import render_pages
from klappt.report.stats_layout import stats_layout

_PT = 12700


@pytest.fixture(scope="module")
def built():
    form, rs, _ = load_reference("2022")
    spec = default_spec(form, "de", "2022")
    return build_report(spec, ReportData.single(form, rs, "2022"))


def _table_slide(prs):
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_table and shape.name == "Table thm_anzahl":
                return slide, shape
    raise AssertionError("no statistics table of thm_anzahl")


def test_deck_table_of_two_numbers_is_large_and_centred__ok(built):
    prs = Presentation(io.BytesIO(render_pptx(built)))
    slide, frame = _table_slide(prs)
    sizes = {
        r.font.size.pt
        for row in frame.table.rows
        for c in row.cells
        for p in c.text_frame.paragraphs
        for r in p.runs
    }
    assert sizes == {18.0}
    h = prs.slide_height / _PT
    top, bottom = frame.top / _PT, (frame.top + frame.height) / _PT
    foot = next(s for s in slide.shapes if s.name == "Footnotes").top / _PT
    # rows of more than one line of text, the table in the middle of the room below the
    # heading (not at its top, the rest of the slide empty)
    assert frame.height / _PT / len(frame.table.rows) > 18 * 2.4
    assert top > h * 0.3 and bottom < foot
    assert abs((top + bottom) / 2 - h / 2) < h * 0.12
    assert sum(c.width for c in frame.table.columns) == pytest.approx(frame.width, abs=_PT * 2)


def test_pdf_table_of_two_numbers_has_the_deck_s_size__ok(built):
    page = render_pages(built)
    table = re.search(r'<table class="stats" style="([^"]*)">(.*?)</table>', page, re.S)
    assert table is not None
    style = table.group(1)
    assert "font-size:18pt" in style
    top = float(re.search(r"top:([\d.]+)pt", style).group(1))
    assert top > 40  # centred in its box, not at its top
    rows = [float(x) for x in re.findall(r'<tr style="height:([\d.]+)pt', table.group(2))]
    assert len(rows) == 3 and min(rows) > 18 * 2.4


def test_long_table_falls_back_to_14pt_and_stays_in_its_box__ok():
    rows = tuple(
        (f"Frage {i} mit einem längeren Wortlaut über Stellen", "40", "1,6", "2") for i in range(13)
    )
    table = DataTable(
        title="t",
        columns=("Frage", "Basis (n)", "Mittelwert", "Median"),
        kinds=("text", "count", "number", "number"),
        rows=rows,
        formatted=rows,
    )
    lay = stats_layout(table, 888.0, 400.0)
    assert lay.size == 14.0
    assert lay.y + sum(lay.row_heights) <= 400.0
    # two numbers in the same box: the largest text
    assert (
        stats_layout(
            DataTable("t", table.columns, table.kinds, rows[:2], rows[:2]), 888.0, 330.0
        ).size
        == 18.0
    )
