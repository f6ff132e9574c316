"""The report as one self-contained HTML file: same storyline as the deck, works offline.

No external request of any kind: styles are inline, charts are inline SVG, there is no
script, and a Content-Security-Policy forbids loading anything else. Each chart has a
``<title>``/``<desc>`` and, under it, its numbers as a table the reader can open
(``<details>``). Headings nest: the report's title is ``h1``, a section ``h2`` and a slide
``h3``. Each chart is drawn twice, for a wide screen and for a phone, and CSS shows the one
that fits, so chart text stays legible (12 px and more) on a 390 px screen. Every string is
escaped — free text from sites is untrusted.
"""

from __future__ import annotations

import base64
from html import escape

from klappt.report import svg as _svg  # noqa: F401  (registers the SVG drawers)
from klappt.report.built import BuiltPanel, BuiltReport, BuiltSlide, DataTable
from klappt.report.cloud import cloud_sizes
from klappt.report.grid import findings_below
from klappt.report.kinds import KIND, SVG
from klappt.report.textfit import text_width
from klappt.report.theme import ACCENT, FONT_STACK, INK, LIGHT, MARK, MARK_ON_DARK, MUTED, PRIMARY
from klappt.report.typography import list_items, typographic
from klappt.report.wording import fmt_number, text

__all__ = ["render_html"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


#: The width (px) under which the page shows the charts drawn for a phone.
NARROW = 900
#: The width of the charts drawn for a phone (in SVG units, shown at up to 1.3 ×).
PHONE_WIDTH = 330.0


#: What the fold-out table under a chart is called.
_DATA_SUMMARY = {"de": "Daten zum Diagramm", "en": "Data behind the chart"}


def _e(value: object) -> str:
    return escape(typographic(str(value)), quote=True)


def _list(items: tuple[str, ...], cls: str, label: str = "") -> str:
    """A bulleted list whose "- " and "↳" items are a nested list under the item before them."""
    groups: list[tuple[str | None, list[tuple[str, str]]]] = []
    for item, level, marker in list_items(items):
        if level == 0 or not groups:
            groups.append((None if level else item, []))
        if level:
            groups[-1][1].append((item, marker))
    out = []
    for head, subs in groups:
        inner = "".join(
            f'<li class="{"arrow" if m == "↳" else "dash"}">{_e(t)}</li>' for t, m in subs
        )
        nested = f'<ul class="sub">{inner}</ul>' if subs else ""
        # sub items with nothing above them: an item without a marker of its own holds them
        out.append(
            f'<li class="bare">{nested}</li>' if head is None else f"<li>{_e(head)}{nested}</li>"
        )
    aria = f' aria-label="{_e(label)}"' if label else ""
    return f'<ul class="{cls}"{aria}>' + "".join(out) + "</ul>"


def _css() -> str:
    return f"""
:root {{ color-scheme: light; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; background: #E9EDF1; color: #{INK}; font-family: {FONT_STACK}; font-size: 18px; line-height: 1.4; }}
main {{ max-width: 1180px; margin: 0 auto; padding: 24px 16px 48px; }}
.slide {{ background: #FFFFFF; margin: 0 0 24px; padding: 36px 48px 28px; border-radius: 4px;
  box-shadow: 0 1px 3px rgba(0,0,0,.12); min-height: 560px; display: flex; flex-direction: column; position: relative; }}
.slide h1, .slide h2, .slide h3 {{ color: #{PRIMARY}; margin: 0 0 6px; line-height: 1.15; overflow-wrap: normal; hyphens: manual; }}
.slide h1 {{ font-size: 44px; }}
.slide h2, .slide h3 {{ font-size: 30px; }}
.slide h2::after, .slide h3::after {{ content: ""; display: block; width: 64px; height: 4px; background: #{ACCENT}; margin-top: 10px; }}
.subtitle {{ color: #{MUTED}; font-size: 20px; margin: 4px 0 0; }}
.headline {{ color: #{PRIMARY}; font-weight: bold; font-size: 26px; margin: 14px 0 0; }}
.body {{ display: flex; gap: 28px; margin-top: 18px; flex: 1; align-items: flex-start; }}
.panels {{ display: grid; gap: 28px; flex: 1; min-width: 0; }}
.panels.n1 {{ grid-template-columns: 1fr; }}
.panels.n2 {{ grid-template-columns: 1fr 1fr; }}
.panels.n3 {{ grid-template-columns: 1fr 1fr 1fr; }}
.panels.n4 {{ grid-template-columns: 1fr 1fr; }}
figure {{ margin: 0; min-width: 0; position: relative; }}
figcaption {{ font-size: 18px; margin-bottom: 8px; }}
figcaption strong {{ color: #{PRIMARY}; }}
.base {{ color: #{MUTED}; }}
svg.chart {{ width: 100%; height: auto; display: block; }}
.phone {{ display: none; }}
.findings {{ flex: 0 0 32%; margin: 0; padding-left: 1.2em; font-size: 20px; }}
.findings.wide {{ flex: 1; }}
.body.findings-below {{ flex-direction: column; align-items: stretch; }}
.findings-below .panels, .findings-below .findings {{ flex: none; }}
.findings li, .bullets li {{ margin-bottom: 10px; }}
.bullets {{ font-size: 22px; padding-left: 1.2em; }}
ul.sub {{ padding-left: 1.2em; margin: 6px 0 0; font-size: 0.9em; }}
ul.sub li {{ list-style-type: "\u2013\u00a0"; }}
ul.sub li.arrow {{ list-style-type: "\u21b3\u00a0"; }}
li.bare {{ list-style: none; }}
li.bare > ul.sub {{ padding-left: 0; margin-top: 0; font-size: 1em; }}
details.data {{ margin-top: 8px; font-size: 15px; }}
details.data summary {{ cursor: pointer; color: #{PRIMARY}; }}
.scroll {{ max-width: 100%; overflow-x: auto; }}
.footnotes {{ color: #{MUTED}; font-size: 14px; margin: 16px 0 0; }}
.footnotes p {{ margin: 0; }}
.number {{ position: absolute; right: 20px; bottom: 12px; color: #{MUTED}; font-size: 13px; }}
.slide-title {{ border-left: 24px solid #{PRIMARY}; justify-content: center; }}
.slide-title .details {{ color: #{MUTED}; margin-top: 28px; font-size: 20px; }}
.slide-title .details p {{ margin: 0; }}
.slide > .mark {{ position: absolute; top: 9px; right: 48px; margin: 0; color: #{MARK}; font-weight: bold;
  font-size: 15px; line-height: 1.2; }}
.slide-section > .mark {{ color: #{MARK_ON_DARK}; }}
.slide-title .logo {{ position: absolute; top: 28px; right: 40px; max-width: 200px; max-height: 90px; }}
.slide-section {{ background: #{PRIMARY}; justify-content: center; }}
.slide-section h2 {{ color: #FFFFFF; font-size: 40px; }}
.slide-section .secno {{ color: #9DB9D5; font-size: 72px; font-weight: bold; line-height: 1; }}
.slide-section .number {{ color: #9DB9D5; }}
.agenda {{ list-style: none; padding: 0; margin-top: 24px; counter-reset: agenda; }}
.agenda li {{ counter-increment: agenda; display: flex; align-items: center; gap: 18px; font-size: 24px; margin-bottom: 18px; }}
.agenda li::before {{ content: counter(agenda); background: #{PRIMARY}; color: #FFFFFF; font-weight: bold;
  min-width: 44px; height: 44px; display: inline-flex; align-items: center; justify-content: center; }}
.slide-closing {{ border-left: 24px solid #{PRIMARY}; justify-content: center; }}
.slide-closing .address p, .slide-closing .contacts p {{ margin: 0; }}
.slide-closing .contacts {{ color: #{MUTED}; margin-top: 16px; }}
.cloud {{ list-style: none; margin: 0; padding: 12px 0; display: flex; flex-wrap: wrap; justify-content: center;
  align-items: center; gap: 6px 18px; text-align: center; font-size: 17px; }}
.panels.n2 .cloud, .panels.n3 .cloud, .panels.n4 .cloud, .with-findings .cloud {{ font-size: 14px; }}
.cloud {{ container-type: inline-size; }}
/* a phrase's size follows its frequency (--s) on one scale per cloud; when the widest phrase
   (--k: the largest size × width in em) does not fit the cloud's width on one line, the whole
   cloud gets smaller, never under 12 px: a phrase breaks only if even 12 px is too wide */
.cloud li {{ color: #{PRIMARY}; line-height: 1.15; max-width: 100%;
  font-size: max(12px, calc(var(--s) * min(1em, 100cqi / var(--k)))); }}
.cloud li.top {{ font-weight: bold; }}
table.stats, table.data {{ border-collapse: collapse; font-size: 16px; }}
table.stats th, table.stats td, table.data th, table.data td {{ padding: 6px 14px; border-bottom: 1px solid #D5DCE3; text-align: left; }}
table.data th, table.data td {{ padding: 4px 10px; }}
table.stats thead th, table.data thead th {{ background: #{PRIMARY}; color: #FFFFFF; }}
table.data caption {{ text-align: left; color: #{MUTED}; padding: 4px 0; }}
table.stats td.num, table.stats th.num, table.data td {{ text-align: right; }}
table.stats tbody tr:nth-child(odd), table.data tbody tr:nth-child(odd) {{ background: #{LIGHT}; }}
.sr-only {{ position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }}
.skip {{ position: absolute; left: -9999px; }}
.skip:focus {{ left: 16px; top: 8px; background: #FFFFFF; padding: 6px 10px; z-index: 10; }}
footer.meta {{ color: #{MUTED}; font-size: 13px; text-align: center; }}
@media (max-width: {NARROW}px) {{
  main {{ padding: 8px 0 24px; }}
  .slide {{ padding: 20px 16px 32px; min-height: 0; border-radius: 0; margin-bottom: 12px; }}
  .slide > .mark {{ top: 2px; right: 16px; font-size: 13px; }}
  .slide h1 {{ font-size: 30px; }}
  .slide h2, .slide h3 {{ font-size: 23px; }}
  .slide-section h2 {{ font-size: 27px; }}
  .slide-section .secno {{ font-size: 48px; }}
  .slide-title, .slide-closing {{ border-left-width: 12px; }}
  .slide-title .logo {{ position: static; margin-bottom: 12px; }}
  .headline {{ font-size: 20px; }}
  .body {{ display: block; }}
  .panels, .panels.n2, .panels.n3, .panels.n4 {{ grid-template-columns: minmax(0, 1fr); }}
  .findings, .bullets, .agenda li {{ font-size: 17px; }}
  .findings {{ margin-top: 20px; }}
  figcaption {{ font-size: 16px; }}
  .desktop {{ display: none; }}
  .phone {{ display: block; max-width: {PHONE_WIDTH * 1.3:.0f}px; margin: 0 auto; }}
  .phone svg.chart {{ max-height: none; }}
  /* one phrase per row: a phrase wider than the screen wraps inside its own row only */
  .cloud, .panels.n2 .cloud, .panels.n3 .cloud, .panels.n4 .cloud, .with-findings .cloud {{
    font-size: 14px; flex-direction: column; flex-wrap: nowrap; gap: 8px; }}
  .cloud li {{ font-size: max(12px, calc(var(--sp) * min(1em, 100cqi / var(--kp)))); }}
  .number {{ font-size: 12px; bottom: 8px; right: 12px; }}
  .footnotes {{ font-size: 13px; }}
  footer.meta {{ font-size: 12px; }}
}}
@media print {{
  @page {{ size: 338.67mm 190.5mm; margin: 0; }}
  body {{ background: #FFFFFF; }}
  main {{ max-width: none; padding: 0; }}
  .slide {{ break-after: page; height: 190.5mm; margin: 0; box-shadow: none; border-radius: 0; overflow: hidden; }}
  details.data, .skip, footer.meta {{ display: none; }}
}}
"""


def render_html(built: BuiltReport) -> str:
    """The report as one HTML document (a string); charts are inline SVG.

    Parameters
    ----------
    built:
        The report with its numbers.

    Returns
    -------
    str
        A complete, self-contained HTML page in the report's language.

    Example
    -------
    >>> from klappt.report.built import BuiltReport, BuiltSlide
    >>> page = render_html(BuiltReport("Bericht", "de", (BuiltSlide("section", "Teil <1>", number=1),)))
    >>> "Teil &lt;1&gt;" in page and "<script" not in page
    True
    """
    slides, in_section = [], False
    for i, s in enumerate(built.slides, start=1):
        in_section = in_section or s.kind == "section"
        # a slide's heading is one level under its section's (h3), or h2 before the first
        level = 1 if s.kind == "title" else 2 if s.kind == "section" or not in_section else 3
        slides.append(_slide(s, i, built.lang, level, built.mark))
    lang = "en" if built.lang == "en" else "de"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="generator" content="klappt">\n'
        f"<title>{_e(built.title)}</title>\n<style>{_css()}</style>\n</head>\n<body>\n"
        f'<a class="skip" href="#s2">{_e(text("contents", built.lang))}</a>\n'
        f"<main>\n{chr(10).join(slides)}\n</main>\n"
        f'<footer class="meta">{_e(text("generated", built.lang))}</footer>\n'
        "</body>\n</html>\n"
    )


