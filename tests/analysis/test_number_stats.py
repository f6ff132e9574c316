"""The statistics of number questions from one histogram: which columns take that path, and
that its figures are those of the values themselves."""

from __future__ import annotations

import statistics
from fractions import Fraction

import numpy as np
import polars as pl

from klappt.analysis.number_stats import _whole_codes, number_stats
from klappt.instrument.model import Question

SEP = "\x1f"


def _stats(values: list[float | None], groups: list[int]) -> tuple[dict, list[dict]]:
    frame = pl.DataFrame({"x": pl.Series(values, dtype=pl.Float64)})
    g = np.array(groups, dtype=np.uint8)
    return number_stats(frame, [Question("x", "decimal", {"default": "x"})], g, max(groups) + 1)


def test_decimals_on_a_grid_are_counted_as_whole_numbers() -> None:
    s = pl.Series([1.5, None, 0.25, 2.125, None, 7.0], dtype=pl.Float64)
    codes = _whole_codes(s, 2)
    assert codes is not None
    values, lo, width, scale = codes
    assert scale == 1000 and lo == 250 and width == 7000 - 250 + 2
    assert values.tolist() == [1500 - 249, 0, 1, 2125 - 249, 0, 7000 - 249]


def test_columns_off_a_grid_or_with_negative_zero_are_not() -> None:
    assert _whole_codes(pl.Series([1 / 3, 0.5], dtype=pl.Float64), 1) is None
    assert _whole_codes(pl.Series([-0.0, 0.5], dtype=pl.Float64), 1) is None
    assert _whole_codes(pl.Series([float("nan"), 0.5], dtype=pl.Float64), 1) is None
    assert _whole_codes(pl.Series([float("inf"), 0.5], dtype=pl.Float64), 1) is None
    assert _whole_codes(pl.Series([None, None], dtype=pl.Float64), 1) is None
    # most returns without an answer: their few values go the sorting way
    assert _whole_codes(pl.Series([None, None, None, 0.5], dtype=pl.Float64), 1) is None


def test_grid_statistics_equal_those_of_the_values() -> None:
    values = [0.1, 0.2, None, 0.7, 12.5, 0.1, 3.3, None, 0.2]
    groups = [0, 1, 0, 0, 1, 1, 0, 1, 1]
    overall, per_group = _stats(values, groups)
    for got, want in [
        (overall, [v for v in values if v is not None]),
        *(
            (per_group[i], [v for v, gi in zip(values, groups, strict=True) if gi == i and v])
            for i in (0, 1)
        ),
    ]:
        exact = sum(Fraction(str(v)) for v in want)
        assert got["x" + SEP + "base"] == len(want)
        assert got["x" + SEP + "min"] == min(want) and got["x" + SEP + "max"] == max(want)
        assert got["x" + SEP + "median"] == statistics.median(want)
        assert got["x" + SEP + "sum"] == float(exact)  # the exact sum, rounded once
        assert got["x" + SEP + "mean"] == float(exact / len(want))


def test_nulls_among_values_far_from_zero_get_code_zero() -> None:
    # the value written under a null before the codes are made is the column's minimum: the
    # codes of answers start at 1 and a null's is 0, whatever side of zero the values lie
    codes = _whole_codes(pl.Series([-12.5, None, -3.25, None, -7.0], dtype=pl.Float64), 2)
    assert codes is not None
    values, lo, width, scale = codes
    assert (scale, lo, width) == (100, -1250, -325 + 1250 + 2)
    assert values.tolist() == [1, 0, 926, 0, 551]
    codes = _whole_codes(pl.Series([1000.5, None, 1002.0], dtype=pl.Float64), 1)
    assert codes is not None and codes[0].tolist() == [1, 0, 16] and codes[1:] == (10005, 17, 10)
    # whole numbers past 2**52 are not exact as floats: not counted as a grid
    assert _whole_codes(pl.Series([2.0**53, None, 1.0, 2.0], dtype=pl.Float64), 1) is None
    assert _whole_codes(pl.Series([-(2.0**53), None, 1.0, 2.0], dtype=pl.Float64), 1) is None


def test_grid_statistics_of_negative_values_with_nulls() -> None:
    values = [-12.5, None, -3.25, None, -7.0, -0.5, None, -3.25]
    groups = [0, 0, 1, 1, 1, 2, 2, 0]
    overall, per_group = _stats(values, groups)
    for got, want in [
        (overall, [v for v in values if v is not None]),
        *(
            (per_group[i], [v for v, gi in zip(values, groups, strict=True) if gi == i and v])
            for i in (0, 1, 2)
        ),
    ]:
        exact = sum(Fraction(str(v)) for v in want)
        assert got["x" + SEP + "base"] == len(want)
        assert got["x" + SEP + "min"] == min(want) and got["x" + SEP + "max"] == max(want)
        assert got["x" + SEP + "median"] == statistics.median(want)
        assert got["x" + SEP + "sum"] == float(exact)
