"""The table behind each chart, raw and formatted: for screen readers, workbooks and alt text.

Plain functions over the :class:`~klappt.report.panels.PanelBuilder` whose language and labels
they use (they were a mixin, which no type checker can follow).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from klappt.instrument.model import Question
from klappt.report.built import DataTable, Series
from klappt.report.data import WaveData
from klappt.report.titles import question_statement, respondent
from klappt.report.wording import base_text, fmt_number, fmt_percent, text

if TYPE_CHECKING:
    from klappt.report.panels import PanelBuilder


def published(label: str, lang: str) -> str:
    """A question's wording as a published table names it: asked of the ministry's reader,
    not of the respondent ("in Ihrer Kommune" -> "in der Kommune", as slide titles get it:
    :func:`klappt.report.titles.respondent`)."""
    return respondent(label) if lang != "en" else label


def row_label(label: str, lang: str) -> str:
    """A question as the row label of a table of several questions (a statistics table): the
    statement its slide title would be ("Wie viele THM in der Kommune tätig sind",
    :func:`klappt.report.titles.question_statement`), else its wording as :func:`published`."""
    return question_statement(label, lang) or published(label, lang)


def table_single(
    pb: PanelBuilder,
    w: WaveData,
    q: Question,
    heading: str,
    base: int,
    t: dict[str, Any],
    labels: dict[str, str],
    decimals: int,
    marks: dict[str, str | None] | None = None,
) -> DataTable:
    """The table of one question; a choice with a disclosure mark shows the mark, not figures."""
    columns = (text("answer", pb.lang), text("count", pb.lang), text("percent", pb.lang))
    rows: list[tuple[str, int | str, float | str]] = []
    for r in t.get("rows", []):
        mark = (marks or {}).get(str(r["choice"]))
        label = labels.get(str(r["choice"]), str(r["choice"]))
        rows.append(
            (label, mark, mark) if mark else (label, int(r["count"]), pb._pct(r, base, decimals))
        )
    notes = (f"*{text('multiple', pb.lang)}",) if q.type == "select_multiple" else ()
    return make_table(
        pb,
        heading or pb.label(w, q),
        columns,
        ("text", "int", "pct"),
        rows,
        base,
        base_text(base, pb.lang),
        q,
        w,
        decimals,
        notes=notes,
    )


def table_series(
    pb: PanelBuilder,
    w: WaveData,
    q: Question,
    heading: str,
    cats: list[str],
    series: list[Series],
    base: int | None,
    decimals: int,
) -> DataTable:
    columns = [text("answer", pb.lang)]
    kinds = ["text"]
    for s in series:
        columns += [f"{s.name}: {text('count', pb.lang)}", f"{s.name}: %"]
        kinds += ["int", "pct"]
    rows = []
    for i, c in enumerate(cats):
        row: list[str | int | float | None] = [c]
        for s in series:
            if s.withheld:  # the mark, not an empty cell: the reader sees it was withheld
                row += [s.labels[i], s.labels[i]]
            else:
                row += [s.counts[i], s.values[i]]
        rows.append(tuple(row))
    notes = (f"*{text('multiple', pb.lang)}",) if q.type == "select_multiple" else ()
    cap = base_text(base, pb.lang) if base is not None else ", ".join(s.name for s in series)
    return make_table(
        pb,
        heading or pb.label(w, q),
        tuple(columns),
        tuple(kinds),
        rows,
        base,
        cap,
        q,
        w,
        decimals,
        notes=notes,
    )


def make_table(
    pb: PanelBuilder,
    title: str,
    columns: tuple[str, ...],
    kinds: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    base: int | None,
    caption: str,
    q: Question,
    w: WaveData,
    decimals: int,
    notes: tuple[str, ...] = (),
) -> DataTable:
    formatted = tuple(
        tuple(_cell(pb.lang, v, k, decimals) for v, k in zip(row, kinds, strict=True))
        for row in rows
    )
    return DataTable(
        title=published(title, pb.lang),
        columns=columns,
        kinds=kinds,
        rows=tuple(tuple(r) for r in rows),
        formatted=formatted,
        base=base,
        base_text=caption,
        question=q.name,
        question_label=published(pb.label(w, q), pb.lang),
        wave=w.name or None,
        notes=notes,
    )


def _cell(lang: str, v: Any, kind: str, decimals: int) -> str:
    if v is None:
        return "–"
    if isinstance(v, str) and kind != "text":  # a disclosure mark ("< 3", "x") for a figure
        return v
    if kind == "pct":
        return fmt_percent(float(v), lang, decimals)
    if kind == "int":
        return fmt_number(int(v), lang, 0)
    if kind == "num":
        return fmt_number(v, lang, 0 if float(v).is_integer() else decimals)
    return str(v)
