"""The kinds of missing as rows of their own: refused, don't know, not applicable, ``.a``-``.z``.

An SPSS or Stata import keeps which kind of missing each empty answer was in a metadata column
``_missing_<question>`` (:data:`klappt.responses.report.MISSING_PREFIX`). By default a table
counts these answers as missing, like any unanswered question: they are not in the base. Asked
for (``klappt tabulate --show-missing-kinds``, a recipe's ``options: {missing_kinds: show}``),
each kind becomes a row of its own below the answers. Its share is taken of everyone who
answered or gave a kind of missing (base + kinds), so that the answers' shares stay as they are
and the kinds' shares say how many of those asked refused, did not know, and so on.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import polars as pl

from klappt.analysis.tabulate import Cell, Row, Tabulation, percent
from klappt.responses.dataset import ResponseSet
from klappt.responses.report import MISSING_PREFIX

__all__ = ["as_categories", "show_missing_kinds"]


def _rows(kinds: pl.Series, base: int) -> tuple[Row, ...]:
    """One row per kind of missing in ``kinds`` (a column of ``_missing_<question>``), in order
    of their codes."""
    counted = kinds.drop_nulls().value_counts()
    if counted.height == 0:
        return ()
    pairs = sorted(counted.iter_rows(), key=lambda kv: _order(str(kv[0])))
    total = base + sum(int(n) for _, n in pairs)
    return tuple(
        Row(
            choice=str(kind).split(" ", 1)[0],
            label=str(kind),
            count=int(n),
            percent=percent(int(n), total),
        )
        for kind, n in pairs
    )


def _order(kind: str) -> tuple[int, float, str]:
    """Stata's ``.a``-``.z`` in their order, SPSS codes by value (-9 before -8), then the rest."""
    code = kind.split(" ", 1)[0]
    if code.startswith("."):
        return (0, 0.0, code)
    try:
        return (1, float(code), code)
    except ValueError:
        return (2, 0.0, kind)


def _with(cell: Cell, kinds: pl.Series) -> Cell:
    rows = _rows(kinds, cell.base)
    return replace(cell, missing=rows) if rows else cell


def show_missing_kinds(tab: Tabulation, responses: ResponseSet) -> Tabulation:
    """``tab`` with each question's kinds of missing as rows of their own (overall and per
    ``by`` group), where the returns name them."""
    meta = responses.meta
    columns = {c[len(MISSING_PREFIX) :] for c in meta.columns if c.startswith(MISSING_PREFIX)}
    if not columns:
        return tab
    by = tab.by
    banner = (
        responses.frame.get_column(by).cast(pl.String)
        if by is not None and by in responses.frame.columns
        else None
    )
    tables = []
    for t in tab.tables:
        if t.question not in columns:
            tables.append(t)
            continue
        kinds = meta.get_column(f"{MISSING_PREFIX}{t.question}").cast(pl.String)
        groups = t.groups
        if banner is not None:
            groups = tuple(
                replace(
                    g,
                    cell=_with(
                        g.cell,
                        kinds.filter(banner.is_null() if g.choice is None else banner == g.choice),
                    ),
                )
                for g in t.groups
            )
        tables.append(replace(t, cell=_with(t.cell, kinds), groups=groups))
    return replace(tab, tables=tuple(tables))


def as_categories(tab: dict[str, Any]) -> dict[str, Any]:
    """A tabulation's contract (``to_dict()``) for a report that shows the kinds: in each
    choice table (and each group of it) the kinds become categories after the answers, and the
    base counts them, so a chart's shares are of everyone asked."""

    def fold(cell: dict[str, Any], shown: list[dict[str, Any]]) -> None:
        found = {k["choice"]: k for k in cell.pop("missing_kinds", None) or ()}
        if not shown or not cell.get("rows") or cell.get("base") is None:
            return
        # every group lists the table's kinds, in its order (a chart's bars line up)
        kinds = [
            {**k, "count": int(found[k["choice"]]["count"]) if k["choice"] in found else 0}
            for k in shown
        ]
        base = int(cell["base"]) + sum(k["count"] for k in kinds)
        # an SPSS missing code with a value label is a choice of the list already: its row
        # takes the count, the label stays the user's
        rows = [dict(r) for r in cell["rows"]]
        at = {str(r["choice"]): r for r in rows}
        for k in kinds:
            if k["choice"] in at:
                at[k["choice"]]["count"] = int(at[k["choice"]]["count"] or 0) + k["count"]
            else:
                rows.append(k)
        for r in rows:
            r["percent"] = percent(int(r["count"]), base)
        cell["rows"], cell["base"] = rows, base

    for table in tab.get("tables", []):
        groups = (table.get("by") or {}).get("groups", [])
        if table.get("type") != "select_one":
            for cell in (table, *groups):
                cell.pop("missing_kinds", None)
            continue
        shown = [dict(k) for k in table.get("missing_kinds") or ()]
        fold(table, shown)
        for group in groups:
            if group.get("suppressed"):
                group.pop("missing_kinds", None)
                continue
            fold(group, shown)
    return tab
