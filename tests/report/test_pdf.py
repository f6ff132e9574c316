"""The PDF looks like the deck: a page per slide at the slide's size, the deck's grid.

The reference deck is rendered as PPTX and PDF; the PDF is read back with poppler
(``pdfinfo``, ``pdftotext``), skipped with a reason when poppler is not installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pytest
from pptx import Presentation

from klappt.errors import KlapptError
from klappt.reference import reference_path
from klappt.report.build import build_report
from klappt.report.pdf import render_pdf
from klappt.report.pptx import render_pptx
from klappt.report.print_pages import render_pages, slide_size
from klappt.report.recipe import load_recipe
from klappt.report.sources import load_data
from klappt.report.typography import typographic

PDFINFO = shutil.which("pdfinfo")
PDFTOTEXT = shutil.which("pdftotext")
poppler = pytest.mark.skipif(
    not (PDFINFO and PDFTOTEXT), reason="pdfinfo/pdftotext (poppler-utils) not installed"
)
EMU_PER_PT = 12700


@pytest.fixture(scope="module")
def reference():
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    return build_report(spec, load_data(spec))


@pytest.fixture(scope="module")
def reference_pdf(reference, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "referenz.pdf"
    path.write_bytes(render_pdf(reference))
    return path


def _page_sizes(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(
        [PDFINFO, "-f", "1", "-l", "9999", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    return [
        (float(m.group(1)), float(m.group(2)))
        for m in re.finditer(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    ]


def _deck_size(pptx: bytes) -> tuple[float, float]:
    prs = Presentation(BytesIO(pptx))
    return prs.slide_width / EMU_PER_PT, prs.slide_height / EMU_PER_PT


@poppler
def test_a_page_per_slide_at_the_size_of_the_slides__ok(reference, reference_pdf):
    sizes = _page_sizes(reference_pdf)
    width, height = _deck_size(render_pptx(reference))
    assert len(sizes) == len(reference.slides)
    for w, h in sizes:
        assert abs(w - width) < 0.5 and abs(h - height) < 0.5, (w, h, width, height)
    assert abs(sizes[0][0] / sizes[0][1] - 16 / 9) < 1e-3


@poppler
def test_a_4_3_template_gives_4_3_pages__ok(reference, tmp_path):
    template = tmp_path / "vier-zu-drei.pptx"
    Presentation().save(str(template))  # python-pptx's own template: 10 × 7.5 in
    built = replace(reference, template=str(template))
    pdf = tmp_path / "bericht.pdf"
    pdf.write_bytes(render_pdf(built))
    width, height = _deck_size(render_pptx(built))
    assert (width, height) == (720.0, 540.0)
    sizes = _page_sizes(pdf)
    assert len(sizes) == len(built.slides)
    assert all(abs(w - width) < 0.5 and abs(h - height) < 0.5 for w, h in sizes)


def test_a_broken_template_is_named__error(tmp_path):
    broken = tmp_path / "kaputt.pptx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(KlapptError) as err:
        slide_size(broken)
    assert err.value.code.name == "REPORT_002" and "kaputt.pptx" in str(err.value)


def _pptx_chart_boxes(pptx: bytes) -> list[list[tuple[float, float, float, float]]]:
    """Per slide, the box of every native chart, in points."""
    prs = Presentation(BytesIO(pptx))
    return [
        [
            tuple(v / EMU_PER_PT for v in (sh.left, sh.top, sh.width, sh.height))
            for sh in slide.shapes
            if sh.has_chart
        ]
        for slide in prs.slides
    ]


def _page_chart_boxes(pages: str) -> list[list[tuple[float, float, float, float]]]:
    """Per page, the box of every chart (not clouds and tables), in points."""
    out = []
    for page in pages.split('<section class="page')[1:]:
        boxes = []
        for m in re.finditer(
            r'<div class="c" data-kind="(\w+)" style="left:([\d.]+)pt;top:([\d.]+)pt;'
            r"width:([\d.]+)pt;height:([\d.]+)pt",
            page,
        ):
            if m.group(1) not in ("cloud", "table"):
                boxes.append(tuple(float(m.group(i)) for i in range(2, 6)))
        out.append(boxes)
    return out


def test_charts_have_the_place_and_size_they_have_on_the_slide__ok(reference):
    deck = _pptx_chart_boxes(render_pptx(reference))
    pages = _page_chart_boxes(render_pages(reference))
    assert len(pages) == len(deck) == len(reference.slides)
    assert sum(len(p) for p in pages) >= 12
    for number, (on_slide, on_page) in enumerate(zip(deck, pages, strict=True), start=1):
        assert len(on_slide) == len(on_page), number
        for (x, y, w, h), (px, py, pw, ph) in zip(on_slide, on_page, strict=True):
            # the page's box is inside the text inset of the deck's (3.6 pt each side)
            assert abs(px - x) <= 4 and abs(py - y) <= 2 and abs(pw - w) <= 8, (number, x, px)
            # a stacked bar keeps the height it needs in both; every other chart fills its box
            assert abs(ph - h) <= 2 or ph > h, (number, h, ph)


def _words(pdf: Path) -> tuple[str, list[tuple[float, float, float, float, str]], float, float]:
    text = subprocess.run(
        [PDFTOTEXT, "-raw", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    html = subprocess.run(
        [PDFTOTEXT, "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    assert page is not None
    words = [
        (float(a), float(b), float(c), float(d), w)
        for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            html,
        )
    ]
    return " ".join(text.split()), words, float(page.group(1)), float(page.group(2))


@poppler
def test_no_text_is_cut_or_off_its_page__ok(reference, reference_pdf):
    text, words, width, height = _words(reference_pdf)
    assert words
    for x0, y0, x1, y1, word in words:
        assert x0 >= 0 and y0 >= 0 and x1 <= width + 0.5 and y1 <= height + 0.5, word
    expected = [s.title for s in reference.slides]
    for s in reference.slides:
        expected += [c for p in s.panels if p.kind != "cloud" for c in p.categories]
        expected += [b.lstrip("-↳ ").strip() for b in s.bullets]
    for phrase in expected:
        assert " ".join(typographic(phrase).split()) in text, phrase
    assert "Verstetigung der Strukturen" in text  # the label the old PDF cut off


@poppler
def test_no_doubled_list_marker_in_the_pdf__ok(reference_pdf):
    text, _, _, _ = _words(reference_pdf)
    for doubled in ("• -", "• ↳", "– -", "• –"):
        assert doubled not in text
    assert re.search(r"↳ ?74", text) and "– THM geht ins CM über" in text


def test_a_cloud_phrase_stays_on_one_line_in_the_pdf__ok(reference):
    pages = render_pages(reference)
    cloud = next(p for s in reference.slides for p in s.panels if p.kind == "cloud")
    top = typographic(cloud.mentions[0].text)
    assert re.search(r'<div class="t"[^>]*>' + re.escape(top) + "</div>", pages)
    assert "interkulturelle<br>" not in pages and "Woche<br>" not in pages