_SLIDES = {
    "title": lambda s, n, lang, level: _title(s, n),
    "agenda": lambda s, n, lang, level: _agenda(s, n, level),
    "section": lambda s, n, lang, level: _section(s, n),
    "text": lambda s, n, lang, level: _text_slide(s, n, level),
    "closing": lambda s, n, lang, level: _closing(s, n, level),
    "result": lambda s, n, lang, level: _result(s, n, lang, level),
}


def _slide(s: BuiltSlide, number: int, lang: str, level: int, mark: str | None = None) -> str:
    body = _SLIDES[s.kind](s, number, lang, level)
    if mark:  # top right on every slide, as in the deck and the PDF (grid.mark_box)
        body = f'<p class="mark">{_e(mark)}</p>\n{body}'
    return (
        f'<section class="slide slide-{s.kind}" id="s{number}" aria-labelledby="s{number}-h">\n{body}\n'
        f'<span class="number" aria-hidden="true">{number}</span>\n</section>'
    )


def _heading(s: BuiltSlide, number: int, level: int = 2) -> str:
    out = f'<h{level} id="s{number}-h">{_e(s.title)}</h{level}>'
    if s.subtitle:
        out += f'\n<p class="subtitle">{_e(s.subtitle)}</p>'
    return out


def _footnotes(notes: tuple[str, ...]) -> str:
    if not notes:
        return ""
    return '<div class="footnotes">' + "".join(f"<p>{_e(n)}</p>" for n in notes) + "</div>"


