"""No output holds a formula: choice and code-book labels that look like formulas (``=HYPERLINK``,
``=cmd|…``, full-width ``＝``, ``+``, ``-``, ``@``, a leading tab) are neutralised in the workbooks
embedded in the deck's charts, in the report's workbook and in the tables workbook."""

from __future__ import annotations

import io

import openpyxl
import pytest
from pptx import Presentation

from klappt.analysis.tabulate import tabulate
from klappt.analysis.workbook import tabulation_workbook
from klappt.instrument import read_instrument
from klappt.reference import reference_path
from klappt.report.build import build_report
from klappt.report.data import ReportData
from klappt.report.output import RENDERERS
from klappt.report.recipe import default_spec, load_recipe
from klappt.report.sources import load_data
from klappt.responses.dataset import load_responses
from klappt.responses.io import read_table
from klappt.spreadsheet import FORMULA_START

HOSTILE = (
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "\uff1d1+1",
    "+49 sonst",
    "-2 Punkte",
    "@SUM(A1)",
    "\tTab",
    "\uff20home",
)
FORM = """\
| survey   |               |        |                    |
|          | type          | name   | label::Deutsch (de) |
|          | select_one ab | wahl   | Welche Wahl?       |
|          | select_multiple ab | mehr | Welche noch?     |
| choices  |               |        |                    |
|          | list_name     | name   | label::Deutsch (de) |
{choices}| settings |        |        |                    |
|          | form_title    | form_id |                   |
|          | Formeln       | formeln |                   |
"""


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formeln")
    choices = "".join(
        f"|          | ab            | c{i}   | {_md_cell(label)} |\n"
        for i, label in enumerate(HOSTILE)
    )
    (folder / "form.md").write_text(FORM.format(choices=choices), encoding="utf-8")
    rows = ["_id,wahl,mehr"] + [f"{i},c{i % len(HOSTILE)},c{i % 3} c5" for i in range(1, 13)]
    (folder / "returns.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    form = read_instrument(folder / "form.md")
    # the labels arrive as written (pyxform strips the tab)
    assert [c.label("de") for c in form.question("wahl").choices][:2] == list(HOSTILE[:2])
    rs, _ = load_responses(form, read_table(folder / "returns.csv"))
    return form, rs


def _assert_inert(blob: bytes, where: str) -> int:
    """Every cell of the workbook: no formula, no text a spreadsheet would run. Returns the
    number of text cells seen."""
    wb = openpyxl.load_workbook(io.BytesIO(blob))
    texts = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (where, ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts += 1
                    assert not cell.value.startswith(FORMULA_START), (
                        where,
                        ws.title,
                        cell.coordinate,
                        cell.value,
                    )
    return texts


def _chart_workbooks(pptx: bytes) -> list[bytes]:
    prs = Presentation(io.BytesIO(pptx))
    return [
        shape.chart.part.chart_workbook.xlsx_part.blob
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_chart
    ]


def _values(blob: bytes) -> set[str]:
    wb = openpyxl.load_workbook(io.BytesIO(blob))
    return {c.value for ws in wb.worksheets for r in ws.iter_rows() for c in r if c.value}


def test_chart_workbooks_of_the_deck_hold_no_formula__ok(hostile):
    form, rs = hostile
    built = build_report(default_spec(form), ReportData.single(form, rs))
    books = _chart_workbooks(RENDERERS[".pptx"](built, None))
    assert len(books) >= 2  # wahl and mehr
    seen: set[str] = set()
    for i, blob in enumerate(books):
        assert _assert_inert(blob, f"chart {i}") > 0
        seen |= _values(blob)
    # the labels are there, shown with the apostrophe, not dropped
    assert '\'=HYPERLINK("http://x","y")' in seen
    assert "'\uff1d1+1" in seen


def test_chart_labels_on_the_slide_stay_as_written__ok(hostile):
    form, rs = hostile
    built = build_report(default_spec(form), ReportData.single(form, rs))
    prs = Presentation(io.BytesIO(RENDERERS[".pptx"](built, None)))
    labels = {
        str(c)
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_chart
        for c in shape.chart.plots[0].categories
    }
    assert any(label.replace("\n", " ").startswith("=HYPERLINK") for label in labels), labels


def test_report_workbook_and_tables_workbook_hold_no_formula__ok(hostile):
    form, rs = hostile
    built = build_report(default_spec(form), ReportData.single(form, rs))
    assert _assert_inert(RENDERERS[".xlsx"](built, None), "report") > 0
    assert _assert_inert(tabulation_workbook(tabulate(rs, lang="de")), "tables") > 0


def test_code_book_labels_in_chart_workbooks_are_neutralised__ok(tmp_path):
    book = reference_path("codebook_notwendigkeit_text.yaml").read_text(encoding="utf-8")
    book = book.replace(
        "de: Beratungs- und Begleitungsstrukturen", 'de: \'=HYPERLINK("http://x","y")\'', 1
    )
    assert "HYPERLINK" in book
    (tmp_path / "cb.yaml").write_text(book, encoding="utf-8")
    form, data = reference_path("arbeitshilfe_2022.xlsx"), reference_path("returns_2022.csv")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        'title: T\nwaves:\n  "2022":\n'
        f"    form: {form}\n    data: {data}\n"
        f"    codebooks: [{tmp_path / 'cb.yaml'}]\n"
        f"    codings: {reference_path('codings_2022.csv')}\n"
        "slides:\n  - result: {title: Nennungen, chart: notwendigkeit_text__codes}\n",
        encoding="utf-8",
    )
    spec = load_recipe(recipe)
    built = build_report(spec, load_data(spec))
    books = _chart_workbooks(RENDERERS[".pptx"](built, None))
    assert books
    for blob in books:
        _assert_inert(blob, "codes chart")
    assert any('\'=HYPERLINK("http://x","y")' in _values(b) for b in books)
    _assert_inert(RENDERERS[".xlsx"](built, None), "report")


@pytest.mark.parametrize("text", [*HOSTILE, "\rx", "\nx", "\uff0b1", "\uff0d1"])
def test_every_writer_neutralises_alike__ok(text):
    from klappt.analysis.workbook import safe_cell
    from klappt.report.xlsx import safe_text
    from klappt.spreadsheet import neutral

    assert neutral(text) == safe_text(text) == safe_cell(text) == "'" + text
    assert neutral("ja =1") == "ja =1"
