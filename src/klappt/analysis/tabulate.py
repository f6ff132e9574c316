"""Counts with the right base for every question, without comparing a single string.

Each choice question is turned into one small integer per return (the choice's position, or
the set of choices as bits), crossed with the banner group; one histogram of that integer gives
every count of the question, overall and per group, its base included. A frame typed by
``load_responses`` is counted straight from its columns' memory (:mod:`klappt.analysis.counting`,
:mod:`klappt.analysis.number_stats`); any other frame through the Polars plan below, with the
same figures. Percentages are derived afterwards from the exact integer counts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from klappt.analysis import counting
from klappt.analysis.counting import SEP as _SEP
from klappt.errors import ErrorCode, KlapptError
from klappt.instrument.model import NUMERIC_TYPES, SELECT_MULTIPLE, SELECT_ONE, Instrument, Question
from klappt.responses.dataset import ResponseSet, choice_enum


def percent(count: int, base: int) -> float | None:
    """``count`` of ``base`` in percent, one decimal, rounded half up from the exact fraction."""
    if base <= 0:
        return None
    tenths = (2000 * count + base) // (2 * base)
    return tenths / 10


@dataclass(frozen=True)
class Row:
    choice: str | None
    label: str
    count: int
    percent: float | None
    percent_of_mentions: float | None = None
    multiple: bool = False  # a select_multiple row: shares of mentions belong to it

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "choice": self.choice,
            "label": self.label,
            "count": self.count,
            "percent": self.percent,
        }
        if self.multiple:
            d["percent_of_mentions"] = self.percent_of_mentions
        return d


@dataclass(frozen=True)
class RankRow:
    """One choice of a ``rank`` question: how many returns put it first, second … and its mean
    position (1 = first; over the returns that ranked it)."""

    choice: str
    label: str
    positions: tuple[int, ...]
    mean: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "choice": self.choice,
            "label": self.label,
            "positions": list(self.positions),
            "mean_rank": self.mean,
        }


@dataclass(frozen=True)
class Cell:
    """The figures of one question within one group of returns (all returns, or a banner group)."""

    base: int
    rows: tuple[Row, ...] = ()
    mentions: int | None = None
    mean: float | None = None
    top2: float | None = None
    stats: dict[str, Any] | None = None
    #: a ``rank`` question: per choice, how often it was put at each position, and its mean
    ranks: tuple[RankRow, ...] = ()
    #: the kinds of missing as rows of their own (refused, don't know, ``.a`` …), only when asked
    #: for (:mod:`klappt.analysis.missing_kinds`); they are not in ``base``
    missing: tuple[Row, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"base": self.base, "rows": [r.to_dict() for r in self.rows]}
        if self.ranks:
            d["ranks"] = [r.to_dict() for r in self.ranks]
        if self.missing:
            d["missing_kinds"] = [r.to_dict() for r in self.missing]
        if self.mentions is not None:
            d["mentions"] = self.mentions
        if self.mean is not None or self.top2 is not None:
            d["mean"] = self.mean
            d["top2"] = self.top2
        if self.stats is not None:
            d["stats"] = self.stats
        return d


@dataclass(frozen=True)
class Group:
    choice: str | None
    label: str
    cell: Cell
    #: why the group's figures are withheld (``"primary"``: it rests on too few sites,
    #: ``"secondary"``: they could be recomputed from the total and the other groups); see
    #: :mod:`klappt.analysis.disclosure`
    suppressed: str | None = None

    def to_dict(self) -> dict[str, Any]:
        head: dict[str, Any] = {"choice": self.choice, "label": self.label}
        if self.suppressed is None:
            return {**head, **self.cell.to_dict()}
        blank = {key: None for key in self.cell.to_dict() if key not in ("base", "rows")}
        rows = [{**r.to_dict(), "count": None, "percent": None} for r in self.cell.rows]
        for r in rows:
            if "percent_of_mentions" in r:
                r["percent_of_mentions"] = None
        return {**head, "suppressed": True, "base": None, "rows": rows, **blank}


@dataclass(frozen=True)
class Table:
    """One question's figures: overall, and per banner group when crossed ``by`` a question."""

    question: str
    type: str
    label: str
    cell: Cell
    scale: bool = False
    section: str | None = None
    by: str | None = None
    groups: tuple[Group, ...] = ()

    @property
    def base(self) -> int:
        return self.cell.base

    @property
    def rows(self) -> tuple[Row, ...]:
        return self.cell.rows

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"question": self.question, "type": self.type, "label": self.label}
        if self.scale:
            d["scale"] = True
        if self.section:
            d["section"] = self.section
        d.update(self.cell.to_dict())
        if self.by is not None:
            d["by"] = {
                "question": self.by,
                "groups": [g.to_dict() for g in self.groups],
            }
        return d