def _title(s: BuiltSlide, number: int) -> str:
    details = [x for x in (s.date, ", ".join(s.authors) if s.authors else None, s.institution) if x]
    logo = ""
    if s.logo:
        logo = _logo(s.logo)
    return (
        logo
        + _heading(s, number, 1)
        + (
            '\n<div class="details">' + "".join(f"<p>{_e(d)}</p>" for d in details) + "</div>"
            if details
            else ""
        )
    )


def _logo(path: str) -> str:
    import mimetypes

    mime = mimetypes.guess_type(path)[0] or "image/png"
    if not mime.startswith("image/"):
        return ""
    with open(path, "rb") as fh:
        data = base64.b64encode(fh.read()).decode("ascii")
    return f'<img class="logo" alt="Logo" src="data:{_e(mime)};base64,{data}">\n'


def _agenda(s: BuiltSlide, number: int, level: int) -> str:
    items = "".join(
        f'<li><a href="#sec{i}">{_e(b)}</a></li>' for i, b in enumerate(s.bullets, start=1)
    )
    return _heading(s, number, level) + f'\n<ol class="agenda">{items}</ol>'


def _section(s: BuiltSlide, number: int) -> str:
    no = (
        f'<div class="secno" id="sec{s.number}" aria-hidden="true">{_e(s.number)}</div>'
        if s.number
        else ""
    )
    return no + _heading(s, number)


