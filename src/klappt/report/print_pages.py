"""The PDF's pages: every slide a page of the deck's size, laid out on the deck's grid.

The PDF is read like the deck: one slide per page at the slide's proportions (16:9 in
klappt's design, a template's own slide size otherwise), title, charts, findings and
footnotes where and as large as :mod:`klappt.report.pptx` puts them. Every box is placed
absolutely in points and every text broken into lines beforehand with the deck's font
metrics (:mod:`klappt.report.textfit`), at a size at which it fits in whole words: the
engine (WeasyPrint) only paints, which keeps a deck of twenty charts fast, and nothing is
broken inside a word, cut off or left outside its page.

A template gives the PDF its slide size, not its masters: the pages keep klappt's design.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from klappt.errors import ErrorCode, KlapptError
from klappt.reasons import Reason
from klappt.report.built import BuiltPanel, BuiltReport, BuiltSlide
from klappt.report.cloud import cloud_color, layout_cloud
from klappt.report.grid import INSET, MARK_SIZE, mark_box, result_grid
from klappt.report.kinds import PRINT
from klappt.report.pptx_charts import SHARE_HEADING, panel_shares
from klappt.report.print_charts import fit_lines, text_box
from klappt.report.slide_fill import stack_boxes
from klappt.report.stats_layout import PAD, stats_layout
from klappt.report.textfit import text_width, wrap
from klappt.report.theme import (
    ACCENT,
    FONT_STACK,
    INK,
    LIGHT,
    MARK,
    MARK_ON_DARK,
    MUTED,
    PRIMARY,
    WHITE,
)
from klappt.report.typography import list_items, typographic

__all__ = ["DEFAULT_SIZE", "render_pages", "slide_size"]

#: klappt's own slide: 13.333 × 7.5 inches (16:9), in points.
DEFAULT_SIZE = (960.0, 540.0)
_EMU_PER_PT = 12700
_INSET = INSET  # a text box's inner margin in the deck
_SECTION_INK = "9DB9D5"


def _e(value: object) -> str:
    return escape(typographic(str(value)), quote=True)


def slide_size(template: str | Path | None) -> tuple[float, float]:
    """Width and height of the deck's slides in points: the template's, else 16:9.

    Raises
    ------
    KlapptError
        ``REPORT_002`` when the template is not a readable PowerPoint file.

    Example
    -------
    >>> slide_size(None)
    (960.0, 540.0)
    """
    if template is None:
        return DEFAULT_SIZE
    path = Path(template)
    if not path.is_file():
        raise KlapptError(ErrorCode.REPORT_002, path=path, reason=Reason.NOT_FOUND())
    from pptx import Presentation

    from klappt.limits import check_file

    check_file(path, "form")  # as the deck does: a template is bounded like any file we read
    try:
        prs = Presentation(str(path))
        width, height = int(prs.slide_width or 0), int(prs.slide_height or 0)
    except Exception as exc:  # python-pptx raises zipfile, KeyError or lxml errors
        raise KlapptError(
            ErrorCode.REPORT_002, path=path, reason=f"{type(exc).__name__}: {exc}"
        ) from None
    if width <= 0 or height <= 0:
        raise KlapptError(ErrorCode.REPORT_002, path=path, reason=Reason.NO_SLIDE_SIZE())
    return width / _EMU_PER_PT, height / _EMU_PER_PT


def render_pages(built: BuiltReport, size: tuple[float, float] = DEFAULT_SIZE) -> str:
    """The report as an HTML document of absolutely placed pages, for WeasyPrint.

    Example
    -------
    >>> from klappt.report.built import BuiltReport, BuiltSlide
    >>> page = render_pages(BuiltReport("B", "de", (BuiltSlide("section", "Teil 1", number=1),)))
    >>> page.count('class="page')
    1
    """
    width, height = size
    pages = "\n".join(
        _Page(width, height, built.lang, built.mark).slide(s, i)
        for i, s in enumerate(built.slides, start=1)
    )
    lang = "en" if built.lang == "en" else "de"
    css = f"""
