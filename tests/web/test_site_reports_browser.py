"""Site reports in the browser (issue 18): the coordinator clicks "release" on the wave's
dashboard, a site downloads its own PDF from its link page, the dashboard shows it fetched."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from browser import screenshot_dir

SHOTS = screenshot_dir()


@pytest.fixture(scope="module")
def browser() -> Any:
    from browser import launch

    pw, b = launch()
    yield b
    b.close()
    pw.stop()


@pytest.mark.web_live
def test_release_and_download_from_the_link__ok(
    web: Any, web_backend: str, live: Any, browser: Any, tmp_path: Path
) -> None:
    from web_helpers import PASSWORD

    wave = web.setup()
    for kommune in ("gt", "e", "mk"):
        assert web.submit_reference(web.client(), wave, kommune).status_code == 302
    wave.closed_at = wave.opened_at
    wave.save()
    web.user(name="koordination")
    base = live.url
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="de-DE", accept_downloads=True
    )
    page = ctx.new_page()
    # before the release the site's page offers no report
    page.goto(base + f"/r/{web.token('e')}/")
    assert page.locator(".site-report").count() == 0
    page.goto(base + "/login/")
    page.fill("#id_username", "koordination")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    dashboard = base + f"/p/{web.program.slug}/w/{wave.pk}/"
    page.goto(dashboard)
    assert "Nicht freigegeben" in page.locator("#site-reports-state").inner_text()
    page.select_option("#absent", "none")
    page.get_by_role("button", name="Standortberichte freigeben").click()
    assert "für 3 Standorte" in page.locator("#site-reports-state").inner_text()
    assert "3 Standorte können ihren Bericht" in page.locator(".messages, main").first.inner_text()

    site = browser.new_context(
        viewport={"width": 1000, "height": 700}, locale="de-DE", accept_downloads=True
    )
    spage = site.new_page()
    spage.goto(base + f"/r/{web.token('e')}/")
    assert "Ihr Standortbericht" in spage.locator(".site-report").inner_text()
    if web_backend == "sqlite":
        SHOTS.mkdir(parents=True, exist_ok=True)
        spage.screenshot(path=str(SHOTS / "30_standortbericht_link.png"))
    with spage.expect_download() as info:
        spage.get_by_role("link", name="PDF").click()
    target = tmp_path / "bericht.pdf"
    info.value.save_as(target)
    assert info.value.suggested_filename == "standortbericht_2022_e.pdf"
    text = subprocess.run(
        ["pdftotext", str(target), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Essen" in text and "Kreis Gütersloh" not in text
    if web_backend == "sqlite":  # kept beside the screenshots, to look at
        (SHOTS / "32_standortbericht_essen.pdf").write_bytes(target.read_bytes())
    site.close()

    page.goto(dashboard)
    assert (
        "1 Standort hat seinen Bericht abgerufen"
        in page.locator("#site-reports-state").inner_text()
    )
    row = page.locator("tr", has=page.locator("th", has_text="Essen"))
    assert "1 Mal heruntergeladen" in row.locator("td.fetched").inner_text()
    if web_backend == "sqlite":
        page.screenshot(path=str(SHOTS / "31_standortberichte_freigegeben.png"), full_page=True)
    ctx.close()
