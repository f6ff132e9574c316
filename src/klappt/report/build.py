"""Spec + data -> :class:`BuiltReport`: every chart, sentence and footnote with its numbers.

Building checks the whole recipe against the data before anything is rendered: an
unknown question, choice, wave or chart kind stops here with ``REPORT_001`` and the
recipe line, so no output is half written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from klappt.errors import ErrorCode, KlapptError
from klappt.errors import Text as Bilingual
from klappt.reasons import Reason
from klappt.report.abbreviations import explain_abbreviations
from klappt.report.built import BuiltPanel, BuiltReport, BuiltSlide
from klappt.report.comparison import compare_items, same_question
from klappt.report.data import ReportData
from klappt.report.expressions import Evaluator
from klappt.report.panels import PanelBuilder
from klappt.report.recipe import recipe_error
from klappt.report.spec import (
    AgendaSlide,
    ClosingSlide,
    ComparisonSlide,
    ReportSpec,
    ResultSlide,
    SectionSlide,
    Slide,
    Text,
    TextSlide,
    TitleSlide,
)
from klappt.report.typography import typographic
from klappt.report.withheld import too_few_spec
from klappt.report.wording import LANGS, fmt_number, text

__all__ = ["build_report"]


def build_report(
    spec: ReportSpec,
    data: ReportData,
    lang: str | None = None,
    mark: str | None = None,
    min_cell: int | None = None,
) -> BuiltReport:
    """Fill ``spec`` with the numbers of ``data``.

    Parameters
    ----------
    spec:
        The storyline (from a recipe or :func:`klappt.report.recipe.default_spec`).
    data:
        The waves; panels and expressions without ``wave=`` count the main wave.
    lang:
        ``de`` or ``en``; default: the recipe's language, else German.
    mark:
        A line every slide carries (``klappt demo``: "Demo – synthetische Daten"): on the
        top right corner of every slide (:func:`klappt.report.grid.mark_box`).
    min_cell:
        The minimum cell size of disclosure control (``--min-cell``); default: the recipe's
        ``disclosure: min_cell``, else what ``data`` was given (the project's, else 3).

    Returns
    -------
    BuiltReport
        Every slide with chart data, formatted numbers and final texts.

    Raises
    ------
    KlapptError
        ``REPORT_001`` naming the recipe line of an unknown question, choice, wave or
        an unsuitable chart kind; ``REPORT_011`` when the main wave has no returns.

    Example
    -------
    >>> # built = build_report(default_spec(form), ReportData.single(form, rs))
    """
    lang = lang or spec.lang or "de"
    if lang not in LANGS:
        raise recipe_error(
            spec.source,
            None,
            f"Sprache '{lang}' gibt es nicht; möglich: de, en",
            f"no language '{lang}'; possible: de, en",
        )
    if spec.wave is not None and spec.wave not in data.waves:
        line = next((w.line for w in spec.waves if w.name == spec.wave), None)
        raise recipe_error(
            spec.source,
            line,
            f"unbekannte Welle '{spec.wave}'; vorhanden: {', '.join(data.names)}",
            f"unknown wave '{spec.wave}'; known: {', '.join(data.names)}",
        )
    if spec.wave is not None and data.main != spec.wave:
        data = ReportData(data.waves, main=spec.wave)
    if min_cell is not None or spec.min_cell is not None:
        data.protect(min_cell if min_cell is not None else spec.min_cell)
    if data.wave().responses_count(lang) == 0:
        # a deck of 0 % charts reads as findings; say what is missing instead
        where = Bilingual(f" in Welle {data.main}", f" in wave {data.main}") if data.main else ""
        raise KlapptError(ErrorCode.REPORT_011, where=where)
    returned, k = data.wave().responses_count(lang), data.min_cell
    if k is not None and returned < k:
        # overall figures on fewer returns than the minimum are withheld like a small group:
        # with two returns each site can read the other's answers off every chart. The whole
        # storyline is still built (and thrown away) so that a recipe's mistakes are named
        # however few sites returned, as when a recipe is checked on upload
        _Builder(spec, data, lang).run()
        spec = too_few_spec(spec, returned, k, lang)
    built = _Builder(spec, data, lang).run()
    glossary = spec.options.get("abbreviations")
    if isinstance(glossary, dict):  # checked by the recipe reader (recipe_options)
        built = explain_abbreviations(built, glossary)
    return with_mark(built, mark) if mark else built


class _Builder:
    def __init__(self, spec: ReportSpec, data: ReportData, lang: str) -> None:
        self.spec = spec
        self.data = data
        self.lang = lang
        self.ev = Evaluator(data, lang, spec.source)
        self.panels = PanelBuilder(data, lang, self.ev, self.fail)
        # trends over the recipe's waves, for the kinds and live numbers over waves
        from klappt.report.trend_data import TrendContext

        self.panels.trends = self.ev.trends = TrendContext(spec, data, lang, self.fail)
        # a recipe's percentages have one decimal unless it says otherwise; the derived deck's
        # none under a base of 100 (default_spec sets "auto")
        decimals = spec.options.get("decimals", 1)
        self.panels.decimals = decimals if isinstance(decimals, int) else None
        if spec.options.get("missing_kinds") == "show":
            for w in data.waves.values():
                w.show_missing_kinds()

    def fail(self, line: int | None, de: str, en: str) -> KlapptError:
        return recipe_error(self.spec.source, line, de, en)

    def render(self, t: Text | str) -> str:
        return self.ev.render(t)

    def run(self) -> BuiltReport:
        slides = tuple(self.slide(s) for s in self.spec.slides)
        template = self.resolve(self.spec.template, None) if self.spec.template else None
        return typeset(
            BuiltReport(
                title=self.render(self.spec.title),
                lang=self.lang,
                slides=slides,
                template=template,
                waves=tuple(self.data.names),
                meta={"main_wave": self.data.main, "source": self.spec.source or ""},
            )
        )

    def resolve(self, path: str, line: int | None) -> str:
        p = Path(path)
        if not p.is_absolute() and self.spec.source:
            p = Path(self.spec.source).parent / p
        if not p.exists():
            raise self.fail(line, f"Datei nicht gefunden: {p}", f"file not found: {p}")
        return str(p.resolve())

    def slide(self, s: Slide) -> BuiltSlide:
        handler = {
            TitleSlide: self.title_slide,
            AgendaSlide: self.agenda,
            SectionSlide: self.section,
            ResultSlide: self.result,
            TextSlide: self.text_slide,
            ComparisonSlide: self.comparison,
            ClosingSlide: self.closing,
        }[type(s)]
        return handler(s)  # type: ignore[operator]

    def title_slide(self, s: TitleSlide) -> BuiltSlide:
        return BuiltSlide(
            kind="title",
            title=self.render(s.title),
            subtitle=self.render(s.subtitle) if s.subtitle else None,
            date=s.date,
            authors=s.authors,
            institution=s.institution,
            logo=self.resolve(s.logo, s.line) if s.logo else None,
        )

    def agenda(self, s: AgendaSlide) -> BuiltSlide:
        items = tuple(self.render(x.title) for x in self.spec.sections())
        return BuiltSlide(kind="agenda", title=s.title or text("agenda", self.lang), bullets=items)

    def section(self, s: SectionSlide) -> BuiltSlide:
        return BuiltSlide(kind="section", title=self.render(s.title), number=s.number)

    def text_slide(self, s: TextSlide) -> BuiltSlide:
        return BuiltSlide(
            kind="text",
            title=self.render(s.title),
            subtitle=self.render(s.subtitle) if s.subtitle else None,
            bullets=_said(self.render(b) for b in s.bullets),
            footnotes=tuple(self.render(f) for f in s.footnotes),
        )

    def closing(self, s: ClosingSlide) -> BuiltSlide:
        return BuiltSlide(
            kind="closing",
            title=s.title or text("thanks", self.lang),
            bullets=tuple(s.lines),
            contacts=tuple(s.contacts),
        )

    def result(self, s: ResultSlide) -> BuiltSlide:
        title = self.render(s.title) if s.title else ""
        if not title and s.panels:
            w = self.panels.wave(s.panels[0].wave, s.panels[0].line)
            q = self.panels.question(w, s.panels[0].question, s.panels[0].line)
            title = self.panels.label(w, q)
        panels = tuple(self.panels.build(p, title) for p in s.panels)
        # a chart over waves names each wave it counts in the source line
        waves = tuple(
            w
            for p in panels
            if p.kind in ("trend", "transitions")
            for w in (
                p.categories if p.kind == "trend" else [c.split(": ")[0] for c in p.categories[:1]]
            )
        )
        over = tuple(
            dict.fromkeys(
                w for sp in s.panels if sp.kind in ("trend", "transitions") for w in sp.waves
            )
        )
        built = self._result_slide(
            title, s.subtitle, panels, None, s.findings, s.footnotes, over or waves, s.layout
        )
        return dataclasses.replace(built, layout=s.layout) if s.layout else built

    def comparison(self, s: ComparisonSlide) -> BuiltSlide:
        from klappt.report.spec import ChartPanel

        title = self.render(s.title) if s.title else ""
        if s.decimals is not None:
            decimals = s.decimals
        elif s.items:
            decimals = self.panels.auto_decimals(
                [
                    self.panels.base_of(self.panels.wave(it.wave, it.line), it.question)
                    for it in s.items
                ]
            )
        else:
            assert s.question is not None
            decimals = self.panels.auto_decimals(
                [self.panels.base_of(self.panels.wave(w, s.line), s.question) for w in s.waves]
            )
        if s.items:
            panel = compare_items(self.panels, s.items, "", s.kind, decimals, s.line)
            if same_question(self.panels, s.items):
                headline = " → ".join(
                    f"{c.split(': ')[0]}: {lab}"
                    for c, lab in zip(panel.categories, panel.series[0].labels, strict=True)
                )
            else:  # a trend arrow between two indicators would claim a change nobody measured
                headline = text("different_questions", self.lang)
        else:
            assert s.question is not None
            panel = self.panels.build(
                ChartPanel(
                    question=s.question,
                    kind=s.kind or "grouped",
                    waves=s.waves,
                    decimals=decimals,
                    line=s.line,
                ),
                title,
            )
            headline = None
        if not title:
            title = panel.table.question_label if panel.table else ""
        waves = tuple(it.wave for it in s.items) if s.items else s.waves
        return self._result_slide(
            title, s.subtitle, (panel,), headline, s.findings, s.footnotes, waves
        )

    def _result_slide(
        self,
        title: str,
        subtitle: str | None,
        panels: tuple[BuiltPanel, ...],
        headline: str | None,
        findings: tuple[Text, ...],
        footnotes: tuple[Text, ...],
        waves: tuple[str, ...] = (),
        layout: str | None = None,
    ) -> BuiltSlide:
        notes: list[str] = []
        if any(p.multiple for p in panels):
            notes.append(f"*{text('multiple', self.lang)}")
            unmarked = any(p.multiple and not p.title for p in panels)
            if unmarked and layout == "fill":
                # a derived slide's title is a statement: the mark goes on the chart's base
                panels = tuple(
                    dataclasses.replace(p, caption=p.caption + "*")
                    if p.multiple and not p.title and not p.caption.endswith("*")
                    else p
                    for p in panels
                )
            elif unmarked and not title.endswith("*"):
                title += "*"
        if any(p.rounded_off for p in panels):
            notes.append(text("rounded_off", self.lang))
        panels = self._with_coding_notes(panels)
        for p in panels:  # what disclosure control held back, and why
            notes.extend(n for n in p.held_back if n not in notes)
        notes.extend(self.render(f) for f in footnotes)
        source = self._source_line(panels, waves)
        if source:
            notes.append(source)
        return BuiltSlide(
            kind="result",
            title=title,
            subtitle=self.render(subtitle) if subtitle else None,
            panels=panels,
            headline=headline,
            bullets=_said(self.render(f) for f in findings),
            footnotes=tuple(notes),
        )

    def _source_line(self, panels: tuple[BuiltPanel, ...], waves: tuple[str, ...]) -> str | None:
        """ "Quelle: Arbeitshilfe Nachhaltigkeit 2022, n=40" for the waves a slide counts.

        The recipe's ``options: {source_line: "…"}`` changes it (``{survey}``, ``{wave}`` and
        ``{n}`` are filled in per wave) or, ``false``, leaves it out.
        """
        option = self.spec.options.get("source_line")
        if option is False or not panels:
            return None
        template = option if isinstance(option, str) else text("source_line", self.lang)
        # "Quelle: A, n=46; B, n=40": the words before {survey} once, the rest per wave
        head, _, tail = (
            template.rpartition("{survey}") if "{survey}" in template else ("", "", template)
        )
        named = list(dict.fromkeys([*waves, *(p.wave for p in panels if p.wave is not None)]))
        parts = []
        for name in named:
            w = self.data.wave(name)
            survey = w.instrument.title
            if name and name not in survey:
                survey = f"{survey} {name}"
            each = (survey if "{survey}" in template else "") + tail
            parts.append(
                each.replace("{wave}", name).replace(
                    "{n}", fmt_number(w.responses_count(self.lang), self.lang, 0)
                )
            )
        if not parts:
            return None
        return head.replace("{wave}", "") + "; ".join(parts)

    def _with_coding_notes(self, panels: tuple[BuiltPanel, ...]) -> tuple[BuiltPanel, ...]:
        """How many codes count and how many were accepted suggestions: a method note for the
        workbook's tables behind charts of coded free text, not a line under a chart or in the
        HTML's data table that a ministry reads."""
        from klappt.coding.apply import SUFFIX

        out = []
        for p in panels:
            summary = None
            if p.question.endswith(SUFFIX) and p.table is not None:
                try:
                    summary = self.data.wave(p.wave).coding.get(p.question[: -len(SUFFIX)])
                except KeyError:
                    summary = None
            if summary is None or p.table is None:
                out.append(p)
                continue
            note = text("coded_note", self.lang).format(
                codes=fmt_number(summary.codes, self.lang, 0),
                suggested=fmt_number(summary.from_suggestions, self.lang, 0),
            )
            table = dataclasses.replace(p.table, method_notes=(*p.table.method_notes, note))
            out.append(dataclasses.replace(p, table=table))
        return tuple(out)


