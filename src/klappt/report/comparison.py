"""Panels that compare waves: the same question in several waves, or mapped questions.

The seed deck's "2020: 39 % → 2022: 60 %" is a comparison of items: one bar per wave,
each the share of a choice of that wave's question.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from klappt.instrument.model import Question
from klappt.report.built import BuiltPanel, Series
from klappt.report.data import WaveData
from klappt.report.kinds import KindName
from klappt.report.spec import ChartPanel, CompareItem
from klappt.report.tables import make_table, table_series
from klappt.report.withheld import few_note, withheld_series
from klappt.report.wording import base_text, exact_share, text

if TYPE_CHECKING:
    from klappt.report.panels import PanelBuilder


def waves_panel(
    pb: PanelBuilder, panel: ChartPanel, q: Question, heading: str, kind: KindName, decimals: int
) -> BuiltPanel:
    main = pb.wave(panel.wave, panel.line)
    cats_names = [c.name for c in q.choices]
    labels = pb.choice_labels(main, q, pb.table(main, q, panel.line))
    series = []
    for name in panel.waves:
        w = pb.wave(name, panel.line)
        wq = pb.question(w, q.name, panel.line)
        t = pb.table(w, wq, panel.line)
        b = int(t.get("base") or 0)
        if w.mark(b):  # disclosure control: a wave on too few sites is not compared
            series.append(withheld_series(w.name, len(cats_names), "primary", w.min_cell))
            continue
        rows = {str(r["choice"]): r for r in t.get("rows", [])}
        series.append(
            Series(
                f"{w.name} ({base_text(b, pb.lang)})",
                tuple(pb._pct(rows[c], b, decimals) if c in rows else None for c in cats_names),
                tuple(int(rows[c]["count"]) if c in rows else None for c in cats_names),
                b,
            )
        )
    cats = [labels.get(c, c) for c in cats_names]
    table = table_series(pb, main, q, heading, cats, series, None, decimals)
    return pb._finish(
        kind=kind if kind != "doughnut" else "grouped",
        q=q,
        w=main,
        heading=heading,
        base=None,
        caption=", ".join(s.name for s in series),
        categories=cats,
        series=series,
        unit="percent",
        decimals=decimals,
        table=table,
    )


def compare_items(
    pb: PanelBuilder,
    items: tuple[CompareItem, ...],
    heading: str,
    kind: KindName | None,
    decimals: int,
    line: int | None,
) -> BuiltPanel:
    """One bar per item: the share of a choice of a question in a wave (2020 vs 2022)."""
    cats: list[str] = []
    values: list[float | None] = []
    counts: list[int | None] = []
    bases: list[int | str] = []  # a withheld item's mark in place of its base
    rows_out: list[tuple[str, str, int | str, int | str, float | str]] = []
    held: tuple[str, ...] = ()
    first_q: Question | None = None
    first_w: WaveData | None = None
    for it in items:
        w = pb.wave(it.wave, it.line)
        q = pb.question(w, it.question, it.line)
        if q.type not in ("select_one", "select_multiple"):
            raise pb.fail(
                it.line,
                f"'{q.name}' ist keine Auswahlfrage.",
                f"'{q.name}' is not a select question.",
            )
        t = pb.table(w, q, it.line)
        by_name = {str(r["choice"]): r for r in t.get("rows", [])}
        for c in it.choice:
            if c not in by_name:
                raise pb.fail(
                    it.line,
                    f"'{q.name}' hat keine Antwort '{c}'; möglich: {', '.join(by_name)}",
                    f"'{q.name}' has no choice '{c}'; possible: {', '.join(by_name)}",
                )
        if len(it.choice) > 1 and q.type == "select_multiple":
            raise pb.fail(
                it.line,
                "mehrere Antworten zusammen nur bei Einfachauswahl.",
                "several choices together only for select_one.",
            )
        n = sum(int(by_name[c]["count"]) for c in it.choice)
        b = int(t.get("base") or 0)
        pct = (
            pb._pct(by_name[it.choice[0]], b, decimals)
            if len(it.choice) == 1
            else exact_share(n, b)
        )
        label = it.label or pb.choice_labels(w, q, t).get(it.choice[0], it.choice[0])
        mark = w.mark(b)
        if mark:  # disclosure control: an item on too few sites is withheld
            cats.append(f"{w.name}: {label} ({mark})")
            values.append(None)
            counts.append(None)
            bases.append(mark)
            rows_out.append((w.name, label, mark, mark, mark))
            held = (few_note(w.min_cell, pb.lang),)
            first_q, first_w = first_q or q, first_w or w
            continue
        cats.append(f"{w.name}: {label}")
        values.append(pct)
        counts.append(n)
        bases.append(b)
        rows_out.append((w.name, label, b, n, pct))
        first_q, first_w = first_q or q, first_w or w
    assert first_q is not None and first_w is not None
    series = [Series(heading or first_q.name, tuple(values), tuple(counts))]
    columns = (
        text("wave", pb.lang),
        text("answer", pb.lang),
        text("base", pb.lang),
        text("count", pb.lang),
        text("percent", pb.lang),
    )
    caption = ", ".join(
        f"{c.split(':')[0]}: {b if isinstance(b, str) else base_text(b, pb.lang)}"
        for c, b in zip(cats, bases, strict=True)
    )
    table = make_table(
        pb,
        heading or first_q.name,
        columns,
        ("text", "text", "int", "int", "pct"),
        rows_out,
        None,
        caption,
        first_q,
        first_w,
        decimals,
    )
    built = pb._finish(
        kind=kind or "column",
        q=first_q,
        w=first_w,
        heading=heading,
        base=None,
        caption=caption,
        categories=cats,
        series=series,
        unit="percent",
        decimals=decimals,
        table=table,
        held_back=held,
    )
    if not held:
        return built
    # a withheld item's data label is its mark ("2020: < 3" in the headline), not a dash
    only = built.series[0]
    labels = tuple(
        str(b) if isinstance(b, str) else lab for b, lab in zip(bases, only.labels, strict=True)
    )
    return replace(built, series=(replace(only, labels=labels),))


def same_question(pb: PanelBuilder, items: tuple[CompareItem, ...]) -> bool:
    """Whether the items of a comparison ask the same question (the same wording), so that
    their shares make a trend. A renamed variable with unchanged wording is the same question;
    "Konzepte" in 2020 and "Maßnahmen" in 2022 are not."""
    asked = set()
    for it in items:
        w = pb.wave(it.wave, it.line)
        q = pb.question(w, it.question, it.line)
        asked.add(" ".join(pb.label(w, q).split()).casefold())
    return len(asked) <= 1
