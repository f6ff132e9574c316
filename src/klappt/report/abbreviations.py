"""Abbreviations explained on the slide that uses them (a recipe's ``options.abbreviations``).

A deck taken over from a program's own material speaks its language: "THM geht ins CM über",
"FB6: THM", "Vermittlung an BK". A reader at a ministry does not know these, and a glossary
at the end of a deck is not read while looking at a chart. So each result and text slide gets
one footnote line, "Abkürzungen: CM = Case-Management; THM = Teilhabemanagement", naming only
the abbreviations that slide uses (in its title, subtitle, headline, findings, chart headings,
categories, legends and clouds), in the order the reader meets them. An abbreviation whose long
form the slide already spells out ("Ausländerbehörde (ABH)") is not repeated.

The words come from the recipe, because only the program knows them::

    options:
      abbreviations:
        THM: Teilhabemanagement
        CM: Case-Management

An abbreviation counts where it stands as a word of its own: "CM" in "THM geht ins CM über"
and in "KIM-CM", "FB" in "FB6" and "FB 5", but not "KI" inside "KIM" or "HS" inside "HSK".
Slides other than result and text slides (title, agenda, section, closing) get no footnote:
their text is the program's own name and address, written out there.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping

from klappt.report.built import BuiltReport, BuiltSlide
from klappt.report.typography import typographic
from klappt.report.wording import text

__all__ = ["explain_abbreviations", "slide_text", "used_abbreviations"]


def _pattern(abbreviation: str) -> re.Pattern[str]:
    # a word of its own: no letter or digit before it, no letter after it (a digit may follow:
    # "FB6" is "FB" 6)
    return re.compile(rf"(?<![^\W_]){re.escape(abbreviation)}(?![^\W\d_])")


def slide_text(slide: BuiltSlide) -> Iterator[str]:
    """Every text a reader sees on ``slide`` above its footnotes."""
    yield slide.title
    if slide.subtitle:
        yield slide.subtitle
    if slide.headline:
        yield slide.headline
    yield from slide.bullets
    for p in slide.panels:
        yield p.title
        yield from p.categories
        if len(p.series) > 1:
            yield from (s.name for s in p.series)
        yield from (m.text for m in p.mentions)


def used_abbreviations(texts: list[str], glossary: Mapping[str, str]) -> list[tuple[str, str]]:
    """The abbreviations of ``glossary`` that ``texts`` use and do not spell out, in the order
    of their first use."""
    joined = "\n".join(texts)
    found: list[tuple[int, str, str]] = []
    for short, long in glossary.items():
        hit = _pattern(short).search(joined)
        if hit is None or long.casefold() in joined.casefold():
            continue
        found.append((hit.start(), short, long))
    return [(short, long) for _, short, long in sorted(found)]


def explain_abbreviations(built: BuiltReport, glossary: Mapping[str, str] | None) -> BuiltReport:
    """``built`` with an "Abkürzungen: …" footnote on each result and text slide that uses
    an abbreviation of ``glossary`` (nothing changes without one)."""
    if not glossary:
        return built
    label = text("abbreviations", built.lang)
    slides = []
    for s in built.slides:
        used = (
            used_abbreviations(list(slide_text(s)), glossary)
            if s.kind in ("result", "text")
            else []
        )
        if used:
            line = f"{label}: " + "; ".join(f"{short} = {long}" for short, long in used)
            s = dataclasses.replace(s, footnotes=(*s.footnotes, typographic(line)))
        slides.append(s)
    return dataclasses.replace(built, slides=tuple(slides))
