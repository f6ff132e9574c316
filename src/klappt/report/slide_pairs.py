"""Two small charts to a slide, and no two slides under one title, in a derived deck.

A yes/no question and its follow-up each drawn on a slide of their own leave the lower half of
both slides white; side by side they fill one. And a slide whose label gave no title of its
own must not repeat its section's title (see :mod:`klappt.report.titles`).
"""

from __future__ import annotations

from dataclasses import replace

from klappt.instrument.model import Instrument, Question
from klappt.report.spec import ChartPanel, ResultSlide, SectionSlide, Slide, TextSlide
from klappt.report.titles import distinct, question_statement

__all__ = ["SMALL_BARS", "distinct_titles", "pairs"]


#: A bar chart of at most this many bars fills less than half a slide: such a chart and its
#: follow-up question's share one slide (the first one's title, each its own heading) instead
#: of leaving the lower half of two slides white.
SMALL_BARS = 6


def _bar_question(instrument: Instrument, slide: Slide | None) -> Question | None:
    """The question of the one small bar chart of ``slide``, ``None`` for any other slide."""
    if not isinstance(slide, ResultSlide) or len(slide.panels) != 1:
        return None
    p = slide.panels[0]
    q = instrument.question(p.question) if p.question else None
    if p.kind != "bar" or p.items or q is None or not q.is_select:
        return None
    return q if len(q.choices) <= SMALL_BARS else None


def _follows(b: Question, a: Question) -> bool:
    """``b`` is asked only depending on the answer to ``a`` (its follow-up question)."""
    return "${" + a.name + "}" in (b.relevant or "")


def pairs(instrument: Instrument, slides: list[Slide]) -> list[Slide]:
    """A slide of a small bar chart followed by one of its follow-up question (asked
    depending on its answer, also a small bar chart): both on one slide, under the first
    one's title. Unrelated charts are not put together, since the title names only the first."""
    out: list[Slide] = []
    i = 0
    while i < len(slides):
        a = slides[i]
        b = slides[i + 1] if i + 1 < len(slides) else None
        qa, qb = _bar_question(instrument, a), _bar_question(instrument, b)
        if (
            isinstance(a, ResultSlide)
            and isinstance(b, ResultSlide)
            and qa is not None
            and qb is not None
            and _follows(qb, qa)
        ):
            out.append(ResultSlide(title=a.title, panels=(a.panels[0], _headed(b))))
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def _headed(slide: ResultSlide) -> ChartPanel:
    """The slide's one chart, headed by the slide's title when it has no heading of its own."""
    p = slide.panels[0]
    return p if p.title else replace(p, title=slide.title)


def distinct_titles(slides: list[Slide], lang: str) -> list[Slide]:
    """No two slides of the deck under one title: a result slide whose title another slide
    already has (its section's, say) adds its question as a statement, else a number."""
    titled = [
        (i, s)
        for i, s in enumerate(slides)
        if isinstance(s, ResultSlide | SectionSlide | TextSlide) and s.title
    ]
    alternatives: list[str | None] = []
    for _, s in titled:
        heading = s.panels[0].title if isinstance(s, ResultSlide) and s.panels else None
        alternatives.append(question_statement(heading, lang) if heading else None)
    new = distinct([s.title or "" for _, s in titled], alternatives)
    out = list(slides)
    for (i, s), title in zip(titled, new, strict=True):
        if title != s.title:
            out[i] = replace(s, title=title)
    return out
