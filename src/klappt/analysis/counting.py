"""The counts of a tabulation read straight from the columns' memory, near the memory floor.

A wave of a million returns of a usual form is a few hundred MiB of small codes; one pass over
them takes a few hundredths of a second. This module gets there without building any frame:

- **the banner group** of each return is one small integer (the position of its choice; the
  unanswered last), and it is folded into every question's index, ``group * width + code``, so
  that a question by the banner is one ``numpy.bincount`` over bytes; a few select_one
  questions go into one index together, ``((group * w1 + c1) * w2 + c2) ...`` in two bytes,
  so one ``bincount`` counts them all (measured in turns: a fifth less CPU time than one
  ``bincount`` per question, 1M returns);
- **a select_one** is read as the physical codes of its ``Enum`` column (one byte for up to 255
  choices), nulls as the code after the last choice;
- **the Boolean columns** (each choice of a select_multiple, whether a text was given) are
  counted as the bit sets Arrow already stores them as: one bit per return, ``popcount(choice
  AND group)`` per group over 64 returns a word, and a question's base is the OR of its choices.
  A bit mask of the choices per return (``group * 256 + mask``, one bincount) was measured
  against this and lost: packing eight Boolean columns into bytes reads each of them unpacked.
  Groups nobody is in are skipped, and the last group's counts are all returns' less the
  others' (one AND pass fewer);
- **the three parts** (select_one, bit sets, numbers) are independent and run on two threads
  from :data:`PARALLEL_FROM` returns on (numpy and Polars let go of the GIL while counting);
  :data:`WORKERS` = 1 runs them in turn (the bench prints that one-core figure beside).

Only frames typed by :func:`klappt.responses.dataset.load_responses` (every select_one an
``Enum`` of its choices) take this path; :func:`count` answers None for any other frame and the
caller counts through Polars as before. Numbers and dates are aggregated by Polars either way.
Every figure is an exact integer; the keys are those of :mod:`klappt.analysis.tabulate`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import polars as pl

from klappt.instrument.model import NUMERIC_TYPES, SELECT_MULTIPLE, SELECT_ONE, Question

if TYPE_CHECKING:
    import numpy as np

SEP = "\x1f"  # joins question, part and choice in aggregate names; never in an XLSForm name


def key(*parts: str) -> str:
    return SEP.join(parts)


def choice_names(q: Question) -> list[str]:
    """A choice question's distinct choice names, in list order (the Enum's categories)."""
    return list(dict.fromkeys(c.name for c in q.choices))


def is_enum_of(dtype: pl.DataType | None, names: list[str]) -> bool:
    """Whether ``dtype`` is the Enum of exactly these choices (without building that Enum)."""
    return isinstance(dtype, pl.Enum) and dtype.categories.to_list() == names


def number_aggs(questions: list[Question]) -> tuple[list[str], list[pl.Expr]]:
    """The number and date questions and their Polars aggregations (base, min, max, mean ...)."""
    names: list[str] = []
    aggs: list[pl.Expr] = []
    for q in questions:
        if q.type in NUMERIC_TYPES or q.type == "date":
            name = q.name
            col = pl.col(name)
            names.append(name)
            aggs += [
                col.count().alias(key(name, "base")),
                col.min().alias(key(name, "min")),
                col.max().alias(key(name, "max")),
            ]
            if q.type != "date":
                aggs += [
                    col.mean().alias(key(name, "mean")),
                    col.median().alias(key(name, "median")),
                    col.sum().alias(key(name, "sum")),
                ]
    return names, aggs


def _codes(series: pl.Series, missing: int) -> np.ndarray:
    """An Enum column's physical codes as numpy (one byte up to 255 choices), nulls as ``missing``."""
    phys = series.to_physical()
    if phys.null_count():
        phys = phys.fill_null(missing)
    return phys.to_numpy()


def _index_type(size: int) -> Any:
    import numpy as np

    return np.uint8 if size <= 1 << 8 else np.uint16 if size <= 1 << 16 else np.uint32


