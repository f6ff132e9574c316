"""Base, minimum, maximum, mean, median and sum of the number questions, per banner group.

- **whole numbers of a short range** (ages, counts of staff, years: the usual case) are counted
  in one ``bincount`` of ``group * width + value - lo + 1`` over one or two bytes per return
  (0: no answer), built straight from the column's Arrow buffers (Polars' ``fill_null`` and
  ``to_numpy`` each copied the whole column; measured: a third of the time); every statistic
  of every group follows from that histogram exactly (the median from its running sum);
- **decimals as typed** (every value exactly the float of a number with up to three places) go
  the same way as whole numbers of tenths, hundredths or thousandths: minimum, maximum and
  median are the column's own floats, the sum and the mean the exact fraction rounded once
  (the sorting way below summed floats, so a mean could differ from it in the last bit, which
  the two decimals of the output do not show);
- **other numbers** (decimals off such a grid, wide ranges, a column most returns left empty)
  are put in group order once (a stable sort of the one-byte group codes) and sorted within
  each group's slice; the overall median comes from the whole column.

The results equal Polars' own (an integer sum is exact, a mean is the sum divided by the count,
a median of an even count is the mean of the two middle values). Dates go through Polars.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import polars as pl

from klappt.analysis.counting import key
from klappt.instrument.model import Question

if TYPE_CHECKING:
    import numpy as np

#: a whole-number question is counted as a histogram up to this many cells (groups × range)
_HIST_CELLS = 1 << 20


def _middle_of_hist(counts: np.ndarray, lo: int) -> tuple[int, int]:
    """The ((n+1)//2)-th and the (n//2 + 1)-th value of a histogram's n values."""
    import numpy as np

    n = int(counts.sum())
    running = np.cumsum(counts)
    a = int(np.searchsorted(running, (n + 1) // 2)) + lo
    b = int(np.searchsorted(running, n // 2 + 1)) + lo
    return a, b


def _median_of_hist(counts: np.ndarray, lo: int) -> float | None:
    if not int(counts.sum()):
        return None
    a, b = _middle_of_hist(counts, lo)
    return float(a) if int(counts.sum()) % 2 else (a + b) / 2


def _from_hist(name: str, counts: np.ndarray, lo: int, scale: int = 1) -> dict[str, Any]:
    """The statistics from a histogram of whole numbers ``lo, lo + 1 ...``; with ``scale`` > 1
    they are decimals times ``scale``: each value ``v / scale`` is then the very float the
    column holds (checked by :func:`_grid`), the sum and mean are exact fractions rounded once."""
    import numpy as np

    n = int(counts.sum())
    if not n:
        return _empty(name, integer=scale == 1)
    present = np.flatnonzero(counts)
    total = int(counts @ np.arange(lo, lo + counts.size, dtype=np.int64))
    if scale == 1:
        return {
            key(name, "base"): n,
            key(name, "min"): int(present[0]) + lo,
            key(name, "max"): int(present[-1]) + lo,
            key(name, "mean"): total / n,
            key(name, "median"): _median_of_hist(counts, lo),
            key(name, "sum"): total,
        }
    a, b = _middle_of_hist(counts, lo)
    median = a / scale if n % 2 else (a / scale + b / scale) / 2
    return {
        key(name, "base"): n,
        key(name, "min"): (int(present[0]) + lo) / scale,
        key(name, "max"): (int(present[-1]) + lo) / scale,
        key(name, "mean"): total / (n * scale),
        key(name, "median"): median,
        key(name, "sum"): total / scale,
    }


def _empty(name: str, integer: bool) -> dict[str, Any]:
    return {
        key(name, "base"): 0,
        key(name, "min"): None,
        key(name, "max"): None,
        key(name, "mean"): None,
        key(name, "median"): None,
        key(name, "sum"): 0 if integer else 0.0,
    }


def _from_values(name: str, values: np.ndarray, integer: bool) -> dict[str, Any]:
    import numpy as np

    if not values.size:
        return _empty(name, integer)
    total = values.sum()
    return {
        key(name, "base"): int(values.size),
        key(name, "min"): values.min().item(),
        key(name, "max"): values.max().item(),
        key(name, "mean"): float(total) / values.size if integer else float(np.mean(values)),
        key(name, "median"): float(np.median(values)),
        key(name, "sum"): total.item(),
    }


def _pieces(s: pl.Series) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """A numeric column's pieces as numpy views of their values (whatever stands under a null)
    and, where there are nulls, 0/1 bytes of validity: straight from Arrow's buffers, no copy
    of the values (Polars' ``fill_null`` and ``to_numpy`` each copied a whole column)."""
    import numpy as np

    kind = s.dtype.to_python()
    out = []
    for chunk in s.get_chunks():
        arr = chunk.to_arrow()
        n, off = len(arr), arr.offset
        validity, values = arr.buffers()[:2]
        view = np.frombuffer(values, dtype=np.int64 if kind is int else np.float64)[off : off + n]
        valid = None
        if arr.null_count:
            bits = np.frombuffer(validity, dtype=np.uint8)
            valid = np.unpackbits(bits, count=off + n, bitorder="little")[off:]
        out.append((view, valid))
    return out


def _decimal_grid(
    s: pl.Series,
) -> tuple[np.ndarray, np.ndarray | None, int, float, float] | None:
    """A decimal column as whole numbers ``value * scale`` (``scale`` 1, 10, 100 or 1000) when
    every value is exactly the float of such a number over ``scale``, as decimals typed with up
    to three places are: (the whole numbers, the minimum's under a null; validity; scale; the
    column's minimum and maximum). None otherwise, when -0.0 is among them (it prints as such),
    or when most returns left the question out (their few values are sorted faster than all
    returns are counted)."""
    import numpy as np

    if s.null_count() * 2 > s.len():
        return None
    lo, hi = s.min(), s.max()
    # not finite: NaN or infinity (a NaN that Polars' minimum and maximum leave out fails the
    # comparison at the end: NaN equals nothing)
    lo_f, hi_f = float(lo), float(hi)  # type: ignore[arg-type]
    if not (math.isfinite(lo_f) and math.isfinite(hi_f)):
        return None
    pieces = _pieces(s)
    v = np.concatenate([p[0] for p in pieces])
    valid = None
    if s.null_count():
        valid = np.concatenate(
            [p[1] if p[1] is not None else np.ones(p[0].size, np.uint8) for p in pieces]
        )
        # the minimum under a null: its whole number is then in range of the codes (the
        # codes of no answer are made 0 afterwards)
        np.copyto(v, lo_f, where=valid == 0)
    if lo_f <= 0 <= hi_f:
        zero = v == 0
        if np.signbit(v[zero]).any():
            return None
    # the scale from the first few values, then checked on all
    head = v[:8192] if valid is None else v[:8192][valid[:8192] == 1]
    for scale in (1, 10, 100, 1000, 0):
        if scale and np.array_equal(np.rint(head * scale) / scale, head):
            break
    if not scale:
        return None
    # the bounds from the column's minimum and maximum (rounding ``value * scale`` keeps the
    # order, so they bound every whole number: no two passes over them)
    if not (round(hi_f * scale) < 2**52 and round(lo_f * scale) > -(2**52)):
        return None
    whole = v * scale
    np.rint(whole, out=whole)
    # ``whole / scale`` rounded once, as the typed value was (Polars' division multiplies by
    # the reciprocal, which can be one bit off)
    if not np.array_equal(whole / scale, v):
        return None
    return whole, valid, scale, lo_f, hi_f


def _hist_stats(
    name: str, codes: np.ndarray, lo: int, width: int, g: np.ndarray, groups: int, scale: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Every statistic of whole numbers ``lo ...`` from one ``bincount`` of
    ``group * width + code``; ``codes`` hold ``value - lo + 1``, 0 for no answer."""
    import numpy as np

    cells = width * groups
    index = codes
    if groups > 1:
        index = g.astype(codes.dtype)
        index *= width
        index += codes
    hist = np.bincount(index, minlength=cells).reshape(groups, width)[:, 1:]
    overall = _from_hist(name, hist.sum(axis=0), lo, scale)
    return overall, [_from_hist(name, hist[i], lo, scale) for i in range(groups)]


def _small(cells: int) -> Any:
    import numpy as np

    return np.uint8 if cells <= 1 << 8 else np.uint16 if cells <= 1 << 16 else np.uint32


def _whole_codes(s: pl.Series, groups: int) -> tuple[np.ndarray, int, int, int] | None:
    """A column's values as ``value - lo + 1`` (0: no answer) in the fewest bytes that hold
    ``groups * width`` cells: (codes, lo, width, scale). None for values off a short grid."""
    import numpy as np

    if s.null_count() == s.len() or s.dtype not in (pl.Int64, pl.Float64):
        return None
    if s.dtype == pl.Int64:
        lo, hi = int(s.min()), int(s.max())  # type: ignore[arg-type]
        width = hi - lo + 2
        if width * groups > _HIST_CELLS or lo <= -(2**62) or hi >= 2**62:
            return None
        codes = np.empty(s.len(), dtype=_small(width * groups))
        pos = 0
        for values, valid in _pieces(s):
            part = codes[pos : pos + values.size]
            np.subtract(values, lo - 1, out=part, casting="unsafe")  # fits: lo <= value <= hi
            if valid is not None:
                part *= valid.astype(part.dtype, copy=False)
            pos += values.size
        return codes, lo, width, 1
    grid = _decimal_grid(s)
    if grid is None:
        return None
    whole, valid, scale, lo_f, hi_f = grid
    lo = round(lo_f * scale)
    hi = round(hi_f * scale)
    width = hi - lo + 2
    if width * groups > _HIST_CELLS:
        return None
    whole -= lo - 1
    codes = whole.astype(_small(width * groups))
    if valid is not None:
        codes *= valid  # no answer: 0 (in the codes' one or two bytes, not in eight)
    return codes, lo, width, scale


def number_stats(
    frame: pl.DataFrame, numbers: list[Question], g: np.ndarray, groups: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The statistics of ``numbers`` (integer and decimal questions) overall and per group."""
    import numpy as np

    overall: dict[str, Any] = {}
    per_group: list[dict[str, Any]] = [{} for _ in range(groups)]
    order: np.ndarray | None = None  # the returns in group order, made when first needed
    for q in numbers:
        s = frame.get_column(q.name)
        integer = s.dtype.is_integer()
        whole = _whole_codes(s, groups)
        if whole is not None:
            counted, parts = _hist_stats(q.name, *whole[:3], g, groups, whole[3])
            overall.update(counted)
            for cell, done in zip(per_group, parts, strict=True):
                cell.update(done)
            continue
        if s.null_count():
            valid = s.is_not_null().to_numpy()
            values, gv = s.drop_nulls().to_numpy(), g[valid]
        else:
            values, gv = s.to_numpy(), g
        stats = _from_values(q.name, values, integer)
        overall.update(stats)
        if groups == 1:
            per_group[0].update(stats)
            continue
        sizes = np.bincount(gv, minlength=groups)
        if gv is g:
            if order is None:
                order = np.argsort(g, kind="stable")
            ordered = values[order]
        else:
            ordered = values[np.argsort(gv, kind="stable")]
        ends = np.cumsum(sizes)
        for i in range(groups):
            part = ordered[ends[i] - sizes[i] : ends[i]]
            per_group[i].update(_from_values(q.name, part, integer))
    return overall, per_group
