"""What disclosure control held back, as a report shows it: marks in place of figures and the
footnotes saying why.

The figures themselves are withheld in the data layer (:mod:`klappt.report.data`); a panel
only turns a withheld group into a series without values, marked "< 3" (too few sites) or
"x" (recomputable from the total and the other groups), and collects the footnotes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from klappt.analysis.disclosure import MIN_CELL, WithheldMention
from klappt.instrument.model import Instrument
from klappt.report.built import Series
from klappt.report.spec import ReportSpec, Text, TextSlide
from klappt.report.wording import text


def group_mark(reason: str, min_cell: int | None) -> str:
    """``"< 3"`` for a group on too few sites, ``"x"`` for one withheld as recomputable."""
    return f"< {min_cell or MIN_CELL}" if reason == "primary" else "x"


def withheld_series(label: str, size: int, reason: str, min_cell: int | None) -> Series:
    """A group's series without figures: its label carries the mark, so does every value."""
    m = group_mark(reason, min_cell)
    return Series(
        f"{label} ({m})",
        (None,) * size,
        (None,) * size,
        None,
        (m,) * size,
        withheld=reason,
    )


def series_notes(series: Iterable[Series], min_cell: int | None, lang: str) -> tuple[str, ...]:
    """The footnotes for the marks among ``series``, "< 3" first."""
    reasons = {s.withheld for s in series if s.withheld}
    k = min_cell or MIN_CELL
    out = []
    if "primary" in reasons:
        out.append(text("withheld_few", lang).format(k=k))
    if "secondary" in reasons:
        out.append(text("withheld_recomputable", lang))
    return tuple(out)


def few_note(min_cell: int | None, lang: str) -> str:
    """The "< 3" footnote (a compared wave on too few sites)."""
    return text("withheld_few", lang).format(k=min_cell or MIN_CELL)


def mention_notes(
    held: Sequence[WithheldMention], min_cell: int | None, lang: str
) -> tuple[str, ...]:
    """How many mentions were left out, and why (nothing of what they say)."""
    few = sum(1 for h in held if h.reason == "few")
    personal = sum(1 for h in held if h.reason == "personal")
    out = []
    if few:
        out.append(text("mentions_few", lang).format(n=few, k=min_cell or MIN_CELL))
    if personal:
        out.append(text("mentions_personal", lang).format(n=personal))
    return tuple(out)


def note_free_text(spec: ReportSpec, instrument: Instrument, lang: str) -> ReportSpec:
    """The derived storyline with a footnote on its data slide saying that free text is held
    back (the derived deck quotes none), when the form has free-text questions."""
    n = sum(1 for q in instrument.questions if q.type == "text")
    title = text("data_basis", lang)
    if not n or not any(isinstance(s, TextSlide) and s.title == title for s in spec.slides):
        return spec
    note = Text(text("free_text_held", lang).format(n=n))
    slides = tuple(
        replace(s, footnotes=(*s.footnotes, note))
        if isinstance(s, TextSlide) and s.title == title
        else s
        for s in spec.slides
    )
    return replace(spec, slides=slides)
