"""Stata files from the wild: integers stay numbers and keep their storage on export, every
format pyreadstat reads is recognised by its header."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pyreadstat
import pytest
from stata_files import write_old_dta

from klappt.analysis.tabulate import tabulate
from klappt.interop import detect_format, read_any
from klappt.interop.export import export_wave

#: the Stata versions pyreadstat writes, and the format (release) each gives
PYREADSTAT_VERSIONS = range(8, 16)


def _stats(result, name: str) -> dict:
    table = next(t for t in tabulate(result.responses).to_dict()["tables"] if t["question"] == name)
    return table["stats"]


@pytest.mark.parametrize("version", PYREADSTAT_VERSIONS)
def test_stata_integers_are_numbers_in_every_version__ok(tmp_path: Path, version: int) -> None:
    frame = pl.DataFrame(
        {
            "kinder": pl.Series([3, None, 0, 12], dtype=pl.Int32),
            "geld": [10.5, 3.25, None, 1.0],
        }
    )
    path = tmp_path / f"v{version}.dta"
    pyreadstat.write_dta(frame, str(path), version=version)
    result = read_any(path)
    assert result.instrument.question("kinder").type == "integer"
    assert result.instrument.question("geld").type == "decimal"
    assert result.responses.frame["kinder"].to_list() == [3, None, 0, 12]
    assert result.responses.frame["kinder"].dtype == pl.Int64
    assert _stats(result, "kinder")["n"] == 3 and _stats(result, "kinder")["sum"] == 15
    assert "note: Stata integers read as integer numbers: kinder (long)" in result.summary.lines(
        "en"
    )


@pytest.mark.parametrize("release", [111, 113, 114, 115])
def test_stata_byte_int_and_long_of_older_formats__ok(tmp_path: Path, release: int) -> None:
    path = write_old_dta(
        tmp_path / f"r{release}.dta",
        {
            "b": ("byte", [1, None, -3]),
            "i": ("int", [300, 2, None]),
            "l": ("long", [70000, None, 5]),
        },
        release=release,
    )
    result = read_any(path)
    assert [q.type for q in result.instrument.questions] == ["integer"] * 3
    assert result.responses.frame.to_dict(as_series=False) == {
        "b": [1, None, -3],
        "i": [300, 2, None],
        "l": [70000, None, 5],
    }
    assert any("b (byte), i (int), l (long)" in line for line in result.summary.lines("en"))


def test_stata_numbers_round_trip_with_their_storage_type__ok(tmp_path: Path) -> None:
    path = write_old_dta(
        tmp_path / "in.dta",
        {
            "b": ("byte", [1, None, -3]),
            "l": ("long", [70000, -32767, None]),
            "d": ("double", [1.0, 2.0, None]),  # integral values, stored as a double
        },
    )
    result = read_any(path)
    out = tmp_path / "out.dta"
    out.write_bytes(export_wave(result.instrument, result.responses, "dta"))
    data, meta = pyreadstat.read_dta(str(out), output_format="dict")
    # integers are stored as integers again (pyreadstat writes a byte as a long), doubles as doubles
    assert meta.readstat_variable_types["b"] == "int32"
    assert meta.readstat_variable_types["l"] == "int32"
    assert meta.readstat_variable_types["d"] == "double"
    assert list(data["b"]) == [1, None, -3]
    assert list(data["l"]) == [70000, -32767, None]
    assert list(data["d"]) == [1.0, 2.0, None]
    again = read_any(out)
    assert [again.instrument.question(n).type for n in ("b", "l", "d")] == [
        "integer",
        "integer",
        "decimal",
    ]
    # the returns as CSV: numbers as numbers, missing as an empty cell
    rows = list(
        csv.DictReader(
            io.StringIO(export_wave(result.instrument, result.responses, "csv").decode("utf-8-sig"))
        )
    )
    assert [r["l"] for r in rows] == ["70000", "-32767", ""]
    assert [r["b"] for r in rows] == ["1", "", "-3"]


@pytest.mark.parametrize(
    ("name", "release", "unused"),
    [
        ("filled.dta", 113, 7),  # a writer that fills the header's unused byte
        ("legacy.bin", 111, 0),  # an old format under another name
        ("export.dat", 115, 0),
    ],
)
def test_older_stata_formats_are_told_by_their_header__ok(
    tmp_path: Path, name: str, release: int, unused: int
) -> None:
    path = write_old_dta(
        tmp_path / name, {"n": ("int", [4, None, 6])}, release=release, unused=unused
    )
    assert detect_format(path) == "stata-dta"
    result = read_any(path)
    assert result.format == "stata-dta"
    assert result.responses.frame["n"].to_list() == [4, None, 6]


@pytest.mark.parametrize("version", PYREADSTAT_VERSIONS)
def test_every_version_pyreadstat_writes_is_told_by_its_header__ok(
    tmp_path: Path, version: int
) -> None:
    path = tmp_path / "upload.bin"
    pyreadstat.write_dta(pl.DataFrame({"n": [1.5, 2.5]}), str(path), version=version)
    assert detect_format(path) == "stata-dta"
    assert read_any(path).responses.frame["n"].to_list() == [1.5, 2.5]
