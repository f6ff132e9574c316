"""Panels that are not shares of choices: mention clouds (free text, or a choice's count)
and statistics tables (numbers and dates).

Plain functions over the :class:`~klappt.report.panels.PanelBuilder`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from klappt.instrument.model import Question
from klappt.report.built import BuiltPanel, Series
from klappt.report.data import WaveData
from klappt.report.kinds import KIND
from klappt.report.mentions import Mention
from klappt.report.spec import ChartPanel
from klappt.report.tables import make_table
from klappt.report.wording import base_text, fmt_number, text

if TYPE_CHECKING:
    from klappt.report.panels import PanelBuilder

#: At most this many mentions in a cloud unless the panel says ``top``.
CLOUD_TOP = 30


def cloud_panel(
    pb: PanelBuilder, panel: ChartPanel, w: WaveData, q: Question, heading: str
) -> BuiltPanel:
    t = pb.table(w, q, panel.line)
    if q.type == "text":
        mentions = pb.ev.mentions_of(q.name, w.name)
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
        notes=(text("cloud_note", pb.lang),),
    )
    description = (
        f"{text(KIND['cloud'].wording, pb.lang)}{' – ' + heading if heading else ''}: "
        + "; ".join(f"{m.text} ({fmt_number(m.count, pb.lang)})" for m in shown)
        + f"; {cap}"
    )
    return BuiltPanel(
        kind="cloud",
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
        multiple=True,
        base=base,
        mentions=tuple(shown),
        table=table,
        description=description,
        wave=w.name,
    )


def stats_panel(
    pb: PanelBuilder, panel: ChartPanel, w: WaveData, q: Question, heading: str
) -> BuiltPanel:
    t = pb.table(w, q, panel.line)
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
