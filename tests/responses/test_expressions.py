"""XLSForm conditions compiled to Polars: each case checked row by row against XPath's answer."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from klappt.instrument import read_instrument
from klappt.instrument.conditions.parse import UnsupportedExpression
from klappt.instrument.conditions.to_polars import Compiler

FORM = """
| survey |
|        | type               | name | label |
|        | select_one yn      | a    | A     |
|        | select_multiple mm | m    | M     |
|        | integer            | n    | N     |
|        | decimal            | d    | D     |
|        | text               | t    | T     |
|        | date               | dat  | Datum |
| choices |
|         | list_name | name | label |
|         | yn        | ja   | ja    |
|         | yn        | nein | nein  |
|         | mm        | x    | X     |
|         | mm        | y    | Y     |
|         | mm        | z    | Z     |
"""

FRAME = pl.DataFrame(
    {
        "a": ["ja", "nein", None, "ja"],
        "m/x": [True, False, None, True],
        "m/y": [True, True, None, False],
        "m/z": [False, False, None, False],
        "n": [3, 0, None, 12],
        "d": [1.5, None, 2.0, -1.0],
        "t": ["Hallo", None, "", "abc123"],
        "dat": [dt.date(2022, 3, 1), None, dt.date(2021, 1, 1), dt.date(2022, 12, 31)],
    },
    schema_overrides={"n": pl.Int64},
)


@pytest.fixture(scope="module")
def compiler(tmp_path_factory):
    path = tmp_path_factory.mktemp("f") / "form.md"
    path.write_text(FORM.strip() + "\n", encoding="utf-8")
    form = read_instrument(path)
    return Compiler(form, set(FRAME.columns))


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("${a} = 'ja'", [True, False, False, True]),
        ("${a} != 'ja'", [False, True, True, False]),  # an empty answer is unequal to 'ja'
        ("${a} = ''", [False, False, True, False]),
        ("${n} > 2", [True, False, False, True]),
        ("${n} >= 3 and ${n} <= 10", [True, False, False, False]),
        ("${n} != 3", [False, True, True, True]),  # XPath: NaN != 3 is true
        ("${n} = 0 or ${d} < 0", [False, True, False, True]),
        ("not(${a} = 'ja')", [False, True, True, False]),
        ("selected(${m}, 'y')", [True, True, False, False]),
        ("selected(${a}, 'nein')", [False, True, False, False]),
        ("count-selected(${m}) >= 2", [True, False, False, False]),
        ("${m} = 'x y'", [True, False, False, False]),
        ("string-length(${t}) > 3", [True, False, False, True]),
        ("regex(${t}, '[a-z]+[0-9]+')", [False, False, False, True]),
        ("${n} * 2 + 1 = 7", [True, False, False, False]),
        ("${n} div 4 = 3", [False, False, False, True]),
        ("${n} mod 5 = 2", [False, False, False, True]),
        ("-${d} > 0", [False, False, False, True]),
        ("${dat} > date('2022-01-01')", [True, False, False, True]),
        ("${dat} <= '2021-06-30'", [False, False, True, False]),
        ("if(${a} = 'ja', ${n}, 0) > 5", [False, False, False, True]),
        ("${t}", [True, False, False, True]),
        ("true() and not(false())", [True, True, True, True]),
        ("(${a} = 'ja' or ${a} = 'nein') and ${n} < 5", [True, True, False, False]),
        ("../a = 'ja'", [True, False, False, True]),
        ("/data/grp/a = 'ja'", [True, False, False, True]),
        ('${a} = "ja"', [True, False, False, True]),
    ],
)
def test_condition_matches_xpath__ok(compiler, expr, expected):
    result = FRAME.with_columns(compiler.condition(expr).alias("r"))["r"].to_list()
    assert result == expected


@pytest.mark.parametrize(
    ("expr", "self_name", "expected"),
    [
        (". >= 0 and . < 10", "n", [True, True, False, False]),
        ("not(selected(., 'z'))", "m", [True, True, True, True]),
        ("regex(., '^[A-Z]')", "t", [True, False, False, False]),
    ],
)
def test_constraint_on_self__ok(compiler, expr, self_name, expected):
    result = FRAME.select(compiler.condition(expr, self_name=self_name).alias("r"))["r"].to_list()
    assert result == expected


@pytest.mark.parametrize(
    "expr",
    [
        "pulldata('x', 'y', 'z', ${a})",
        "${unbekannt} = 1",
        "${a} = ",
        "${a} $ 3",
        "position(..) = 1",
    ],
)
def test_unsupported_or_broken__error(compiler, expr):
    with pytest.raises(UnsupportedExpression):
        compiler.condition(expr)
