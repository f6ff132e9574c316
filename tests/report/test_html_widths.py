"""Text in the HTML report is 12 px or larger at every screen width (issue 15): the charts'
SVG text is measured as rendered by Chromium (font size times the drawing's scale) at phone,
tablet, laptop and wide-screen widths, for the reference deck and the derived deck.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from klappt.reference import load_reference, reference_path
from klappt.report import ReportData, build_report, default_spec
from klappt.report.html import render_html
from klappt.report.recipe import load_recipe
from klappt.report.sources import load_data

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
WIDTHS = (390, 800, 901, 1024, 1280, 1600)

# every visible text's rendered size; SVG text scaled by its drawing's transform
_TEXT_SIZES = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.sr-only, .skip, style, title, desc')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.getClientRects().length === 0) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svgText = el.closest('text');
    if (svgText) size *= svgText.getScreenCTM().a;
    out.push([size, el.tagName, el.textContent.trim().slice(0, 40)]);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    recipe = folder / "rezept.html"
    recipe.write_text(render_html(build_report(spec, load_data(spec))), encoding="utf-8")
    form, rs, _ = load_reference("2022")
    derived = folder / "abgeleitet.html"
    built = build_report(default_spec(form, "de", "2022"), ReportData.single(form, rs, "2022"))
    derived.write_text(render_html(built), encoding="utf-8")
    return [recipe, derived]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium (/usr/bin/chromium) not installed")
def test_no_text_under_12_px_at_any_width__ok(pages):
    playwright = pytest.importorskip("playwright.sync_api")
    found: dict[tuple[str, int], list[list[object]]] = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for path in pages:
                for width in WIDTHS:
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.goto(path.as_uri())
                    sizes = page.evaluate(_TEXT_SIZES)
                    page.close()
                    assert len(sizes) > 200, (path.name, width)
                    assert any(tag in ("text", "tspan") for _, tag, _ in sizes), width
                    found[(path.name, width)] = [s for s in sizes if s[0] < 12 - 0.01]
        finally:
            browser.close()
    small = {k: v[:5] for k, v in found.items() if v}
    assert not small, small
