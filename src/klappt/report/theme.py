"""Colours and type of the default design, shared by the deck and the HTML report.

Colours are chosen for contrast on white (WCAG AA for text colours) and stay apart for
readers with colour-vision deficiencies (after Okabe & Ito); ordered scales run from
dark blue (best) over grey to dark orange (worst).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from klappt.report.built import BuiltPanel

FONT = "Calibri"
FONT_STACK = "Calibri, Carlito, 'Segoe UI', 'Helvetica Neue', Arial, sans-serif"

INK = "1F2933"  # body text
MUTED = "52606D"  # captions, footnotes (7.3:1 on white)
PRIMARY = "1F4E79"  # titles, section slides
ACCENT = "E07B00"  # thin rules, highlights
LIGHT = "EEF3F8"  # section band background
WHITE = "FFFFFF"
MARK = "B03A2E"  # "Demo – synthetische Daten" at the top right of every slide (6:1 on white)
MARK_ON_DARK = "F4C7C0"  # the mark on klappt's dark section slides

#: Series colours in order: blue, orange, green, purple, magenta, olive, brown, teal. Each has a
#: contrast of at least 3:1 against white (WCAG 1.4.11 for graphics), so a bar or slice is seen
#: without its neighbour; the Okabe-Ito hues darkened where they were too light.
QUALITATIVE = ("2F6DB5", "C06A00", "009E73", "8E5EA2", "B0477A", "7A7A22", "8C5A2B", "1A7F8C")
#: "none", "no", "don't know": a grey that says "nothing to see" and still reads on white.
NEUTRAL = "6F6F6F"
#: "don't know", "not decided yet": a lighter grey (3.2:1 on white), told apart from "no"
#: when a list has both ("ja", "nein", "noch offen")
UNDECIDED = "909090"

_BEST = (0x1F, 0x4E, 0x79)
_MIDDLE = (0x86, 0x94, 0xA3)
_WORST = (0xB3, 0x59, 0x00)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> str:
    return "".join(f"{round(x + (y - x) * t):02X}" for x, y in zip(a, b, strict=True))


def ordered_colors(n: int) -> list[str]:
    """``n`` colours for an ordered scale, best first: blue, through grey, to orange."""
    if n <= 1:
        return [_mix(_BEST, _BEST, 0)]
    out = []
    for i in range(n):
        t = i / (n - 1)
        out.append(
            _mix(_BEST, _MIDDLE, t * 2) if t <= 0.5 else _mix(_MIDDLE, _WORST, (t - 0.5) * 2)
        )
    return out


def series_colors(n: int, ordered: bool) -> list[str]:
    """Colours for ``n`` series or slices."""
    if ordered:
        return ordered_colors(n)
    return [QUALITATIVE[i % len(QUALITATIVE)] for i in range(n)]


def luminance(color: str) -> float:
    """Relative luminance of ``RRGGBB`` (WCAG 2)."""
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (0, 2, 4))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast(a: str, b: str = WHITE) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(color: str) -> str:
    """White or ink, whichever reads better on ``color`` (relative luminance)."""
    lum = luminance(color)
    ink_lum = 0.021  # luminance of INK
    return WHITE if 1.05 / (lum + 0.05) >= (lum + 0.05) / (ink_lum + 0.05) else INK


def point_colors(panel: BuiltPanel) -> list[str]:
    """The colour of each category of a one-series chart (slices, single bars, columns)."""
    if panel.category_colors:
        return list(panel.category_colors)
    return series_colors(len(panel.categories), panel.ordered)


def legend_colors(panel: BuiltPanel) -> list[str]:
    """The colour of each series: a choice's own colour, else groups and waves in turn."""
    if panel.series_colors:
        return list(panel.series_colors)
    return series_colors(len(panel.series), panel.kind == "stacked")


def single_colors(panel: BuiltPanel) -> list[str]:
    """Bars or columns of one series: a scale's points in their colours; the choices of a list
    in one colour and its "none/no/don't know" answers in neutral grey (with no legend, a bar's colour
    names nothing, and a rainbow would only distract)."""
    color = legend_colors(panel)[0] if panel.series else QUALITATIVE[0]
    if panel.ordered and panel.category_colors:
        return list(panel.category_colors)
    return [
        c if c in (NEUTRAL, UNDECIDED) else color
        for c in (panel.category_colors or [color] * len(panel.categories))
    ]
