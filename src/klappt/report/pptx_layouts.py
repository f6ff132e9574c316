"""Which slide layout of a deck's master each kind of slide uses, and the marks on every slide.

With a user's template the title, section and closing slides are made from the template's own
layouts, so a deck looks like the institute's other decks. Layouts are recognised by their
OOXML type (``title``, ``secHead``, ``titleOnly``, ``obj``), which PowerPoint writes whatever
the layout is called or translated to, and, for templates that name layouts by hand, by their
German or English name. A template without a layout for the title slide or for content slides
fails before anything is written (``REPORT_010``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pptx.util import Pt

from klappt.errors import ErrorCode, KlapptError, Text

__all__ = ["check_layouts", "closing_top", "pick_layout", "stamp_mark"]

#: Placeholder types (``PP_PLACEHOLDER``) that hold a slide's title: title, centred title.
_TITLE_TYPES = (1, 3)

#: Per slide kind: the OOXML layout types and layout names that serve it, best first.
_WANTED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "title": (("title",), ("title slide", "titelfolie", "titel")),
    "section": (
        ("secHead",),
        (
            "section header",
            "section",
            "abschnittsüberschrift",
            "abschnitts-überschrift",
            "abschnitt",
            "kapitel",
            "zwischentitel",
        ),
    ),
    "closing": (
        (),
        (
            "closing",
            "closing slide",
            "end",
            "abschluss",
            "abschlussfolie",
            "schlussfolie",
            "schluss",
            "ende",
            "kontakt",
        ),
    ),
    "content": (
        ("titleOnly", "obj"),
        ("title only", "nur titel", "title and content", "titel und inhalt"),
    ),
}


def _has_title(layout: Any) -> bool:
    return any(ph.placeholder_format.type in _TITLE_TYPES for ph in layout.placeholders)


def _find(prs: Any, kind: str) -> Any | None:
    types, names = _WANTED[kind]
    layouts = list(prs.slide_layouts)
    for name in names:
        for lo in layouts:
            if lo.name.strip().lower() == name and _has_title(lo):
                return lo
    for wanted in types:
        for lo in layouts:
            if lo._element.get("type") == wanted and _has_title(lo):
                return lo
    if kind == "title":  # a layout whose title is centred (ctrTitle) is a title slide
        return next(
            (
                lo
                for lo in layouts
                if any(ph.placeholder_format.type == 3 for ph in lo.placeholders)
            ),
            None,
        )
    if kind == "content":
        with_title = [lo for lo in layouts if _has_title(lo)]
        return min(with_title, key=lambda lo: len(lo.placeholders)) if with_title else None
    return None


def pick_layout(prs: Any, kind: str, templated: bool) -> Any:
    """The layout for a slide of ``kind`` (title, section, closing, anything else: content).

    Without a template every slide is python-pptx's "Title Only", which klappt dresses itself.
    A template's section slide falls back to its content layout, its closing slide to its
    title layout (the institute's cover, as most masters end).
    """
    layouts = list(prs.slide_layouts)
    if not templated:
        return layouts[5]  # "Title Only" of python-pptx's default template
    kind = kind if kind in _WANTED else "content"
    found = _find(prs, kind)
    if found is None and kind == "closing":
        found = _find(prs, "title")
    if found is None:
        found = _find(prs, "content")
    return found if found is not None else layouts[0]


def check_layouts(prs: Any, path: str | Path) -> None:
    """``REPORT_010`` naming the template when it has no layout for the title slide or for
    content slides (a master with only a blank layout, or only pictures)."""
    missing = []
    if _find(prs, "title") is None:
        missing.append(Text("die Titelfolie", "the title slide"))
    if _find(prs, "content") is None:
        missing.append(Text("die Ergebnisfolien", "the result slides"))
    if not missing:
        return
    found = ", ".join(f"„{lo.name}“" for lo in prs.slide_layouts) or "–"
    if len(missing) == 2:
        what = Text(
            "die Titelfolie und die Ergebnisfolien", "the title slide and the result slides"
        )
    else:
        what = missing[0]
    raise KlapptError(ErrorCode.REPORT_010, path=Path(path), missing=what, found=found)


def closing_top(slide: Any, default: float) -> float:
    """Where a closing slide's address starts (points): below the layout's title placeholder."""
    ph = slide.shapes.title
    return max(default, (ph.top + ph.height) / Pt(1) + 12)


def stamp_mark(slide: Any, kind: str, mark: str | None, templated: bool, lang: str) -> None:
    """A mark such as "Demo – synthetische Daten" on a slide, in the one place every slide
    has it (:func:`klappt.report.grid.mark_box`: top right, above the title), light on
    klappt's dark section slides."""
    if not mark:
        return
    from pptx.dml.color import RGBColor
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN

    from klappt.report.grid import INSET, MARK_SIZE, mark_box
    from klappt.report.theme import FONT, MARK, MARK_ON_DARK

    prs_part = slide.part.package.presentation_part.presentation
    w = int(prs_part.slide_width)
    # the deck's side margin (klappt.report.pptx_text: 3.75 % of the width)
    x, y, bw, bh = mark_box(w / Pt(1), w / Pt(1) * 0.0375)
    shape = slide.shapes.add_textbox(Pt(x), Pt(y), Pt(bw), Pt(bh))
    shape.name = "Mark"
    tf = shape.text_frame
    tf.word_wrap = True
    tf.margin_top = tf.margin_bottom = 0
    tf.margin_left = tf.margin_right = Pt(INSET)  # as every text box of the deck and the PDF
    tf.vertical_anchor = MSO_ANCHOR.MIDDLE
    p = tf.paragraphs[0]
    p.alignment = PP_ALIGN.RIGHT
    run = p.add_run()
    run.text = mark
    font = run.font
    font.size = Pt(MARK_SIZE)
    font.bold = True
    font.name = FONT
    color = MARK_ON_DARK if kind == "section" and not templated else MARK
    font.color.rgb = RGBColor.from_string(color)
    run._r.get_or_add_rPr().set("lang", "en-GB" if lang == "en" else "de-DE")
