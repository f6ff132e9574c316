"""The report as PDF: one page per slide, at the deck's slide size, printed by WeasyPrint.

The pages are :func:`klappt.report.print_pages.render_pages`: the deck's grid, each slide
as the PPTX shows it, charts at the size they have on the slide, set in Carlito, whose
metrics the lines were measured with (:mod:`klappt.report.fonts`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from klappt.report.built import BuiltReport
from klappt.report.fonts import font_faces, font_urls
from klappt.report.print_pages import render_pages, slide_size

__all__ = ["UA_RULES", "render_pdf"]

#: The rules of WeasyPrint's HTML user-agent stylesheet (``css/html5_ua.css``) that apply to
#: the elements :mod:`klappt.report.print_pages` writes (html, body, section, p, i, b, span,
#: br, div, img, and the tables of statistics with their colgroup), and nothing else. WeasyPrint matches every
#: element against its whole stylesheet of some 200 rules for forms, lists, headings … before
#: it lays a page out: some 15 % of the PDF's CPU time for none of our elements (bench/README.md).
#: ``tests/report/test_pdf_speed_look.py`` renders the reference deck with both and
#: compares the pages pixel by pixel, so that a rule missing here cannot go unseen.
UA_RULES = """
html, body, section, p, div { display: block }
head, meta, style, title { display: none }
html { color-scheme: light }
body { margin: 8px }
p { margin-top: 1em; margin-bottom: 1em }
b, th { font-weight: bold }
i { font-style: italic }
br::before { content: "\\A"; white-space: pre-line }
img { overflow: hidden }
table { display: table; box-sizing: border-box; border-spacing: 2px; border-collapse: separate;
  text-indent: initial; border-color: gray }
thead { display: table-header-group }
tbody { display: table-row-group }
thead, tbody, table > tr { vertical-align: middle }
thead, tbody, tr { border-color: inherit }
tr { display: table-row }
colgroup { display: table-column-group }
col { display: table-column }
td, th { display: table-cell; padding: 1px; border-color: gray }
tr, td, th { vertical-align: inherit }
@page { margin: 75px }
"""


def render_pdf(built: BuiltReport, template: str | Path | None = None) -> bytes:
    """The report of ``built`` as PDF bytes (no external resources).

    Parameters
    ----------
    built:
        The report with its numbers.
    template:
        The deck's PowerPoint template (default: ``built.template``): its slide size is the
        page size; without one the pages are 16:9 (13.33 × 7.5 in), as klappt's deck.

    Raises
    ------
    KlapptError
        ``REPORT_002`` when the template is not a readable PowerPoint file.

    Example
    -------
    >>> from klappt.report.built import BuiltReport, BuiltSlide
    >>> render_pdf(BuiltReport("Bericht", "de", (BuiltSlide("section", "Teil 1", number=1),)))[:5]
    b'%PDF-'
    """
    import logging

    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    # WeasyPrint logs every CSS property it does not know as a warning
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    size = slide_size(template or built.template)
    # charts and the logo are data: URLs, the font Carlito's files are named by
    # klappt.report.fonts; anything else (other files, http) is refused
    fetcher = _fetcher(font_urls())
    document = _pages_html()(string=render_pages(built, size), url_fetcher=fetcher, base_url=None)
    # the pages are set in exactly the font their lines were measured with (Carlito)
    fonts = FontConfiguration()
    faces = font_faces()
    sheets = [CSS(string=faces, font_config=fonts, url_fetcher=fetcher)] if faces else []
    # the document's title and language come from the pages' <title> and lang by default;
    # only options WeasyPrint knows are passed (an unknown one is logged as an error each time)
    return document.write_pdf(stylesheets=sheets, font_config=fonts)


_PAGES_HTML: list[type] = []


def _pages_html() -> type:
    """WeasyPrint's ``HTML`` with :data:`UA_RULES` as its user-agent stylesheet (made once).

    ``_ua_stylesheets`` is WeasyPrint's own hook for it (its form stylesheet uses the same);
    a WeasyPrint without it simply keeps its whole stylesheet, with the same pages.
    """
    if not _PAGES_HTML:
        from weasyprint import CSS, HTML

        ua = CSS(string=UA_RULES)

        class PagesHTML(HTML):
            def _ua_stylesheets(self, forms: bool = False) -> list[object]:
                return [ua]

        _PAGES_HTML.append(PagesHTML)
    return _PAGES_HTML[0]


def _fetcher(files: frozenset[str]) -> Any:
    def allowed(url: str) -> bool:
        return url.startswith("data:") or url in files

    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint before 66 takes a plain function
        from weasyprint import default_url_fetcher

        def fetch(url: str, *args: object, **kwargs: object) -> object:
            if not allowed(url):
                raise ValueError(f"external resource refused: {url}")
            return default_url_fetcher(url, *args, **kwargs)

        return fetch

    class Fetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not allowed(url):
                raise ValueError(f"external resource refused: {url}")
            return super().fetch(url, headers)

    return Fetcher(allowed_protocols=("data", "file"))
