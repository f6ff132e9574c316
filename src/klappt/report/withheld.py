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
from klappt.instrument.model import Instrument, Question
from klappt.report.built import Series
from klappt.report.spec import ReportSpec, Text, TextSlide, TitleSlide
from klappt.report.wording import text, text_n


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


#: Questions that describe the site itself rather than its work: its type (the register's
#: ``typ`` column) or which site it is. An overall count of 1 or 2 in such a question names
#: sites ("kreisangehörige Stadt: 1" is Stadt Aachen), so it is withheld like a small group.
SITE_QUESTIONS = frozenset({"typ", "type", "gebietstyp", "site_type", "standorttyp", "sitetype"})


def describes_site(q: Question) -> bool:
    """Whether ``q`` is a single choice that describes the site (its type, or the site)."""
    from klappt.coding.segments import SITE_COLUMNS

    name = q.name.casefold()
    return q.type == "select_one" and (name in SITE_QUESTIONS or name in SITE_COLUMNS)


def small_count_marks(
    q: Question, counts: Sequence[int], min_cell: int | None
) -> tuple[str | None, ...]:
    """Per choice of an overall chart, the mark of a count that may not be shown, else None.

    For a question that describes the site (:func:`describes_site`) a count of 1 to
    ``min_cell - 1`` is withheld ("< 3"); when it is the only one, the smallest other count
    above 0 as well ("x"), since the base minus the shown counts would give it back. Any other
    question's overall counts are shown: they say what sites did, not which site is which.
    """
    if min_cell is None or not describes_site(q):
        return (None,) * len(counts)
    marks: list[str | None] = [
        group_mark("primary", min_cell) if 0 < c < min_cell else None for c in counts
    ]
    if sum(m is not None for m in marks) == 1:
        shown = [(c, i) for i, c in enumerate(counts) if marks[i] is None and c > 0]
        if shown:
            marks[min(shown)[1]] = group_mark("secondary", min_cell)
    return tuple(marks)


def series_notes(series: Iterable[Series], min_cell: int | None, lang: str) -> tuple[str, ...]:
    """The footnotes for the marks among ``series``, "< 3" first."""
    reasons = {s.withheld for s in series if s.withheld}
    for s in series:
        reasons |= {"primary" if m.startswith("<") else "secondary" for m in s.marks if m}
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
        out.append(text_n("mentions_few", few, lang).format(n=few, k=min_cell or MIN_CELL))
    if personal:
        out.append(text_n("mentions_personal", personal, lang).format(n=personal))
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


def too_few_spec(spec: ReportSpec, returned: int, min_cell: int, lang: str) -> ReportSpec:
    """The report of a wave with fewer returns than ``min_cell``: its title slide, then one
    slide saying that no results are shown and why, and nothing else (no figure at all: with
    two returns each site could read the other's answers off every chart)."""
    title = next((s for s in spec.slides if isinstance(s, TitleSlide)), None)
    notice = TextSlide(
        title=text("too_few_title", lang),
        bullets=(
            Text(text_n("too_few_returns", returned, lang).format(n=returned, k=min_cell)),
            Text(text("too_few_why", lang).format(k=min_cell)),
        ),
    )
    slides = ((title,) if title is not None else (TitleSlide(title=spec.title),)) + (notice,)
    return replace(spec, slides=slides)
