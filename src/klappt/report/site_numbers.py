"""A number question in a site report: the site's value beside the program's median and
quartiles (and its group's median, when the group may be published)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from klappt.report.built import BuiltPanel
from klappt.report.site_values import rank_words
from klappt.report.tables import make_table
from klappt.report.wording import base_text, fmt_number, text

if TYPE_CHECKING:
    from klappt.instrument.model import Question
    from klappt.report.site_slides import SiteBuilder
    from klappt.report.spec import ChartPanel

__all__ = ["numbers_panel"]


def numbers_panel(
    b: SiteBuilder, q: Question, p: ChartPanel, title: str
) -> tuple[BuiltPanel, list[str], list[str]]:
    """A statistics table: the site's value, the program's median and quartiles, the group's
    median; with the sentences under it ("Ihre Kommune liegt damit im oberen Viertel.")."""
    from klappt.report.site_slides import word
    from klappt.report.site_values import GROUP

    w = b.main.data
    t = b.pb.table(w, q, p.line, by=GROUP)
    stats = t.get("stats") or {}
    base = int(t.get("base") or stats.get("n") or 0)
    quart = b.main.quartiles.get(q.name)
    own = b.value(q.name)
    has_own = isinstance(own, int | float) and not isinstance(own, bool)
    rows: list[tuple[str, Any]] = []
    if has_own:
        rows.append((word("your_value", b.lang), own))
    notes: list[str] = []
    if quart is not None and base >= b.k:
        rows += [
            (word("q1_row", b.lang), quart[0]),
            (word("median_row", b.lang), quart[1]),
            (word("q3_row", b.lang), quart[2]),
        ]
    group = b.main.group_of.get(b.site.site_id)
    g = b.main.group_table(q.name, b.site.site_id, b.lang)
    label = b.main.group_labels.get(group or "", group or "")
    if g is not None and (g.get("stats") or {}).get("median") is not None:
        rows.append((word("group_median_row", b.lang).format(group=label), g["stats"]["median"]))
    elif group is not None:
        notes.append(word("group_note", b.lang).format(group=label, k=b.k))
    cap = base_text(base, b.lang)
    heading = b.pb.label(w, q) if p.title is None else p.title
    table = make_table(
        b.pb,
        heading,
        (text("statistic", b.lang), text("value", b.lang)),
        ("text", "num"),
        rows,
        base,
        cap,
        q,
        w,
        1,
    )
    description = "; ".join(f"{a} {v}" for a, v in table.formatted) + f"; {cap}"
    panel = BuiltPanel(
        kind="table",
        question=q.name,
        title=heading if heading != title else "",
        caption=cap,
        unit="count",
        decimals=1,
        base=base,
        table=table,
        description=description,
        wave=w.name,
    )
    more: list[str] = []
    if has_own:
        more.append(f"{word('your_value', b.lang)}: {b.answer_text(q)}")
    if quart is not None and base >= b.k:
        more.append(
            word("median", b.lang).format(
                median=_n(quart[1], b.lang), q1=_n(quart[0], b.lang), q3=_n(quart[2], b.lang)
            )
        )
        if has_own:
            assert isinstance(own, int | float)
            more.append(word("rank", b.lang).format(where=rank_words(float(own), quart, b.lang)))
    return panel, more, notes


def _n(v: float, lang: str) -> str:
    return fmt_number(v, lang, 0 if float(v).is_integer() else 1)
