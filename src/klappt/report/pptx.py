"""The deck: a :class:`BuiltReport` as a PowerPoint file with native, editable charts.

The default design is 16:9, Calibri, white with dark-blue titles. With a template
(a .pptx with masters and layouts) we use its slide size and its layouts' title
placeholders and leave the look to it. Every text box gets a font size at which its
text fits (measured with Carlito's metrics, see :mod:`klappt.report.textfit`), so
nothing runs out of its box or off the slide.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.lang import MSO_LANGUAGE_ID
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from klappt.errors import ErrorCode, KlapptError
from klappt.report.built import BuiltPanel, BuiltReport, BuiltSlide
from klappt.report.kinds import PPTX
from klappt.report.mentions import layout_cloud
from klappt.report.pptx_charts import EMU_PER_PT
from klappt.report.pptx_layouts import (
    check_layouts,
    closing_top,
    pick_layout,
    stamp_mark,
    widen_label_column,
)
from klappt.report.textfit import fit
from klappt.report.theme import ACCENT, FONT, INK, LIGHT, MUTED, PRIMARY, QUALITATIVE, WHITE

__all__ = ["render_pptx"]

_PT = EMU_PER_PT
_INSET = 3.6  # text box inner margin left/right in points (0.05 in)


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
        if slide.kind not in ("result", "text"):  # those carry the mark among their footnotes
            stamp_mark(deck.prs.slides[-1], slide.kind, built.mark, deck.templated, built.lang)
    out = io.BytesIO()
    deck.prs.save(out)
    return out.getvalue()


def _open_template(path: str | Path) -> Any:
    p = Path(path)
    if not p.is_file():
        raise KlapptError(ErrorCode.REPORT_002, path=p, reason="Datei nicht gefunden")
    from klappt.limits import check_file

    check_file(p, "form")
    try:
        prs = Presentation(str(p))
    except Exception as exc:  # python-pptx raises zipfile, KeyError or lxml errors for broken files
        raise KlapptError(
            ErrorCode.REPORT_002, path=p, reason=f"{type(exc).__name__}: {exc}"
        ) from None
    # drop the template's own slides; keep masters and layouts
    sld_ids = prs.slides._sldIdLst
    for sld_id in list(sld_ids):
        prs.part.drop_rel(sld_id.rId)
        sld_ids.remove(sld_id)
    check_layouts(prs, p)
    return prs


def _to_back(shape: Any) -> None:
    """Move ``shape`` behind every other shape of its slide (first in the shape tree)."""
    el = shape._element
    tree = el.getparent()
    tree.remove(el)
    tree.insert(2, el)  # after nvGrpSpPr and grpSpPr


@dataclass(frozen=True)
class _Box:
    """A rectangle in points."""

    x: float
    y: float
    w: float
    h: float

    def emu(self) -> tuple[Emu, Emu, Emu, Emu]:
        return (
            Emu(round(self.x * _PT)),
            Emu(round(self.y * _PT)),
            Emu(round(self.w * _PT)),
            Emu(round(self.h * _PT)),
        )


class _Deck:
    def __init__(self, built: BuiltReport, template: str | Path | None) -> None:
        self.built = built
        self.lang = built.lang
        self.language = MSO_LANGUAGE_ID.ENGLISH_UK if built.lang == "en" else MSO_LANGUAGE_ID.GERMAN
        self.lang_tag = "en-GB" if built.lang == "en" else "de-DE"
        self.templated = template is not None
        if template is not None:
            self.prs = _open_template(template)
        else:
            self.prs = Presentation()
            self.prs.slide_width = Emu(12192000)  # 13.333 in: 16:9
            self.prs.slide_height = Emu(6858000)  # 7.5 in
        self.W = self.prs.slide_width / _PT
        self.H = self.prs.slide_height / _PT
        self.M = self.W * 0.0375  # side margin: 36 pt on a 16:9 slide
        self.prs.core_properties.title = built.title
        self.prs.core_properties.language = "en-GB" if built.lang == "en" else "de-DE"
        self.prs.core_properties.author = "klappt"

    # -- layouts --------------------------------------------------------------------------

    def _layout(self, kind: str) -> Any:
        return pick_layout(self.prs, kind, self.templated)

    def _new_slide(self, kind: str) -> Any:
        slide = self.prs.slides.add_slide(self._layout(kind))
        # keep only the title (and, on a template's title slide, the subtitle)
        for ph in list(slide.placeholders):
            ptype = ph.placeholder_format.type
            if ptype in (1, 3) or (self.templated and kind == "title" and ptype == 4):
                continue
            ph._element.getparent().remove(ph._element)
        return slide

    # -- text helpers ---------------------------------------------------------------------

    def _run_style(self, run: Any, size: float, color: str = INK, bold: bool = False) -> None:
        """Size, weight, colour, font and language of a new run.

        Written straight into ``a:rPr``: python-pptx's font properties search the XML on
        every assignment, which made styling the slowest part of a deck.
        """
        rpr = run._r.get_or_add_rPr()
        for child in list(rpr):
            rpr.remove(child)
        rpr.set("lang", self.lang_tag)
        rpr.set("sz", str(round(size * 100)))
        rpr.set("b", "1" if bold else "0")
        fill = etree.SubElement(rpr, qn("a:solidFill"))
        etree.SubElement(fill, qn("a:srgbClr")).set("val", color)
        etree.SubElement(rpr, qn("a:latin")).set("typeface", FONT)

    def _frame(
        self,
        tf: Any,
        anchor: Any = MSO_ANCHOR.TOP,
        wrap: bool = True,
        inset: float = _INSET,
        inset_v: float = 1.0,
    ) -> None:
        """Wrapping, no autofit, margins and anchor of a text frame (written into ``a:bodyPr``)."""
        body = tf._txBody.bodyPr
        for child in list(body):
            body.remove(child)  # drop spAutoFit: the box keeps the size we computed
        body.set("wrap", "square" if wrap else "none")
        body.set("lIns", str(round(inset * _PT)))
        body.set("rIns", str(round(inset * _PT)))
        body.set("tIns", str(round(inset_v * _PT)))
        body.set("bIns", str(round(inset_v * _PT)))
        body.set(
            "anchor",
            {MSO_ANCHOR.TOP: "t", MSO_ANCHOR.MIDDLE: "ctr", MSO_ANCHOR.BOTTOM: "b"}[anchor],
        )

    def text(
        self,
        slide: Any,
        box: _Box,
        text: str,
        max_size: float,
        min_size: float = 9.0,
        color: str = INK,
        bold: bool = False,
        align: Any = PP_ALIGN.LEFT,
        anchor: Any = MSO_ANCHOR.TOP,
        name: str | None = None,
    ) -> Any:
        """A text box with ``text`` at the largest size (≤ max_size) that fits the box."""
        size, lines = fit(text, box.w - 2 * _INSET - 2, box.h - 2, max_size, min_size, bold)
        shape = slide.shapes.add_textbox(*box.emu())
        if name:
            shape.name = name
        tf = shape.text_frame
        self._frame(tf, anchor)
        truncated = "".join(lines).replace(" ", "") != text.replace("\n", "").replace(" ", "")
        shown = "\n".join(lines) if truncated else text
        for i, para in enumerate(shown.split("\n")):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            p.alignment = align
            r = p.add_run()
            r.text = para
            self._run_style(r, size, color, bold)
        return shape

    def title(
        self,
        slide: Any,
        box: _Box,
        text: str,
        max_size: float = 28,
        color: str = PRIMARY,
        min_size: float = 16,
    ) -> None:
        """The slide title, in the layout's title placeholder (so outlines and screen readers find it)."""
        ph = slide.shapes.title
        if ph is None:
            self.text(slide, box, text, max_size, min_size, color, bold=True, name="Title")
            return
        if self.templated:
            ph.text_frame.text = text
            for p in ph.text_frame.paragraphs:
                for r in p.runs:
                    r.font.language_id = self.language
            tf = ph.text_frame
            tf.word_wrap = True
            try:  # shrink long titles inside the template's box
                w, h = ph.width / _PT, ph.height / _PT
                size, _ = fit(text, w - 16, h - 8, 32, 14, True)
                for p in tf.paragraphs:
                    for r in p.runs:
                        r.font.size = Pt(size)
            except (TypeError, AttributeError):  # a placeholder without an inherited size
                pass
            return
        ph.left, ph.top, ph.width, ph.height = box.emu()
        size, _ = fit(text, box.w - 2 * _INSET - 2, box.h - 2, max_size, min_size, True)
        tf = ph.text_frame
        self._frame(tf, MSO_ANCHOR.BOTTOM)
        tf.text = ""
        p = tf.paragraphs[0]
        p.alignment = PP_ALIGN.LEFT
        r = p.add_run()
        r.text = text
        self._run_style(r, size, color, True)

    def rect(self, slide: Any, box: _Box, color: str, name: str | None = None) -> Any:
        shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, *box.emu())
        shape.fill.solid()
        shape.fill.fore_color.rgb = RGBColor.from_string(color)
        shape.line.fill.background()
        shape.shadow.inherit = False
        if name:
            shape.name = name
        return shape

    def bullets(
        self,
        slide: Any,
        box: _Box,
        items: list[str],
        max_size: float = 20,
        min_size: float = 10,
        color: str = INK,
        name: str = "Findings",
    ) -> Any:
        """A bulleted list that fits ``box``; each item a paragraph with a hanging bullet."""
        indent = 14.0
        spacing = 1.2
        size = max_size
        while size > min_size:
            need = sum(
                len(fit(it, box.w - 2 * _INSET - indent - 2, 10_000, size, size)[1]) for it in items
            )
            if need * size * spacing + len(items) * size * 0.5 <= box.h:
                break
            size -= 0.5
        shape = slide.shapes.add_textbox(*box.emu())
        shape.name = name
        tf = shape.text_frame
        self._frame(tf)
        for i, item in enumerate(items):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            sub = item.startswith(("↳", "–", "- "))
            text = item[2:] if item.startswith("- ") else item
            self._bullet(
                p, indent * (2 if sub else 1), "" if item.startswith("↳") else ("–" if sub else "•")
            )
            p.space_after = Pt(size * 0.5)
            r = p.add_run()
            r.text = text
            self._run_style(r, size if not sub else max(min_size, size - 2), color)
        return shape

    def _bullet(self, p: Any, indent: float, char: str) -> None:
        ppr = p._p.get_or_add_pPr()
        ppr.set("marL", str(round(indent * _PT)))
        ppr.set("indent", str(round(-min(indent, 14.0) * _PT)))
        if char:
            bu = etree.SubElement(ppr, qn("a:buChar"))
            bu.set("char", char)
        else:
            etree.SubElement(ppr, qn("a:buNone"))

    def footer(self, slide: Any, number: int, footnotes: tuple[str, ...]) -> float:
        """Footnotes bottom left, slide number bottom right; returns the top of the footer."""
        self.text(
            slide,
            _Box(self.W - self.M - 40, self.H - 28, 40, 18),
            str(number),
            10,
            8,
            MUTED,
            align=PP_ALIGN.RIGHT,
            name="Slide number",
        )
        if not footnotes:
            return self.H - 34
        text = "\n".join(footnotes)
        h = min(14.0 * len(footnotes) + 6, 60.0)
        self.text(
            slide,
            _Box(self.M, self.H - 10 - h, self.W - 2 * self.M - 50, h),
            text,
            11,
            8,
            MUTED,
            anchor=MSO_ANCHOR.BOTTOM,
            name="Footnotes",
        )
        return self.H - 14 - h

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
        area_w = W - 2 * M
        if s.bullets and s.panels:
            fw = area_w * (0.34 if len(s.panels) == 1 else 0.28)
            self.bullets(
                slide, _Box(W - M - fw, top + 4, fw, bottom - top - 4), list(s.bullets), 18, 10
            )
            area_w -= fw + 18
        elif s.bullets:
            self.bullets(slide, _Box(M, top + 4, area_w, bottom - top - 4), list(s.bullets), 24, 12)
        if s.panels:
            gap = 22.0
            n = len(s.panels)
            pw = (area_w - gap * (n - 1)) / n
            for i, panel in enumerate(s.panels):
                self.panel(slide, panel, _Box(M + i * (pw + gap), top, pw, bottom - top))

    # -- panels ---------------------------------------------------------------------------

    def panel(self, slide: Any, panel: BuiltPanel, box: _Box) -> None:
        head = self._panel_heading(slide, panel, box)
        body = _Box(box.x, box.y + head, box.w, box.h - head)
        PPTX[panel.kind](self, slide, panel, body)

    def _panel_heading(self, slide: Any, panel: BuiltPanel, box: _Box) -> float:
        """Heading and base above a chart ("Neue Kooperationen* (n=40)"); returns its height."""
        caption = f" ({panel.caption})" if panel.title else panel.caption
        text = panel.title + caption
        size, lines = fit(text, box.w - 2 * _INSET - 2, 46, 16, 11, True)
        h = len(lines) * size * 1.2 + 6
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
        self._run_style(r, max(11.0, size - 2), MUTED, False)
        return h + 4

    def cloud(self, slide: Any, panel: BuiltPanel, box: _Box) -> None:
        placed = layout_cloud(list(panel.mentions), box.w, box.h, largest=28.0, smallest=12.0)
        palette = (PRIMARY, QUALITATIVE[0], "3C6E9E", MUTED)
        for m in sorted(placed, key=lambda m: m.rank):  # reading order: most frequent first
            color = palette[0] if m.rank < 3 else palette[min(3, 1 + m.rank // 6)]
            shape = slide.shapes.add_textbox(
                *_Box(box.x + m.x, box.y + m.y, m.width + 2, m.height).emu()
            )
            shape.name = f"Mention {m.rank + 1}"
            tf = shape.text_frame
            self._frame(tf, MSO_ANCHOR.MIDDLE, wrap=False, inset=0, inset_v=0)
            p = tf.paragraphs[0]
            p.alignment = PP_ALIGN.CENTER
            r = p.add_run()
            r.text = m.text
            self._run_style(r, round(m.size * 2) / 2, color, m.rank < 3)
        if not placed:
            self.text(slide, _Box(box.x, box.y, box.w, 30), "–", 14, 10, MUTED)

    def stats_table(self, slide: Any, panel: BuiltPanel, box: _Box) -> None:
        table = panel.table
        if table is None or not table.formatted:
            return
        rows = len(table.formatted) + 1
        row_h = min(34.0, box.h / rows)
        w = min(box.w, 420.0) if len(table.columns) <= 2 else box.w  # a row per question: wide
        frame = slide.shapes.add_table(
            rows, len(table.columns), *_Box(box.x, box.y + 6, w, row_h * rows).emu()
        )
        frame.name = f"Table {panel.question}"
        t = frame.table
        for j, head in enumerate(table.columns):
            self._cell(t.cell(0, j), head, True, j > 0)
        for i, row in enumerate(table.formatted, start=1):
            for j, value in enumerate(row):
                self._cell(t.cell(i, j), value, False, j > 0)
        for i in range(rows):
            t.rows[i].height = Emu(round(row_h * _PT))
        widen_label_column(t, frame.width)

    def _cell(self, cell: Any, value: str, header: bool, right: bool) -> None:
        cell.text = ""
        p = cell.text_frame.paragraphs[0]
        p.alignment = PP_ALIGN.RIGHT if right else PP_ALIGN.LEFT
        r = p.add_run()
        r.text = value
        self._run_style(r, 14, WHITE if header else INK, header)
        cell.fill.solid()
        cell.fill.fore_color.rgb = RGBColor.from_string(PRIMARY if header else LIGHT)


# -- the drawers of the kinds that are not charts (see klappt.report.kinds) ----------------


@PPTX.register("cloud")
def _cloud(deck: _Deck, slide: Any, panel: BuiltPanel, box: _Box) -> None:
    deck.cloud(slide, panel, box)


@PPTX.register("table")
def _stats_table(deck: _Deck, slide: Any, panel: BuiltPanel, box: _Box) -> None:
    deck.stats_table(slide, panel, box)
