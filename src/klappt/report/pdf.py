"""The report as PDF: one page per slide, at the deck's slide size, printed by WeasyPrint.

The pages are :func:`klappt.report.print_pages.render_pages`: the deck's grid, each slide
as the PPTX shows it, charts at the size they have on the slide.
"""

from __future__ import annotations

from pathlib import Path

from klappt.report.built import BuiltReport
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

    from weasyprint import HTML

    # WeasyPrint logs every CSS property it does not know as a warning
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    size = slide_size(template or built.template)
    # charts and the logo are data: URLs; anything else (file, http) is refused
    document = HTML(string=render_pages(built, size), url_fetcher=_fetcher(), base_url=None)
    # the document's title and language come from the pages' <title> and lang by default;
    # only options WeasyPrint knows are passed (an unknown one is logged as an error each time)
    return document.write_pdf()


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
