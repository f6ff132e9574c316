"""Reading data files: encodings, separators, Excel leftovers, spreadsheets."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from klappt.errors import ErrorCode, KlapptError
from klappt.responses.io import RawTable, read_table

TEXT = """
_id,name,betrag,notiz
1,Köln,"3,5",Straße
2,Düren,4,
"""


def test_plain_utf8_csv__ok(write_data):
    table = read_table(write_data(TEXT))
    assert table.columns == ("_id", "name", "betrag", "notiz")
    assert table.frame["name"].to_list() == ["Köln", "Düren"]
    assert table.frame["notiz"].to_list() == ["Straße", None]  # empty cell = not answered
    assert table.encoding == "utf-8" and table.separator == "," and not table.decimal_comma
    assert table.format == "csv"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_german_excel_csv__ok(write_data, encoding):
    text = TEXT.replace(",", ";").replace('"3;5"', "3,5")
    table = read_table(write_data(text, encoding=encoding, newline="\r\n"))
    assert table.columns == ("_id", "name", "betrag", "notiz")  # no BOM left in the first header
    assert table.frame["name"].to_list() == ["Köln", "Düren"]
    assert table.frame["betrag"].to_list() == ["3,5", "4"]
    assert table.frame["notiz"].to_list() == ["Straße", None]
    assert table.separator == ";" and table.decimal_comma
    assert table.format == "excel-csv"
    assert table.encoding == encoding.replace("utf-8-sig", "utf-8-sig")


def test_tab_separated__ok(write_data):
    table = read_table(write_data("a\tb\n1\t2\n", name="d.tsv"))
    assert table.columns == ("a", "b")
    assert table.frame.row(0) == ("1", "2")


def test_excel_leftover_rows_and_columns_are_dropped__ok(write_data):
    table = read_table(write_data("a;b;;\n1;2;;\n;;;\n3;;;\n;;;\n"))
    assert table.columns == ("a", "b")
    assert table.frame.rows() == [("1", "2"), ("3", None)]
    assert [table.file_row(i) for i in range(table.height)] == [2, 4]


def test_xlsx_values_become_text__ok(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["_id", "zahl", "dezimal", "datum", "flag", "text"])
    ws.append([1, 3.0, 2.5, dt.datetime(2022, 3, 1), True, "Text; mit Semikolon"])
    ws.append([2, None, None, None, False, "x"])
    path = tmp_path / "d.xlsx"
    wb.save(path)
    table = read_table(path)
    assert table.frame.row(0) == ("1", "3", "2.5", "2022-03-01", "TRUE", "Text; mit Semikolon")
    assert table.frame.row(1) == ("2", None, None, None, "FALSE", "x")
    assert table.format == "xlsx"


def test_parquet__ok(tmp_path):
    import polars as pl

    path = tmp_path / "d.parquet"
    pl.DataFrame({"a": [1, 2], "b": ["x", None]}).write_parquet(path)
    table = read_table(path)
    assert table.frame.rows() == [("1", "x"), ("2", None)]


def test_parquet_categories_from_dictionaries__ok(tmp_path):
    import polars as pl

    # several row groups, so each holds its own dictionary; a number column asked for as
    # categories too; a column left as text
    path = tmp_path / "d.parquet"
    n = 3000
    pl.DataFrame(
        {
            "s": [["c1", "c2", None, " c3"][i % 4] for i in range(n)],
            "k": [i % 3 for i in range(n)],
            "t": [f"Text {i}" for i in range(n)],
        }
    ).write_parquet(path, row_group_size=700)
    table = read_table(path, categories=lambda headers: ["s", "k"])
    assert [table.frame[c].dtype == pl.Categorical for c in "skt"] == [True, True, False]
    assert table.frame["t"].dtype == pl.String
    assert table.frame["s"].cast(pl.String).to_list() == [
        ["c1", "c2", None, " c3"][i % 4] for i in range(n)
    ]
    assert table.frame["k"].cast(pl.String).to_list() == [str(i % 3) for i in range(n)]
    assert table.frame["t"][n - 1] == f"Text {n - 1}"
    plain = read_table(path)
    assert all(dtype == pl.String for dtype in plain.frame.schema.values())
    assert plain.frame["s"].to_list() == table.frame["s"].cast(pl.String).to_list()


def test_broken_parquet__error(tmp_path):
    path = tmp_path / "kaputt.parquet"
    path.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(KlapptError) as info:
        read_table(path)
    assert info.value.code is ErrorCode.FILE_003
    assert "kaputt.parquet" in info.value.message()


def test_from_records_round_trip__ok(write_data):
    table = read_table(write_data(TEXT))
    again = RawTable.from_records(table.columns, table.records())
    assert again.frame.equals(table.frame)


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (None, "fehlt.csv", ErrorCode.FILE_001),
        (b"", "leer.csv", ErrorCode.FILE_002),
        (b"a,b\n", "kopf.csv", ErrorCode.RESPONSES_001),
        (b"a,b,a\n1,2,3\n", "doppelt.csv", ErrorCode.RESPONSES_003),
        (b"\x00\x01\x02binary\x00", "bin.csv", ErrorCode.FILE_005),
        (b"a,b\n\x81\x8d,\x90\n", "kodierung.csv", ErrorCode.FILE_005),
        (b"%PDF-1.4", "data.pdf", ErrorCode.FILE_004),
        (b"PK\x03\x04broken", "kaputt.xlsx", ErrorCode.FILE_003),
    ],
    ids=[
        "missing",
        "empty",
        "header_only",
        "duplicate_header",
        "binary",
        "undecodable",
        "pdf",
        "broken_xlsx",
    ],
)
def test_file_mistakes__error(tmp_path, content, name, code):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(KlapptError) as info:
        read_table(path)
    assert info.value.code is code
    assert name in info.value.message()


def test_parquet_all_text_categories__ok(tmp_path):
    import polars as pl

    # every column text: read by Polars itself, the category columns cast on the way; several
    # row groups, missing cells and a choice with a space kept as written
    path = tmp_path / "d.parquet"
    n = 3000
    s = [["c1", "c2", None, " c3"][i % 4] for i in range(n)]
    # (a row with no cell at all is dropped as a blank line: never both missing here)
    t = [f"Text {i}" if i % 5 or i % 4 == 2 else None for i in range(n)]
    pl.DataFrame({"s": s, "t": t}).write_parquet(path, row_group_size=700)
    table = read_table(path, categories=lambda headers: ["s"])
    assert table.frame.schema == {"s": pl.Categorical(), "t": pl.String()}
    assert table.frame["s"].cast(pl.String).to_list() == s
    assert table.frame["t"].to_list() == t
    assert table.columns == ("s", "t") and table.format == "parquet"
    plain = read_table(path)
    assert plain.frame.schema == {"s": pl.String(), "t": pl.String()}
    assert plain.frame["s"].to_list() == s


def test_parquet_all_text_over_the_row_limit__error(tmp_path, monkeypatch):
    import polars as pl

    # the row count comes from the file's footer, before any data is read
    monkeypatch.setenv("KLAPPT_MAX_ROWS", "10")
    path = tmp_path / "viele.parquet"
    pl.DataFrame({"a": [str(i) for i in range(50)]}).write_parquet(path)
    with pytest.raises(KlapptError) as info:
        read_table(path)
    assert info.value.code is ErrorCode.FILE_007


def test_csv_only_unicode_spaces__error(tmp_path):
    # white space beyond ASCII (no-break space, ideographic space) is no content either
    path = tmp_path / "leer.csv"
    path.write_bytes(" \u00a0\n\u3000 \n".encode())
    with pytest.raises(KlapptError) as info:
        read_table(path)
    assert info.value.code is ErrorCode.FILE_002


def test_csv_long_multibyte_header__ok(tmp_path):
    # a header line of multibyte names longer than the part read ahead as bytes: the separator
    # and the header come out whole
    names = [f"Größe_{i:05d}_ü" for i in range(3000)]
    path = tmp_path / "breit.csv"
    path.write_text(";".join(names) + "\n" + ";".join("1" for _ in names) + "\n", "utf-8")
    table = read_table(path, kind="data")
    assert table.columns == tuple(names)
    assert table.separator == ";" and table.encoding == "utf-8"
    assert table.frame.row(0) == tuple("1" for _ in names)


def test_categories_empty_texts_blank_rows_and_long_cells(tmp_path, monkeypatch):
    import polars as pl

    # an empty text in a category column is a missing cell, a row of nothing but empty or
    # missing cells is no return, and a cell over the limit is refused in a category column as
    # in a text column; the longest category of the process bounds a column, never decides it
    path = tmp_path / "d.parquet"
    pl.DataFrame(
        {
            "a": ["x", "", None, "y", ""],
            "b": ["p", "", None, "", "q"],
            "t": ["t1", "", None, "t4", ""],
        }
    ).write_parquet(path)
    table = read_table(path, categories=lambda headers: ["a", "b"])
    assert table.frame.schema == {"a": pl.Categorical(), "b": pl.Categorical(), "t": pl.String()}
    assert table.frame["a"].cast(pl.String).to_list() == ["x", "y", None]
    assert table.frame["b"].cast(pl.String).to_list() == ["p", None, "q"]
    assert table.frame["t"].to_list() == ["t1", "t4", None]
    assert [table.file_row(i) for i in range(table.height)] == [2, 5, 6]

    monkeypatch.setenv("KLAPPT_MAX_CELL", "10")
    long = tmp_path / "long.parquet"
    pl.DataFrame({"a": ["x", "y", "z" * 11], "b": ["p", "q", "r"]}).write_parquet(long)
    with pytest.raises(KlapptError) as info:
        read_table(long, categories=lambda headers: ["a", "b"])
    assert info.value.code is ErrorCode.FILE_009
    assert "'a'" in info.value.message() and "4" in info.value.message()
    # the long text is now a category of the process; a column without it is read
    short = tmp_path / "short.parquet"
    pl.DataFrame({"a": ["y", "x"], "b": ["q", "p"]}).write_parquet(short)
    assert read_table(short, categories=lambda headers: ["a", "b"]).height == 2
    csv = tmp_path / "long.csv"
    csv.write_text("a,b\nx,p\n" + "z" * 11 + ",q\n")
    with pytest.raises(KlapptError) as info:
        read_table(csv, categories=lambda headers: ["a"])
    assert info.value.code is ErrorCode.FILE_009


@pytest.mark.parametrize("piece", [1, 5, 64, 1 << 24])
def test_utf8_checked_in_pieces(tmp_path, monkeypatch, piece):
    import klappt.responses.io as io

    # the check of a large UTF-8 file goes piece by piece: a character cut between two pieces
    # is still one, and one broken byte anywhere sends the file the Windows way
    monkeypatch.setattr(io, "_PIECE", piece)
    good = tmp_path / "good.csv"
    good.write_bytes("_id,name\n1,Köln\n2,Düsseldorf €\n3,𝄞\n".encode())
    table = read_table(good)
    assert table.encoding == "utf-8"
    assert table.frame["name"].to_list() == ["Köln", "Düsseldorf €", "𝄞"]
    windows = tmp_path / "windows.csv"
    windows.write_bytes("_id,name\n1,Köln\n2,Düren\n".encode() + "3,Straße\n".encode("cp1252"))
    table = read_table(windows)
    assert table.encoding == "cp1252"
    assert table.frame["name"].to_list() == ["KÃ¶ln", "DÃ¼ren", "Straße"]
    assert not io._plain_utf8("a\n\ud800".encode("utf-8", "surrogatepass"))
    assert not io._plain_utf8(b"a\n\xe2\x82")  # cut off at the end
    # blank: white space only (as str.strip sees it), a character across two pieces included
    assert io._blank(b" " * 65535 + "\u3000\n".encode())
    assert not io._blank(b" " * 65535 + "é".encode())
