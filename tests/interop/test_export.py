"""Exports of a wave: SPSS/Stata with labels and multiple-response sets, Parquet, CSV/XLSX.

Round trips: wave -> .sav -> pyreadstat -> the same values and labels; wave -> XLSForm + CSV
(or XLSX) -> klappt tabulate -> the same tables.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import openpyxl
import polars as pl
import pyreadstat
import pytest

from klappt.analysis.tabulate import tabulate
from klappt.errors import ErrorCode, KlapptError
from klappt.instrument import read_instrument
from klappt.interop.export import export_wave
from klappt.interop.spss.read import read_spss
from klappt.interop.spss.write import choice_codes
from klappt.responses.dataset import load_responses
from klappt.responses.io import RawTable, read_table

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "heldout"


@pytest.fixture(scope="module")
def wave():
    form = read_instrument(HELDOUT / "form.xlsx")
    rs, _ = load_responses(form, read_table(HELDOUT / "returns_kobo.xlsx"))
    return form, rs


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _nan_to_none(values: list) -> list:
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values]


def test_sav_round_trip_values_and_labels__ok(wave, tmp_path: Path) -> None:
    form, rs = wave
    df, meta = pyreadstat.read_sav(
        _write(tmp_path, "w.sav", export_wave(form, rs, "sav")), output_format="dict"
    )
    lang = form.default_language
    assert _nan_to_none(list(df["return_id"])) == rs.meta["return_id"].to_list()
    for q in form.questions:
        if q.type == "select_one":
            codes = choice_codes(q)
            assert _nan_to_none(list(df[q.name])) == [
                codes.get(v) if v else None for v in rs.frame[q.name].to_list()
            ]
            assert meta.variable_value_labels[q.name] == {
                float(codes[c.name]): c.label(None, lang) for c in q.choices
            }
            assert meta.column_names_to_labels[q.name] == q.label(None, lang)
        elif q.type == "select_multiple":
            members = meta.mr_sets[q.name]["variable_list"]
            for c, var in zip(q.choices, members, strict=True):
                expected = [
                    None if v is None else float(v)
                    for v in rs.frame[f"{q.name}/{c.name}"].to_list()
                ]
                assert _nan_to_none(list(df[var])) == expected
                assert (
                    meta.column_names_to_labels[var]
                    == f"{q.label(None, lang)}: {c.label(None, lang)}"
                )
            assert meta.mr_sets[q.name] == {
                "type": "D",
                "is_dichotomy": True,
                "counted_value": 1,
                "label": q.label(None, lang),
                "variable_list": members,
            }
        elif q.type in ("integer", "decimal"):
            assert _nan_to_none(list(df[q.name])) == [
                None if v is None else float(v) for v in rs.frame[q.name].to_list()
            ]
            assert meta.variable_measure[q.name] == "scale"
        elif q.type == "text" and q.name in df:
            assert [v or None for v in df[q.name]] == rs.frame[q.name].to_list()
    assert meta.variable_measure["zufriedenheit"] == (
        "ordinal" if form.question("zufriedenheit").ordered else "nominal"
    )


def test_dta_round_trip_values_and_labels__ok(wave, tmp_path: Path) -> None:
    form, rs = wave
    df, meta = pyreadstat.read_dta(
        _write(tmp_path, "w.dta", export_wave(form, rs, "dta")), output_format="dict"
    )
    q = form.question("traeger")
    codes = choice_codes(q)
    assert _nan_to_none(list(df["traeger"])) == [
        codes.get(v) if v else None for v in rs.frame["traeger"].to_list()
    ]
    assert meta.variable_value_labels["traeger"] == {
        codes[c.name]: c.label(None, form.default_language) for c in q.choices
    }
    assert all(
        len(n) <= 32 and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", n) for n in meta.column_names
    )
    assert meta.column_names_to_labels["plaetze"] == form.question("plaetze").label(
        None, form.default_language
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_xlsform_and_table_give_the_same_tables__ok(wave, tmp_path: Path, fmt: str) -> None:
    form, rs = wave
    form_path = _write(tmp_path, "form.xlsx", export_wave(form, rs, "xlsform"))
    data_path = _write(tmp_path, f"data.{fmt}", export_wave(form, rs, fmt))
    form2 = read_instrument(form_path)
    rs2, report = load_responses(form2, read_table(data_path))
    assert report.ok, report.counts()
    assert tabulate(rs2).to_dict() == tabulate(rs).to_dict()
    assert tabulate(rs2, by="gebietstyp").to_dict() == tabulate(rs, by="gebietstyp").to_dict()


def test_parquet_holds_the_typed_wave__ok(wave, tmp_path: Path) -> None:
    form, rs = wave
    frame = pl.read_parquet(_write(tmp_path, "w.parquet", export_wave(form, rs, "parquet")))
    assert frame.equals(pl.concat([rs.meta, rs.frame], how="horizontal"))


@pytest.fixture
def risky(write_form):
    md = """
    | survey |                 |                  |           |
    |        | type            | name             | label     |
    |        | text            | _lead            | Lead      |
    |        | integer         | TO               | Reserved  |
    |        | text            | Abc              | Upper     |
    |        | text            | abc              | Lower     |
    |        | text            | q.dot            | Dot       |
    |        | decimal         | {long}           | Long      |
    """.replace("{long}", "x" * 70)
    form = read_instrument(write_form(md))
    cols = ["_lead", "TO", "Abc", "abc", "q.dot", "x" * 70]
    rows = [
        ["=SUM(A1)", "-5", "+49 30 1234", "@home", "normal", "1.5"],
        ["-minus", "3", "+Tab", "ok", "=1+1", "-2.25"],
        ["\uff1dHYPERLINK(1)", "4", "\uff20x", "ok", "\uff0bx", "1"],  # full-width = @ +
    ]
    rs, _ = load_responses(form, RawTable.from_records(cols, rows, source="risky.csv"))
    return form, rs


def test_formula_cells_are_neutralised__ok(risky, tmp_path: Path) -> None:
    form, rs = risky
    text = export_wave(form, rs, "csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert (
        rows[0]["_lead"] == "'=SUM(A1)"
        and rows[0]["Abc"] == "'+49 30 1234"
        and rows[0]["abc"] == "'@home"
    )
    assert (
        rows[1]["_lead"] == "'-minus" and rows[1]["Abc"] == "'+Tab" and rows[1]["q.dot"] == "'=1+1"
    )
    assert rows[2]["_lead"] == "'\uff1dHYPERLINK(1)" and rows[2]["Abc"] == "'\uff20x"
    assert rows[2]["q.dot"] == "'\uff0bx"
    assert rows[0]["TO"] == "-5" and rows[1]["x" * 70] == "-2.25"  # numbers stay numbers
    sheet = openpyxl.load_workbook(io.BytesIO(export_wave(form, rs, "xlsx")))["data"]
    cells = {c.value: c.data_type for row in sheet.iter_rows(min_row=2) for c in row}
    assert cells["'=SUM(A1)"] == "s" and cells["'=1+1"] == "s"
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)


def test_spss_and_stata_names_are_valid__ok(risky, tmp_path: Path) -> None:
    form, rs = risky
    _, meta = pyreadstat.read_sav(
        _write(tmp_path, "r.sav", export_wave(form, rs, "sav")), metadataonly=True
    )
    names = meta.column_names
    reserved = {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}
    for name in names:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_.@#$]*", name), name
        assert (
            len(name.encode()) <= 64
            and not name.endswith(("_", "."))
            and name.lower() not in reserved
        ), name
    assert len({n.lower() for n in names}) == len(names)
    assert meta.column_names_to_labels[names[1]] == "Lead"
    _, dmeta = pyreadstat.read_dta(
        _write(tmp_path, "r.dta", export_wave(form, rs, "dta")), metadataonly=True
    )
    assert all(len(n) <= 32 for n in dmeta.column_names) and len(
        {n.lower() for n in dmeta.column_names}
    ) == len(dmeta.column_names)


def test_read_back_our_sav_gives_the_same_counts__ok(wave, tmp_path: Path) -> None:
    form, rs = wave
    result = read_spss(_write(tmp_path, "w.sav", export_wave(form, rs, "sav")))
    assert result.responses.meta["return_id"].to_list() == rs.meta["return_id"].to_list()
    original = {t.question: t for t in tabulate(rs).tables}
    compared = 0
    for t in tabulate(result.responses).tables:
        if t.question in original and t.rows:
            before = original[t.question]
            assert {r.label: r.count for r in t.rows if r.count} == {
                r.label: r.count for r in before.rows if r.count
            }
            assert t.base == before.base
            compared += 1
    assert compared >= 6


def test_unknown_export_format__error(wave) -> None:
    form, rs = wave
    with pytest.raises(KlapptError) as info:
        export_wave(form, rs, "sas7bdat")
    assert info.value.code == ErrorCode.INTEROP_013