@dataclass(frozen=True)
class Tabulation:
    """Every table of a wave; ``to_dict()`` is the JSON contract of ``klappt tabulate --json``."""

    responses: int
    tables: tuple[Table, ...]
    by: str | None = None
    notes: tuple[str, ...] = field(default=())
    #: the minimum cell size applied to the groups (None: not applied, an analyst's view)
    min_cell: int | None = None

    def table(self, question: str) -> Table:
        for t in self.tables:
            if t.question == question:
                return t
        raise KeyError(question)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "responses": self.responses,
            "tables": [t.to_dict() for t in self.tables],
        }
        if self.by:
            d["by"] = self.by
            d["disclosure"] = {
                "min_cell": self.min_cell,
                "suppressed": sum(g.suppressed is not None for t in self.tables for g in t.groups),
            }
        if self.notes:
            d["notes"] = list(self.notes)
        return d


# -- aggregation ------------------------------------------------------------------------------
#
# Every choice question becomes one small integer per return: the position of the choice
# (select_one, stored as categories), or the set of choices as bits (select_multiple). Crossed
# with the banner group, ``group * width + code``, one ``bincount`` over all returns gives every
# count of the question in every group at once, the base included. Numbers, dates and texts are
# aggregated by Polars. No string is compared while counting.

#: counts through :mod:`klappt.analysis.counting` where the frame allows (False: always the
#: Polars plan below, which any frame takes; the property tests compare the two)
_FAST = True

#: a select_multiple with at most this many choices is counted as one bit-set code (2**n cells)
_MAX_SET_BITS = 12


def _key(*parts: str) -> str:
    return _SEP.join(parts)


@dataclass(frozen=True)
class _Code:
    """How one question (or one choice of it) is coded for counting."""

    name: str  # the code's column in the coded frame
    width: int  # codes run from 0 to width - 1
    expr: pl.Expr


def _choice_code(q: Question, schema: pl.Schema, name: str) -> tuple[_Code, dict[str, int], int]:
    """A select_one as the index of its choice; ``k`` = unanswered, ``k + 1`` = a value that is
    no choice of the list (only in frames typed elsewhere). Returns the code, each choice's
    index and ``k``."""
    enum = choice_enum(q)
    names = list(enum.categories)
    k = len(names)
    col = pl.col(q.name)
    if schema.get(q.name) == enum:
        expr = col.to_physical().cast(pl.UInt32).fill_null(k)
        width = k + 1
    else:
        typed = col.cast(pl.String).cast(enum, strict=False)
        expr = (
            pl.when(col.is_null())
            .then(pl.lit(k, dtype=pl.UInt32))
            .otherwise(typed.to_physical().cast(pl.UInt32).fill_null(k + 1))
        )
        width = k + 2
    return _Code(name, width, expr), {n: i for i, n in enumerate(names)}, k


def _plan(schema: pl.Schema, questions: list[Question]) -> tuple[list[_Code], list[pl.Expr]]:
    """The codes to count and the Polars aggregations (numbers, dates, texts' base)."""
    codes: list[_Code] = []
    aggs: list[pl.Expr] = []
    for q in questions:
        name = q.name
        if q.type == SELECT_ONE:
            codes.append(_choice_code(q, schema, name)[0])
        elif q.type == SELECT_MULTIPLE:
            cols = [
                pl.col(f"{name}/{c}").fill_null(False)
                for c in dict.fromkeys(c.name for c in q.choices)
            ]
            if len(cols) <= _MAX_SET_BITS:
                # when/then keeps the Booleans packed; a cast to integers would unpack each one
                bits = [
                    pl.when(c)
                    .then(pl.lit(1 << i, dtype=pl.UInt32))
                    .otherwise(pl.lit(0, dtype=pl.UInt32))
                    for i, c in enumerate(cols)
                ]
                expr = pl.sum_horizontal(bits) if bits else pl.lit(0, dtype=pl.UInt32)
                codes.append(_Code(name, 1 << len(cols), expr.cast(pl.UInt32)))
            else:
                anyone = pl.any_horizontal(cols).cast(pl.UInt32)
                codes.append(_Code(_key(name, "base"), 2, anyone))
                for c, col in zip(dict.fromkeys(c.name for c in q.choices), cols, strict=True):
                    codes.append(_Code(_key(name, "c", c), 2, col.cast(pl.UInt32)))
        elif q.type in NUMERIC_TYPES or q.type == "date":
            col = pl.col(name)
            aggs += [
                col.count().alias(_key(name, "base")),
                col.min().alias(_key(name, "min")),
                col.max().alias(_key(name, "max")),
            ]
            if q.type != "date":
                aggs += [
                    col.mean().alias(_key(name, "mean")),
                    col.median().alias(_key(name, "median")),
                    col.sum().alias(_key(name, "sum")),
                ]
        else:  # text
            codes.append(_Code(_key(name, "base"), 2, pl.col(name).is_not_null().cast(pl.UInt32)))
    return codes, aggs


