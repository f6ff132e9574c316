"""One site's report as built slides: its own answers on the program's distribution.

The storyline is the deck's (the derived default, or a recipe's ``site_slides:``); each chart of
it becomes the site's view of the question: the program's shares with the site's own answer
marked "Ihre Angabe", the site's comparison group beside them when that group is large enough
to publish, the program's mean for scales, median and quartiles for numbers, the site's own free
text in full, and its answer of the previous wave ("2020: nein → 2022: ja"). Nothing of another
single site is shown: figures come from the protected tabulation of
:mod:`klappt.report.site_values`, the question naming the site is left out, and free text is
only ever the site's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from klappt.instrument.model import NUMERIC_TYPES, SELECT_MULTIPLE, SELECT_ONE, Question
from klappt.report.built import BuiltPanel, BuiltReport, BuiltSlide, Series
from klappt.report.data import ReportData
from klappt.report.expressions import Evaluator, ExpressionError, Value
from klappt.report.panels import PanelBuilder
from klappt.report.recipe import recipe_error
from klappt.report.site_numbers import numbers_panel
from klappt.report.site_values import GROUP, Previous, Site, SiteWave, rank_words
from klappt.report.site_words import DATIVE, word
from klappt.report.spec import (
    ChartPanel,
    ClosingSlide,
    ReportSpec,
    ResultSlide,
    SectionSlide,
    TextSlide,
    TitleSlide,
)
from klappt.report.tables import table_series
from klappt.report.wording import base_text, exact_share, fmt_number, fmt_percent

if TYPE_CHECKING:
    from klappt.errors import KlapptError

__all__ = ["SiteBuilder", "word"]


class SiteEvaluator(Evaluator):
    """The recipe's live numbers plus the site's own: ``site_answer(q)`` (its answer as
    shown), ``site_value(q)`` (a number) and ``site_rank(q)`` ("im oberen Viertel")."""

    def __init__(self, builder: SiteBuilder, data: ReportData, path: str | None) -> None:
        super().__init__(data, builder.lang, path)
        self.builder = builder
        self._functions.update(
            site_answer=self._f_site_answer,
            site_value=self._f_site_value,
            site_rank=self._f_site_rank,
        )

    def _question(self, q: str) -> Question:
        found = self.builder.main.data.instrument.question(q)
        if found is None:
            raise ExpressionError(f"unbekannte Frage '{q}'", f"unknown question '{q}'")
        return found

    def _f_site_answer(self, q: str) -> Value:
        return Value(self.builder.answer_text(self._question(q)))

    def _f_site_value(self, q: str) -> Value:
        v = self.builder.value(self._question(q).name)
        if not isinstance(v, int | float) or isinstance(v, bool):
            return Value(word("none", self.lang))
        return Value(v, 0 if float(v).is_integer() else 1)

    def _f_site_rank(self, q: str) -> Value:
        question = self._question(q)
        quart = self.builder.main.quartiles.get(question.name)
        v = self.builder.value(question.name)
        if quart is None or not isinstance(v, int | float):
            return Value(word("none", self.lang))
        return Value(rank_words(float(v), quart, self.lang))


class SiteBuilder:
    """The built report of one site (``row`` None: a site without a return this wave)."""

    def __init__(
        self,
        main: SiteWave,
        spec: ReportSpec,
        site: Site,
        lang: str,
        previous: Previous | None = None,
    ) -> None:
        self.main = main
        self.spec = spec
        self.site = site
        self.lang = lang
        self.previous = previous
        self.row = main.row(site.site_id)
        self.data = ReportData({main.name: main.data}, main=main.name)
        self.ev = SiteEvaluator(self, self.data, spec.source)
        self.pb = PanelBuilder(self.data, lang, self.ev, self.fail)
        self.pb.decimals = None  # no decimals under a base of 100, as the derived deck
        self.k = main.data.min_cell or 1
        self.section_titles = {
            self.ev.render(s.title) for s in spec.slides if isinstance(s, SectionSlide)
        }

    def fail(self, line: int | None, de: str, en: str) -> KlapptError:
        return recipe_error(self.spec.source, line, de, en)

    # -- the site's values -------------------------------------------------------------------

    def value(self, name: str) -> Any:
        return None if self.row is None else self.row.get(name)

    def ticked(self, q: Question) -> list[str]:
        if self.row is None:
            return []
        if q.type == SELECT_MULTIPLE:
            return [c.name for c in q.choices if self.row.get(f"{q.name}/{c.name}")]
        v = self.row.get(q.name)
        return [] if v is None else [str(v)]

    def choice_label(self, q: Question, name: str) -> str:
        c = next((c for c in q.choices if c.name == name), None)
        return c.label(self.lang, self.main.data.instrument.default_language) if c else name

    def answer_text(self, q: Question) -> str:
        """The site's answer as a reader sees it ("ja", "A, B", "3", the text)."""
        if q.type in (SELECT_ONE, SELECT_MULTIPLE):
            chosen = self.ticked(q)
            return ", ".join(self.choice_label(q, c) for c in chosen) or word("none", self.lang)
        v = self.value(q.name)
        if v is None or (isinstance(v, str) and not v.strip()):
            return word("none", self.lang)
        if isinstance(v, int | float) and not isinstance(v, bool):
            return fmt_number(v, self.lang, None if float(v).is_integer() else 1)
        return str(v).strip()

    # -- the report ---------------------------------------------------------------------------

    def build(self, program: str | None, date: str, mark: str | None) -> BuiltReport:
        from klappt.report.build import typeset, with_mark

        slides: list[BuiltSlide] = [self.title_slide(program, date), self.reading_slide()]
        for s in self.spec.slides:
            if isinstance(s, SectionSlide):
                slides.append(
                    BuiltSlide(kind="section", title=self.ev.render(s.title), number=s.number)
                )
            elif isinstance(s, ResultSlide):
                built = self.result(s)
                if built is not None:
                    slides.append(built)
            elif isinstance(s, TextSlide) and self.spec.source:  # a recipe's own text slides
                slides.append(
                    BuiltSlide(
                        kind="text",
                        title=self.ev.render(s.title),
                        bullets=tuple(self.ev.render(b) for b in s.bullets),
                        footnotes=tuple(self.ev.render(f) for f in s.footnotes),
                    )
                )
            elif isinstance(s, ClosingSlide):
                from klappt.report.wording import text

                slides.append(
                    BuiltSlide(
                        kind="closing",
                        title=s.title or text("thanks", self.lang),
                        bullets=tuple(s.lines),
                        contacts=tuple(s.contacts),
                    )
                )
        # the site's own free text goes before the closing slide
        at = next((i for i, x in enumerate(slides) if x.kind == "closing"), len(slides))
        slides[at:at] = self.free_text_slides()
        built = typeset(
            BuiltReport(
                title=self.site.name,
                lang=self.lang,
                slides=tuple(slides),
                waves=(self.main.name,),
                meta={
                    "main_wave": self.main.name,
                    "site": self.site.site_id,
                    "source": self.spec.source or "",
                },
            )
        )
        return with_mark(built, mark) if mark else built

    def title_slide(self, program: str | None, date: str) -> BuiltSlide:
        n = self.main.data.responses_count(self.lang)
        line = word("compare", self.lang).format(n=fmt_number(n, self.lang, 0))
        group = self.main.group_of.get(self.site.site_id)
        g = self.main.group_returns(self.site.site_id)
        if group is not None and g is not None:
            name = self.group_dative(group)
            line += word("compare_group", self.lang).format(
                group=name, g=fmt_number(g, self.lang, 0)
            )
        elif group is not None or self.site.site_id in self.main.no_group:
            line += word("no_group", self.lang).format(k=self.k)
        if self.row is None:
            line = word("absent", self.lang)
        wave = self.main.name if self.main.name and self.main.name not in (program or "") else ""
        head = ", ".join(x for x in (program, wave) if x)
        return BuiltSlide(
            kind="title",
            title=self.site.name,
            subtitle=f"{head}\n{line}" if head else line,
            date=date,
        )

    def group_dative(self, group: str) -> str:
        """ "den kreisfreien Städten (und weiteren)", else "der Gruppe „…“"."""
        types = group.split("+")
        label = self.main.group_labels.get(group, group)
        if self.lang != "de":
            return label
        if types[0] in DATIVE:
            return DATIVE[types[0]] + (" und weiteren" if len(types) > 1 else "")
        return f"der Gruppe „{label}“"

    def reading_slide(self) -> BuiltSlide:
        keys = ("reading_1", "reading_2") + (("reading_3",) if self.previous else ())
        return BuiltSlide(
            kind="text",
            title=word("reading", self.lang),
            bullets=tuple(word(k, self.lang).format(k=self.k) for k in keys),
        )

    def result(self, s: ResultSlide) -> BuiltSlide | None:
        form = self.main.data.instrument
        panels: list[BuiltPanel] = []
        bullets: list[str] = []
        notes: list[str] = []
        title = self.ev.render(s.title) if s.title else ""
        if title in self.section_titles and len(s.panels) == 1:
            title = ""  # the derived deck repeats its section's title; the question says more
        for p in s.panels:
            if p.wave not in (None, self.main.name) or p.waves:
                continue
            names = p.items or (p.question,)
            questions = [q for q in (form.question(n) for n in names) if q is not None]
            if not questions or any(
                q.name in self.main.site_questions or q.name == GROUP for q in questions
            ):
                continue
            q = questions[0]
            if len(questions) > 1 and all(x.type in NUMERIC_TYPES for x in questions):
                for x in questions:  # each number beside its own median and quartiles
                    panel, more, note = numbers_panel(
                        self, x, ChartPanel(question=x.name, line=p.line), ""
                    )
                    panels.append(panel)
                    bullets.extend(more)
                    notes.extend(n for n in note if n not in notes)
                    bullets.extend(self.before(x))
                continue
            if len(questions) > 1:  # a grid: the program's chart, the site's answers beside it
                panels.append(
                    self.pb.build(
                        ChartPanel(
                            question=q.name, items=p.items, kind=p.kind, title=p.title, line=p.line
                        ),
                        title,
                    )
                )
                bullets.extend(
                    f"{self.pb.label(self.main.data, x)}: {self.answer_text(x)}" for x in questions
                )
                continue
            if not title:
                title = self.pb.label(self.main.data, q)
            if q.name.endswith("__codes"):
                own = form.question(q.name[: -len("__codes")])
                panel, more, note = self.choice_panel(q, p, title)
                panels.append(panel)
                if own is not None and self.row is not None:
                    bullets.append(f"{word('your_text', self.lang)}: {self.answer_text(own)}")
            elif q.type in (SELECT_ONE, SELECT_MULTIPLE):
                panel, more, note = self.choice_panel(q, p, title)
                panels.append(panel)
            elif q.type in NUMERIC_TYPES:
                panel, more, note = numbers_panel(self, q, p, title)
                panels.append(panel)
            else:
                continue
            bullets.extend(more)
            notes.extend(n for n in note if n not in notes)
            bullets.extend(self.before(q))
        if not panels:
            return None
        if not title:
            first = form.question(
                s.panels[0].items[0] if s.panels[0].items else s.panels[0].question
            )
            title = s.panels[0].title or (self.pb.label(self.main.data, first) if first else "")
        bullets.extend(self.ev.render(f) for f in s.findings)
        footnotes = list(notes)
        for bp in panels:
            footnotes.extend(n for n in bp.held_back if n not in footnotes)
        if any(bp.multiple for bp in panels):
            from klappt.report.wording import text

            footnotes.insert(0, f"*{text('multiple', self.lang)}")
        footnotes.extend(self.ev.render(f) for f in s.footnotes)
        return BuiltSlide(
            kind="result",
            title=title,
            panels=tuple(panels),
            bullets=tuple(bullets),
            footnotes=tuple(footnotes),
        )

    def choice_panel(
        self, q: Question, p: ChartPanel, title: str
    ) -> tuple[BuiltPanel, list[str], list[str]]:
        """The program's shares (and the group's) with the site's choices marked."""
        w = self.main.data
        t = self.pb.table(w, q, p.line, by=GROUP)
        labels = self.pb.choice_labels(w, q, t)
        rows = list(t.get("rows", []))
        if q.type == SELECT_MULTIPLE or q.name.endswith("__codes"):  # most ticked first
            rows = [
                r for _, r in sorted(enumerate(rows), key=lambda ir: (-int(ir[1]["count"]), ir[0]))
            ]
        names = [str(r["choice"]) for r in rows]
        own = set(self.ticked(q))
        mark = word("yours", self.lang)
        cats = [f"{labels.get(c, c)} ◀ {mark}" if c in own else labels.get(c, c) for c in names]
        base = int(t.get("base") or 0)
        decimals = self.pb.auto_decimals([base])
        series = [
            self._series(f"{word('all', self.lang)} ({base_text(base, self.lang)})", rows, base)
        ]
        notes: list[str] = []
        group = self.main.group_of.get(self.site.site_id)
        g = self.main.group_table(q.name, self.site.site_id, self.lang)
        if g is not None:
            gb = int(g["base"])
            by_choice = {str(r["choice"]): r for r in g.get("rows", [])}
            grows = [by_choice.get(c, {"choice": c, "count": 0}) for c in names]
            label = self.main.group_labels.get(group or "", group or "")
            series.append(self._series(f"{label} ({base_text(gb, self.lang)})", grows, gb))
        elif group is not None:
            label = self.main.group_labels.get(group, group)
            notes.append(word("group_note", self.lang).format(group=label, k=self.k))
        table = table_series(self.pb, w, q, title, cats, series, base, decimals)
        heading = self.pb.label(w, q) if p.title is None else p.title
        panel = self.pb._finish(
            kind="grouped" if len(series) > 1 else "bar",
            q=q,
            w=w,
            heading="" if heading.strip() == title.strip() else heading,
            base=base,
            caption=None,
            categories=cats,
            series=series,
            unit="percent",
            decimals=decimals,
            table=table,
        )
        more = []
        if self.row is not None:
            key = "yours_many" if q.type == SELECT_MULTIPLE else "yours"
            answer = self.answer_text(q)
            chosen = self.ticked(q)
            if q.ordered and len(chosen) == 1:  # its place on the scale, beside the mean
                answer += f" ({[c.name for c in q.choices].index(chosen[0]) + 1})"
            more.append(f"{word(key, self.lang)}: {answer}")
        if q.ordered and t.get("mean") is not None and q.choices:
            dl = w.instrument.default_language
            line = word("mean", self.lang).format(
                mean=fmt_number(t["mean"], self.lang, 1),
                first=q.choices[0].label(self.lang, dl),
                k=len(q.choices),
                last=q.choices[-1].label(self.lang, dl),
            )
            if g is not None and g.get("mean") is not None:
                label = self.main.group_labels.get(group or "", group or "")
                line += "; " + word("mean_group", self.lang).format(
                    group=label, mean=fmt_number(g["mean"], self.lang, 1)
                )
            more.append(line)
        return panel, more, notes

    @staticmethod
    def _series(name: str, rows: list[dict[str, Any]], base: int) -> Series:
        counts = tuple(int(r.get("count") or 0) for r in rows)
        return Series(
            name, tuple(exact_share(c, base) if base else 0.0 for c in counts), counts, base
        )

    # -- the previous wave --------------------------------------------------------------------

    def before(self, q: Question) -> list[str]:
        """ "2020: nein → 2022: ja", and the program's share of the site's answer in both."""
        prev = self.previous
        if prev is None or self.row is None:
            return []
        found = prev.source_of(q.name)
        row = prev.wave.row(self.site.site_id)
        if found is None or row is None:
            return []
        source, choices = found
        pq = prev.wave.data.instrument.question(source)
        if pq is None or (
            pq.type != q.type and not (pq.type in NUMERIC_TYPES and q.type in NUMERIC_TYPES)
        ):
            return []
        then = self._previous_answer(pq, row, choices)
        if then is None:
            return []
        out = [f"{prev.wave.name}: {then} → {self.main.name}: {self.answer_text(q)}"]
        now = self.ticked(q)
        if q.type == SELECT_ONE and len(now) == 1:
            out.extend(self._program_change(q, pq, now[0], choices))
        return out

    def _previous_answer(
        self, pq: Question, row: dict[str, Any], choices: dict[str, str | None]
    ) -> str | None:
        def mapped(name: str) -> str:  # the earlier wave's own wording of its answer
            return self.choice_label(pq, name)

        if pq.type == SELECT_MULTIPLE:
            ticked = [c.name for c in pq.choices if row.get(f"{pq.name}/{c.name}")]
            return ", ".join(mapped(c) for c in ticked) or None
        v = row.get(pq.name)
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if pq.type == SELECT_ONE:
            return mapped(str(v))
        if isinstance(v, int | float) and not isinstance(v, bool):
            return fmt_number(v, self.lang, None if float(v).is_integer() else 1)
        return None

    def _program_change(
        self, q: Question, pq: Question, choice: str, choices: dict[str, str | None]
    ) -> list[str]:
        t_now = self.main.data.table(q.name, lang=self.lang)
        t_then = self.previous.wave.data.table(pq.name, lang=self.lang) if self.previous else None
        if not t_now or not t_then:
            return []
        b0, b1 = int(t_then.get("base") or 0), int(t_now.get("base") or 0)
        if b0 < self.k or b1 < self.k:
            return []
        sources = [
            c.name
            for c in pq.choices
            if (choices.get(c.name, c.name) if choices else c.name) == choice
        ]
        c0 = sum(int(r["count"]) for r in t_then.get("rows", []) if r["choice"] in sources)
        c1 = sum(int(r["count"]) for r in t_now.get("rows", []) if r["choice"] == choice)
        d0, d1 = self.pb.auto_decimals([b0]), self.pb.auto_decimals([b1])
        before = f"{self.previous.wave.name if self.previous else ''}: {fmt_percent(exact_share(c0, b0), self.lang, d0)}"
        after = f"{self.main.name}: {fmt_percent(exact_share(c1, b1), self.lang, d1)}"
        return [
            word("program_change", self.lang).format(
                choice=self.choice_label(q, choice), before=before, after=after
            )
        ]

    # -- free text ----------------------------------------------------------------------------

    def free_text_slides(self) -> list[BuiltSlide]:
        """The site's own free text in full (it is its own): one slide per answered question
        whose text is not already beside its coded chart."""
        if self.row is None:
            return []
        form = self.main.data.instrument
        shown = {
            p.question[: -len("__codes")]
            for s in self.spec.slides
            if isinstance(s, ResultSlide)
            for p in s.panels
            if p.question.endswith("__codes")
        }
        answers: list[tuple[str, list[str]]] = []
        for q in form.tabulated:
            if q.type != "text" or q.name in shown or q.name in self.main.site_questions:
                continue
            v = self.value(q.name)
            if v is None or not str(v).strip():
                continue
            lines = [x.strip() for x in str(v).splitlines() if x.strip()]
            answers.append((self.pb.label(self.main.data, q), lines))
        # a few questions a slide, each answer nested under its question ("- ")
        out: list[BuiltSlide] = []
        page: list[str] = []
        for label, lines in answers:
            if page and len(page) + len(lines) + 1 > FREE_TEXT_LINES:
                out.append(self._free_text(page, len(out)))
                page = []
            page += [label, *(f"- {x}" for x in lines)]
        if page:
            out.append(self._free_text(page, len(out)))
        return out

    def _free_text(self, bullets: list[str], before: int) -> BuiltSlide:
        title = word("free_text", self.lang) + (f" ({before + 1})" if before else "")
        return BuiltSlide(kind="text", title=title, bullets=tuple(bullets))


#: Lines of free text on one slide (questions and their answers).
FREE_TEXT_LINES = 8


def site_title(spec: ReportSpec) -> str | None:
    """The program's name as a recipe's title slide gives it."""
    t = next((s for s in spec.slides if isinstance(s, TitleSlide)), None)
    return t.title if t is not None else None
