"""The report as one self-contained HTML file: same storyline as the deck, works offline.

No external request of any kind: styles are inline, charts are inline SVG, there is no
script, and a Content-Security-Policy forbids loading anything else. Each chart has a
``<title>``/``<desc>`` and a data table for screen readers. Every string is escaped —
free text from sites is untrusted.
"""

from __future__ import annotations

import base64
from html import escape

from klappt.report.built import BuiltPanel, BuiltReport, BuiltSlide, DataTable
from klappt.report.kinds import KIND, PRINT, SVG
from klappt.report.mentions import font_sizes
from klappt.report.print_charts import PRINT_CSS
from klappt.report.theme import ACCENT, FONT_STACK, INK, LIGHT, MUTED, PRIMARY
from klappt.report.wording import fmt_number, text

__all__ = ["render_html"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _css() -> str:
    return f"""
:root {{ color-scheme: light; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; background: #E9EDF1; color: #{INK}; font-family: {FONT_STACK}; font-size: 18px; line-height: 1.4; }}
main {{ max-width: 1180px; margin: 0 auto; padding: 24px 16px 48px; }}
.slide {{ background: #FFFFFF; margin: 0 0 24px; padding: 36px 48px 28px; border-radius: 4px;
  box-shadow: 0 1px 3px rgba(0,0,0,.12); min-height: 560px; display: flex; flex-direction: column; position: relative; }}
.slide h1, .slide h2 {{ color: #{PRIMARY}; margin: 0 0 6px; line-height: 1.15; overflow-wrap: anywhere; hyphens: auto; }}
.slide h1 {{ font-size: 44px; }}
.slide h2 {{ font-size: 30px; }}
.slide h2::after {{ content: ""; display: block; width: 64px; height: 4px; background: #{ACCENT}; margin-top: 10px; }}
.subtitle {{ color: #{MUTED}; font-size: 20px; margin: 4px 0 0; }}
.headline {{ color: #{PRIMARY}; font-weight: bold; font-size: 26px; margin: 14px 0 0; }}
.body {{ display: flex; gap: 28px; margin-top: 18px; flex: 1; align-items: flex-start; }}
.panels {{ display: grid; gap: 28px; flex: 1; min-width: 0; }}
.panels.n1 {{ grid-template-columns: 1fr; }}
.panels.n2 {{ grid-template-columns: 1fr 1fr; }}
.panels.n3 {{ grid-template-columns: 1fr 1fr 1fr; }}
.panels.n4 {{ grid-template-columns: 1fr 1fr; }}
figure {{ margin: 0; min-width: 0; position: relative; }}
figcaption {{ font-size: 18px; margin-bottom: 8px; overflow-wrap: anywhere; }}
figcaption strong {{ color: #{PRIMARY}; }}
.base {{ color: #{MUTED}; }}
svg.chart, img.chart {{ width: 100%; height: auto; display: block; max-height: 460px; }}
.findings {{ flex: 0 0 32%; margin: 0; padding-left: 1.2em; font-size: 20px; }}
.findings.wide {{ flex: 1; }}
.findings li {{ margin-bottom: 10px; overflow-wrap: anywhere; }}
.bullets {{ font-size: 22px; padding-left: 1.2em; }}
.bullets li {{ margin-bottom: 10px; overflow-wrap: anywhere; }}
.footnotes {{ color: #{MUTED}; font-size: 14px; margin: 16px 0 0; }}
.footnotes p {{ margin: 0; }}
.number {{ position: absolute; right: 20px; bottom: 12px; color: #{MUTED}; font-size: 13px; }}
.slide-title {{ border-left: 24px solid #{PRIMARY}; justify-content: center; }}
.slide-title .details {{ color: #{MUTED}; margin-top: 28px; font-size: 20px; }}
.slide-title .details p {{ margin: 0; }}
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
.cloud li {{ color: #{PRIMARY}; line-height: 1.15; overflow-wrap: break-word; }}
.cloud li.top {{ font-weight: bold; }}
table.stats, table.data {{ border-collapse: collapse; font-size: 16px; }}
table.stats th, table.stats td {{ padding: 6px 14px; border-bottom: 1px solid #D5DCE3; text-align: left; }}
table.stats th {{ background: #{PRIMARY}; color: #FFFFFF; }}
table.stats td.num, table.stats th.num {{ text-align: right; }}
table.stats tbody tr:nth-child(odd) {{ background: #{LIGHT}; }}
.sr-only {{ position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }}
.skip {{ position: absolute; left: -9999px; }}
.skip:focus {{ left: 16px; top: 8px; background: #FFFFFF; padding: 6px 10px; z-index: 10; }}
footer.meta {{ color: #{MUTED}; font-size: 13px; text-align: center; }}
@page {{ size: 297mm 167mm; margin: 0; }}
"""


def _print_css() -> str:
    """The whole stylesheet of the PDF: one 16:9 page per slide, block layout only.

    WeasyPrint lays out flex and grid boxes, and every CSS rule it has to match, slowly;
    this sheet is short and uses blocks, inline-blocks of fixed width and text.
    """
    return f"""
@page {{ size: 297mm 167mm; margin: 0; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; color: #{INK}; font-family: {FONT_STACK}; font-size: 14px; line-height: 1.35; }}
.slide {{ position: relative; width: 297mm; height: 167mm; padding: 12mm 16mm 10mm; overflow: hidden;
  page-break-after: always; }}
h1, h2 {{ color: #{PRIMARY}; margin: 0 0 4px; line-height: 1.15; }}
h1 {{ font-size: 34px; }}
h2 {{ font-size: 24px; }}
h2::after {{ content: ""; display: block; width: 64px; height: 4px; background: #{ACCENT}; margin-top: 8px; }}
.subtitle {{ color: #{MUTED}; font-size: 17px; margin: 4px 0 0; }}
.headline {{ color: #{PRIMARY}; font-weight: bold; font-size: 20px; margin: 10px 0 0; }}
.body {{ margin-top: 12px; }}
.panels figure {{ display: inline-block; vertical-align: top; margin: 0 3% 0 0; max-height: 112mm; overflow: hidden; }}
.panels.n1 figure {{ width: 100%; margin-right: 0; }}
.panels.n2 figure, .panels.n4 figure {{ width: 47%; }}
.panels.n3 figure {{ width: 30%; }}
.with-findings .panels {{ display: inline-block; vertical-align: top; width: 64%; }}
.findings {{ display: inline-block; vertical-align: top; width: 32%; margin: 0 0 0 2%; padding-left: 1.2em;
  font-size: 15px; max-height: 112mm; overflow: hidden; }}
.findings.wide {{ display: block; width: auto; margin: 0; }}
.findings li {{ margin-bottom: 8px; }}
figcaption {{ font-size: 13px; margin-bottom: 6px; }}
figcaption strong {{ color: #{PRIMARY}; }}
.base {{ color: #{MUTED}; }}
.bullets {{ font-size: 18px; padding-left: 1.2em; }}
.bullets li {{ margin-bottom: 8px; }}
.footnotes {{ color: #{MUTED}; font-size: 11px; position: absolute; bottom: 6mm; left: 16mm; right: 30mm; }}
.footnotes p {{ margin: 0; }}
.number {{ position: absolute; right: 8mm; bottom: 5mm; color: #{MUTED}; font-size: 11px; }}
.slide-title, .slide-closing {{ border-left: 24px solid #{PRIMARY}; padding-top: 40mm; }}
.slide-title .details {{ color: #{MUTED}; margin-top: 24px; font-size: 18px; }}
.slide-title .details p, .address p, .contacts p {{ margin: 0; }}
.slide-title .logo {{ position: absolute; top: 10mm; right: 14mm; max-width: 60mm; max-height: 26mm; }}
.contacts {{ color: #{MUTED}; margin-top: 14px; }}
.slide-section {{ background: #{PRIMARY}; padding-top: 50mm; }}
.slide-section h2 {{ color: #FFFFFF; font-size: 34px; }}
.slide-section .secno {{ color: #9DB9D5; font-size: 64px; font-weight: bold; line-height: 1; }}
.slide-section .number {{ color: #9DB9D5; }}
.agenda {{ list-style: none; padding: 0; margin-top: 20px; counter-reset: agenda; }}
.agenda li {{ counter-increment: agenda; font-size: 18px; margin-bottom: 14px; }}
.agenda li::before {{ content: counter(agenda); display: inline-block; width: 36px; line-height: 36px;
  margin-right: 16px; text-align: center; background: #{PRIMARY}; color: #FFFFFF; font-weight: bold; }}
.agenda a {{ color: #{INK}; text-decoration: none; }}
.cloud {{ list-style: none; margin: 0; padding: 6px 0; text-align: center; font-size: 11px; }}
.panels.n2 .cloud, .panels.n3 .cloud, .with-findings .cloud {{ font-size: 9px; }}
.cloud li {{ display: inline; margin: 0 9px; line-height: 1.5; color: #{PRIMARY}; }}
.cloud li.top {{ font-weight: bold; }}
table.stats {{ border-collapse: collapse; font-size: 13px; }}
table.stats th, table.stats td {{ padding: 4px 12px; border-bottom: 1px solid #D5DCE3; text-align: left; }}
table.stats th {{ background: #{PRIMARY}; color: #FFFFFF; }}
table.stats .num {{ text-align: right; }}
.sr-only, .skip, footer.meta {{ display: none; }}
"""


def render_html(built: BuiltReport, for_print: bool = False) -> str:
    """The report as one HTML document (a string); charts are inline SVG.

    Parameters
    ----------
    built:
        The report with its numbers.
    for_print:
        For the PDF: charts as SVG images (with their description as ``alt``) and no
        hidden tables, which a print layout engine would lay out for nothing.

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
    slides = "\n".join(
        _slide(s, i, built.lang, for_print) for i, s in enumerate(built.slides, start=1)
    )
    lang = "en" if built.lang == "en" else "de"
    if for_print:
        style = _print_css() + PRINT_CSS
    else:  # the page prints like the PDF, too
        style = _css() + "@media print {\n" + _print_css() + "}\n"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="generator" content="klappt">\n'
        f"<title>{_e(built.title)}</title>\n<style>{style}</style>\n</head>\n<body>\n"
        f'<a class="skip" href="#s2">{_e(text("contents", built.lang))}</a>\n'
        f"<main>\n{slides}\n</main>\n"
        f'<footer class="meta">{_e(text("generated", built.lang))}</footer>\n'
        "</body>\n</html>\n"
    )


_SLIDES = {
    "title": lambda s, n, lang: _title(s, n),
    "agenda": lambda s, n, lang: _agenda(s, n),
    "section": lambda s, n, lang: _section(s, n),
    "text": lambda s, n, lang: _text_slide(s, n),
    "closing": lambda s, n, lang: _closing(s, n),
}


def _slide(s: BuiltSlide, number: int, lang: str, for_print: bool) -> str:
    body = (
        _result(s, number, lang, for_print)
        if s.kind == "result"
        else _SLIDES[s.kind](s, number, lang)
    )
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


def _agenda(s: BuiltSlide, number: int) -> str:
    items = "".join(
        f'<li><a href="#sec{i}">{_e(b)}</a></li>' for i, b in enumerate(s.bullets, start=1)
    )
    return _heading(s, number) + f'\n<ol class="agenda">{items}</ol>'


def _section(s: BuiltSlide, number: int) -> str:
    no = (
        f'<div class="secno" id="sec{s.number}" aria-hidden="true">{_e(s.number)}</div>'
        if s.number
        else ""
    )
    return no + _heading(s, number)


def _text_slide(s: BuiltSlide, number: int) -> str:
    items = "".join(f"<li>{_e(b)}</li>" for b in s.bullets)
    return (
        _heading(s, number)
        + (f'\n<ul class="bullets">{items}</ul>' if items else "")
        + _footnotes(s.footnotes)
    )


def _closing(s: BuiltSlide, number: int) -> str:
    address = "".join(f"<p>{_e(x)}</p>" for x in s.bullets)
    contacts = "".join(f"<p>{_e(x)}</p>" for x in s.contacts)
    return (
        _heading(s, number)
        + (f'\n<div class="address">{address}</div>' if address else "")
        + (f'\n<div class="contacts">{contacts}</div>' if contacts else "")
    )


def _result(s: BuiltSlide, number: int, lang: str, for_print: bool) -> str:
    out = [_heading(s, number)]
    if s.headline:
        out.append(f'<p class="headline">{_e(s.headline)}</p>')
    parts = []
    if s.panels:
        # narrower drawings for side-by-side charts keep their text at a readable size
        columns = len(s.panels) + (1 if s.bullets else 0)
        width = {1: 640.0, 2: 440.0}.get(columns, 340.0)
        figures = "".join(
            _panel(p, f"s{number}p{i}", lang, width, for_print)
            for i, p in enumerate(s.panels, start=1)
        )
        parts.append(f'<div class="panels n{len(s.panels)}">{figures}</div>')
    if s.bullets:
        wide = "" if s.panels else " wide"
        items = "".join(f"<li>{_e(b)}</li>" for b in s.bullets)
        parts.append(
            f'<ul class="findings{wide}" aria-label="{_e(text("findings", lang))}">{items}</ul>'
        )
    cls = "body with-findings" if s.panels and s.bullets else "body"
    out.append(f'<div class="{cls}">{"".join(parts)}</div>')
    out.append(_footnotes(s.footnotes))
    return "\n".join(out)


def _panel(p: BuiltPanel, ident: str, lang: str, width: float, for_print: bool) -> str:
    caption = (
        f"<strong>{_e(p.title)}</strong> " if p.title else ""
    ) + f'<span class="base">({_e(p.caption)})</span>'
    chart = (PRINT if for_print else SVG)[p.kind](p, ident, width, lang)
    alt = (
        _data_table(p.table, ident)
        if p.table is not None and KIND[p.kind].data_table and not for_print
        else ""
    )
    return f'<figure id="{ident}"><figcaption>{caption}</figcaption>{chart}{alt}</figure>'


# -- the drawers of the kinds that are not charts (see klappt.report.kinds) ----------------


@SVG.register("cloud")
@PRINT.register("cloud")
def _cloud(p: BuiltPanel, ident: str, width: float, lang: str) -> str:
    if not p.mentions:
        return "<p>–</p>"
    sizes = font_sizes(list(p.mentions), 0.9, 2.4)  # in em of the cloud's font size
    label = text(KIND[p.kind].wording, lang)
    items = []
    for rank, (m, size) in enumerate(zip(p.mentions, sizes, strict=True)):
        cls = ' class="top"' if rank < 3 else ""
        items.append(
            f'<li{cls} style="font-size:{size:.2f}em">{_e(m.text)}'
            f'<span class="sr-only"> ({_e(fmt_number(m.count, lang))})</span></li>'
        )
    # newlines between items: break opportunities when the list is laid out inline (print)
    return f'<ul class="cloud" aria-label="{_e(label)}">' + "\n".join(items) + "</ul>"


@SVG.register("table")
@PRINT.register("table")
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
    return f'<table class="stats"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _data_table(t: DataTable, ident: str) -> str:
    """The numbers behind a chart as a table that screen readers read and eyes do not see."""
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
    # the wrapper hides the table: a table itself ignores the 1px width of .sr-only
    return (
        f'<div class="sr-only"><table class="data" id="{ident}-table"><caption>{_e(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )
