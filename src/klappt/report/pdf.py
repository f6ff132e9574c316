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

__all__ = ["render_pdf"]


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

    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    # WeasyPrint logs every CSS property it does not know as a warning
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    size = slide_size(template or built.template)
    # charts and the logo are data: URLs, the font Carlito's files are named by
    # klappt.report.fonts; anything else (other files, http) is refused
    fetcher = _fetcher(font_urls())
    document = HTML(string=render_pages(built, size), url_fetcher=fetcher, base_url=None)
    # the pages are set in exactly the font their lines were measured with (Carlito)
    fonts = FontConfiguration()
    faces = font_faces()
    sheets = [CSS(string=faces, font_config=fonts, url_fetcher=fetcher)] if faces else []
    # the document's title and language come from the pages' <title> and lang by default;
    # only options WeasyPrint knows are passed (an unknown one is logged as an error each time)
    return document.write_pdf(stylesheets=sheets, font_config=fonts)


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
