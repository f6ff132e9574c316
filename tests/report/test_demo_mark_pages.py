"""The demo mark on the title slide of the HTML and the PDF, as on the deck's (issue 15, defect
11): a reader of any format sees on its first page that the numbers are synthetic."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from klappt.reference import reference_path
from klappt.report import build_report, load_recipe
from klappt.report.html import render_html
from klappt.report.pdf import render_pdf
from klappt.report.sources import load_data

MARK = "Demo – synthetische Daten"


@pytest.fixture(scope="module")
def reports():
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    data = load_data(spec)
    return build_report(spec, data, mark=MARK), build_report(spec, data)


class _Sections(HTMLParser):
    """The text of each ``<section>`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.depth += 1
            if self.depth == 1:
                self.sections.append("")

    def handle_endtag(self, tag):
        if tag == "section":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.sections[-1] += data


def _sections(page: str) -> list[str]:
    parser = _Sections()
    parser.feed(page)
    return parser.sections


def test_html_title_slide_carries_the_mark__ok(reports):
    marked, plain = reports
    sections = _sections(render_html(marked))
    assert sections[0].count(MARK) == 1
    assert re.search(
        r'<section class="slide slide-title".*?class="mark">Demo', render_html(marked), re.S
    )
    assert MARK not in render_html(plain)


def test_pdf_title_page_carries_the_mark__ok(reports, tmp_path: Path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    marked, plain = reports
    texts = []
    for name, built in (("marked", marked), ("plain", plain)):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(render_pdf(built))
        texts.append(
            subprocess.run(
                ["pdftotext", "-f", "1", "-l", "1", str(path), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
    assert MARK in " ".join(texts[0].split())
    assert "Demo" not in texts[1]
