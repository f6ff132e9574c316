"""Panels that are not shares of choices: mention clouds (free text, or a choice's count)
and statistics tables (numbers and dates).

Plain functions over the :class:`~klappt.report.panels.PanelBuilder`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from klappt.instrument.model import Question
from klappt.report.built import BuiltPanel, Series
from klappt.report.data import WaveData
from klappt.report.kinds import KIND, KindName
from klappt.report.mentions import Mention
from klappt.report.spec import ChartPanel
from klappt.report.tables import make_table, row_label
from klappt.report.withheld import mention_notes
from klappt.report.wording import base_text, excel_number_format, fmt_number, text

if TYPE_CHECKING:
    from klappt.report.panels import PanelBuilder

#: At most this many mentions in a cloud unless the panel says ``top``.
CLOUD_TOP = 30
#: With at most this many distinct mentions (and no ``kind`` in the recipe) a sorted bar chart
#: of the counts replaces the cloud: a cloud of a few phrases says less than their counts.
CLOUD_AS_BARS = 10


def cloud_panel(
    pb: PanelBuilder, panel: ChartPanel, w: WaveData, q: Question, heading: str
) -> BuiltPanel:
    t = pb.table(w, q, panel.line)
    held_back: tuple[str, ...] = ()
    if q.type == "text":  # only mentions that may be published (klappt.report.data)
        mentions = pb.ev.mentions_of(q.name, w.name)
        held_back = mention_notes(w.withheld_mentions(q.name), w.min_cell, pb.lang)
        base = int(t.get("base") or 0)
    else:
        labels = pb.choice_labels(w, q, t)
        rows = sorted(enumerate(t.get("rows", [])), key=lambda ir: (-int(ir[1]["count"]), ir[0]))
        mentions = [  # a choice's count, not an answer's text: no return ids to name
            Mention(labels.get(str(r["choice"]), str(r["choice"])), int(r["count"]), ())
            for _, r in rows
            if int(r["count"]) > 0
        ]
        base = int(t.get("base") or 0)
    shown = mentions[: panel.top or CLOUD_TOP]
    cap = base_text(base, pb.lang)
    columns = (text("mention", pb.lang), text("mentions", pb.lang))
    rows_out = [(m.text, m.count) for m in mentions]
    table = make_table(
        pb,
        heading or pb.label(w, q),
        columns,
        ("text", "int"),
        rows_out,
        base,
        cap,
        q,
        w,
        0,
        notes=(text("cloud_note", pb.lang), *held_back),
    )
    # few distinct mentions read better as bars sorted by count than as a cloud
    kind: KindName = "bar" if panel.kind is None and 0 < len(shown) <= CLOUD_AS_BARS else "cloud"
    description = (
        f"{text(KIND[kind].wording, pb.lang)}{' – ' + heading if heading else ''}: "
        + "; ".join(f"{m.text} ({fmt_number(m.count, pb.lang)})" for m in shown)
        + f"; {cap}"
    )
    return BuiltPanel(
        kind=kind,
        question=q.name,
        title=heading + ("*" if heading else ""),
        caption=cap,
        categories=tuple(m.text for m in shown),
        series=(
            Series(
                text("mentions", pb.lang),
                tuple(float(m.count) for m in shown),
                tuple(m.count for m in shown),
                base,
                tuple(fmt_number(m.count, pb.lang) for m in shown),
            ),
        ),
        unit="count",
        decimals=0,
        number_format=excel_number_format(pb.lang, 0, False),
        multiple=True,
        base=base,
        mentions=tuple(shown),
        table=table,
        description=description,
        wave=w.name,
        held_back=held_back,
    )


def stats_panel(
    pb: PanelBuilder, panel: ChartPanel, w: WaveData, q: Question, heading: str
) -> BuiltPanel:
    if len(panel.items) > 1:
        return stats_items_panel(pb, panel, w, heading)
    t = pb.table(w, q, panel.line)
    if q.type == "rank":
        return rank_panel(pb, w, q, heading, t)
    stats = t.get("stats") or {}
    base = int(t.get("base") or stats.get("n") or 0)
    rows_out = []
    for key in ("mean", "median", "min", "max", "sum"):
        if stats.get(key) is not None:
            rows_out.append((text(key, pb.lang), stats[key]))
    cap = base_text(base, pb.lang)
    # a date's earliest and latest are ISO dates, shown as they are
    numeric = all(isinstance(v, int | float) for _, v in rows_out)
    table = make_table(
        pb,
        heading or pb.label(w, q),
        (text("statistic", pb.lang), text("value", pb.lang)),
        ("text", "num" if numeric else "text"),
        rows_out,
        base,
        cap,
        q,
        w,
        1,
    )
    description = (
        f"{text(KIND['table'].wording, pb.lang)}: "
        + "; ".join(f"{a} {b}" for a, b in table.formatted)
        + f"; {cap}"
    )
    return BuiltPanel(
        kind="table",
        question=q.name,
        title=heading,
        caption=cap,
        unit="count",
        decimals=1,
        base=base,
        table=table,
        description=description,
        wave=w.name,
    )


#: The columns of a table of several numbers, one row per question.
_ITEM_STATS = ("mean", "median", "min", "max")


def stats_items_panel(pb: PanelBuilder, panel: ChartPanel, w: WaveData, heading: str) -> BuiltPanel:
    """Several numbers of one group in one table: a row per question with n, mean, median,
    minimum and maximum (one slide instead of a slide per two-line table)."""
    questions = [pb.question(w, n, panel.line) for n in panel.items]
    for x in questions:
        if x.type not in ("integer", "decimal"):
            raise pb.fail(
                panel.line,
                f"eine Tabelle mehrerer 'items' braucht Zahlenfragen; '{x.name}' ist {x.type}.",
                f"a table of several 'items' needs number questions; '{x.name}' is {x.type}.",
            )
    rows_out: list[tuple[str | int | float | None, ...]] = []
    bases = []
    for x in questions:
        t = pb.table(w, x, panel.line)
        stats = t.get("stats") or {}
        b = int(t.get("base") or stats.get("n") or 0)
        bases.append(b)
        # a row names its question as a statement, not asked of the respondent
        rows_out.append(
            (row_label(pb.label(w, x), pb.lang), b, *(stats.get(k) for k in _ITEM_STATS))
        )
    single = len(set(bases)) == 1
    cap = (
        base_text(bases[0], pb.lang)
        if single
        else f"n={fmt_number(min(bases), pb.lang)}–{fmt_number(max(bases), pb.lang)}"
    )
    table = make_table(
        pb,
        heading or pb.label(w, questions[0]),
        (text("item", pb.lang), text("base", pb.lang), *(text(k, pb.lang) for k in _ITEM_STATS)),
        ("text", "int", *("num",) * len(_ITEM_STATS)),
        rows_out,
        bases[0] if single else None,
        cap,
        questions[0],
        w,
        1,
    )
    description = (
        f"{text(KIND['table'].wording, pb.lang)}: "
        + "; ".join(", ".join(row) for row in table.formatted)
        + f"; {cap}"
    )
    return BuiltPanel(
        kind="table",
        question=questions[0].name,
        title=heading,
        caption=cap,
        unit="count",
        decimals=1,
        base=bases[0] if single else None,
        table=table,
        description=description,
        wave=w.name,
    )


def rank_panel(pb: PanelBuilder, w: WaveData, q: Question, heading: str, t: dict) -> BuiltPanel:
    """A rank question as a table: a row per choice, how many put it at each place, and its
    mean rank (1 = first), sorted by mean rank (klappt.analysis.ranks)."""
    ranks = sorted(
        t.get("ranks") or [],
        key=lambda r: (r.get("mean_rank") is None, r.get("mean_rank") or 0),
    )
    places = len(ranks)
    base = int(t.get("base") or 0)
    cap = base_text(base, pb.lang)
    rows_out = [
        (str(r["label"]), *(int(n) for n in r["positions"]), r.get("mean_rank")) for r in ranks
    ]
    table = make_table(
        pb,
        heading or pb.label(w, q),
        (
            text("answer", pb.lang),
            *(f"{p + 1}. {text('place', pb.lang)}" for p in range(places)),
            text("mean_rank", pb.lang),
        ),
        ("text", *("int",) * places, "num"),
        rows_out,
        base,
        cap,
        q,
        w,
        2,
    )
    description = (
        f"{text(KIND['table'].wording, pb.lang)}: "
        + "; ".join(", ".join(row) for row in table.formatted)
        + f"; {cap}"
    )
    return BuiltPanel(
        kind="table",
        question=q.name,
        title=heading,
        caption=cap,
        unit="count",
        decimals=2,
        base=base,
        table=table,
        description=description,
        wave=w.name,
    )