@page {{ size: {width:.2f}pt {height:.2f}pt; margin: 0; }}
body {{ margin: 0; font-family: {FONT_STACK}; color: #{INK}; }}
.page {{ position: relative; width: {width:.2f}pt; height: {height:.2f}pt; overflow: hidden; }}
.page + .page {{ page-break-before: always; }}
/* p: a text box, i: a filled box, div: a chart's box, img: a ring or the logo */
p, i, div, img {{ position: absolute; }}
/* a text box without its own width spans the page: its lines are set already (nowrap), and an
   absolute box of auto width would be laid out twice to find its width (shrink-to-fit) */
p {{ width: 100%; margin: 0; white-space: nowrap; line-height: 1.2; }}
table.stats {{ position: absolute; border-collapse: collapse; table-layout: fixed; line-height: 1.2; }}
table.stats th, table.stats td {{ padding: 0 {PAD:.0f}pt; text-align: left; vertical-align: middle; background: #{LIGHT};
  border: 1pt solid #FFFFFF; }}
table.stats thead th {{ background: #{PRIMARY}; color: #FFFFFF; }}
table.stats .num {{ text-align: right; }}
"""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_e(built.title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
        f"{pages}\n</body>\n</html>\n"
    )


class _Page:
    """The deck's grid on a page of ``W`` × ``H`` points (see ``klappt.report.pptx._Deck``)."""

    def __init__(self, width: float, height: float, lang: str, mark: str | None = None) -> None:
        self.W, self.H = width, height
        self.mark = mark  # "Demo – synthetische Daten": top right on every page, as in the deck
        self.M = width * 0.0375  # side margin: 36 pt on a 16:9 slide
        self.lang = lang
        self.parts: list[str] = []

    # -- primitives -----------------------------------------------------------------------

    def rect(self, x: float, y: float, w: float, h: float, color: str) -> None:
        self.parts.append(
            f'<i style="left:{x:.1f}pt;top:{y:.1f}pt;width:{w:.1f}pt;'
            f'height:{h:.1f}pt;background:#{color}"></i>'
        )

    def text(
        self,
        box: tuple[float, float, float, float],
        text: str,
        max_size: float,
        color: str = INK,
        bold: bool = False,
        align: str = "left",
        anchor: str = "top",
    ) -> float:
        """``text`` in ``box`` at the largest size that fits; returns the size."""
        x, y, w, h = box
        text = typographic(text)
        size, lines = fit_lines(text, w - 2 * _INSET - 2, h - 2, max_size, bold)
        need = len(lines) * size * 1.2
        top = {"top": y + 1, "middle": y + (h - need) / 2, "bottom": y + h - need - 1}[anchor]
        self.parts.append(
            text_box(x + _INSET, top, w - 2 * _INSET, lines, size, color, bold, align)
        )
        return size

    def bullets(
        self, box: tuple[float, float, float, float], items: list[str], max_size: float
    ) -> None:
        """A list as in the deck: "- " items one level down with a dash, "↳" items without a bullet."""
        x, y, w, h = box
        spacing = 1.2
        entries = [(typographic(t), level, marker) for t, level, marker in list_items(items)]
        size = max_size
        while True:
            laid = []
            indent = max(14.0, size * 0.8)  # room for the marker and a space after it
            for text, level, _ in entries:
                s = size if level == 0 else max(10.0, size - 2)
                room = w - 2 * _INSET - indent * (level + 1) - 2
                laid.append((s, wrap(text, room, s), room))
            need = sum(len(lines) * s * spacing + s * 0.5 for s, lines, _ in laid)
            wide = any(
                text_width(word, s) > room
                for (text, _, _), (s, _, room) in zip(entries, laid, strict=True)
                for word in text.split()
            )
            if (need <= h and not wide) or size <= 7:
                break
            size -= 0.5
        top = y + 1
        for (_, level, marker), (s, lines, _) in zip(entries, laid, strict=True):
            left = x + _INSET + indent * (level + 1)
            self.parts.append(text_box(left - indent, top, indent, [marker], s))
            self.parts.append(text_box(left, top, w - (left - x) - _INSET, lines, s))
            top += len(lines) * s * spacing + s * 0.5

    # -- the parts every content slide has ------------------------------------------------

    def head(self, s: BuiltSlide) -> float:
        """Title (and subtitle) of a content slide; returns where the content starts."""
        M, W = self.M, self.W
        self.text((M, 16, W - 2 * M, 64), s.title, 28, PRIMARY, bold=True, anchor="bottom")
        y = 82.0
        if s.subtitle:
            self.text((M, y, W - 2 * M, 26), s.subtitle, 17, MUTED)
            y += 28
        self.rect(M + _INSET, y + 2, 56, 3, ACCENT)
        return y + 14

    def footer(self, number: int, footnotes: tuple[str, ...], ink: str = MUTED) -> float:
        """Footnotes bottom left, slide number bottom right; returns the top of the footer."""
        W, H, M = self.W, self.H, self.M
        self.text((W - M - 40, H - 28, 40, 18), str(number), 10, ink, align="right")
        if not footnotes:
            return H - 34
        from klappt.report.grid import footer_lines

        # up to six lines, as in the deck
        h = min(14.0 * footer_lines(footnotes, W - 2 * M - 50) + 6, 90.0)
        self.text(
            (M, H - 10 - h, W - 2 * M - 50, h), "\n".join(footnotes), 11, ink, anchor="bottom"
        )
        return H - 14 - h

    # -- slides ---------------------------------------------------------------------------

    def slide(self, s: BuiltSlide, number: int) -> str:
        self.parts = []
        getattr(self, f"_{s.kind}")(s, number)
        if self.mark:  # where the deck stamps it (klappt.report.pptx_layouts.stamp_mark)
            color = MARK_ON_DARK if s.kind == "section" else MARK
            x, y, w, h = mark_box(self.W, self.M)
            top = y + (h - MARK_SIZE * 1.2) / 2  # one line, centred in its box as in the deck
            self.parts.append(
                text_box(
                    x + _INSET,
                    top,
                    w - 2 * _INSET,
                    [typographic(self.mark)],
                    MARK_SIZE,
                    color,
                    True,
                    "right",
                )
            )
        return f'<section class="page page-{s.kind}">' + "".join(self.parts) + "</section>"

    def _title(self, s: BuiltSlide, number: int) -> None:
        M, W, H = self.M, self.W, self.H
        self.rect(0, 0, 18, H, PRIMARY)
        self.rect(18, 0, 6, H, ACCENT)
        logo_h = self._logo(s.logo) if s.logo else 0.0
        top = max(120.0, 40 + logo_h + 20)
        left = M + 48
        width = W - left - M
        self.text((left, top, width, 150), s.title, 40, PRIMARY, bold=True, anchor="bottom")
        y = top + 156
        if s.subtitle:
            self.text((left, y, width, 64), s.subtitle, 24, INK)
            y += 70
        self.rect(left + _INSET, y, 80, 4, ACCENT)
        y += 20
        lines = [
            x for x in (s.date, ", ".join(s.authors) if s.authors else None, s.institution) if x
        ]
        if lines:
            self.text((left, y, width, max(20.0, min(H - y - 20, 90))), "\n".join(lines), 18, MUTED)

    def _logo(self, path: str) -> float:
        import base64
        import mimetypes

        mime = mimetypes.guess_type(path)[0] or "image/png"
        if not mime.startswith("image/"):
            return 0.0
        try:
            from PIL import Image

            with Image.open(path) as im:
                w, h = float(im.width), float(im.height)
            raw = Path(path).read_bytes()
        except OSError:
            return 0.0
        scale = min(180.0 / w, 80.0 / h, 1.0) if w and h else 1.0
        w, h = w * scale, h * scale
        data = base64.b64encode(raw).decode("ascii")
        self.parts.append(
            f'<img alt="Logo" src="data:{_e(mime)};base64,{data}" '
            f'style="left:{self.W - self.M - w:.1f}pt;top:30pt;width:{w:.1f}pt;height:{h:.1f}pt">'
        )
        return h

    def _agenda(self, s: BuiltSlide, number: int) -> None:
        top = self.head(s)
        bottom = self.footer(number, ())
        items = list(s.bullets) or ["–"]
        row = min(72.0, (bottom - top - 10) / len(items))
        for i, item in enumerate(items, start=1):
            y = top + 10 + (i - 1) * row
            badge = min(40.0, row - 10)
            self.rect(self.M + _INSET, y, badge, badge, PRIMARY)
            self.text(
                (self.M + _INSET, y, badge, badge),
                str(i),
                badge * 0.5,
                WHITE,
                True,
                "center",
                "middle",
            )
            x = self.M + _INSET + badge + 16
            anchor = "middle" if row - 6 <= badge + 16 else "top"
            self.text((x, y - 4, self.W - x - self.M, row - 6), item, 24, INK, anchor=anchor)

    def _section(self, s: BuiltSlide, number: int) -> None:
        W, H, M = self.W, self.H, self.M
        self.rect(0, 0, W, H, PRIMARY)
        self.rect(0, H * 0.5 + 70, W, 6, ACCENT)
        if s.number is not None:
            self.text(
                (M + 40, H * 0.5 - 150, 200, 100),
                str(s.number),
                80,
                _SECTION_INK,
                True,
                anchor="bottom",
            )
        self.text(
            (M + 40, H * 0.5 - 50, W - 2 * M - 80, 110), s.title, 36, WHITE, True, anchor="bottom"
        )
        self.text((W - M - 40, H - 28, 40, 18), str(number), 10, _SECTION_INK, align="right")

    def _text(self, s: BuiltSlide, number: int) -> None:
        top = self.head(s)
        bottom = self.footer(number, s.footnotes)
        if s.bullets:
            self.bullets(
                (self.M, top + 6, self.W - 2 * self.M, bottom - top - 12), list(s.bullets), 24
            )

    def _closing(self, s: BuiltSlide, number: int) -> None:
        W, H, M = self.W, self.H, self.M
        self.rect(0, 0, 18, H, PRIMARY)
        self.rect(18, 0, 6, H, ACCENT)
        left = M + 48
        self.text((left, 70, W - left - M, 90), s.title, 40, PRIMARY, True, anchor="bottom")
        y = 180.0
        if s.bullets:
            h = min(20.0 * len(s.bullets) + 10, 180.0)
            self.text((left, y, W - left - M, h), "\n".join(s.bullets), 18, INK)
            y += h + 16
        if s.contacts:
            h = min(20.0 * len(s.contacts) + 10, H - y - 40)
            self.text((left, y, W - left - M, h), "\n".join(s.contacts), 16, MUTED)

    def _result(self, s: BuiltSlide, number: int) -> None:
        top = self.head(s)
        bottom = self.footer(number, s.footnotes) - 6
        M, W = self.M, self.W
        if s.headline:
            self.text((M, top, W - 2 * M, 34), s.headline, 24, PRIMARY, True)
            top += 40
        shares = (
            None if s.bullets else panel_shares(s.panels, W - 2 * M, bottom - top - SHARE_HEADING)
        )
        grid = result_grid(M, top, W - 2 * M, bottom, list(s.bullets), len(s.panels), shares)
        if grid.findings:
            self.bullets(grid.findings, list(s.bullets), grid.findings_size)
        stacked = (
            stack_boxes(s.panels, M, top, W - 2 * M, bottom)
            if s.layout == "fill" and not s.bullets
            else None
        )
        if stacked:
            # a derived slide's charts one above another, as on the slide: each its heading
            for i, (panel, box) in enumerate(zip(s.panels, stacked, strict=True)):
                self.panel(panel, box, f"s{number}p{i + 1}")
        elif s.panels:
            # one heading size and height for the charts of a row, as in the deck
            width = min(b[2] for b in grid.panels) - 2 * _INSET - 2
            size = min(fit_lines(_heading(p), width, 46, 16, True)[0] for p in s.panels)
            lines = max(len(fit_lines(_heading(p), width, 46, size, True)[1]) for p in s.panels)
            head = lines * size * 1.2 + 10
            for i, (panel, box) in enumerate(zip(s.panels, grid.panels, strict=True)):
                self.panel(panel, box, f"s{number}p{i + 1}", size, head)

    # -- panels ---------------------------------------------------------------------------

    def panel(
        self,
        panel: BuiltPanel,
        box: tuple[float, float, float, float],
        ident: str,
        largest: float = 16.0,
        head: float | None = None,
    ) -> None:
        x, y, w, h = box
        own = self._panel_heading(panel, box, largest)
        head = own if head is None else head
        bw, bh = w - 2 * _INSET, h - head
        body = PRINT[panel.kind](panel, ident, bw, bh, self.lang)
        self.parts.append(
            f'<div data-kind="{panel.kind}" style="left:{x + _INSET:.1f}pt;top:{y + head:.1f}pt;'
            f'width:{bw:.1f}pt;height:{bh:.1f}pt">{body}</div>'
        )

    def _panel_heading(
        self, panel: BuiltPanel, box: tuple[float, float, float, float], largest: float = 16.0
    ) -> float:
        """Heading and base above a chart ("Neue Kooperationen* (n=40)"); returns its height."""
        x, y, w, _ = box
        title = typographic(panel.title)
        caption = f"({panel.caption})" if title else panel.caption
        size, lines = fit_lines(f"{title} {caption}".strip(), w - 2 * _INSET - 2, 46, largest, True)
        small = max(11.0, size - 2)
        bold_words = len(title.split())
        html, seen = [], 0
        for line in lines:
            words = []
            for word in line.split():
                if seen < bold_words:
                    words.append(f"<b>{_e(word)}</b>")
                else:
                    words.append(
                        f'<span style="color:#{MUTED};font-size:{small:.1f}pt">{_e(word)}</span>'
                    )
                seen += 1
            html.append(" ".join(words))
        self.parts.append(
            f'<p style="left:{x + _INSET:.1f}pt;top:{y + 1:.1f}pt;'
            f'font-size:{size:.1f}pt;color:#{PRIMARY}">' + "<br>".join(html) + "</p>"
        )
        return len(lines) * size * 1.2 + 10


# -- the drawers of the kinds that are not charts (see klappt.report.kinds) ----------------


@PRINT.register("cloud")
def _cloud(panel: BuiltPanel, ident: str, w: float, h: float, lang: str) -> str:
    """The mentions where the deck puts them (:mod:`klappt.report.cloud`), in its lines."""
    placed = layout_cloud(list(panel.mentions), w, h, largest=28.0)
    if not placed:
        return text_box(0, 0, w, ["–"], 14, MUTED)
    out = []
    for m in sorted(placed, key=lambda m: m.rank):
        out.append(
            text_box(
                m.x,
                m.y + (m.height - len(m.lines) * m.size * 1.2) / 2,
                m.width + 2,
                [typographic(line) for line in m.lines],
                m.size,
                cloud_color(m.rank),
                m.rank < 3,
                "center",
            )
        )
    return "".join(out)


@PRINT.register("table")
def _stats(panel: BuiltPanel, ident: str, w: float, h: float, lang: str) -> str:
    t = panel.table
    if t is None or not t.formatted:
        return ""
    lay = stats_layout(t, w, h)
    cols = "".join(f'<col style="width:{cw:.1f}pt">' for cw in lay.column_widths)
    head = "".join(f"<th{' class=num' if i else ''}>{_e(c)}</th>" for i, c in enumerate(t.columns))
    body = "".join(
        f'<tr style="height:{rh:.1f}pt">'
        + "".join(f"<td{' class=num' if i else ''}>{_e(v)}</td>" for i, v in enumerate(r))
        + "</tr>"
        for r, rh in zip(t.formatted, lay.row_heights[1:], strict=True)
    )
    return (
        f'<table class="stats" style="left:{lay.x:.1f}pt;top:{lay.y:.1f}pt;'
        f'width:{lay.width:.1f}pt;font-size:{lay.size:.0f}pt"><colgroup>{cols}</colgroup>'
        f'<thead><tr style="height:{lay.row_heights[0]:.1f}pt">{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _heading(panel: BuiltPanel) -> str:
    """A chart's heading as the deck measures it: title and base ("Neue Kooperationen* (n=40)")."""
    title = typographic(panel.title)
    return f"{title} ({panel.caption})" if title else panel.caption