def _bitmap(series: pl.Series, out: np.ndarray) -> None:
    """A Boolean column as one bit per return (true and valid), written into ``out`` (64-bit
    words, the bits past the last return zero)."""
    import numpy as np

    arr = series.to_arrow()  # one piece (a Boolean column is an eighth of a byte per return)
    n = len(arr)
    dest = out.view(np.uint8)
    validity, values = arr.buffers()[:2]
    if values is None or n == 0:
        dest[:] = 0
        return
    if arr.offset % 8:  # a slice that does not start on a byte: unpack and pack again
        bits = arr.fill_null(False).to_numpy(zero_copy_only=False)
        packed = np.packbits(bits, bitorder="little")
        dest[: packed.size] = packed
        dest[packed.size :] = 0
        return
    start, nbytes = arr.offset // 8, (n + 7) // 8
    dest[:nbytes] = np.frombuffer(values, dtype=np.uint8)[start : start + nbytes]
    dest[nbytes:] = 0
    if n % 8:  # the bits past the last return in its byte
        dest[nbytes - 1] &= (1 << (n % 8)) - 1
    if validity is not None and arr.null_count:
        dest[:nbytes] &= np.frombuffer(validity, dtype=np.uint8)[start : start + nbytes]


#: threads for the independent parts of a count (1: all on the calling thread; the bench sets
#: it to print the one-core figure beside)
WORKERS = min(2, os.cpu_count() or 1)
#: from this many returns on, the parts run on their own threads (below, starting them costs
#: more than they save)
PARALLEL_FROM = 100_000


