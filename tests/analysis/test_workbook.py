"""The Excel tables carry exactly the tabulation's numbers, for every group of a crossed table."""

from __future__ import annotations

import io

import openpyxl
import pytest

from klappt.analysis.tabulate import tabulate
from klappt.analysis.workbook import safe_cell, tabulation_workbook
from klappt.reference import load_reference


@pytest.fixture(scope="module")
def crossed():
    _, rs, _ = load_reference("2022")
    return tabulate(rs, by="gebietstyp")


def _sheet_rows(data: bytes) -> list[list[object]]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_every_cell_equals_the_tabulation__ok(crossed):
    rows = _sheet_rows(tabulation_workbook(crossed, "de"))
    titles = {r[0]: i for i, r in enumerate(rows) if isinstance(r[0], str)}
    checked = 0
    for table in crossed.tables:
        start = titles[f"{table.label} ({table.question})"]
        body = rows[start + 2 : start + 2 + len(table.rows)]
        cells = [table.cell] + [g.cell for g in table.groups]
        for i, row in enumerate(table.rows):
            assert body[i][0] == row.label
            expected = []
            for cell in cells:
                expected += [cell.rows[i].count, cell.rows[i].percent]
            assert body[i][1 : 1 + len(expected)] == expected, (table.question, row.choice)
            checked += 1
        base_row = next(r for r in rows[start:] if r[0] == "Basis (n)")
        assert [v for v in base_row[1:] if v is not None] == [c.base for c in cells]
    assert checked > 100


def test_english_headings__ok(crossed):
    rows = _sheet_rows(tabulation_workbook(crossed, "en"))
    assert any(r[0] == "Base (n)" for r in rows)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+49 201", "'+49 201"),
        ("-x", "'-x"),
        ("@a", "'@a"),
        ("ok", "ok"),
        (3, 3),
    ],
)
def test_formula_text_is_neutralised__ok(value, expected):
    assert safe_cell(value) == expected
