"""How much room a text needs: widths, line wrapping and a font size that fits a box.

We lay out decks without a font renderer, from the advance widths of Carlito (metric
twin of Calibri, the deck's font), so that the layout is the same on every machine and
text that fits by our count also fits in PowerPoint and LibreOffice.
"""

from __future__ import annotations

from functools import lru_cache

import pyphen

# Carlito Regular advance widths in 1/1000 em for these characters, in this order.
_CHARS = (
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
    "abcdefghijklmnopqrstuvwxyz{|}~äöüÄÖÜß–„“”’…·•€§°→"
)
_WIDTHS = (
    226,
    326,
    401,
    498,
    507,
    715,
    682,
    221,
    303,
    303,
    498,
    498,
    250,
    306,
    252,
    386,
    507,
    507,
    507,
    507,
    507,
    507,
    507,
    507,
    507,
    507,
    268,
    268,
    498,
    498,
    498,
    463,
    894,
    579,
    544,
    533,
    615,
    488,
    459,
    631,
    623,
    252,
    319,
    520,
    420,
    855,
    646,
    662,
    517,
    673,
    543,
    459,
    487,
    642,
    567,
    890,
    519,
    487,
    468,
    307,
    386,
    307,
    498,
    498,
    291,
    479,
    525,
    423,
    525,
    498,
    305,
    471,
    525,
    230,
    239,
    455,
    230,
    799,
    525,
    527,
    525,
    525,
    349,
    391,
    335,
    525,
    452,
    715,
    433,
    453,
    395,
    314,
    460,
    314,
    498,
    479,
    527,
    525,
    579,
    662,
    642,
    527,
    498,
    418,
    418,
    418,
    250,
    690,
    252,
    498,
    507,
    498,
    339,
    905,
)
_WIDTH = dict(zip(_CHARS, _WIDTHS, strict=True))
_DEFAULT = 560  # anything else (accented capitals, symbols): a little wider than average
_BOLD = 1.04  # Carlito Bold is about 4 % wider


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` in points at ``size`` points."""
    em = sum(_WIDTH.get(ch, _DEFAULT) for ch in text)
    return em * size / 1000 * (_BOLD if bold else 1.0)


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points; explicit newlines are kept.

    A word longer than a line is broken inside, so nothing runs out of its box: at a
    hyphen it has, else at a syllable with a hyphen added ("Kooperations-" / "beziehungen",
    German rules), never between two letters without a mark.
    """
    lines: list[str] = []
    for para in text.split("\n"):
        words = para.split()
        if not words:
            lines.append("")
            continue
        current = ""
        for word in words:
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, size, bold) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            while text_width(word, size, bold) > width:
                head, word = _split(word, width, size, bold)
                lines.append(head)
            current = word
        lines.append(current)
    return lines


@lru_cache(maxsize=1)
def _hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="de_DE")


def _split(word: str, width: float, size: float, bold: bool) -> tuple[str, str]:
    """The longest head of ``word`` that fits ``width`` and the rest.

    An existing hyphen wins; then the last syllable break at which head and an added
    hyphen fit; only a word without such a break is cut where the line ends.
    """
    cut = _cut(word, width, size, bold)
    if word[cut - 1 : cut] == "-":
        return word[:cut], word[cut:]
    for pos in reversed(_hyphenator().positions(word)):
        if 1 < pos < len(word) - 1 and text_width(word[:pos] + "-", size, bold) <= width:
            return word[:pos] + "-", word[pos:]
    return word[:cut], word[cut:]


def _cut(word: str, width: float, size: float, bold: bool) -> int:
    n = 1
    while n < len(word) and text_width(word[: n + 1], size, bold) <= width:
        n += 1
    hyphen = word.rfind("-", 0, n)
    return hyphen + 1 if hyphen > 0 else n


def text_height(lines: int, size: float, spacing: float = 1.2) -> float:
    return lines * size * spacing


@lru_cache(maxsize=4096)
def fit(
    text: str,
    width: float,
    height: float,
    max_size: float,
    min_size: float = 8.0,
    bold: bool = False,
    spacing: float = 1.2,
) -> tuple[float, tuple[str, ...]]:
    """The largest size from ``max_size`` down (half points) at which ``text`` fits the box.

    Returns the size and the wrapped lines; at ``min_size`` the lines that still do not
    fit are cut and the last one ends in "…".
    """
    size = max_size
    while size >= min_size:
        lines = wrap(text, width, size, bold)
        if text_height(len(lines), size, spacing) <= height:
            return size, tuple(lines)
        size -= 0.5
    size = min_size
    lines = wrap(text, width, size, bold)
    keep = max(1, int(height // (size * spacing)))
    if len(lines) > keep:
        lines = lines[:keep]
        last = lines[-1]
        while last and text_width(last + "…", size, bold) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return size, tuple(lines)
