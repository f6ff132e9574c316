"""The deck: a :class:`BuiltReport` as a PowerPoint file with native, editable charts.

The default design is 16:9, Calibri, white with dark-blue titles. With a template
(a .pptx with masters and layouts) we use its slide size and its layouts' title
placeholders and leave the look to it. Every text box gets a font size at which its
text fits (measured with Carlito's metrics, see :mod:`klappt.report.textfit`), so
nothing runs out of its box or off the slide.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu

import klappt.report.pptx_cloud  # noqa: F401  (registers the cloud and table drawers)
from klappt.report.built import BuiltPanel, BuiltReport, BuiltSlide
from klappt.report.grid import result_grid
from klappt.report.kinds import PPTX
from klappt.report.pptx_charts import (
    BAR_SLOT,
    BAR_SLOT_MAX,
    MIN_SIZE,
    SHARE_HEADING,
    bar_chart_height,
    chart_style,
    panel_shares,
)
from klappt.report.pptx_layouts import closing_top, stamp_mark
from klappt.report.pptx_text import _INSET, _PT, DeckBase, _Box, _to_back
from klappt.report.slide_fill import fill_slot, stack_boxes
from klappt.report.textfit import fit
from klappt.report.theme import ACCENT, INK, MUTED, PRIMARY, WHITE

__all__ = ["render_pptx"]


def render_pptx(built: BuiltReport, template: str | Path | None = None) -> bytes:
    """The deck as ``.pptx`` bytes.

    Parameters
    ----------
    built:
        The report with its numbers.
    template:
        A PowerPoint file whose masters and layouts to use (default: ``built.template``,
        else klappt's own 16:9 design).

    Returns
    -------
    bytes
        The presentation; write it with :func:`klappt.report.output.write_outputs`.

    Raises
    ------
    KlapptError
        ``REPORT_002`` when the template is not a readable PowerPoint file.

    Example
    -------
    >>> # Path("bericht.pptx").write_bytes(render_pptx(built))
    """
    template = template or built.template
    deck = _Deck(built, template)
    for number, slide in enumerate(built.slides, start=1):
        deck.add(slide, number)
        stamp_mark(deck.prs.slides[-1], slide.kind, built.mark, deck.templated, built.lang)
    out = io.BytesIO()
    deck.prs.save(out)
    return out.getvalue()


class _Deck(DeckBase):
    # -- slides ---------------------------------------------------------------------------

    def add(self, s: BuiltSlide, number: int) -> None:
        {
            "title": self.title_slide,
            "agenda": self.agenda,
            "section": self.section,
            "text": self.text_slide,
            "result": self.result,
            "closing": self.closing,
        }[s.kind](s, number)

    def _head(self, slide: Any, s: BuiltSlide) -> float:
        """Title (and subtitle) of a content slide; returns where the content starts."""
        M, W = self.M, self.W
        if self.templated and slide.shapes.title is not None:
            self.title(slide, _Box(M, 18, W - 2 * M, 66), s.title)
            ph = slide.shapes.title
            y = (ph.top + ph.height) / _PT + 8
        else:
            self.title(slide, _Box(M, 16, W - 2 * M, 64), s.title)
            y = 82.0
        if s.subtitle:
            self.text(slide, _Box(M, y, W - 2 * M, 26), s.subtitle, 17, 11, MUTED, name="Subtitle")
            y += 28
        if not self.templated:
            self.rect(slide, _Box(M + _INSET, y + 2, 56, 3), ACCENT, name="Rule")
        return y + 14

    def title_slide(self, s: BuiltSlide, number: int) -> None:
        slide = self._new_slide("title")
        M, W, H = self.M, self.W, self.H
        if not self.templated:
            self.rect(slide, _Box(0, 0, 18, H), PRIMARY, name="Band")
            self.rect(slide, _Box(18, 0, 6, H), ACCENT, name="Band accent")
        logo_h = 0.0
        if s.logo:
            logo_h = self._logo(slide, s.logo)
        top = max(120.0, 40 + logo_h + 20)
        left = M + 48
        width = W - left - M
        self.title(slide, _Box(left, top, width, 150), s.title, 40, PRIMARY, 24)
        y = top + 156
        if s.subtitle:
            ph = next((p for p in slide.placeholders if p.placeholder_format.type == 4), None)
            if ph is not None:
                ph.text_frame.text = s.subtitle
            else:
                self.text(slide, _Box(left, y, width, 64), s.subtitle, 24, 14, INK, name="Subtitle")
            y += 70
        if not self.templated:
            self.rect(slide, _Box(left + _INSET, y, 80, 4), ACCENT, name="Rule")
        y += 20
        lines = [
            x for x in (s.date, ", ".join(s.authors) if s.authors else None, s.institution) if x
        ]
        if self.templated:
            # below the template's own title and subtitle boxes, or else at the foot of the slide
            placed = [ph for ph in slide.placeholders if ph.placeholder_format.type in (1, 3, 4)]
            y = max([(ph.top + ph.height) / _PT for ph in placed] + [y - 20]) + 10
            left, width = M, W - 2 * M
            if H - y - 20 < 50:
                y = H - 80
        if lines:
            self.text(
                slide,
                _Box(left, y, width, max(20.0, min(H - y - 20, 90))),
                "\n".join(lines),
                18,
                11,
                MUTED,
                name="Details",
            )

    def _logo(self, slide: Any, path: str) -> float:
        box_w, box_h = 180.0, 80.0
        pic = slide.shapes.add_picture(path, 0, 0)
        w, h = pic.width / _PT, pic.height / _PT
        scale = min(box_w / w, box_h / h, 1.0) if w and h else 1.0
        w, h = w * scale, h * scale
        pic.width, pic.height = Emu(round(w * _PT)), Emu(round(h * _PT))
        pic.left, pic.top = Emu(round((self.W - self.M - w) * _PT)), Emu(round(30 * _PT))
        pic.name = "Logo"
        return h

    def agenda(self, s: BuiltSlide, number: int) -> None:
        slide = self._new_slide("content")
        top = self._head(slide, s)
        bottom = self.footer(slide, number, ())
        items = list(s.bullets) or ["–"]
        row = min(72.0, (bottom - top - 10) / len(items))
        for i, item in enumerate(items, start=1):
            y = top + 10 + (i - 1) * row
            badge = min(40.0, row - 10)
            num = self.rect(
                slide, _Box(self.M + _INSET, y, badge, badge), PRIMARY, name=f"Agenda number {i}"
            )
            tf = num.text_frame
            tf.margin_left = tf.margin_right = tf.margin_top = tf.margin_bottom = 0
            tf.vertical_anchor = MSO_ANCHOR.MIDDLE
            p = tf.paragraphs[0]
            p.alignment = PP_ALIGN.CENTER
            r = p.add_run()
            r.text = str(i)
            self._run_style(r, badge * 0.5, WHITE, True)
            x = self.M + _INSET + badge + 16
            self.text(
                slide,
                _Box(x, y - 4, self.W - x - self.M, row - 6),
                item,
                24,
                12,
                INK,
                anchor=MSO_ANCHOR.MIDDLE if row - 6 <= badge + 16 else MSO_ANCHOR.TOP,
                name=f"Agenda item {i}",
            )

    def section(self, s: BuiltSlide, number: int) -> None:
        slide = self._new_slide("section")
        W, H, M = self.W, self.H, self.M
        if self.templated:
            self.title(slide, _Box(M, H * 0.35, W - 2 * M, 120), s.title)
            return
        background = self.rect(slide, _Box(0, 0, W, H), PRIMARY, name="Background")
        _to_back(background)
        self.rect(slide, _Box(0, H * 0.5 + 70, W, 6), ACCENT, name="Rule")
        if s.number is not None:
            self.text(
                slide,
                _Box(M + 40, H * 0.5 - 150, 200, 100),
                str(s.number),
                80,
                40,
                "9DB9D5",
                bold=True,
                anchor=MSO_ANCHOR.BOTTOM,
                name="Section number",
            )
        self.title(slide, _Box(M + 40, H * 0.5 - 50, W - 2 * M - 80, 110), s.title, 36, WHITE, 20)
        self.text(
            slide,
            _Box(W - M - 40, H - 28, 40, 18),
            str(number),
            10,
            8,
            "9DB9D5",
            align=PP_ALIGN.RIGHT,
            name="Slide number",
        )

    def text_slide(self, s: BuiltSlide, number: int) -> None:
        slide = self._new_slide("content")
        top = self._head(slide, s)
        bottom = self.footer(slide, number, s.footnotes)
        if s.bullets:
            self.bullets(
                slide,
                _Box(self.M, top + 6, self.W - 2 * self.M, bottom - top - 12),
                list(s.bullets),
                24,
                12,
            )

    def closing(self, s: BuiltSlide, number: int) -> None:
        slide = self._new_slide("closing")
        W, H, M = self.W, self.H, self.M
        if not self.templated:
            self.rect(slide, _Box(0, 0, 18, H), PRIMARY, name="Band")
            self.rect(slide, _Box(18, 0, 6, H), ACCENT, name="Band accent")
        left = M + 48
        self.title(slide, _Box(left, 70, W - left - M, 90), s.title, 40, PRIMARY, 24)
        y = 180.0
        if self.templated and slide.shapes.title is not None:
            y = closing_top(slide, y)  # below the template's own title, wherever it sits
        if s.bullets:
            h = min(20.0 * len(s.bullets) + 10, 180.0)
            self.text(
                slide,
                _Box(left, y, W - left - M, h),
                "\n".join(s.bullets),
                18,
                10,
                INK,
                name="Address",
            )
            y += h + 16
        if s.contacts:
            h = min(20.0 * len(s.contacts) + 10, H - y - 40)
            self.text(
                slide,
                _Box(left, y, W - left - M, h),
                "\n".join(s.contacts),
                16,
                9,
                MUTED,
                name="Contacts",
            )

    def result(self, s: BuiltSlide, number: int) -> None:
        slide = self._new_slide("content")
        top = self._head(slide, s)
        bottom = self.footer(slide, number, s.footnotes) - 6
        M, W = self.M, self.W
        if s.headline:
            self.text(
                slide,
                _Box(M, top, W - 2 * M, 34),
                s.headline,
                24,
                14,
                PRIMARY,
                bold=True,
                name="Headline",
            )
            top += 40
        fill = s.layout == "fill"
        self.fill = fill
        stacked = (
            stack_boxes(s.panels, M, top, W - 2 * M, bottom) if fill and not s.bullets else None
        )
        grid = result_grid(
            M,
            top,
            W - 2 * M,
            bottom,
            list(s.bullets),
            len(s.panels),
            _shares(s, W - 2 * M, top, bottom),
        )
        if grid.findings:
            self.bullets(slide, _Box(*grid.findings), list(s.bullets), grid.findings_size, 12)
        if s.panels and stacked:
            # some one above another: each chart under its own heading, bars grown to fill
            boxes = [_Box(*b) for b in stacked]
            heads = [self._heading_height((p,), b.w) for p, b in zip(s.panels, boxes, strict=True)]
            self.bar_slot = fill_slot(
                s.panels, [(b.w, b.h - hd) for b, hd in zip(boxes, heads, strict=True)]
            )
            for panel, box in zip(s.panels, boxes, strict=True):
                self.panel(slide, panel, box)
        elif s.panels and fill:
            boxes = [_Box(*b) for b in grid.panels]
            head = self._heading_height(s.panels, min(b.w for b in boxes))
            self.bar_slot = fill_slot(s.panels, [(b.w, b.h - head) for b in boxes])
            for panel, box in zip(s.panels, boxes, strict=True):
                self.panel(slide, panel, box, head)
        elif s.panels:
            boxes = [_Box(*b) for b in grid.panels]
            head = self._heading_height(s.panels, min(b.w for b in boxes))
            self.bar_slot = _bar_slot(s.panels, [b.w for b in boxes], boxes[0].h - head)
            for panel, box in zip(s.panels, boxes, strict=True):
                self.panel(slide, panel, box, head)

    # -- panels ---------------------------------------------------------------------------

    def panel(self, slide: Any, panel: BuiltPanel, box: _Box, head: float | None = None) -> None:
        """A panel's heading and its drawing; ``head`` is the heading height of the slide's row."""
        used = self._panel_heading(slide, panel, box, head)
        body = _Box(box.x, box.y + used, box.w, box.h - used)
        PPTX[panel.kind](self, slide, panel, body)

    def _heading_height(self, panels: tuple[BuiltPanel, ...], width: float) -> float:
        """One heading size and height for the charts of a row, so that they start at one line."""
        self.heading_size = min(self._heading_fit(p, width, 16.0)[0] for p in panels)
        lines = max(self._heading_fit(p, width, self.heading_size)[1] for p in panels)
        return lines * self.heading_size * 1.2 + 10

    def _heading_fit(self, panel: BuiltPanel, width: float, largest: float) -> tuple[float, int]:
        size, lines = fit(_heading(panel), width - 2 * _INSET - 2, 46, largest, MIN_SIZE, True)
        return size, len(lines)

    def _panel_heading(
        self, slide: Any, panel: BuiltPanel, box: _Box, head: float | None = None
    ) -> float:
        """Heading and base above a chart ("Neue Kooperationen* (n=40)"); returns its height."""
        caption = f" ({panel.caption})" if panel.title else panel.caption
        largest = getattr(self, "heading_size", 16.0) if head is not None else 16.0
        size, n_lines = self._heading_fit(panel, box.w, largest)
        h = n_lines * size * 1.2 + 6
        shape = slide.shapes.add_textbox(*_Box(box.x, box.y, box.w, h).emu())
        shape.name = f"Heading {panel.question}"
        tf = shape.text_frame
        self._frame(tf)
        p = tf.paragraphs[0]
        if panel.title:
            r = p.add_run()
            r.text = panel.title
            self._run_style(r, size, PRIMARY, True)
        r = p.add_run()
        r.text = caption
        self._run_style(r, max(MIN_SIZE, size - 2), MUTED, False)
        return head if head is not None else h + 4


def _heading(panel: BuiltPanel) -> str:
    return panel.title + (f" ({panel.caption})" if panel.title else panel.caption)


#: Bars of a short chart grow up to ``BAR_SLOT_MAX`` (slot, points) until the tallest chart of
#: the slide fills this share of its box: two or three bars
#: at the usual thickness would leave three quarters of the slide white.
FILL_SHARE = 0.5


def _shares(s: BuiltSlide, width: float, top: float, bottom: float) -> tuple[float, ...] | None:
    """Unequal widths of a slide's two charts (see :func:`panel_shares`); the PDF pages ask
    the same question with the same figures."""
    if s.bullets:
        return None
    return panel_shares(s.panels, width, bottom - top - SHARE_HEADING)


def _bar_slot(panels: tuple[BuiltPanel, ...], widths: list[float], height: float) -> float:
    """One bar thickness for the bar charts of a slide: the most the tightest of them allows;
    thicker when the slide holds only short bar charts (see :data:`FILL_SHARE`)."""
    slot = BAR_SLOT
    bars = [
        (p, w)
        for p, w in zip(panels, widths, strict=True)
        if p.kind in ("bar", "grouped", "stacked") and chart_style(p) != "column"
    ]
    for p, width in bars:
        need = bar_chart_height(p, width, BAR_SLOT)
        if need > height:
            slot = min(slot, BAR_SLOT * height / need)
    if slot == BAR_SLOT and bars and all(p.kind != "stacked" for p, _ in bars):
        tallest = max(bar_chart_height(p, w, BAR_SLOT) for p, w in bars)
        if tallest < height * FILL_SHARE:
            slot = min(BAR_SLOT_MAX, BAR_SLOT * height * FILL_SHARE / tallest)
            # the height grows a little less than the slot (labels, margins): never beyond the box
            while slot > BAR_SLOT and max(bar_chart_height(p, w, slot) for p, w in bars) > height:
                slot -= 1.0
    return slot
