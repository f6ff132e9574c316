"""How the HTML and the PDF set text: apostrophes, and findings as nested list entries.

Both change only what is shown; the data keep what the form and the sites wrote.
"""

from __future__ import annotations

import re

__all__ = ["list_items", "typographic"]

# an accent, straight or left quote between letters is an apostrophe ("klappt´s", "geht's");
# text layout may break a line after an accent (Unicode line-break class BB), never before "’"
_APOSTROPHE = re.compile(r"(?<=\w)[´`'‘ʼ](?=\w)")
#: a German low single quote closed by a straight one: ‚Gemeinsam klappt’s' -> ‚…‘
_SINGLE_QUOTED = re.compile(r"‚([^‚‘'\n]*)'")


def typographic(text: str) -> str:
    """``klappt´s`` and ``klappt's`` -> ``klappt’s``: one apostrophe in everything a report shows.

    Only the rendered text changes (deck, HTML, PDF); returns and forms keep what was typed.

    Example
    -------
    >>> typographic("„Gemeinsam klappt´s“ und 'Zitat' und geht's")
    "„Gemeinsam klappt’s“ und 'Zitat' und geht’s"
    >>> typographic("‚Gemeinsam klappt's' 2020")
    '‚Gemeinsam klappt’s‘ 2020'
    """
    if not text:
        return text
    return _SINGLE_QUOTED.sub("‚\\1‘", _APOSTROPHE.sub("\u2019", text))


def list_items(items: tuple[str, ...] | list[str]) -> list[tuple[str, int, str]]:
    """Findings as list entries: text without its marker, level (0 or 1) and marker.

    A leading "- " or "– " is an item one level down (a dash, as in the deck), a leading
    "↳" a consequence of the item above (an arrow); the marker is not repeated in the text.

    Example
    -------
    >>> list_items(["Fokus", "- THM geht ins CM über", "↳ 74 %"])
    [('Fokus', 0, '•'), ('THM geht ins CM über', 1, '–'), ('74 %', 1, '↳')]
    """
    out = []
    for item in items:
        if item.startswith(("- ", "– ")):
            out.append((item[2:].strip(), 1, "–"))
        elif item.startswith("↳"):
            out.append((item[1:].strip(), 1, "↳"))
        else:
            out.append((item, 0, "•"))
    return out
