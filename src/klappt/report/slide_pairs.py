"""Two small charts to a slide, and no two slides under one title, in a derived deck.

A yes/no question and its follow-up each drawn on a slide of their own leave the lower half of
both slides white; side by side they fill one. And a slide whose label gave no title of its
own must not repeat its section's title (see :mod:`klappt.report.titles`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from klappt.instrument.model import Instrument, Question
from klappt.report.spec import ChartPanel, ResultSlide, SectionSlide, Slide, TextSlide
from klappt.report.titles import distinct, in_sentence, question_statement

__all__ = ["ROOM_BARS", "SMALL_BARS", "distinct_titles", "pairs", "unrepeated"]


#: A bar chart of at most this many bars fills less than half a slide: such a chart and its
#: follow-up question's share one slide (the first one's title, each its own heading) instead
#: of leaving the lower half of two slides white.
SMALL_BARS = 6


def _bar_question(instrument: Instrument, slide: Slide | None) -> Question | None:
    """The question of the one small bar chart of ``slide``, ``None`` for any other slide."""
    q = _question(instrument, slide)
    n = _bars(instrument, slide)
    return q if q is not None and n is not None and n <= SMALL_BARS else None


def _question(instrument: Instrument, slide: Slide | None) -> Question | None:
    """The question of the one plain bar chart (or one-row scale) of ``slide``."""
    if not isinstance(slide, ResultSlide) or len(slide.panels) != 1:
        return None
    p = slide.panels[0]
    q = instrument.question(p.question) if p.question else None
    if p.kind not in ("bar", "stacked") or p.items or q is None or not q.is_select:
        return None
    return q


#: Two bar charts side by side hold this many bars together without crowding a row: a small
#: chart left alone goes beside its neighbour when both fit (the reference recipe deck puts
#: "Einstellung/Beendigung" beside its 13 named structures the same way).
ROOM_BARS = 16


def _bars(instrument: Instrument, slide: Slide | None) -> int | None:
    """The bars of the one plain bar chart of ``slide``, ``None`` for any other slide; a scale
    question alone is one 100 % bar (counted as two: its legend takes a row)."""
    q = _question(instrument, slide)
    if q is None or not isinstance(slide, ResultSlide):
        return None
    return 2 if slide.panels[0].kind == "stacked" else len(q.choices)


def _follows(b: Question, a: Question) -> bool:
    """``b`` is asked only depending on the answer to ``a`` (its follow-up question)."""
    return "${" + a.name + "}" in (b.relevant or "")


def pairs(instrument: Instrument, slides: list[Slide], lang: str = "de") -> list[Slide]:
    """Two consecutive bar charts of one section on one slide where each alone would leave
    the slide mostly white.

    A small bar chart followed by its follow-up question's: under the first one's title. Any
    two consecutive small charts, and then a small chart still alone beside a neighbour when
    both fit (:data:`ROOM_BARS`): under both titles joined, each chart headed by its question.
    """
    # follow-ups first: a pair of unrelated charts must not take a follow-up from its filter
    out = _thirds(instrument, _pass(instrument, slides, lang, lambda a, b: False))
    out = _pass(instrument, out, lang, lambda a, b: a <= SMALL_BARS and b <= SMALL_BARS)
    return _pass(instrument, out, lang, lambda a, b: min(a, b) <= SMALL_BARS and a + b <= ROOM_BARS)


#: A filter question with two follow-ups shares one slide when the two smaller charts hold
#: this many bars together (set one above another beside the third, see
#: :func:`klappt.report.slide_fill.stack_boxes`).
THIRD_BARS = 6


def _thirds(instrument: Instrument, slides: list[Slide]) -> list[Slide]:
    """A second small follow-up of a filter joins the slide of the filter and its first
    follow-up, instead of standing alone on the next slide (the reference's "Werden die
    Angebote fortgeführt?" after "Maßnahmen zur lebensweltlichen Integration")."""
    out: list[Slide] = []
    for s in slides:
        prev = out[-1] if out else None
        q = _bar_question(instrument, s)
        if (
            q is not None
            and isinstance(s, ResultSlide)
            and isinstance(prev, ResultSlide)
            and len(prev.panels) == 2
            and prev.panels[0].kind == "bar"
        ):
            filt = instrument.question(prev.panels[0].question or "")
            small = _bars(instrument, ResultSlide(title="", panels=prev.panels[:1]))
            if (
                filt is not None
                and small is not None
                and _follows(q, filt)
                and small + len(q.choices) <= THIRD_BARS
            ):
                out[-1] = replace(prev, panels=(*prev.panels, _headed(s)))
                continue
        out.append(s)
    return out


def _pass(
    instrument: Instrument,
    slides: list[Slide],
    lang: str,
    fits: Callable[[int, int], bool],
) -> list[Slide]:
    out: list[Slide] = []
    i = 0
    while i < len(slides):
        a = slides[i]
        b = slides[i + 1] if i + 1 < len(slides) else None
        na, nb = _bars(instrument, a), _bars(instrument, b)
        if isinstance(a, ResultSlide) and isinstance(b, ResultSlide) and na and nb:
            qa, qb = _bar_question(instrument, a), _bar_question(instrument, b)
            if qa is not None and qb is not None and _follows(qb, qa):
                out.append(ResultSlide(title=a.title, panels=(a.panels[0], _headed(b))))
                i += 2
                continue
            qa, qb = _question(instrument, a), _question(instrument, b)
            if fits(na, nb) and qa is not None and qb is not None and _follows(qb, qa):
                # a follow-up of many answers beside its filter: under the filter's title (the
                # two titles joined ran to three lines over the slide's top)
                out.append(ResultSlide(title=a.title, panels=(_headed(a), _headed(b))))
                i += 2
                continue
            if fits(na, nb):
                title = f"{_bare(a.title)} {'and' if lang == 'en' else 'und'} {in_sentence(_bare(b.title))}"
                out.append(ResultSlide(title=title, panels=(_headed(a), _headed(b))))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def _bare(title: str | None) -> str:
    """A slide title without its trailing ellipsis or mark, to join it with another."""
    return (title or "").rstrip(" *").removesuffix("...").removesuffix("…").rstrip(" :")


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


def unrepeated(slides: list[Slide], lang: str) -> list[Slide]:
    """A slide titled by a chart's question, said as a statement, does not repeat the question
    as that chart's heading just below: the chart is headed by its n alone (a follow-up beside
    it keeps its own question)."""
    out: list[Slide] = []
    for s in slides:
        if isinstance(s, ResultSlide) and s.title:
            title = s.title.rstrip(" *")
            panels = tuple(
                replace(p, title="")
                if p.title and (question_statement(p.title, lang) or "").rstrip(" *") == title
                else p
                for p in s.panels
            )
            if panels != s.panels:
                s = replace(s, panels=panels)
        out.append(s)
    return out
