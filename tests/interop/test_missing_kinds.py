"""Which kind of missing a value was (SPSS user-missing codes, Stata's ``.a``-``.z``) is kept:
as metadata of the return, and counted in the validation report; the value itself is missing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat

from klappt.instrument import read_instrument
from klappt.interop import read_any, returns_csv
from klappt.responses.dataset import load_responses
from klappt.responses.io import read_table


def _sav(path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "zuf": [1.0, 2.0, -9.0, -8.0, 3.0, None],
            "alter": [30.0, -9.0, 40.0, 50.0, -7.0, 20.0],
        }
    )
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={
            "zuf": {
                1.0: "gut",
                2.0: "mittel",
                3.0: "schlecht",
                -9.0: "verweigert",
                -8.0: "weiß nicht",
            },
            "alter": {-9.0: "verweigert", -7.0: "trifft nicht zu"},
        },
        missing_ranges={"zuf": [-9.0, -8.0], "alter": [{"lo": -9.0, "hi": -7.0}]},
    )
    return path


def _dta(path: Path) -> Path:
    frame = pd.DataFrame({"x": pd.Series([1, 2, "a", 4, "b", "a"], dtype=object)})
    pyreadstat.write_dta(frame, str(path), missing_user_values={"x": ["a", "b"]})
    return path


def test_spss_user_missing_kinds_are_kept__ok(tmp_path: Path) -> None:
    result = read_any(_sav(tmp_path / "m.sav"))
    rs, report = result.responses, result.summary.report
    assert rs.frame["alter"].to_list() == [30, None, 40, 50, None, 20]
    assert rs.frame["zuf"].to_list() == ["1", "2", None, None, "3", None]
    assert rs.meta["_missing_zuf"].to_list() == [
        None,
        None,
        "-9 verweigert",
        "-8 weiß nicht",
        None,
        None,
    ]
    assert report.ok
    assert report.missing_kinds() == {
        "zuf": {"-9 verweigert": 1, "-8 weiß nicht": 1},
        "alter": {"-9 verweigert": 1, "-7 trifft nicht zu": 1},
    }
    assert report.to_dict()["missing_kinds"] == report.missing_kinds()
    assert any(
        line.startswith("note: 4 user-missing values set to missing")
        for line in result.summary.lines("en")
    )


def test_stata_extended_missing_kinds_are_kept__ok(tmp_path: Path) -> None:
    result = read_any(_dta(tmp_path / "s.dta"))
    assert result.responses.frame["x"].to_list() == [1, 2, None, 4, None, None]
    assert result.summary.report.missing_kinds() == {"x": {".a": 2, ".b": 1}}


def test_a_stata_file_of_extended_missing_values_only__ok(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": pd.Series(["a", "b", "a"], dtype=object)})
    path = tmp_path / "only.dta"
    pyreadstat.write_dta(frame, str(path), missing_user_values={"x": ["a", "b"]})
    result = read_any(path)
    assert result.responses.height == 3
    assert result.responses.frame["x"].to_list() == [None, None, None]
    assert result.summary.report.missing_kinds() == {"x": {".a": 2, ".b": 1}}


def test_missing_kinds_survive_the_converted_files__ok(tmp_path: Path) -> None:
    """klappt import stores the converted XLSForm and table: the kinds are in the table."""
    result = read_any(_sav(tmp_path / "m.sav"))
    form, data = tmp_path / "form.xlsx", tmp_path / "returns.csv"
    form.write_bytes(result.xlsform)
    data.write_bytes(returns_csv(result.raw))
    rs, report = load_responses(read_instrument(form), read_table(data))
    assert report.missing_kinds() == result.summary.report.missing_kinds()
    assert rs.meta["_missing_alter"].to_list() == result.responses.meta["_missing_alter"].to_list()
