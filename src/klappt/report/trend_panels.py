"""Charts over waves whose forms change: a trend (each choice's share per wave, grouped columns
in the choice's fixed colour) and the transitions of the same sites (how many sites that gave
an answer in one wave gave which answer in the next).

Both read :class:`klappt.report.trend_data.TrendContext`, the contract of ``klappt trend``.
When a wave asked a mapped question under another name or in other words, the slide says which
question each wave asked. Disclosure control as for groups: a wave on fewer than the minimum
of returns is not compared, and the sites of an earlier answer that are fewer than the minimum
are not broken down by their later answer.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from klappt.report.built import BuiltPanel, Series
from klappt.report.colors import choice_colors
from klappt.report.kinds import kinds_for
from klappt.report.tables import make_table
from klappt.report.trend_data import TrendContext, question_texts
from klappt.report.withheld import few_note
from klappt.report.wording import base_text, exact_share, fmt_number, text

if TYPE_CHECKING:
    from klappt.instrument.model import Question
    from klappt.report.data import WaveData
    from klappt.report.panels import PanelBuilder
    from klappt.report.spec import ChartPanel

__all__ = ["over_waves_panel"]


def _context(pb: PanelBuilder, line: int | None) -> TrendContext:
    ctx = getattr(pb, "trends", None)
    if ctx is None:
        raise pb.fail(line, "Keine Zeitreihen in diesem Bericht.", "No trends in this report.")
    return ctx


def _question(pb: PanelBuilder, panel: ChartPanel, w: WaveData, name: str) -> Question:
    q = pb.question(w, name, panel.line)
    assert panel.kind is not None
    allowed = kinds_for(q.type)
    if panel.kind not in allowed:
        raise pb.fail(
            panel.line,
            f"Diagrammart '{panel.kind}' passt nicht zu '{q.name}' ({q.type}); möglich: "
            f"{', '.join(allowed) or 'keine'}",
            f"chart kind '{panel.kind}' does not suit '{q.name}' ({q.type}); possible: "
            f"{', '.join(allowed) or 'none'}",
        )
    return q


def over_waves_panel(pb: PanelBuilder, panel: ChartPanel, slide_title: str) -> BuiltPanel:
    """A ``trend`` or ``transitions`` panel of the recipe."""
    ctx = _context(pb, panel.line)
    if panel.kind == "transitions":
        return _transitions(pb, ctx, panel, slide_title)
    return _trend(pb, ctx, panel, slide_title)


def _heading(pb: PanelBuilder, panel: ChartPanel, default: str, slide_title: str) -> str:
    heading = panel.title if panel.title is not None else default
    return "" if heading.strip() == slide_title.strip() else heading


def _trend(pb: PanelBuilder, ctx: TrendContext, panel: ChartPanel, slide_title: str) -> BuiltPanel:
    waves = ctx.waves(panel.waves, panel.line)
    entry = ctx.entry(waves, panel.question, panel.line)
    last = pb.wave(waves[-1], panel.line)
    q = _question(pb, panel, last, panel.question)
    present = [w for w in waves if w in entry["waves"]]
    tables = {w: entry["waves"][w] for w in present}
    labels = pb.choice_labels(last, q, tables[present[-1]])
    choices = [str(r["choice"]) for r in tables[present[-1]]["rows"]]
    bases = {w: int(tables[w]["base"] or 0) for w in present}
    decimals = (
        panel.decimals if panel.decimals is not None else pb.auto_decimals(list(bases.values()))
    )
    held: list[str] = []
    shown = {w: not pb.wave(w, panel.line).mark(bases[w]) for w in present}
    if not all(shown.values()):
        held.append(few_note(last.min_cell, pb.lang))
    series = []
    rows_out: list[tuple[Any, ...]] = []
    for c in choices:
        values: list[float | None] = []
        counts: list[int | None] = []
        for w in present:
            row = next((r for r in tables[w]["rows"] if str(r["choice"]) == c), None)
            if row is None or not shown[w]:
                values.append(None)
                counts.append(None)
                continue
            values.append(exact_share(int(row["count"]), bases[w]))
            counts.append(int(row["count"]))
        series.append(Series(labels.get(c, c), tuple(values), tuple(counts)))
    for w in present:
        mark = pb.wave(w, panel.line).mark(bases[w])
        for c in choices:
            row = next((r for r in tables[w]["rows"] if str(r["choice"]) == c), None)
            n: Any = mark or (int(row["count"]) if row else None)
            pct: Any = mark or (exact_share(int(row["count"]), bases[w]) if row else None)
            rows_out.append(
                (w, tables[w].get("question", q.name), labels.get(c, c), mark or bases[w], n, pct)
            )
    held.extend(question_texts(entry, pb.lang, headed=panel.title is None))
    caption = ", ".join(f"{w}: {base_text(bases[w], pb.lang)}" for w in present)
    heading = _heading(pb, panel, pb.label(last, q), slide_title)
    table = make_table(
        pb,
        heading or pb.label(last, q),
        (
            text("wave", pb.lang),
            "Frage" if pb.lang != "en" else "Question",
            text("answer", pb.lang),
            text("base", pb.lang),
            text("count", pb.lang),
            text("percent", pb.lang),
        ),
        ("text", "text", "text", "int", "int", "pct"),
        rows_out,
        None,
        caption,
        q,
        last,
        decimals,
        notes=tuple(held),
    )
    return pb._finish(
        kind="trend",
        q=q,
        w=last,
        heading=heading,
        base=None,
        caption=caption,
        categories=list(present),
        series=series,
        unit="percent",
        decimals=decimals,
        table=table,
        across=True,
        held_back=tuple(held),
    )


def _transitions(
    pb: PanelBuilder, ctx: TrendContext, panel: ChartPanel, slide_title: str
) -> BuiltPanel:
    waves = ctx.waves(panel.waves or ctx.order[-2:], panel.line)
    if len(waves) != 2:
        raise pb.fail(
            panel.line,
            "Übergänge zeigen genau zwei Wellen (waves: [2021, 2022]).",
            "Transitions show exactly two waves (waves: [2021, 2022]).",
        )
    a, b = waves
    p = ctx.panel(panel.question, a, b, panel.line)
    last = pb.wave(b, panel.line)
    q = _question(pb, panel, last, panel.question)
    names = list(dict.fromkeys(c.name for c in q.choices))
    dl = last.instrument.default_language
    labels = {c.name: c.label(pb.lang, dl) for c in q.choices}
    moved = {(t["from"], t["to"]): int(t["sites"]) for t in p["transitions"]}
    k = last.min_cell
    cats: list[str] = []
    cat_names: list[str] = []
    held: list[str] = []
    for c in names:
        group = sum(n for (x, _), n in moved.items() if x == c)
        if group == 0:
            continue
        if k is not None and group < k:  # too few sites to say where they went
            held.append(few_note(k, pb.lang))
            continue
        cats.append(f"{a}: {labels[c]}")
        cat_names.append(c)
    later = [d for d in names if any(moved.get((c, d), 0) for c in cat_names)]
    series = [
        Series(
            f"{b}: {labels[d]}",
            tuple(float(moved.get((c, d), 0)) for c in cat_names),
            tuple(moved.get((c, d), 0) for c in cat_names),
        )
        for d in later
    ]
    rows_out = [(labels[c], labels[d], moved.get((c, d), 0)) for c in cat_names for d in later]
    sites = fmt_number(p["answered"], pb.lang, 0)
    one = p["answered"] == 1  # "derselbe 1 Standort", not "dieselben 1 Standorte"
    caption = (
        f"{'derselbe 1 Standort' if one else f'dieselben {sites} Standorte'}; "
        f"nur {a}: {p['only_from']}, nur {b}: {p['only_to']}"
        if pb.lang != "en"
        else f"the same {'1 site' if one else f'{sites} sites'}; "
        f"only {a}: {p['only_from']}, only {b}: {p['only_to']}"
    )
    if p.get("mean_change") is not None:
        change = fmt_number(p["mean_change"], pb.lang, 2)
        caption += (
            f"; mittlere Veränderung {change} Skalenpunkte"
            if pb.lang != "en"
            else f"; mean change {change} scale points"
        )
    entry = ctx.entry((a, b), panel.question, panel.line)
    notes = tuple(dict.fromkeys(held)) + question_texts(entry, pb.lang, panel.title is None)
    heading = _heading(pb, panel, f"{pb.label(last, q)} ({a} → {b})", slide_title)
    table = make_table(
        pb,
        heading or pb.label(last, q),
        (a, b, "Standorte" if pb.lang != "en" else "Sites"),
        ("text", "text", "int"),
        rows_out,
        None,
        caption,
        q,
        last,
        0,
        notes=notes,
    )
    built = pb._finish(
        kind="transitions",
        q=q,
        w=last,
        heading=heading,
        base=None,
        caption=caption,
        categories=cats,
        series=series,
        unit="count",
        decimals=0,
        table=table,
        held_back=notes,
    )
    # each later answer in its own fixed colour (the series are named "2022: ja", not "ja")
    palette = dict(
        zip(
            names,
            choice_colors([labels[n] for n in names], q.ordered, names),
            strict=True,
        )
    )
    return dataclasses.replace(built, series_colors=tuple(palette[d] for d in later))
