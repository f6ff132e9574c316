"""The reference report as a ministry receives it (issue 15, review items 5, 7 and E):

- the HTML lays a slide out as the deck does: two or more charts with findings get the findings
  under the charts (one decision, :func:`klappt.report.grid.findings_below`), so the charts are
  wide enough for whole labels; measured in Chromium;
- no coding jargon ("… aus angenommenen Vorschlägen") in a published caption of the HTML, the
  deck or the PDF; it stays in the workbook, the method record;
- the data slide counts the register's sites that answered, live, as the derived deck does.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pptx import Presentation

from klappt.reference import reference_path
from klappt.report.build import build_report
from klappt.report.grid import findings_below, result_grid
from klappt.report.html import render_html
from klappt.report.pdf import render_pdf
from klappt.report.pptx import render_pptx
from klappt.report.recipe import load_recipe
from klappt.report.sources import load_data
from klappt.report.xlsx import render_xlsx

CHROMIUM = Path("/usr/bin/chromium")
PDFTOTEXT = shutil.which("pdftotext")
JARGON = "Vorschläg"


@pytest.fixture(scope="module")
def reference():
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    return build_report(spec, load_data(spec))


def test_findings_go_under_two_or_more_charts_in_deck_and_pages__ok():
    assert not findings_below(True, 1) and findings_below(True, 2) and findings_below(True, 3)
    assert not findings_below(False, 2)
    # the deck's grid follows it: findings under two charts span the width, at the foot
    grid = result_grid(30, 100, 900, 500, ["a", "b"], 2)
    assert grid.findings is not None and grid.findings[2] == 900
    assert grid.findings[1] > max(b[1] + b[3] for b in grid.panels)
    beside = result_grid(30, 100, 900, 500, ["a", "b"], 1)
    assert beside.findings is not None and beside.findings[0] > beside.panels[0][0]


def _slide_with_two_charts_and_findings(built):
    """Slide 15, "Lösungsansätze …": two bar charts of long labels, findings under them."""
    for i, s in enumerate(built.slides, start=1):
        labels = " ".join(c for p in s.panels for c in p.categories)
        if len(s.panels) >= 2 and s.bullets and "Kooperationsbeziehungen" in labels:
            return i, s
    raise AssertionError("the reference deck has a slide of two charts with findings")


def test_html_puts_findings_under_two_charts_as_the_deck_does__ok(reference):
    number, _ = _slide_with_two_charts_and_findings(reference)
    page = render_html(reference)
    section = page.split(f'id="s{number}"', 1)[1].split("</section>", 1)[0]
    assert "findings-below" in section
    # charts first, findings after them
    assert section.index('class="panels') < section.index('class="findings')
    # a single chart keeps its findings beside it
    single = next(
        i
        for i, s in enumerate(reference.slides, start=1)
        if s.kind == "result" and len(s.panels) == 1 and s.bullets
    )
    assert "findings-below" not in page.split(f'id="s{single}"', 1)[1].split("</section>", 1)[0]


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium (/usr/bin/chromium) not installed")
def test_html_charts_with_findings_below_are_wide_and_unbroken__ok(reference, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    number, _ = _slide_with_two_charts_and_findings(reference)
    path = tmp_path / "r.html"
    path.write_text(render_html(reference), encoding="utf-8")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(path.as_uri())
        box = page.evaluate(
            """(id) => {
              const s = document.getElementById(id);
              const figs = [...s.querySelectorAll('.desktop')].map(f => f.getBoundingClientRect());
              const list = s.querySelector('.findings').getBoundingClientRect();
              const words = [...s.querySelectorAll('.desktop svg text')].map(t => t.textContent);
              return {widths: figs.map(r => r.width), bottom: Math.max(...figs.map(r => r.bottom)),
                      findingsTop: list.top, findingsWidth: list.width,
                      slide: s.getBoundingClientRect().width, words};
            }""",
            f"s{number}",
        )
        browser.close()
    # two charts share the slide's width (three narrow columns gave each about 300 px)
    assert min(box["widths"]) >= 0.4 * box["slide"] - 60, box
    assert min(box["widths"]) >= 450, box
    # the findings sit under the charts, across the slide
    assert box["findingsTop"] >= box["bottom"], box
    assert box["findingsWidth"] >= 0.8 * box["slide"] - 100, box
    # no label broken inside a word ("Kooperationsbezie-hungen")
    assert not [w for w in box["words"] if re.search(r"\w-$", w.strip())], box["words"]
    assert any("Kooperationsbeziehungen" in w for w in box["words"])


def test_no_coding_jargon_in_published_captions_but_in_the_workbook__ok(reference):
    page = render_html(reference)
    captions = re.findall(r"<caption>(.*?)</caption>", page)
    assert captions and not [c for c in captions if JARGON in c]
    assert JARGON not in page
    deck = Presentation(io.BytesIO(render_pptx(reference)))
    deck_text = " ".join(
        sh.text_frame.text for s in deck.slides for sh in s.shapes if sh.has_text_frame
    )
    assert JARGON not in deck_text
    # the workbook keeps it, under the table of the coded question
    wb = load_workbook(io.BytesIO(render_xlsx(reference)))
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert any(JARGON in c and "Codes" in c for c in cells)


@pytest.mark.skipif(not PDFTOTEXT, reason="pdftotext (poppler-utils) not installed")
def test_no_coding_jargon_in_the_pdf__ok(reference, tmp_path):
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(render_pdf(reference))
    text = subprocess.run(
        [PDFTOTEXT, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Rücklauf: 40 von 54 Standorten" in text  # the text is there to be searched
    assert JARGON not in text


def test_data_slide_counts_the_registers_sites_live__ok(reference):
    data = next(s for s in reference.slides if s.title == "Arbeitshilfe Nachhaltigkeit 2022")
    assert "Rücklauf: 40 von 54 Standorten (74\u202f%)" in data.bullets
    by_type = [b for b in data.bullets if b.startswith("- ")]
    assert by_type == ["- kreisfreie Städte und weitere: 18 von 23, Kreise: 22 von 31"]
    assert len(reference.slides) == 23


def test_response_follows_the_register_and_the_returns__ok(tmp_path):
    # a copy of the pack whose register lacks two answering sites: the numbers follow
    src = Path(reference_path("recipe_2022.yaml")).parent
    for f in src.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    lines = (tmp_path / "register.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "register.csv").write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")
    spec = load_recipe(tmp_path / "recipe_2022.yaml")
    data = load_data(spec)
    built = build_report(spec, data, "en")
    slide = built.slides[2]
    sites = len(lines) - 3
    answered = re.match(r"Returns: (\d+) of (\d+) sites", slide.bullets[1])
    assert answered and int(answered.group(2)) == sites, slide.bullets
    assert int(answered.group(1)) <= 40
    # without a register: the returns, as before
    spec_plain = replace(spec, register=None)
    plain = build_report(spec_plain, load_data(spec_plain), "de")
    assert plain.slides[2].bullets[1] == "Rücklauf: 40 Fragebögen"
    # and no empty point where the response by type had nothing to say
    assert not [b for b in plain.slides[2].bullets if not b.strip(" -–")], plain.slides[2].bullets
    assert len(plain.slides[2].bullets) == 2, plain.slides[2].bullets
