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
            # each chart is drawn for wide screens and for phones; one of them shows
            sizes = page.eval_on_selector_all(
                "svg.chart",
                "els => els.filter(e => e.getClientRects().length)"
                ".map(e => [e.clientWidth, e.clientHeight])",
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


# every element with text of its own, visible, with the size it is drawn at: an SVG's text
# is scaled with its drawing (getScreenCTM), HTML text has its computed size
_TEXT_SIZES = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.sr-only, .skip, style, title, desc')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.getClientRects().length === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    let size = parseFloat(style.fontSize);
    const svgText = el.closest('text');
    if (svgText) size *= svgText.getScreenCTM().a;
    out.push([size, el.tagName, el.textContent.trim().slice(0, 40)]);
  }
  return out;
}"""

# every visible element that reaches beyond the right edge, unless it sits in a box that
# scrolls sideways on its own (a wide table)
_OVERFLOW = """() => {
  const out = [];
  for (const el of document.querySelectorAll('main *')) {
    if (el.closest('.sr-only, .scroll') || el.getClientRects().length === 0) continue;
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 0.5 || r.left < -0.5) out.push([el.tagName, el.className.baseVal ?? el.className, r.left, r.right]);
  }
  return out;
}"""


# every phrase of a cloud that fits the cloud's width at 12 px, laid out on more than one line
_BROKEN_PHRASES = """() => {
  const out = [];
  for (const li of document.querySelectorAll('.cloud li')) {
    if (!li.getClientRects().length) continue;
    const range = document.createRange();
    range.selectNodeContents(li.firstChild);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    const probe = li.cloneNode(true);  // the phrase on one line at 12 px: does it fit?
    probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap;font-size:12px';
    li.parentElement.appendChild(probe);
    // (2 px spare: at the very limit the engine's rounding may still break the line)
    const fits = probe.getBoundingClientRect().width <= li.parentElement.clientWidth - 2;
    probe.remove();
    if (lines.size > 1 && fits) out.push(li.firstChild.textContent);
  }
  return out;
}"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium (/usr/bin/chromium) not installed")
@pytest.mark.parametrize("width", [1280, 1024, 800])
def test_html_on_wide_and_middle_screens_does_not_overflow__ok(outputs, width):
    playwright = pytest.importorskip("playwright.sync_api")
    _, folder = outputs
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto((folder / "referenz.html").as_uri())
            overflow = page.evaluate(_OVERFLOW)
            broken = page.evaluate(_BROKEN_PHRASES)
            phrases = page.eval_on_selector_all(".cloud li", "els => els.length")
        finally:
            browser.close()
    assert not overflow, overflow[:10]
    # after disclosure control (mentions of at least 3 sites) two clouds remain on the deck
    assert phrases > 10 and not broken, broken


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium (/usr/bin/chromium) not installed")
def test_html_on_a_phone_reflows_with_text_of_12_px_and_more__ok(outputs, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    built, folder = outputs
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto((folder / "referenz.html").as_uri())
            sizes = page.evaluate(_TEXT_SIZES)
            overflow = page.evaluate(_OVERFLOW)
            broken = page.evaluate(_BROKEN_PHRASES)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            charts = page.eval_on_selector_all(
                "svg.chart", "els => els.filter(e => e.getClientRects().length).length"
            )
            shot = tmp_path / "phone.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert len(sizes) > 200
    small = [s for s in sizes if s[0] < 12 - 0.01]
    assert not small, small[:10]
    assert scroll <= 390 and not overflow, overflow[:10]
    assert not broken, broken  # a phrase that fits the screen at 12 px is on one line
    drawn = [p for s in built.slides for p in s.panels if p.kind not in ("cloud", "table")]
    assert charts == len(drawn)  # one drawing of each chart shows, the phone's
    assert _non_blank(shot)