def _text_slide(s: BuiltSlide, number: int, level: int) -> str:
    return (
        _heading(s, number, level)
        + ("\n" + _list(s.bullets, "bullets") if s.bullets else "")
        + _footnotes(s.footnotes)
    )


def _closing(s: BuiltSlide, number: int, level: int) -> str:
    address = "".join(f"<p>{_e(x)}</p>" for x in s.bullets)
    contacts = "".join(f"<p>{_e(x)}</p>" for x in s.contacts)
    return (
        _heading(s, number, level)
        + (f'\n<div class="address">{address}</div>' if address else "")
        + (f'\n<div class="contacts">{contacts}</div>' if contacts else "")
    )


def _result(s: BuiltSlide, number: int, lang: str, level: int) -> str:
    out = [_heading(s, number, level)]
    if s.headline:
        out.append(f'<p class="headline">{_e(s.headline)}</p>')
    parts = []
    # findings beside one chart, under two or more: the deck's decision (klappt.report.grid)
    below = findings_below(bool(s.bullets), len(s.panels))
    if s.panels:
        # drawn as wide as they are shown on the narrowest screen that gets the wide layout
        # (NARROW + 1 px: the slide's content is 773 px wide there, findings take a third and
        # a gap): a drawing is only ever shown at its size or larger, so its 12 px text never
        # gets smaller than 12 px (at 1280 px it is about 16 px)
        content = NARROW + 1 - 2 * 16 - 2 * 48 - 4  # 4 px to spare for rounding
        n = len(s.panels)
        area = content - (content * 0.32 + 28 if s.bullets and not below else 0.0)
        columns = 2 if n == 4 else n
        width = (area - 28 * (columns - 1)) / columns
        figures = "".join(
            _panel(p, f"s{number}p{i}", lang, width) for i, p in enumerate(s.panels, start=1)
        )
        parts.append(f'<div class="panels n{len(s.panels)}">{figures}</div>')
    if s.bullets:
        wide = "" if s.panels else " wide"
        parts.append(_list(s.bullets, f"findings{wide}", text("findings", lang)))
    cls = "body with-findings" if s.panels and s.bullets else "body"
    cls += " findings-below" if below else ""
    out.append(f'<div class="{cls}">{"".join(parts)}</div>')
    out.append(_footnotes(s.footnotes))
    return "\n".join(out)


