"""The report as PDF: the HTML report printed by WeasyPrint, one slide per landscape page."""

from __future__ import annotations

from klappt.report.built import BuiltReport
from klappt.report.html import render_html

__all__ = ["render_pdf"]


def render_pdf(built: BuiltReport) -> bytes:
    """The HTML report of ``built`` as PDF bytes (16:9 pages, no external resources).

    Example
    -------
    >>> from klappt.report.built import BuiltReport, BuiltSlide
    >>> render_pdf(BuiltReport("Bericht", "de", (BuiltSlide("section", "Teil 1", number=1),)))[:5]
    b'%PDF-'
    """
    import logging

    from weasyprint import HTML

    # WeasyPrint logs every CSS property it does not know (aspect-ratio, clip, ...) as a warning
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    # charts and the logo are data: URLs; anything else (file, http) is refused
    fetcher = _fetcher()
    document = HTML(string=render_html(built, for_print=True), url_fetcher=fetcher, base_url=None)
    return document.write_pdf(pdf_variant=None, metadata=True)


def _fetcher() -> object:
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint before 66 takes a plain function
        from weasyprint import default_url_fetcher

        def fetch(url: str, *args: object, **kwargs: object) -> object:
            if not url.startswith("data:"):
                raise ValueError(f"external resource refused: {url}")
            return default_url_fetcher(url, *args, **kwargs)

        return fetch
    return URLFetcher(allowed_protocols=("data",))
