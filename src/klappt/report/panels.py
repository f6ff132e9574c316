"""Chart panels with their numbers: from a :class:`ChartPanel` and the tables to a :class:`BuiltPanel`.

The chart kind follows the question type unless the recipe says otherwise: a ring for a
select_one with few, short choices; bars sorted by count for select_multiple and long
labels; 100 % stacked bars for ordered scales; grouped bars for ``by`` and for waves;
a mention cloud for free text; a small table for numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from klappt.instrument.model import Question
from klappt.report.built import BuiltPanel, DataTable, Series
from klappt.report.cloud_and_stats import cloud_panel, stats_panel
from klappt.report.colors import panel_colors
from klappt.report.comparison import waves_panel
from klappt.report.data import ReportData, WaveData
from klappt.report.expressions import Evaluator
from klappt.report.grids import items_grouped, stacked
from klappt.report.kinds import KIND, KindName, kinds_for
from klappt.report.spec import ChartPanel
from klappt.report.tables import table_series, table_single
from klappt.report.withheld import series_notes, small_count_marks, withheld_series
from klappt.report.wording import (
    base_text,
    exact_share,
    excel_number_format,
    fmt_number,
    fmt_percent,
    round_half_up,
    text,
)

#: A select_one gets a ring when it has at most this many choices ...
RING_MAX_CHOICES = 5
#: ... and no label longer than this many characters.
RING_MAX_LABEL = 32

#: Percentages of a base under this many are shown without decimals (unless the recipe says).
AUTO_DECIMALS_BASE = 100

Fail = Callable[[int | None, str, str], Exception]


def auto_kind(
    q: Question, lang: str, dl: str | None, by: bool, waves: bool, items: bool
) -> KindName:
    """The chart kind klappt picks for a question."""
    if q.type == "text":
        return "cloud"
    if q.type not in ("select_one", "select_multiple"):
        return "table"
    if by or waves or (items and q.type == "select_multiple"):
        return "grouped"
    if q.type == "select_one" and (q.ordered or items):
        return "stacked"
    if q.type == "select_multiple":
        return "bar"
    labels = [c.label(lang, dl) for c in q.choices]
    if len(labels) <= RING_MAX_CHOICES and all(len(lb) <= RING_MAX_LABEL for lb in labels):
        return "doughnut"
    return "bar"


class PanelBuilder:
    """Resolves the panels of one report (one language, one set of waves)."""

    def __init__(self, data: ReportData, lang: str, evaluator: Evaluator, fail: Fail) -> None:
        self.data = data
        self.lang = lang
        self.ev = evaluator
        self.fail = fail
        #: the recipe's ``options: {decimals: N}``; ``None`` ("auto"): by the base
        self.decimals: int | None = None
        #: the report's trends (klappt.report.trend_data), for the kinds over waves
        self.trends: Any = None

    # -- lookups --------------------------------------------------------------------------

    def wave(self, name: str | None, line: int | None) -> WaveData:
        try:
            return self.data.wave(name)
        except KeyError:
            known = ", ".join(self.data.names)
            raise self.fail(
                line,
                f"unbekannte Welle '{name}'; vorhanden: {known}",
                f"unknown wave '{name}'; known: {known}",
            ) from None

    def question(self, w: WaveData, name: str, line: int | None) -> Question:
        q = w.instrument.question(name)
        if q is None or not (q.is_tabulated or q.type == "calculate"):
            where = f" (Welle {w.name})" if len(self.data.waves) > 1 else ""
            hint = _similar(name, [x.name for x in w.instrument.tabulated])
            raise self.fail(
                line,
                f"unbekannte Frage '{name}'{where}" + (f"; gemeint: {hint}?" if hint else ""),
                f"unknown question '{name}'{where.replace('Welle', 'wave')}"
                + (f"; did you mean {hint}?" if hint else ""),
            )
        return q

    def table(
        self, w: WaveData, q: Question, line: int | None, by: str | None = None
    ) -> dict[str, Any]:
        t = w.table(q.name, by=by, lang=self.lang)
        if t is None:
            raise self.fail(
                line, f"für '{q.name}' gibt es keine Tabelle.", f"there is no table for '{q.name}'."
            )
        return t

    def label(self, w: WaveData, q: Question) -> str:
        return q.label(self.lang, w.instrument.default_language)

    def base_of(self, w: WaveData, name: str) -> int:
        t = w.table(name, lang=self.lang)
        return int((t or {}).get("base") or 0)

    def auto_decimals(self, bases: list[int]) -> int:
        """Decimals of percentages: the recipe's ``options: {decimals: N}``; with ``auto`` (the
        derived deck) none when the base is under 100 (one return moves a share by more than a
        percentage point, so a decimal would claim a precision the data do not have), else one."""
        if self.decimals is not None:
            return self.decimals
        return 0 if max(bases, default=0) < AUTO_DECIMALS_BASE else 1

    def choice_labels(self, w: WaveData, q: Question, table: dict[str, Any]) -> dict[str, str]:
        dl = w.instrument.default_language
        out = {str(r["choice"]): str(r.get("label") or r["choice"]) for r in table.get("rows", [])}
        for c in q.choices:
            out[c.name] = c.label(self.lang, dl)
        return out

    # -- panels ---------------------------------------------------------------------------

    def build(self, panel: ChartPanel, slide_title: str) -> BuiltPanel:
        if panel.kind is not None and KIND[panel.kind].over_waves:
            from klappt.report.trend_panels import over_waves_panel

            return over_waves_panel(self, panel, slide_title)
        w = self.wave(panel.wave, panel.line)
        q = self.question(w, panel.question, panel.line)
        kind = panel.kind or auto_kind(
            q,
            self.lang,
            w.instrument.default_language,
            bool(panel.by),
            bool(panel.waves),
            len(panel.items) > 1,
        )
        allowed = kinds_for(q.type)
        if kind not in allowed:
            raise self.fail(
                panel.line,
                f"Diagrammart '{kind}' passt nicht zu '{q.name}' ({q.type}); möglich: {', '.join(allowed) or 'keine'}",
                f"chart kind '{kind}' does not suit '{q.name}' ({q.type}); possible: {', '.join(allowed) or 'none'}",
            )
        if kind == "grouped" and not (panel.by or panel.waves or len(panel.items) > 1):
            raise self.fail(
                panel.line,
                "gruppierte Balken brauchen 'by' (Vergleich von Gruppen), 'waves' (Vergleich von Wellen) "
                "oder mehrere 'items'.",
                "grouped bars need 'by' (groups), 'waves' (waves) or several 'items'.",
            )
        heading = panel.title if panel.title is not None else self.label(w, q)
        if heading.strip() == slide_title.strip():
            heading = ""
        decimals = (
            panel.decimals
            if panel.decimals is not None
            else self.auto_decimals(
                [self.base_of(w, n) for n in (panel.items or (q.name,))]
                if KIND[kind].counts not in ("mentions", "statistics")
                else []
            )
        )
        if KIND[kind].counts == "mentions":
            return cloud_panel(self, panel, w, q, heading)
        if KIND[kind].counts == "statistics":
            return stats_panel(self, panel, w, q, heading)
        if panel.waves:
            return waves_panel(self, panel, q, heading, kind, decimals)
        if panel.by:
            return self._by(panel, w, q, heading, kind, decimals)
        if kind == "stacked":
            return stacked(self, panel, w, q, heading, decimals)
        if kind == "grouped" and len(panel.items) > 1:
            return items_grouped(self, panel, w, q, heading, decimals)
        return self._simple(panel, w, q, heading, kind, decimals)

    def _finish(
        self,
        *,
        kind: KindName,
        q: Question,
        w: WaveData,
        heading: str,
        base: int | None,
        caption: str | None,
        categories: list[str],
        series: list[Series],
        unit: str,
        decimals: int,
        table: DataTable,
        across: bool = False,
        held_back: tuple[str, ...] = (),
    ) -> BuiltPanel:
        multiple = q.type == "select_multiple"
        title = heading + ("*" if multiple and heading else "")
        cap = caption if caption is not None else base_text(base, self.lang)
        series = [
            Series(
                s.name,
                s.values,
                s.counts,
                s.base,
                s.labels
                if s.withheld
                else tuple(
                    (s.marks[i] if s.marks and s.marks[i] else None) or self._fmt(v, unit, decimals)
                    for i, v in enumerate(s.values)
                ),
                withheld=s.withheld,
                marks=s.marks,
            )
            for s in series
        ]
        held_back = series_notes(series, w.min_cell, self.lang) + held_back
        parts = []
        if kind == "stacked":
            for i, c in enumerate(categories):
                cells = ", ".join(f"{s.name} {s.labels[i]}" for s in series)
                parts.append(f"{c}: {cells}" if c else cells)
        else:
            for s in series:
                cells = ", ".join(f"{c} {lab}" for c, lab in zip(categories, s.labels, strict=True))
                parts.append(f"{s.name}: {cells}" if len(series) > 1 else cells)
        kind_name = text(KIND[kind].wording, self.lang)
        description = f"{kind_name}{' – ' + heading if heading else ''}: {'; '.join(parts)}; {cap}"
        ordered = q.ordered or kind == "stacked"
        category_colors, series_colors = panel_colors(
            q,
            self.lang,
            w.instrument.default_language,
            categories,
            [s.name for s in series],
            ordered,
        )
        return BuiltPanel(
            kind=kind,
            question=q.name,
            title=title,
            caption=cap,
            categories=tuple(categories),
            series=tuple(series),
            unit=unit,
            decimals=decimals,
            number_format=excel_number_format(
                self.lang, decimals if unit == "percent" else 0, unit == "percent"
            ),
            ordered=ordered,
            multiple=multiple,
            rounded_off=not multiple
            and unit == "percent"
            and _rounded_off(series, across, decimals),
            base=base,
            table=table,
            description=description,
            wave=w.name,
            category_colors=category_colors,
            series_colors=series_colors,
            held_back=held_back,
        )

    def _fmt(self, v: float | int | None, unit: str, decimals: int) -> str:
        if v is None:
            return "–"
        return (
            fmt_percent(v, self.lang, decimals)
            if unit == "percent"
            else fmt_number(v, self.lang, 0)
        )

    def _pct(self, row: dict[str, Any], base: int, decimals: int) -> float:
        # the exact share: charts and workbooks store it, only labels and number formats round
        return exact_share(int(row["count"]), base)

    def _simple(
        self,
        panel: ChartPanel,
        w: WaveData,
        q: Question,
        heading: str,
        kind: KindName,
        decimals: int,
    ) -> BuiltPanel:
        t = self.table(w, q, panel.line)
        base = int(t.get("base") or 0)
        labels = self.choice_labels(w, q, t)
        rows = list(t.get("rows", []))
        sort = panel.sort or ("count" if KIND[kind].by_count else "form")
        if sort == "count":
            rows = [
                r for _, r in sorted(enumerate(rows), key=lambda ir: (-int(ir[1]["count"]), ir[0]))
            ]
        if panel.top:
            rows = rows[: panel.top]
        unit = panel.show or "percent"
        cats = [labels.get(str(r["choice"]), str(r["choice"])) for r in rows]
        counts = [int(r["count"]) for r in rows]
        pcts = [self._pct(r, base, decimals) for r in rows]
        values: list[float | int | None] = list(pcts if unit == "percent" else counts)
        # a small count of a question describing the site names sites: withheld, marked
        marks = small_count_marks(q, counts, w.min_cell)
        shown_counts = [None if m else c for c, m in zip(counts, marks, strict=True)]
        values = [None if m else v for v, m in zip(values, marks, strict=True)]
        series = [
            Series(
                self.label(w, q),
                tuple(values),
                tuple(shown_counts),
                base,
                marks=marks if any(marks) else (),
            )
        ]
        by_choice = {str(r["choice"]): m for r, m in zip(rows, marks, strict=True)}
        table = table_single(self, w, q, heading, base, t, labels, decimals, by_choice)
        return self._finish(
            kind=kind,
            q=q,
            w=w,
            heading=heading,
            base=base,
            caption=None,
            categories=cats,
            series=series,
            unit=unit,
            decimals=decimals,
            table=table,
        )

    def _by(
        self,
        panel: ChartPanel,
        w: WaveData,
        q: Question,
        heading: str,
        kind: KindName,
        decimals: int,
    ) -> BuiltPanel:
        assert panel.by is not None
        by_q = self.question(w, panel.by, panel.line)
        if by_q.type != "select_one":
            raise self.fail(
                panel.line,
                f"'by' braucht eine Einfachauswahl; '{by_q.name}' ist {by_q.type}.",
                f"'by' needs a select_one; '{by_q.name}' is {by_q.type}.",
            )
        if q.type not in ("select_one", "select_multiple"):
            raise self.fail(
                panel.line,
                f"'by' geht nur bei Auswahlfragen, nicht bei {q.type}.",
                f"'by' works only for select questions, not {q.type}.",
            )
        t = self.table(w, q, panel.line, by=panel.by)
        groups = (t.get("by") or {}).get("groups") or []
        labels = self.choice_labels(w, q, t)
        choice_names = [str(r["choice"]) for r in t.get("rows", [])]
        cats = [labels.get(c, c) for c in choice_names]
        series = []
        for g in groups:
            if g.get("suppressed"):  # disclosure control: the group's figures are withheld
                reason = str(g.get("withheld") or "primary")
                label = str(g.get("label") or g.get("choice"))
                series.append(withheld_series(label, len(choice_names), reason, w.min_cell))
                continue
            gb = int(g.get("base") or 0)
            rows = {str(r["choice"]): r for r in g.get("rows", [])}
            counts = tuple(int(rows[c]["count"]) if c in rows else 0 for c in choice_names)
            values = tuple(
                self._pct(rows[c], gb, decimals) if c in rows else 0.0 for c in choice_names
            )
            series.append(
                Series(
                    f"{g.get('label') or g.get('choice')} ({base_text(gb, self.lang)})",
                    values,
                    counts,
                    gb,
                )
            )
        base = int(t.get("base") or 0)
        table = table_series(self, w, q, heading, cats, series, base, decimals)
        return self._finish(
            kind=kind,
            q=q,
            w=w,
            heading=heading,
            base=base,
            caption=None,
            categories=cats,
            series=series,
            unit="percent",
            decimals=decimals,
            table=table,
        )


def _similar(name: str, known: list[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return found[0] if found else None


def _rounded_off(series: list[Series], across: bool, decimals: int = 1) -> bool:
    """Whether shares that make up one whole are shown adding up to other than 100.

    A single answer's shares of everyone who answered add up to 100 exactly; each is rounded on
    its own, so 3 × 33.3 shows 99.9. The whole is a series that has its base and whose counts
    make it up (a chart of one question, a group of a banner), or, ``across`` series that are
    all the choices of a scale, each category (an item of a grid).
    """
    if across:
        wholes = [
            tuple(s.values[i] for s in series)
            for i in range(len(series[0].values) if series else 0)
            if sum(s.counts[i] or 0 for s in series) > 0
        ]
    else:
        wholes = [s.values for s in series if s.base and sum(c or 0 for c in s.counts) == s.base]
    # each label is rounded on its own (the "rundungsbedingt" footnote), the stored share is exact
    return any(
        abs(sum(float(round_half_up(v or 0.0, decimals)) for v in whole) - 100) > 1e-6
        for whole in wholes
    )