def count(
    frame: pl.DataFrame, questions: list[Question], by: Question | None
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """Every count of the tabulation by its key: over all returns, and per banner code.

    The per-group list has one dict per choice of ``by`` and one for returns without an answer
    to it (empty without ``by``). None when the frame is not typed as this path expects.
    """
    schema = frame.schema
    if by is not None and not is_enum_of(schema.get(by.name), choice_names(by)):
        return None
    for q in questions:
        if q.type == SELECT_ONE and not is_enum_of(schema.get(q.name), choice_names(q)):
            return None
    import numpy as np

    n = frame.height
    words = (n + 63) // 64
    if by is not None:
        groups = len(choice_names(by)) + 1
        g = _codes(frame.get_column(by.name), groups - 1).astype(np.uint8, copy=False)
        if groups > 255:
            g = g.astype(np.uint16)
    else:
        groups = 1
        g = np.zeros(n, dtype=np.uint8)
    sizes = np.bincount(g, minlength=groups)
    out: list[dict[str, Any]] = [{key("", "n"): int(sizes[i])} for i in range(groups)]
    bool_cols: list[str] = []  # the Boolean columns, read as bit sets below
    sets: list[tuple[str, list[str], int, int]] = []  # (question, choice names, first row, rows)
    texts: list[str] = []
    ones: list[Question] = []
    for q in questions:
        if q.type == SELECT_ONE:
            ones.append(q)
        elif q.type == SELECT_MULTIPLE:
            names = choice_names(q)
            sets.append((q.name, names, len(bool_cols), len(names)))
            bool_cols += [f"{q.name}/{c}" for c in names]
        elif not (q.type in NUMERIC_TYPES or q.type == "date"):
            texts.append(q.name)
    from klappt.analysis.number_stats import number_stats

    numbers = [q for q in questions if q.type in NUMERIC_TYPES]

    # three independent parts, each into dicts of its own; numpy and Polars let go of the GIL
    # while they count, so on two cores two parts run at once (merged below in a fixed order)
    def count_ones() -> list[dict[str, Any]]:
        part: list[dict[str, Any]] = [{} for _ in range(groups)]
        for batch in _batches(ones, groups):
            _count_ones(frame, batch, g, groups, sizes, part)
        return part

    def count_bits() -> list[dict[str, Any]]:
        part: list[dict[str, Any]] = [{} for _ in range(groups)]
        if bool_cols or texts:
            _count_bits(frame, g, groups, sizes, words, bool_cols, sets, texts, part)
        return part

    def count_numbers() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if not numbers:
            return {}, [{} for _ in range(groups)]
        return number_stats(frame, numbers, g, groups)

    if WORKERS > 1 and n >= PARALLEL_FROM:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(WORKERS) as pool:
            bits_done = pool.submit(count_bits)
            numbers_done = pool.submit(count_numbers)
            ones_part = count_ones()
            bits_part, (stats, per_group) = bits_done.result(), numbers_done.result()
    else:
        ones_part, bits_part = count_ones(), count_bits()
        stats, per_group = count_numbers()
    for cell, a, b in zip(out, ones_part, bits_part, strict=True):
        cell.update(a)
        cell.update(b)
    overall = {k: sum(cell[k] for cell in out) for k in out[0]}
    overall.update(stats)
    for cell, part in zip(out, per_group, strict=True):
        cell.update(part)
    dates, aggs = number_aggs([q for q in questions if q.type == "date"])
    if aggs:
        overall.update(frame.select(aggs).row(0, named=True))
        if by is not None:
            # only the numbers go through the grouping, each group aggregated on its own
            dated = frame.select(*dates).with_columns(pl.Series(SEP, g))
            for (i,), piece in dated.partition_by(SEP, as_dict=True).items():
                out[int(i)].update(piece.select(aggs).row(0, named=True))
    return overall, out if by is not None else []


#: the most cells of one joint count (two bytes of index: a few select_one questions at a time)
_JOINT_CELLS = 1 << 16


def _batches(ones: list[Question], groups: int) -> list[list[Question]]:
    """The select_one questions in runs whose joint cells (group × each one's codes) fit."""
    out: list[list[Question]] = []
    cells = _JOINT_CELLS + 1
    for q in ones:
        width = len(choice_names(q)) + 1
        if out and cells * width <= _JOINT_CELLS:
            out[-1].append(q)
            cells *= width
        else:
            out.append([q])
            cells = groups * width
    return out


def _count_ones(
    frame: pl.DataFrame,
    batch: list[Question],
    g: np.ndarray,
    groups: int,
    sizes: np.ndarray,
    out: list[dict[str, Any]],
) -> None:
    """A run of select_one questions counted jointly with the group: one ``bincount`` of
    ``((group * w1 + c1) * w2 + c2) ...`` gives every question's counts by group at once."""
    import numpy as np

    widths = [len(choice_names(q)) + 1 for q in batch]
    cells = groups * int(np.prod(widths))
    index = g.astype(_index_type(cells))
    for q, width in zip(batch, widths, strict=True):
        index *= width  # in place: the index stays in its one or two bytes per return
        index += _codes(frame.get_column(q.name), width - 1).astype(index.dtype, copy=False)
    joint = np.bincount(index, minlength=cells).reshape(groups, *widths)
    axes = tuple(range(1, len(widths) + 1))
    for j, q in enumerate(batch):
        names = choice_names(q)
        k = len(names)
        hist = joint.sum(axis=tuple(a for a in axes if a != j + 1))
        keys = [key(q.name, "c", c) for c in names]
        base_key = key(q.name, "base")
        for i in range(groups):
            row = hist[i].tolist()
            cell = out[i]
            cell[base_key] = int(sizes[i]) - row[k]
            cell.update(zip(keys, row[:k], strict=True))


def _count_bits(
    frame: pl.DataFrame,
    g: np.ndarray,
    groups: int,
    sizes: np.ndarray,
    words: int,
    bool_cols: list[str],
    sets: list[tuple[str, list[str], int, int]],
    texts: list[str],
    out: list[dict[str, Any]],
) -> None:
    """The choices of every select_multiple and the base of every text, per group, by popcount."""
    import numpy as np

    given = frame.select(pl.col(t).is_not_null() for t in texts) if texts else None
    rows = len(bool_cols) + len(sets) + len(texts)
    bits = np.empty((rows, words), dtype=np.uint64)
    for r, name in enumerate(bool_cols):
        _bitmap(frame.get_column(name), bits[r])
    r = len(bool_cols)
    for _, _, first, width in sets:  # a select_multiple is answered when any choice is chosen
        np.bitwise_or.reduce(bits[first : first + width], axis=0, out=bits[r])
        r += 1
    for t in texts:
        assert given is not None
        _bitmap(given.get_column(t), bits[r])
        r += 1
    # per group: popcount(bits AND the group's members); groups nobody is in are skipped, and
    # the last group is what all returns have less the other groups (one AND pass fewer)
    counts = np.zeros((groups, rows), dtype=np.int64)
    present = np.flatnonzero(sizes).tolist()
    # the popcounts (one byte a word) summed in four bytes: a row's sum is at most the number
    # of returns (measured: a third of the time of summing in eight)
    wide = np.uint32 if words * 64 < 1 << 32 else np.int64
    if present:
        *anded, last = present
        counts[last] = np.bitwise_count(bits).sum(axis=1, dtype=wide)
        tmp = np.empty_like(bits) if anded else bits  # one buffer for every AND
        member = np.zeros(words, dtype=np.uint64)
        for i in anded:
            packed = np.packbits(g == i, bitorder="little")
            member.view(np.uint8)[: packed.size] = packed
            np.bitwise_and(bits, member, out=tmp)
            counts[i] = np.bitwise_count(tmp).sum(axis=1, dtype=wide)
            counts[last] -= counts[i]
    for i in range(groups):
        row = counts[i].tolist()
        cell = out[i]
        r = len(bool_cols)
        for name, names, first, width in sets:
            cell[key(name, "base")] = row[r]
            cell.update(
                zip((key(name, "c", c) for c in names), row[first : first + width], strict=True)
            )
            r += 1
        for t in texts:
            cell[key(t, "base")] = row[r]
            r += 1
