"""Counts with the right base for every question, in one pass over the data.

All counts of a wave — every choice of every question, overall and per banner group — are
computed by a single Polars aggregation: one scan of the table, whatever the number of
questions. Percentages are derived afterwards from the exact integer counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from klappt.errors import ErrorCode, KlapptError
from klappt.instrument.model import NUMERIC_TYPES, SELECT_MULTIPLE, SELECT_ONE, Instrument, Question
from klappt.responses.dataset import ResponseSet

_SEP = "\x1f"  # joins question, part and choice in aggregate names; never in an XLSForm name


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
class Cell:
    """The figures of one question within one group of returns (all returns, or a banner group)."""

    base: int
    rows: tuple[Row, ...] = ()
    mentions: int | None = None
    mean: float | None = None
    top2: float | None = None
    stats: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"base": self.base, "rows": [r.to_dict() for r in self.rows]}
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
                "groups": [
                    {"choice": g.choice, "label": g.label, **g.cell.to_dict()} for g in self.groups
                ],
            }
        return d


@dataclass(frozen=True)
class Tabulation:
    """Every table of a wave; ``to_dict()`` is the JSON contract of ``klappt tabulate --json``."""

    responses: int
    tables: tuple[Table, ...]
    by: str | None = None
    notes: tuple[str, ...] = field(default=())

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
        if self.notes:
            d["notes"] = list(self.notes)
        return d


# -- aggregation ------------------------------------------------------------------------------


def _key(*parts: str) -> str:
    return _SEP.join(parts)


def _plan(questions: list[Question]) -> tuple[list[pl.Expr], list[pl.Expr]]:
    """What to count, in two steps: first one Boolean column per count (a choice chosen, a
    question answered) and the raw numbers; then the aggregations over them.

    Comparing strings is the expensive part, and a banner multiplies it; done once up front,
    overall and per group are then plain sums of Booleans, Polars' fastest aggregation.
    """
    prep: list[pl.Expr] = []
    aggs: list[pl.Expr] = [pl.len().alias(_key("", "n"))]

    def count(expr: pl.Expr, *key: str) -> None:
        name = _key(*key)
        prep.append(expr.alias(name))
        aggs.append(pl.col(name).sum())

    for q in questions:
        name = q.name
        if q.type == SELECT_ONE:
            col = pl.col(name)
            count(col.is_not_null(), name, "base")
            for c in q.choices:
                count((col == c.name).fill_null(False), name, "c", c.name)
        elif q.type == SELECT_MULTIPLE:
            cols = [pl.col(f"{name}/{c.name}").fill_null(False) for c in q.choices]
            count(pl.any_horizontal(cols) if cols else pl.lit(False), name, "base")
            for c, col in zip(q.choices, cols, strict=True):
                count(col, name, "c", c.name)
        elif q.type in NUMERIC_TYPES or q.type == "date":
            value = _key(name, "value")
            prep.append(pl.col(name).alias(value))
            col = pl.col(value)
            stats = [
                col.count().alias(_key(name, "base")),
                col.min().alias(_key(name, "min")),
                col.max().alias(_key(name, "max")),
            ]
            if q.type != "date":
                stats += [
                    col.mean().alias(_key(name, "mean")),
                    col.median().alias(_key(name, "median")),
                    col.sum().alias(_key(name, "sum")),
                ]
            aggs.extend(stats)
        else:  # text
            count(pl.col(name).is_not_null(), name, "base")
    return prep, aggs


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

    prep, aggs = _plan(questions)
    banner = _key("", "by")
    if by_q is not None:
        prep.append(pl.col(by_q.name).alias(banner))
    counts = frame.select(prep) if frame.height else frame
    overall = counts.select(aggs).row(0, named=True) if frame.height else {}
    per_group: dict[str | None, dict[str, Any]] = {}
    if by_q is not None and frame.height:
        grouped = counts.group_by(banner).agg(aggs)
        for row in grouped.iter_rows(named=True):
            per_group[row[banner]] = row

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
    return Tabulation(responses=frame.height, tables=tuple(tables), by=by, notes=notes)
