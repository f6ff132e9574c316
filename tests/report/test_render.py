"""Seeing it: the reference deck through LibreOffice and pdftoppm, the HTML in Chromium.

Slow; skipped with a reason when LibreOffice, poppler or Chromium are not installed.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from klappt.reference import reference_path
from klappt.report.build import build_report
from klappt.report.output import write_outputs
from klappt.report.recipe import load_recipe
from klappt.report.sources import load_data

pytestmark = pytest.mark.slow

LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
PDFTOPPM = shutil.which("pdftoppm")
PDFTOTEXT = shutil.which("pdftotext")
PDFINFO = shutil.which("pdfinfo")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    built = build_report(spec, load_data(spec))
    folder = tmp_path_factory.mktemp("reference")
    paths = [folder / f"referenz.{ext}" for ext in ("pptx", "html", "pdf", "xlsx")]
    write_outputs(built, paths)
    return built, folder


def _libreoffice_pdf(pptx: Path, out: Path) -> Path:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                LIBREOFFICE,
                "--headless",
                f"-env:UserInstallation=file://{profile}",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out),
                str(pptx),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    pdf = out / (pptx.stem + ".pdf")
    assert pdf.exists(), "LibreOffice wrote no PDF"
    return pdf


def _non_blank(png: Path) -> bool:
    from PIL import Image

    with Image.open(png) as im:
        extrema = im.convert("L").getextrema()
    return extrema[0] != extrema[1]


@pytest.mark.skipif(
    not (LIBREOFFICE and PDFTOPPM), reason="LibreOffice or pdftoppm (poppler-utils) not installed"
)
def test_every_slide_renders_in_libreoffice__ok(outputs, tmp_path):
    built, folder = outputs
    pdf = _libreoffice_pdf(folder / "referenz.pptx", tmp_path)
    subprocess.run(
        [PDFTOPPM, "-r", "40", "-png", str(pdf), str(tmp_path / "slide")], check=True, timeout=120
    )
    pngs = sorted(tmp_path.glob("slide-*.png"))
    assert len(pngs) == len(built.slides)
    assert all(_non_blank(p) for p in pngs)


@pytest.mark.skipif(
    not (LIBREOFFICE and PDFTOTEXT), reason="LibreOffice or pdftotext (poppler-utils) not installed"
)
def test_german_number_format_in_the_rendered_deck__ok(here, tmp_path):
    spec = load_recipe(here / "recipe.yaml")
    built = build_report(spec, load_data(spec))
    write_outputs(built, [tmp_path / "klein.pptx"])
    pdf = _libreoffice_pdf(tmp_path / "klein.pptx", tmp_path)
    text = subprocess.run(
        [PDFTOTEXT, str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "55,6 %" in text  # a data label of the koop chart, rendered by LibreOffice
    assert "55.6" not in text


@pytest.mark.skipif(not PDFINFO, reason="pdfinfo (poppler-utils) not installed")
def test_weasyprint_pdf_has_a_page_per_slide__ok(outputs):
    built, folder = outputs
    info = subprocess.run(
        [PDFINFO, str(folder / "referenz.pdf")], check=True, capture_output=True, text=True
    ).stdout
    pages = next(int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:"))
    assert pages == len(built.slides)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium (/usr/bin/chromium) not installed")
def test_html_in_chromium_offline_with_every_chart_visible__ok(outputs, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    built, folder = outputs
    requests: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.goto((folder / "referenz.html").as_uri())
            sizes = page.eval_on_selector_all(
                "svg.chart", "els => els.map(e => [e.clientWidth, e.clientHeight])"
            )
            overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
            shot = tmp_path / "referenz.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    charts = [p for s in built.slides for p in s.panels if p.kind not in ("cloud", "table")]
    assert len(sizes) == len(charts)
    assert all(w > 100 and h > 50 for w, h in sizes)
    assert not overflow
    assert requests == [(folder / "referenz.html").as_uri()]
    assert _non_blank(shot)
