"""The text primitives of the deck: boxes in points, text boxes that fit, titles, bullets, footers.

:class:`DeckBase` opens the template (or klappt's own 16:9 design) and writes every text box at
the largest size at which its text fits (Carlito's metrics, :mod:`klappt.report.textfit`);
:class:`klappt.report.pptx._Deck` lays out the slides with it.
"""

from __future__ import annotations

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
from klappt.reasons import Reason
from klappt.report.built import BuiltReport
from klappt.report.grid import INSET
from klappt.report.pptx_charts import EMU_PER_PT, MIN_SIZE
from klappt.report.pptx_layouts import check_layouts, pick_layout
from klappt.report.textfit import fit
from klappt.report.theme import FONT, INK, MUTED, PRIMARY

__all__ = ["MIN_SIZE", "DeckBase", "_Box", "bullet_indent"]

_PT = EMU_PER_PT
_INSET = INSET  # text box inner margin left/right in points (0.05 in)


def bullet_indent(size: float) -> float:
    """Hanging indent of a bullet in points at text ``size``: 14 pt, more for large text, so
    that a dash of half an em keeps a quarter em of room before its text ("–kreisfreie" was
    seen at 22 pt on the derived deck's data slide)."""
    return max(14.0, size * 0.75)


def _open_template(path: str | Path) -> Any:
    p = Path(path)
    if not p.is_file():
        raise KlapptError(ErrorCode.REPORT_002, path=p, reason=Reason.NOT_FOUND())
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


class DeckBase:
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
        # nothing on a slide under 12 pt, whatever a caller asks for
        min_size, max_size = max(min_size, MIN_SIZE), max(max_size, MIN_SIZE)
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
        min_size: float = MIN_SIZE,
        color: str = INK,
        name: str = "Findings",
    ) -> Any:
        """A bulleted list that fits ``box``; each item a paragraph with a hanging bullet."""
        spacing = 1.2
        size = max_size
        while size > min_size:
            indent = bullet_indent(size)
            need = sum(
                len(fit(it, box.w - 2 * _INSET - indent - 2, 10_000, size, size)[1]) for it in items
            )
            if need * size * spacing + len(items) * size * 0.5 <= box.h:
                break
            size -= 0.5
        indent = bullet_indent(size)
        shape = slide.shapes.add_textbox(*box.emu())
        shape.name = name
        tf = shape.text_frame
        self._frame(tf)
        for i, item in enumerate(items):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            sub = item.startswith(("↳", "–", "- "))
            text = item[2:] if item.startswith("- ") else item
            self._bullet(
                p,
                indent * (2 if sub else 1),
                indent,
                "" if item.startswith("↳") else ("–" if sub else "•"),
            )
            p.space_after = Pt(size * 0.5)
            r = p.add_run()
            r.text = text
            self._run_style(r, size if not sub else max(min_size, size - 2), color)
        return shape

    def _bullet(self, p: Any, margin: float, hang: float, char: str) -> None:
        ppr = p._p.get_or_add_pPr()
        ppr.set("marL", str(round(margin * _PT)))
        ppr.set("indent", str(round(-hang * _PT)))
        if char:
            bu = etree.SubElement(ppr, qn("a:buChar"))
            bu.set("char", char)
        else:
            etree.SubElement(ppr, qn("a:buNone"))

    def footer(self, slide: Any, number: int, footnotes: tuple[str, ...]) -> float:
        """Footnotes bottom left, slide number bottom right; returns the top of the footer."""
        self.text(
            slide,
            _Box(self.W - self.M - 40, self.H - 30, 40, 20),
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
        # up to six lines: a cloud's note of withheld mentions must not push the source or
        # the demo mark out of the box
        from klappt.report.grid import footer_lines

        h = min(15.5 * footer_lines(footnotes, self.W - 2 * self.M - 50) + 6, 99.0)
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