def with_mark(built: BuiltReport, mark: str) -> BuiltReport:
    """``built`` with ``mark`` as ``built.mark``: every format sets it in one place on every
    slide (:func:`klappt.report.grid.mark_box`, the top right corner), not among a slide's
    footnotes, where it stood at the foot of one slide and under the bullets of the next."""
    return dataclasses.replace(built, mark=mark)


#: Fields that hold names, paths or numbers as data, not text a reader sees.
_NOT_TEXT = frozenset(
    {
        "question",
        "kind",
        "unit",
        "number_format",
        "rows",
        "logo",
        "wave",
        "template",
        "meta",
        "returns",
        "spellings",
    }
)


def typeset(value: Any) -> Any:
    """Every text a reader sees with typographic apostrophes (see
    :func:`klappt.report.typography.typographic`); data cells and names stay as they are."""
    if isinstance(value, str):
        return typographic(value)
    if isinstance(value, tuple):
        return tuple(typeset(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: typeset(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in _NOT_TEXT and f.init
        }
        return dataclasses.replace(value, **changes)
    return value


def check_output_format(path: str | Path, known: tuple[str, ...]) -> None:
    """``REPORT_003`` when the file extension names no known format."""
    p = Path(path)
    if p.suffix.lower() not in known:
        raise KlapptError(
            ErrorCode.REPORT_003,
            path=p,
            suffix=p.suffix or Reason.NONE(),
            expected=", ".join(known),
        )


def _said(lines: Iterable[str]) -> tuple[str, ...]:
    """The bullets that say something: a live number with nothing to say ("- {{
    response_by_type() }}" without site types) leaves no empty point or bare dash."""
    return tuple(x for x in lines if x.strip().lstrip("-–").strip())