#: from this many returns on, codes are counted by numpy (whose import alone takes 0.1 s)
_NUMPY_FROM = 50_000


def _histogram(codes: pl.Series, size: int) -> list[tuple[int, int]]:
    """How often each code occurs, for the codes that occur (all below ``size``)."""
    if codes.len() >= _NUMPY_FROM:
        import numpy as np

        # piece by piece: each piece is handed over without a copy, the whole column is not
        hist = np.zeros(size, dtype=np.int64)
        for part in codes.get_chunks():
            hist += np.bincount(part.to_numpy(), minlength=size)
        present = np.flatnonzero(hist)
        return list(zip(present.tolist(), hist[present].tolist(), strict=True))
    counts = codes.value_counts()
    return list(zip(counts[:, 0].to_list(), counts[:, 1].to_list(), strict=True))


def _count(
    frame: pl.DataFrame,
    questions: list[Question],
    banner: _Code | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Every figure by its key: over all returns, and per banner code (none without a banner)."""
    schema = frame.schema
    codes, aggs = _plan(schema, questions)
    codes.insert(0, _Code(_key("", "n"), 1, pl.lit(0, dtype=pl.UInt32)))
    groups = banner.width if banner is not None else 1
    if banner is not None:
        frame = frame.with_columns(banner.expr.alias(banner.name))  # decided once, used by all
        b = pl.col(banner.name)
        coded = (
            frame.select(
                (b * c.width + c.expr)
                .cast(pl.UInt32 if groups * c.width < 2**32 else pl.UInt64)
                .alias(c.name)
                for c in codes
            )
            if codes
            else pl.DataFrame()
        )
    else:
        coded = frame.select(c.expr.alias(c.name) for c in codes) if codes else pl.DataFrame()
    out: list[dict[str, Any]] = [{} for _ in range(groups)]
    by_name = {q.name: q for q in questions}
    for c in codes:
        q = by_name.get(c.name)
        if (
            q is None
        ):  # a 0/1 code of its own (the group's size, a text's base, one long-list choice)
            for g in range(groups):
                out[g][c.name] = 0
            for value, n in _histogram(coded.get_column(c.name), groups * c.width):
                g, code = divmod(value, c.width)
                if code == c.width - 1:
                    out[g][c.name] += n
            continue
        if q.type == SELECT_ONE:
            _, index, k = _choice_code(q, schema, q.name)
            names = list(index)
        else:
            names = list(dict.fromkeys(ch.name for ch in q.choices))
            k = -1
        # base and choice counts per group, in list positions; the keys are made once at the end
        base = [0] * groups
        chosen = [[0] * len(names) for _ in range(groups)]
        for value, n in _histogram(coded.get_column(c.name), groups * c.width):
            g, code = divmod(value, c.width)
            if q.type == SELECT_ONE:
                if code != k:  # k = unanswered; k + 1 = answered, but with no choice of the list
                    base[g] += n
                if code < k:
                    chosen[g][code] += n
            elif code:  # a set of choices; the empty set is no answer
                base[g] += n
                row = chosen[g]
                for i in _bits(code):
                    row[i] += n
        base_key = _key(q.name, "base")
        keys = [_key(q.name, "c", n) for n in names]
        for g in range(groups):
            cell = out[g]
            cell[base_key] = base[g]
            cell.update(zip(keys, chosen[g], strict=True))
    # counts add up over the groups; means and medians are computed over all returns again
    overall = {key: sum(g[key] for g in out) for key in out[0]}
    if aggs:
        numbers = [q.name for q in questions if q.type in NUMERIC_TYPES or q.type == "date"]
        overall.update(frame.select(aggs).row(0, named=True))
        if banner is not None:
            # only the numbers go through the grouping, each group aggregated on its own
            parts = frame.select(banner.name, *numbers).partition_by(banner.name, as_dict=True)
            for (g,), part in parts.items():
                out[g].update(part.select(aggs).row(0, named=True))
    return overall, out if banner is not None else []


@functools.cache
def _bits(code: int) -> tuple[int, ...]:
    """The positions of the bits set in ``code`` (the choices of a select_multiple answer)."""
    return tuple(i for i in range(code.bit_length()) if code >> i & 1)


def _num(value: Any, integer: bool) -> Any:
    if value is None:
        return None
    if integer and float(value).is_integer():
        return int(value)
    return round(float(value), 2)


def _cell(
    q: Question, values: dict[str, Any], lang: str | None, default_language: str | None
) -> Cell:
    base = int(values.get(_key(q.name, "base")) or 0)
    if q.type in (SELECT_ONE, SELECT_MULTIPLE):
        counts = [int(values.get(_key(q.name, "c", c.name)) or 0) for c in q.choices]
        mentions = sum(counts) if q.type == SELECT_MULTIPLE else None
        rows = tuple(
            Row(
                choice=c.name,
                label=c.label(lang, default_language),
                count=k,
                percent=percent(k, base),
                percent_of_mentions=percent(k, mentions) if mentions else None,
                multiple=mentions is not None,
            )
            for c, k in zip(q.choices, counts, strict=True)
        )
        mean = top2 = None
        if q.ordered and q.type == SELECT_ONE and base:
            total = sum((i + 1) * k for i, k in enumerate(counts))
            mean = ((200 * total + base) // (2 * base)) / 100  # half up from the exact fraction
            top2 = percent(sum(counts[:2]), base)
        return Cell(base=base, rows=rows, mentions=mentions, mean=mean, top2=top2)
    if q.type in NUMERIC_TYPES:
        integer = q.type == "integer"
        stats = {
            "n": base,
            "mean": _num(values.get(_key(q.name, "mean")), False),
            "median": _num(values.get(_key(q.name, "median")), False),
            "min": _num(values.get(_key(q.name, "min")), integer),
            "max": _num(values.get(_key(q.name, "max")), integer),
            "sum": _num(values.get(_key(q.name, "sum")), integer) if base else None,
        }
        return Cell(base=base, stats=stats)
    if q.type == "date":
        lo, hi = values.get(_key(q.name, "min")), values.get(_key(q.name, "max"))
        stats = {
            "n": base,
            "min": lo.isoformat() if lo else None,
            "max": hi.isoformat() if hi else None,
        }
        return Cell(base=base, stats=stats)
    return Cell(base=base)


def tabulate(responses: ResponseSet, by: str | None = None, lang: str | None = None) -> Tabulation:
    """Count every tabulated question of the form, optionally crossed by a ``select_one``.

    Parameters
    ----------
    responses:
        Typed returns from :func:`klappt.responses.dataset.load_responses`.
    by:
        Name of a ``select_one`` question; every table then also has one column group per
        choice, each with its own base.
    lang:
        Language code for labels (``de``, ``en``); the form's default when None.

    Returns
    -------
    Tabulation
        ``.to_dict()`` gives the JSON contract of ``klappt tabulate --json``.

    Example
    -------
    >>> from klappt.reference import load_reference
    >>> tab = tabulate(load_reference("2022")[1])
    >>> tab.table("lebenswelt").base
    40
    """
    form: Instrument = responses.instrument
    questions = list(form.tabulated)
    frame = responses.frame
    dl = form.default_language
    by_q: Question | None = None
    if by is not None:
        by_q = form.question(by)
        if by_q is None:
            raise KlapptError(ErrorCode.INSTRUMENT_003, name=by, form=form.source)
        if by_q.type != SELECT_ONE:
            raise KlapptError(ErrorCode.INSTRUMENT_004, name=by, type=by_q.type)

    overall: dict[str, Any] = {}
    per_group: dict[str | None, dict[str, Any]] = {}
    if frame.height:
        fast = counting.count(frame, questions, by_q) if _FAST else None
        if by_q is None:
            overall, _ = fast or _count(frame, questions, None)
        else:
            banner, index, k = _choice_code(by_q, frame.schema, _key("", "by"))
            overall, counts = fast or _count(frame, questions, banner)
            for choice, i in index.items():
                per_group[choice] = counts[i]
            if counts[k].get(_key("", "n")):
                per_group[None] = counts[k]
    section_labels = {g.name: g.label(lang, dl) for g in form.groups}
    tables = []
    for q in questions:
        groups: tuple[Group, ...] = ()
        if by_q is not None:
            keys: list[tuple[str | None, str]] = [(c.name, c.label(lang, dl)) for c in by_q.choices]
            if None in per_group:
                keys.append((None, "keine Angabe" if (lang or "de") != "en" else "no answer"))
            groups = tuple(
                Group(k, label, _cell(q, per_group.get(k, {}), lang, dl)) for k, label in keys
            )
        tables.append(
            Table(
                question=q.name,
                type=q.type,
                label=q.label(lang, dl),
                cell=_cell(q, overall, lang, dl),
                scale=q.ordered,
                section=section_labels.get(q.group_path[0]) if q.group_path else None,
                by=by_q.name if by_q is not None else None,
                groups=groups,
            )
        )
    notes = tuple(
        (
            f"Wiederholungsgruppe '{g.name}' wird noch nicht ausgewertet"
            if (lang or "de") != "en"
            else f"Repeat group '{g.name}' is not tabulated yet"
        )
        for g in form.repeats
    )
    if any(t.type == "rank" for t in tables):
        from klappt.analysis.ranks import with_ranks

        tables = with_ranks(tables, responses, lang)
    return Tabulation(responses=frame.height, tables=tuple(tables), by=by, notes=notes)
