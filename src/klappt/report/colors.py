"""One colour per choice, fixed by the choice list: the same in every chart and every format.

A chart used to colour its slices by their place among the answers that occur, so one answer
("teils/teils") had two colours on one slide when a neighbour chart lacked an answer. Here the
colour of a choice follows from its place in the question's list alone: the points of an ordered
scale run from dark blue (first) over grey to dark orange (last), the choices of a plain list take
the qualitative colours in turn, and answers that say "none" or "no" ("keine neuen Kooperationen",
"nein") are a neutral grey, and answers that say "don't know" ("weiß nicht", "noch offen",
"noch unklar") a lighter one, both from the one list of words below. The PPTX, the SVG of
the HTML report and the print charts of the PDF all read :attr:`BuiltPanel.category_colors` / :attr:`BuiltPanel.series_colors`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from klappt.instrument.model import Question
from klappt.report.theme import NEUTRAL, QUALITATIVE, UNDECIDED, ordered_colors

__all__ = [
    "DONT_KNOW_WORDS",
    "NONE_WORDS",
    "choice_colors",
    "is_neutral",
    "neutral_color",
    "panel_colors",
]

#: The one list of words that make an answer neutral, German and English, matched at the start
#: of a choice's label or name: answers that say "none" or "no" ...
NONE_WORDS = (
    "kein", "keine", "keinen", "keiner", "keines", "nein", "nicht",
    "none", "no", "not", "n/a",
)  # fmt: skip
#: ... and answers that say "don't know" or "not decided yet" (checked first: "keine Angabe",
#: "not decided yet" are of this kind, not a "no")
DONT_KNOW_WORDS = (
    "weiß nicht", "weiss nicht", "noch offen", "noch unklar", "unklar", "unentschieden",
    "unsicher", "keine angabe", "k. a", "k.a",
    "don't know", "don’t know", "do not know", "not sure", "unsure", "undecided", "unclear",
    "not decided", "not clear", "still open", "no answer",
)  # fmt: skip


def _words(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"^\s*({alternatives})(?!\w)", re.IGNORECASE)


_NONE = _words(NONE_WORDS)
_DONT_KNOW = _words(DONT_KNOW_WORDS)


def neutral_color(label: str, name: str = "") -> str | None:
    """The grey of a choice that says "don't know" (:data:`UNDECIDED`) or "none"/"no"
    (:data:`NEUTRAL`), else ``None``.

    >>> neutral_color("noch offen"), neutral_color("nein"), neutral_color("neue Kooperationen")
    ('909090', '6F6F6F', None)
    """
    for text in (label, name.replace("_", " ") if name else ""):
        if text and _DONT_KNOW.match(text):
            return UNDECIDED
    for text in (label, name.replace("_", " ") if name else ""):
        if text and _NONE.match(text):
            return NEUTRAL
    return None


def is_neutral(label: str, name: str = "") -> bool:
    """Whether a choice says "none", "no" or "don't know" (drawn in neutral grey).

    >>> is_neutral("keine neuen Kooperationen"), is_neutral("nein"), is_neutral("neue Kooperationen")
    (True, True, False)
    """
    return neutral_color(label, name) is not None


def choice_colors(labels: Sequence[str], ordered: bool, names: Sequence[str] = ()) -> list[str]:
    """The colour of each choice of a list, by its place in the whole list.

    >>> choice_colors(["ja", "nein"], False)
    ['2F6DB5', '6F6F6F']
    """
    names = list(names) or [""] * len(labels)
    greys = [neutral_color(lb, n) for lb, n in zip(labels, names, strict=True)]
    points = [i for i, grey in enumerate(greys) if grey is None]
    out = [grey or NEUTRAL for grey in greys]
    scale = (
        ordered_colors(len(points))
        if ordered
        else [QUALITATIVE[k % len(QUALITATIVE)] for k in range(len(points))]
    )
    for i, color in zip(points, scale, strict=True):
        out[i] = color
    return out


def panel_colors(
    q: Question,
    lang: str,
    default_language: str | None,
    categories: Sequence[str],
    series_names: Sequence[str],
    ordered: bool,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Colours of a panel's categories and series where they are choices of ``q``.

    Returns ``(category_colors, series_colors)``; each is empty when its entries are not the
    question's choices (groups, waves, mentions), and the drawer then colours them in turn.
    """
    labels = [c.label(lang, default_language) for c in q.choices]
    if not labels:
        return (), ()
    palette = dict(
        zip(labels, choice_colors(labels, ordered, [c.name for c in q.choices]), strict=True)
    )
    by_series: tuple[str, ...] = ()
    by_category: tuple[str, ...] = ()
    if len(series_names) > 1 and all(n in palette for n in series_names):
        by_series = tuple(palette[n] for n in series_names)
    if categories and all(c in palette for c in categories):
        by_category = tuple(palette[c] for c in categories)
    return by_category, by_series
