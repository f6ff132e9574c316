"""Grids: several questions sharing one set of choices, drawn as one chart.

A ``table-list``/``likert`` group of the form (or a recipe's ``items``) is one chart: an
ordered scale as 100 % stacked bars (a row per item), other choices as grouped bars.
Plain functions over the :class:`~klappt.report.panels.PanelBuilder`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from klappt.instrument.model import Question
from klappt.report.built import BuiltPanel, Series
from klappt.report.data import WaveData
from klappt.report.spec import ChartPanel
from klappt.report.tables import make_table, table_series
from klappt.report.wording import base_text, fmt_number, text

if TYPE_CHECKING:
    from klappt.report.panels import PanelBuilder


def stacked(
    pb: PanelBuilder, panel: ChartPanel, w: WaveData, q: Question, heading: str, decimals: int
) -> BuiltPanel:
    names = panel.items or (panel.question,)
    questions = [pb.question(w, n, panel.line) for n in names]
    first = questions[0]
    for other in questions[1:]:
        if [c.name for c in other.choices] != [c.name for c in first.choices]:
            raise pb.fail(
                panel.line,
                f"'{other.name}' hat andere Antworten als '{first.name}'; gestapelte Balken brauchen dieselbe Skala.",
                f"'{other.name}' has other choices than '{first.name}'; stacked bars need the same scale.",
            )
    tables = [pb.table(w, x, panel.line) for x in questions]
    bases = [int(t.get("base") or 0) for t in tables]
    labels = pb.choice_labels(w, first, tables[0])
    choice_names = [str(r["choice"]) for r in tables[0].get("rows", [])]
    item_labels = [pb.label(w, x) for x in questions]
    if len(questions) == 1:
        item_labels = [""]  # the heading names the one item
    if len(set(bases)) > 1:
        item_labels = [
            f"{lb} ({base_text(b, pb.lang)})" for lb, b in zip(item_labels, bases, strict=True)
        ]
    series = []
    for c in choice_names:
        rows = [next(r for r in t["rows"] if str(r["choice"]) == c) for t in tables]
        series.append(
            Series(
                labels.get(c, c),
                tuple(pb._pct(r, b, decimals) for r, b in zip(rows, bases, strict=True)),
                tuple(int(r["count"]) for r in rows),
            )
        )
    caption = (
        base_text(bases[0], pb.lang)
        if len(set(bases)) == 1
        else f"n={fmt_number(min(bases), pb.lang)}–{fmt_number(max(bases), pb.lang)}"
    )
    columns = (
        text("item", pb.lang),
        text("base", pb.lang),
        *tuple(
            h
            for c in choice_names
            for h in (
                f"{labels.get(c, c)}: {text('count', pb.lang)}",
                f"{labels.get(c, c)}: %",
            )
        ),
    )
    kinds = ("text", "int") + ("int", "pct") * len(choice_names)
    rows_out = []
    for x, t, b in zip(questions, tables, bases, strict=True):
        row: list[str | int | float | None] = [pb.label(w, x), b]
        for c in choice_names:
            r = next(r for r in t["rows"] if str(r["choice"]) == c)
            row += [int(r["count"]), pb._pct(r, b, decimals)]
        rows_out.append(tuple(row))
    table = make_table(
        pb,
        heading or pb.label(w, first),
        columns,
        kinds,
        rows_out,
        bases[0] if len(set(bases)) == 1 else None,
        caption,
        first,
        w,
        decimals,
    )
    return pb._finish(
        kind="stacked",
        q=first,
        w=w,
        heading=heading,
        base=bases[0] if len(set(bases)) == 1 else None,
        caption=caption,
        categories=item_labels,
        series=series,
        unit="percent",
        decimals=decimals,
        table=table,
        across=True,
    )


def items(
    pb: PanelBuilder, panel: ChartPanel, w: WaveData
) -> tuple[list[Question], list[dict[str, Any]]]:
    """Several questions with the same choices (a grid), with their tables."""
    questions = [pb.question(w, n, panel.line) for n in panel.items]
    first = questions[0]
    for other in questions[1:]:
        if other.type != first.type or [c.name for c in other.choices] != [
            c.name for c in first.choices
        ]:
            raise pb.fail(
                panel.line,
                f"'{other.name}' hat andere Antworten als '{first.name}'; mehrere 'items' brauchen dieselben Antworten.",
                f"'{other.name}' has other choices than '{first.name}'; several 'items' need the same choices.",
            )
    return questions, [pb.table(w, x, panel.line) for x in questions]


def items_grouped(
    pb: PanelBuilder, panel: ChartPanel, w: WaveData, q: Question, heading: str, decimals: int
) -> BuiltPanel:
    """A grid: one group of bars per item, one series per choice (percent of each item's base)."""
    questions, tables = items(pb, panel, w)
    labels = pb.choice_labels(w, questions[0], tables[0])
    choice_names = [str(r["choice"]) for r in tables[0].get("rows", [])]
    bases = [int(t.get("base") or 0) for t in tables]
    cats = [pb.label(w, x) for x in questions]
    if len(set(bases)) > 1:
        cats = [f"{c} ({base_text(b, pb.lang)})" for c, b in zip(cats, bases, strict=True)]
    series = []
    for c in choice_names:
        rows = [next(r for r in t["rows"] if str(r["choice"]) == c) for t in tables]
        series.append(
            Series(
                labels.get(c, c),
                tuple(pb._pct(r, b, decimals) for r, b in zip(rows, bases, strict=True)),
                tuple(int(r["count"]) for r in rows),
            )
        )
    single = len(set(bases)) == 1
    caption = (
        base_text(bases[0], pb.lang)
        if single
        else f"n={fmt_number(min(bases), pb.lang)}–{fmt_number(max(bases), pb.lang)}"
    )
    table = table_series(
        pb, w, questions[0], heading, cats, series, bases[0] if single else None, decimals
    )
    return pb._finish(
        kind="grouped",
        q=questions[0],
        w=w,
        heading=heading,
        base=bases[0] if single else None,
        caption=caption,
        categories=cats,
        series=series,
        unit="percent",
        decimals=decimals,
        table=table,
        across=True,
    )
