"""The workbook: a sheet per table with its base; formula injection neutralised."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from klappt.report.build import build_report
from klappt.report.recipe import load_recipe
from klappt.report.sources import load_data
from klappt.report.xlsx import render_xlsx, safe_text


@pytest.fixture(scope="module")
def built(here):
    spec = load_recipe(here / "recipe.yaml")
    return build_report(spec, load_data(spec))


@pytest.fixture(scope="module")
def wb(built):
    return load_workbook(io.BytesIO(render_xlsx(built)))


def test_a_sheet_per_table_after_the_contents__ok(wb, built):
    assert wb.sheetnames[0] == "Inhalt"
    assert len(wb.sheetnames) == 1 + len(built.tables())


def test_each_sheet_states_its_base__ok(wb, built):
    for ws, (_, _, panel) in zip(wb.worksheets[1:], built.tables(), strict=True):
        assert ws["A3"].value == "Basis (n)"
        expected = panel.table.base if panel.table.base is not None else panel.table.base_text
        assert ws["B3"].value == expected


def test_numbers_are_numbers_equal_to_the_tabulation__ok(wb, built, tab2022, table_of):
    index = next(
        i
        for i, (_, s, p) in enumerate(built.tables())
        if p.question == "koop" and s.title.startswith("Weiter")
    )
    ws = wb.worksheets[1 + index]
    rows = {ws.cell(r, 1).value: (ws.cell(r, 2).value, ws.cell(r, 3).value) for r in range(7, 11)}
    table = table_of(tab2022, "koop")
    for r in table["rows"]:
        # the exact share (5 of 9 = 55.555…), shown as 55.6 % by the number format alone
        count, pct = rows[r["label"]]
        assert count == r["count"]
        assert pct == pytest.approx(r["count"] * 100 / table["base"], abs=1e-9)
    assert ws.cell(7, 3).number_format == '0.0" %"'


def test_formula_injection_is_neutralised__ok(here):
    # one site's formula-like mention is withheld by disclosure control (min 3); with a
    # minimum of 1 it reaches the workbook, and must be neutralised there
    spec = load_recipe(here / "recipe.yaml")
    wb = load_workbook(io.BytesIO(render_xlsx(build_report(spec, load_data(spec), min_cell=1))))
    values = [
        c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert '\'=HYPERLINK("http://evil.example","klick")' in values
    assert "'+49 Anruf" in values
    assert "'@home" in values
    for v in values:
        assert not v.startswith(("=", "+", "-", "@")), v
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+49", "'+49"),
        ("-x", "'-x"),
        ("@a", "'@a"),
        ("\tx", "'\tx"),
        ("ok", "ok"),
        ("", ""),
    ],
)
def test_safe_text__ok(value, expected):
    assert safe_text(value) == expected
