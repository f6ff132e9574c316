"""How the HTML and the PDF set text: apostrophes, and findings as nested list entries.

Both change only what is shown; the data keep what the form and the sites wrote.
"""

from __future__ import annotations

import re

__all__ = ["list_items", "typographic"]

# an accent or straight quote between letters is an apostrophe ("klappt´s"); browsers may
# break a line before an accent (Unicode line-break class BB), never before "’"
_APOSTROPHE = re.compile(r"(?<=\w)[´`'ʼ](?=\w)")


def typographic(text: str) -> str:
    """``text`` as printed: an apostrophe between letters is the typographic "’".

    The data keep what the sites wrote; only the HTML and PDF show it this way.

    Example
    -------
    >>> typographic("Gemeinsam klappt´s, it's")
    'Gemeinsam klappt’s, it’s'
    """
    return _APOSTROPHE.sub("\u2019", text)


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
