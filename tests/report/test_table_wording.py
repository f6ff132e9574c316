"""No table of a published report addresses the respondent (issue 15, review item 6): the row
labels of a statistics table read as statements, as slide titles do ("Wie viele THM in der
Kommune tätig sind"), and a table's title and question line say "der Kommune", not "Ihrer
Kommune". Checked on the derived deck of the reference case (no recipe) in every format."""

from __future__ import annotations

import html
import re
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation
from typer.testing import CliRunner

from klappt.cli import app
from klappt.reference import reference_path
from klappt.report.tables import row_label

#: the form's respondent wording, as it must not reach a published table
ADDRESSED = re.compile(r"\b(?:Ihrer|Ihrem|Ihren|Ihres|Ihr)\b|\bIhre ")


@pytest.fixture(scope="module")
def derived(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("derived")
    files = {ext: out / f"bericht.{ext}" for ext in ("pptx", "html", "xlsx")}
    args = ["report", str(reference_path("arbeitshilfe_2022.xlsx"))]
    args.append(str(reference_path("returns_2022.csv")))
    for f in files.values():
        args += ["-o", str(f)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    return files


def _pptx_cells(path: Path) -> dict[int, list[str]]:
    cells: dict[int, list[str]] = {}
    for i, slide in enumerate(Presentation(str(path)).slides, start=1):
        for shape in slide.shapes:
            if shape.has_table:
                cells.setdefault(i, []).extend(c.text for r in shape.table.rows for c in r.cells)
    return cells


def test_statistics_table_rows_read_as_statements_in_the_deck__ok(derived):
    cells = _pptx_cells(derived["pptx"])
    thm = [(i, c) for i, cs in cells.items() for c in cs if "Teilhabemanager" in c]
    assert thm, "the derived deck has the THM statistics table"
    assert all(
        " ".join(c.split()) == "Wie viele Teilhabemanager:innen (THM, FB6) derzeit in der "
        "Kommune tätig sind"
        for _, c in thm
    ), thm
    bad = [(i, c) for i, cs in cells.items() for c in cs if ADDRESSED.search(c)]
    assert not bad, bad


def test_no_table_cell_of_html_or_workbook_addresses_the_respondent__ok(derived):
    page = derived["html"].read_text(encoding="utf-8")
    cells = [
        html.unescape(re.sub(r"<[^>]+>", "", c))
        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", page, re.S)
    ]
    assert any("derzeit in der Kommune tätig sind" in c for c in cells)
    assert not [c for c in cells if ADDRESSED.search(c)]
    # captions and titles of the page too: the form's "Ihrer Kommune" is nowhere
    assert not ADDRESSED.search(html.unescape(page))
    book = openpyxl.load_workbook(derived["xlsx"])
    values = [
        (ws.title, c.coordinate, c.value)
        for ws in book
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert any("derzeit in der Kommune tätig sind" in v for _, _, v in values)
    assert not [v for v in values if ADDRESSED.search(v[2])]


@pytest.mark.parametrize(
    ("label", "lang", "row"),
    [
        (
            "Wie viele Teilhabemanager:innen sind derzeit in Ihrer Kommune tätig?",
            "de",
            "Wie viele Teilhabemanager:innen derzeit in der Kommune tätig sind",
        ),
        ("Anzahl der Stellen in Ihrer Kommune", "de", "Anzahl der Stellen in der Kommune"),
        ("Number of staff in your municipality", "en", "Number of staff in your municipality"),
    ],
)
def test_row_label_uses_the_titles_rewording__ok(label, lang, row):
    assert row_label(label, lang) == row
