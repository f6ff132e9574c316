"""The grid of a result slide: where its findings and its charts go.

One home for the deck (:mod:`klappt.report.pptx`) and the PDF pages
(:mod:`klappt.report.print_pages`), so that a PDF page is laid out like its slide.
"""

from __future__ import annotations

from dataclasses import dataclass

from klappt.report.textfit import fit

__all__ = [
    "FINDINGS_SHARE",
    "GAP",
    "INSET",
    "MARK_SIZE",
    "ResultGrid",
    "bullets_height",
    "findings_below",
    "footer_lines",
    "mark_box",
    "result_grid",
]

#: The findings column beside one chart, as a share of the content width (every slide alike).
FINDINGS_SHARE = 0.32
#: The gap between charts and between a chart and the findings, in points.
GAP = 22.0
#: A text box's inner margin left and right, in points (0.05 in, PowerPoint's default).
INSET = 3.6
#: Findings under two or more charts take at most this share of the content height.
BELOW_SHARE = 0.3
#: The largest size of findings set under the charts.
BELOW_SIZE = 16.0

Box = tuple[float, float, float, float]  # x, y, width, height in points

#: The size of a mark such as "Demo – synthetische Daten" (bold), the smallest text of a deck.
MARK_SIZE = 12.0


def mark_box(width: float, margin: float) -> Box:
    """Where a mark such as "Demo – synthetische Daten" goes on every slide, set right-aligned:
    the top right corner, above the title (which starts 16 pt down), clear of footnotes, slide
    number, the title slide's logo (30 pt down) and the section slide's number.

    One place on every kind of slide, in the deck, the PDF and (as a corner label) the HTML,
    so that a reader finds it where they found it on the slide before.
    """
    return (width / 2, 0.0, width / 2 - margin, 16.0)


@dataclass(frozen=True)
class ResultGrid:
    """The findings' box (with the largest size to set them in) and one box per chart."""

    findings: Box | None
    findings_size: float
    panels: tuple[Box, ...]


def bullets_height(items: list[str], width: float, size: float) -> float:
    """The height a bulleted list needs at ``size`` in a box ``width`` wide."""
    lines = sum(len(fit(it, width - 2 * INSET - 16, 10_000, size, size)[1]) for it in items)
    return lines * size * 1.2 + len(items) * size * 0.5 + 4


def findings_below(has_findings: bool, n_panels: int) -> bool:
    """Whether a result slide's findings go under its charts rather than in a column beside
    them: two or more charts would be squeezed by a third column (their labels wrap to five
    lines and long words break). The deck, the PDF pages and the HTML report all ask here.

    >>> findings_below(True, 1), findings_below(True, 2), findings_below(False, 3)
    (False, True, False)
    """
    return has_findings and n_panels >= 2


def result_grid(
    left: float,
    top: float,
    width: float,
    bottom: float,
    bullets: list[str],
    n_panels: int,
    shares: tuple[float, ...] | None = None,
) -> ResultGrid:
    """Boxes of a result slide whose content runs from ``left``/``top`` over ``width`` to
    ``bottom``: one chart has its findings in a column at the right (at one place on every
    slide); two or more charts would be squeezed by a third column, so their findings go below."""
    findings: Box | None = None
    size = 24.0
    area_w = width
    if bullets and n_panels and not findings_below(True, n_panels):
        fw = area_w * FINDINGS_SHARE
        findings = (left + width - fw, top + 4, fw, bottom - top - 4)
        size = 18.0
        area_w -= fw + GAP
    elif bullets and n_panels:  # findings_below
        fh = min(bullets_height(bullets, area_w, BELOW_SIZE), (bottom - top) * BELOW_SHARE)
        findings = (left, bottom - fh, area_w, fh)
        size = BELOW_SIZE
        bottom -= fh + 8
    elif bullets:
        findings = (left, top + 4, area_w, bottom - top - 4)
    panels: tuple[Box, ...] = ()
    if n_panels:
        # equal widths, unless ``shares`` gives a chart of many long labels more of the row
        shares = shares if shares and len(shares) == n_panels else (1 / n_panels,) * n_panels
        room = area_w - GAP * (n_panels - 1)
        x = left
        boxes = []
        for share in shares:
            boxes.append((x, top, room * share, bottom - top))
            x += room * share + GAP
        panels = tuple(boxes)
    return ResultGrid(findings, size, panels)


def footer_lines(footnotes: tuple[str, ...], width: float) -> int:
    """The lines a footer's notes take: one each, more where a note wraps at 12 pt (nothing on
    a slide is smaller), so that a long source line (three waves' surveys) does not push the
    last note, the demo mark, out of the box. Deck and PDF size their footers by it."""
    return sum(max(1, len(fit(n, width - 2 * INSET - 2, 1e6, 12.0, 12.0)[1])) for n in footnotes)