def _panel(p: BuiltPanel, ident: str, lang: str, width: float) -> str:
    caption = (
        f"<strong>{_e(p.title)}</strong> " if p.title else ""
    ) + f'<span class="base">({_e(p.caption)})</span>'
    draw = SVG[p.kind]
    if p.kind in ("cloud", "table"):
        chart = draw(p, ident, width, lang)
    else:  # one drawing for wide screens, one for phones; CSS shows one of them
        chart = (
            f'<div class="desktop">{draw(p, ident, width, lang)}</div>'
            f'<div class="phone">{draw(p, ident + "-phone", PHONE_WIDTH, lang)}</div>'
        )
    data = (
        _data_table(p.table, ident, lang) if p.table is not None and KIND[p.kind].data_table else ""
    )
    return f'<figure id="{ident}"><figcaption>{caption}</figcaption>{chart}{data}</figure>'


# -- the drawers of the kinds that are not charts (see klappt.report.kinds) ----------------


def _em_width(phrase: str, bold: bool) -> float:
    """The width of ``phrase`` in em, with room for a wider font than Carlito."""
    return text_width(typographic(phrase), 1.0, bold) * 1.1 + 0.1


@SVG.register("cloud")
def _cloud(p: BuiltPanel, ident: str, width: float, lang: str) -> str:
    """Mentions sized by frequency on one scale; the cloud shrinks (not under 12 px) to keep
    each phrase on one line."""
    if not p.mentions:
        return "<p>–</p>"
    sizes = cloud_sizes([m.count for m in p.mentions], 2.4, 0.9, step=0)  # in em
    label = text(KIND[p.kind].wording, lang)
    phone = [(s - 0.9) * 0.45 + 0.9 for s in sizes]  # a narrower range on a phone
    widths = [_em_width(m.text, rank < 3) for rank, m in enumerate(p.mentions)]
    k = max(s * w for s, w in zip(sizes, widths, strict=True))
    kp = max(s * w for s, w in zip(phone, widths, strict=True))
    items = []
    for rank, (m, size, small) in enumerate(zip(p.mentions, sizes, phone, strict=True)):
        cls = ' class="top"' if rank < 3 else ""
        items.append(
            f'<li{cls} style="--s:{size:.2f};--sp:{small:.2f}">{_e(m.text)}'
            f'<span class="sr-only"> ({_e(fmt_number(m.count, lang))})</span></li>'
        )
    return (
        f'<ul class="cloud" aria-label="{_e(label)}" style="--k:{k:.2f};--kp:{kp:.2f}">'
        + "\n".join(items)
        + "</ul>"
    )


@SVG.register("table")
def _stats(p: BuiltPanel, ident: str, width: float, lang: str) -> str:
    t = p.table
    if t is None:
        return ""
    num = ' class="num"'
    head = "".join(
        f'<th scope="col"{num if i else ""}>{_e(c)}</th>' for i, c in enumerate(t.columns)
    )
    rows = "".join(
        "<tr>"
        + "".join(
            (f'<th scope="row">{_e(v)}</th>' if i == 0 else f'<td class="num">{_e(v)}</td>')
            for i, v in enumerate(r)
        )
        + "</tr>"
        for r in t.formatted
    )
    return (
        f'<div class="scroll"><table class="stats"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def _data_table(t: DataTable, ident: str, lang: str) -> str:
    """The numbers behind a chart as a table the reader opens under it (and screen readers read)."""
    head = "".join(f'<th scope="col">{_e(c)}</th>' for c in t.columns)
    rows = "".join(
        "<tr>"
        + "".join(
            (f'<th scope="row">{_e(v)}</th>' if i == 0 else f"<td>{_e(v)}</td>")
            for i, v in enumerate(r)
        )
        + "</tr>"
        for r in t.formatted
    )
    notes = " ".join(t.notes)
    caption = f"{t.title} ({t.base_text}){' ' + notes if notes else ''}"
    return (
        f'<details class="data"><summary>{_DATA_SUMMARY["en" if lang == "en" else "de"]}</summary>'
        f'<div class="scroll"><table class="data" id="{ident}-table"><caption>{_e(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div></details>"
    )
