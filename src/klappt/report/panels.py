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
from klappt.report.colors import panel_colors
from klappt.report.comparison import waves_panel
from klappt.report.data import ReportData, WaveData
from klappt.report.expressions import Evaluator
from klappt.report.kinds import KIND, KindName, kinds_for
from klappt.report.mentions import Mention
from klappt.report.spec import ChartPanel
from klappt.report.tables import make_table, table_series, table_single
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
#: At most this many mentions in a cloud unless the panel says ``top``.
CLOUD_TOP = 30
#: With at most this many distinct mentions (and no ``kind`` in the recipe) a sorted bar chart
#: of the counts replaces the cloud: a cloud of a few phrases says less than their counts.
CLOUD_AS_BARS = 10

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
                f"unknown question '{name}'{where}" + (f"; did you mean {hint}?" if hint else ""),
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

    def choice_labels(self, w: WaveData, q: Question, table: dict[str, Any]) -> dict[str, str]:
        dl = w.instrument.default_language
        out = {str(r["choice"]): str(r.get("label") or r["choice"]) for r in table.get("rows", [])}
        for c in q.choices:
            out[c.name] = c.label(self.lang, dl)
        return out

    # -- panels ---------------------------------------------------------------------------

    def build(self, panel: ChartPanel, slide_title: str) -> BuiltPanel:
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
        decimals = 1 if panel.decimals is None else panel.decimals
        if KIND[kind].counts == "mentions":
            return self._cloud(panel, w, q, heading)
        if KIND[kind].counts == "statistics":
            return self._stats(panel, w, q, heading)
        if panel.waves:
            return waves_panel(self, panel, q, heading, kind, decimals)
        if panel.by:
            return self._by(panel, w, q, heading, kind, decimals)
        if kind == "stacked":
            return self._stacked(panel, w, q, heading, decimals)
        if kind == "grouped" and len(panel.items) > 1:
            return self._items_grouped(panel, w, q, heading, decimals)
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
                tuple(self._fmt(v, unit, decimals) for v in s.values),
            )
            for s in series
        ]
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
        values = pcts if unit == "percent" else counts
        series = [Series(self.label(w, q), tuple(values), tuple(counts), base)]
        table = table_single(self, w, q, heading, base, t, labels, decimals)
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

    def _stacked(
        self, panel: ChartPanel, w: WaveData, q: Question, heading: str, decimals: int
    ) -> BuiltPanel:
        names = panel.items or (panel.question,)
        questions = [self.question(w, n, panel.line) for n in names]
        first = questions[0]
        for other in questions[1:]:
            if [c.name for c in other.choices] != [c.name for c in first.choices]:
                raise self.fail(
                    panel.line,
                    f"'{other.name}' hat andere Antworten als '{first.name}'; gestapelte Balken brauchen dieselbe Skala.",
                    f"'{other.name}' has other choices than '{first.name}'; stacked bars need the same scale.",
                )
        tables = [self.table(w, x, panel.line) for x in questions]
        bases = [int(t.get("base") or 0) for t in tables]
        labels = self.choice_labels(w, first, tables[0])
        choice_names = [str(r["choice"]) for r in tables[0].get("rows", [])]
        item_labels = [self.label(w, x) for x in questions]
        if len(questions) == 1:
            item_labels = [""]  # the heading names the one item
        if len(set(bases)) > 1:
            item_labels = [
                f"{lb} ({base_text(b, self.lang)})"
                for lb, b in zip(item_labels, bases, strict=True)
            ]
        series = []
        for c in choice_names:
            rows = [next(r for r in t["rows"] if str(r["choice"]) == c) for t in tables]
            series.append(
                Series(
                    labels.get(c, c),
                    tuple(self._pct(r, b, decimals) for r, b in zip(rows, bases, strict=True)),
                    tuple(int(r["count"]) for r in rows),
                )
            )
        caption = (
            base_text(bases[0], self.lang)
            if len(set(bases)) == 1
            else f"n={fmt_number(min(bases), self.lang)}–{fmt_number(max(bases), self.lang)}"
        )
        columns = (
            text("item", self.lang),
            text("base", self.lang),
            *tuple(
                h
                for c in choice_names
                for h in (
                    f"{labels.get(c, c)}: {text('count', self.lang)}",
                    f"{labels.get(c, c)}: %",
                )
            ),
        )
        kinds = ("text", "int") + ("int", "pct") * len(choice_names)
        rows_out = []
        for x, t, b in zip(questions, tables, bases, strict=True):
            row: list[str | int | float | None] = [self.label(w, x), b]
            for c in choice_names:
                r = next(r for r in t["rows"] if str(r["choice"]) == c)
                row += [int(r["count"]), self._pct(r, b, decimals)]
            rows_out.append(tuple(row))
        table = make_table(
            self,
            heading or self.label(w, first),
            columns,
            kinds,
            rows_out,
            bases[0] if len(set(bases)) == 1 else None,
            caption,
            first,
            w,
            decimals,
        )
        return self._finish(
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

    def _items(self, panel: ChartPanel, w: WaveData) -> tuple[list[Question], list[dict[str, Any]]]:
        """Several questions with the same choices (a grid), with their tables."""
        questions = [self.question(w, n, panel.line) for n in panel.items]
        first = questions[0]
        for other in questions[1:]:
            if other.type != first.type or [c.name for c in other.choices] != [
                c.name for c in first.choices
            ]:
                raise self.fail(
                    panel.line,
                    f"'{other.name}' hat andere Antworten als '{first.name}'; mehrere 'items' brauchen dieselben Antworten.",
                    f"'{other.name}' has other choices than '{first.name}'; several 'items' need the same choices.",
                )
        return questions, [self.table(w, x, panel.line) for x in questions]

    def _items_grouped(
        self, panel: ChartPanel, w: WaveData, q: Question, heading: str, decimals: int
    ) -> BuiltPanel:
        """A grid: one group of bars per item, one series per choice (percent of each item's base)."""
        questions, tables = self._items(panel, w)
        labels = self.choice_labels(w, questions[0], tables[0])
        choice_names = [str(r["choice"]) for r in tables[0].get("rows", [])]
        bases = [int(t.get("base") or 0) for t in tables]
        cats = [self.label(w, x) for x in questions]
        if len(set(bases)) > 1:
            cats = [f"{c} ({base_text(b, self.lang)})" for c, b in zip(cats, bases, strict=True)]
        series = []
        for c in choice_names:
            rows = [next(r for r in t["rows"] if str(r["choice"]) == c) for t in tables]
            series.append(
                Series(
                    labels.get(c, c),
                    tuple(self._pct(r, b, decimals) for r, b in zip(rows, bases, strict=True)),
                    tuple(int(r["count"]) for r in rows),
                )
            )
        single = len(set(bases)) == 1
        caption = (
            base_text(bases[0], self.lang)
            if single
            else f"n={fmt_number(min(bases), self.lang)}–{fmt_number(max(bases), self.lang)}"
        )
        table = table_series(
            self, w, questions[0], heading, cats, series, bases[0] if single else None, decimals
        )
        return self._finish(
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

    def _cloud(self, panel: ChartPanel, w: WaveData, q: Question, heading: str) -> BuiltPanel:
        t = self.table(w, q, panel.line)
        if q.type == "text":
            mentions = self.ev.mentions_of(q.name, w.name)
            base = int(t.get("base") or 0)
        else:
            labels = self.choice_labels(w, q, t)
            rows = sorted(
                enumerate(t.get("rows", [])), key=lambda ir: (-int(ir[1]["count"]), ir[0])
            )
            mentions = [  # a choice's count, not an answer's text: no return ids to name
                Mention(labels.get(str(r["choice"]), str(r["choice"])), int(r["count"]), ())
                for _, r in rows
                if int(r["count"]) > 0
            ]
            base = int(t.get("base") or 0)
        shown = mentions[: panel.top or CLOUD_TOP]
        cap = base_text(base, self.lang)
        columns = (text("mention", self.lang), text("mentions", self.lang))
        rows_out = [(m.text, m.count) for m in mentions]
        table = make_table(
            self,
            heading or self.label(w, q),
            columns,
            ("text", "int"),
            rows_out,
            base,
            cap,
            q,
            w,
            0,
            notes=(text("cloud_note", self.lang),),
        )
        # few distinct mentions read better as bars sorted by count than as a cloud
        kind: KindName = (
            "bar" if panel.kind is None and 0 < len(shown) <= CLOUD_AS_BARS else "cloud"
        )
        description = (
            f"{text(KIND[kind].wording, self.lang)}{' – ' + heading if heading else ''}: "
            + "; ".join(f"{m.text} ({fmt_number(m.count, self.lang)})" for m in shown)
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
                    text("mentions", self.lang),
                    tuple(float(m.count) for m in shown),
                    tuple(m.count for m in shown),
                    base,
                    tuple(fmt_number(m.count, self.lang) for m in shown),
                ),
            ),
            unit="count",
            decimals=0,
            number_format=excel_number_format(self.lang, 0, False),
            multiple=True,
            base=base,
            mentions=tuple(shown),
            table=table,
            description=description,
            wave=w.name,
        )

    def _stats(self, panel: ChartPanel, w: WaveData, q: Question, heading: str) -> BuiltPanel:
        t = self.table(w, q, panel.line)
        stats = t.get("stats") or {}
        base = int(t.get("base") or stats.get("n") or 0)
        rows_out = []
        for key in ("mean", "median", "min", "max", "sum"):
            if stats.get(key) is not None:
                rows_out.append((text(key, self.lang), stats[key]))
        cap = base_text(base, self.lang)
        # a date's earliest and latest are ISO dates, shown as they are
        numeric = all(isinstance(v, int | float) for _, v in rows_out)
        table = make_table(
            self,
            heading or self.label(w, q),
            (text("statistic", self.lang), text("value", self.lang)),
            ("text", "num" if numeric else "text"),
            rows_out,
            base,
            cap,
            q,
            w,
            1,
        )
        description = (
            f"{text(KIND['table'].wording, self.lang)}: "
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
