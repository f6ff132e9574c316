"""The coordinator manages the returns in a real browser (issue 16): a correction with its
history, and a form replaced after two sites started, the carried-over answers checked in the
site's form. Playwright drives Debian's Chromium; on SQLite the new screens are saved (see
``browser.screenshot_dir``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser import screenshot_dir
from test_returns_admin import form_v2

SHOTS = screenshot_dir()


@pytest.fixture(scope="module")
def browser() -> Any:
    from browser import launch

    pw, b = launch()
    yield b
    b.close()
    pw.stop()


def _shot(page: Any, name: str, web_backend: str) -> None:
    if web_backend == "sqlite":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)


@pytest.mark.web_live
def test_correction_with_history_and_form_replaced_after_two_sites_started__ok(
    web: Any, web_backend: str, live: Any, browser: Any, tmp_path: Path
) -> None:
    from web_helpers import PASSWORD

    from klappt.web.models import SiteReturn

    web.load_register()
    wave = web.make_wave()
    web.user(name="koordination")
    site_client = web.client()
    assert web.submit_reference(site_client, wave, "gt").status_code == 302
    web.post(site_client, wave, {"koop_jc": ["intensiviert"], "thm_vze": "2.5"}, site="du")
    base = live.url
    slug = web.program.slug

    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())
    page.goto(base + "/login/")
    page.fill("#id_username", "koordination")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    # -- the dashboard: the draft is linked and marked --------------------------------------
    page.goto(base + f"/p/{slug}/w/{wave.pk}/")
    _shot(page, "20_dashboard_drafts.png", web_backend)
    page.click("text=Duisburg")
    assert page.locator("#draft-note").is_visible()
    page.click(f'nav.eyebrow a[href="/p/{slug}/w/{wave.pk}/"]')  # breadcrumbs back to the wave

    # -- a correction with its history ------------------------------------------------------
    page.click("text=Kreis Gütersloh")
    page.click("text=Rücklauf korrigieren")
    assert page.locator("#f-thm_anzahl").input_value() == "2"
    page.fill("#f-thm_anzahl", "3")
    page.fill("#f-reason", "Tippfehler, telefonisch gemeldet")
    _shot(page, "21_korrektur.png", web_backend)
    page.click("text=Korrektur speichern")
    assert "Korrektur als Version" in page.locator(".messages").inner_text()
    rows = page.locator("table.data").first.inner_text()
    assert "koordination" in rows and "Tippfehler, telefonisch gemeldet" in rows
    assert "Von der Koordination korrigiert" in rows
    changes = page.locator("#changes tbody").inner_text()
    assert "thm_anzahl" in changes and "2" in changes and "3" in changes
    assert page.locator("#changes tbody tr").count() == 1, changes
    _shot(page, "22_versionsverlauf.png", web_backend)

    # -- the form replaced after two sites started ------------------------------------------
    page.goto(base + f"/p/{slug}/w/{wave.pk}/")
    page.click("text=Fragebogen ersetzen")
    page.set_input_files("#id_form_file", str(form_v2(tmp_path)))
    page.click("text=Gegen die Rückläufe prüfen")
    plan = page.locator("#plan").inner_text()
    assert "Kreis Gütersloh" in plan and "Duisburg" in plan
    assert "intensiviert" in plan and "thm_vze" in plan
    assert page.locator("#misfit-warning").is_visible()
    _shot(page, "23_fragebogen_pruefen.png", web_backend)
    assert wave.form_sha256 == type(wave).objects.get(pk=wave.pk).form_sha256  # nothing yet
    page.click("text=Fragebogen jetzt ersetzen")
    assert "Fassung 2" in page.locator(".messages").inner_text()

    # the site's draft is carried over: the answers that fit are in the new form
    site_page = ctx.new_page()
    site_page.goto(base + f"/r/{web.token('du')}/")
    site_page.goto(base + f"/r/{web.token('du')}/{wave.pk}/?edit=1&step=3")
    assert site_page.locator("#q-thm_vze").input_value() in ("2.5", "2,5")
    assert site_page.locator('[name="neu_kontakt"]').count() == 1
    assert site_page.locator('[name="bildung_angebote"]').count() == 0
    du = SiteReturn.objects.get(wave=wave, site=web.site("du"))
    gt = SiteReturn.objects.get(wave=wave, site=web.site("gt"))
    assert (du.form_number, gt.form_number) == (2, 1)
    page.goto(base + f"/p/{slug}/w/{wave.pk}/sites/{web.site('du').pk}/history/")
    assert "In einen neuen Fragebogen übernommen" in page.locator("table.data").first.inner_text()
    _shot(page, "24_uebernommen.png", web_backend)

    # -- the next wave from this one's form; the wave's recipe ------------------------------
    page.goto(base + f"/p/{slug}/waves/new/")
    page.fill("#id_name", "2023")
    page.select_option("#id_from_wave", str(wave.pk))
    _shot(page, "25_neue_welle_kopie.png", web_backend)
    page.click("button[type=submit]")
    assert "/settings/" in page.url
    page.goto(base + f"/p/{slug}/w/{wave.pk}/recipe/")
    recipe = tmp_path / "bericht.yaml"
    recipe.write_text("slides:\n  - result: nichtda\n", encoding="utf-8")
    page.set_input_files("#recipe-file", str(recipe))
    page.click("text=Prüfen und speichern")
    assert page.locator("#error-summary").is_visible()
    assert "Standardablauf" in page.locator("#recipe-now").inner_text()
    _shot(page, "26_rezept.png", web_backend)
    ctx.close()


@pytest.mark.web_live
def test_correction_of_repeated_entries_in_the_browser__ok(
    web: Any, web_backend: str, live: Any, browser: Any, tmp_path: Path
) -> None:
    """Entries of a repeat corrected in Chromium: one removed, one added, one edited; Enter in
    a field saves (it never presses "remove"); the history shows the changes inside the
    repeat."""
    from test_repeats import _entries, _wave
    from web_helpers import PASSWORD

    from klappt.web.models import SiteReturn

    wave, _path = _wave(web, tmp_path)
    web.user(name="koordination")
    data = {
        "land": "de",
        "stadt": "b",
        "anzahl": "2",
        **_entries({"titel": "Lotsen", "jahre": "1"}, {"titel": "Sprachcafe", "jahre": "2"}),
    }
    assert web.post(web.client(), wave, data, action="submit").status_code == 302
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = ctx.new_page()
    page.goto(live.url + "/login/")
    page.fill("#id_username", "koordination")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    site = web.site("gt")
    page.goto(live.url + f"/p/{web.program.slug}/w/{wave.pk}/sites/{site.pk}/correct/")

    page.click("text=Eintrag 1 entfernen")
    assert page.locator("fieldset.entry").count() == 1
    assert page.locator("#f-proj-1-titel").input_value() == "Sprachcafe"
    page.click("button:has-text('Eintrag hinzufügen')")
    assert page.locator("fieldset.entry").count() == 2
    page.fill("#f-proj-1-titel", "Sprachcafé")
    page.fill("#f-proj-2-titel", "Patenschaften")
    page.fill("#f-proj-2-jahre", "1")
    page.fill("#f-reason", "Projektliste telefonisch berichtigt")
    _shot(page, "23_korrektur_wiederholung.png", web_backend)
    page.locator("#f-proj-2-jahre").press("Enter")  # the default button saves
    page.wait_for_url("**/history/")
    assert "Korrektur als Version" in page.locator(".messages").inner_text()
    changes = page.locator("#changes tbody").inner_text()
    assert "proj[1]/titel" in changes and "Lotsen" in changes and "Sprachcafe" in changes
    assert "proj[2]/titel" in changes and "Patenschaften" in changes
    entries = SiteReturn.objects.get(wave=wave).values["proj"]
    assert [e["titel"] for e in entries] == ["Sprachcafé", "Patenschaften"]
    ctx.close()
