"""Base, minimum, maximum, mean, median and sum of the number questions, per banner group.

Polars aggregated these before, over all returns and then once per group after splitting the
frame by the banner: the split copied every number column, and each median sorted its column
again. Here the returns are put in group order once (a stable sort of the one-byte group codes)
and every column is gathered in that order once:

- **whole numbers of a short range** (ages, counts of staff, years: the usual case) are counted
  in one ``bincount`` of ``group * range + value``; every statistic of every group follows from
  that histogram exactly (the median from its running sum), the overall ones from its column sums;
- **other numbers** (decimals, wide ranges) are sorted within each group's slice; the overall
  median comes from the whole column.

The results equal Polars' own (an integer sum is exact, a mean is the sum divided by the count,
a median of an even count is the mean of the two middle values). Dates go through Polars.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from klappt.analysis.counting import key
from klappt.instrument.model import Question

if TYPE_CHECKING:
    import numpy as np

#: a whole-number question is counted as a histogram up to this many cells (groups × range)
_HIST_CELLS = 1 << 20


def _median_of_hist(counts: np.ndarray, lo: int) -> float | None:
    n = int(counts.sum())
    if not n:
        return None
    import numpy as np

    running = np.cumsum(counts)
    a = int(np.searchsorted(running, (n + 1) // 2)) + lo  # the ((n+1)//2)-th value
    b = int(np.searchsorted(running, n // 2 + 1)) + lo  # the (n//2 + 1)-th value
    return float(a) if n % 2 else (a + b) / 2


def _from_hist(name: str, counts: np.ndarray, lo: int) -> dict[str, Any]:
    import numpy as np

    n = int(counts.sum())
    if not n:
        return _empty(name, integer=True)
    present = np.flatnonzero(counts)
    total = int(counts @ np.arange(lo, lo + counts.size, dtype=np.int64))
    return {
        key(name, "base"): n,
        key(name, "min"): int(present[0]) + lo,
        key(name, "max"): int(present[-1]) + lo,
        key(name, "mean"): total / n,
        key(name, "median"): _median_of_hist(counts, lo),
        key(name, "sum"): total,
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
        if s.null_count():
            valid = s.is_not_null().to_numpy()
            values, gv = s.drop_nulls().to_numpy(), g[valid]
        else:
            values, gv = s.to_numpy(), g
        if integer and values.size:
            lo, hi = int(values.min()), int(values.max())
            width = hi - lo + 1
            if width * groups <= _HIST_CELLS:
                index = gv.astype(np.int64) * width + (values - lo)
                hist = np.bincount(index, minlength=groups * width).reshape(groups, width)
                overall.update(_from_hist(q.name, hist.sum(axis=0), lo))
                for i in range(groups):
                    per_group[i].update(_from_hist(q.name, hist[i], lo))
                continue
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
