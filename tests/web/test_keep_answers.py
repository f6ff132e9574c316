"""Issue 17 in a real browser: the respondent never loses an answer.

Playwright drives Debian's Chromium against pytest-django's live server (and, for the server
going away, a real ``klappt serve`` that is stopped and started again): switching the form's
language with unsaved answers, autosave and closing the tab, a bad network, two browsers on one
link, resuming at the last section, the review before submitting, a closed wave with a draft,
and the small things (grid hint, whole-number message, 200 % zoom, a phone).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from browser import screenshot_dir

SHOTS = screenshot_dir()
SAVED = re.compile(r"Gespeichert um \d\d:\d\d")


@pytest.fixture(scope="module")
def browser() -> Any:
    from browser import launch

    pw, b = launch()
    yield b
    b.close()
    pw.stop()


def _shot(page: Any, name: str, web_backend: str, full: bool = False) -> None:
    if web_backend == "sqlite":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=full)


def _page(browser: Any, url: str, **kwargs: Any) -> tuple[Any, Any, list[str]]:
    options = {"viewport": {"width": 1280, "height": 900}, "locale": "de-DE", **kwargs}
    ctx = browser.new_context(**options)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    return ctx, page, errors


def _wait_saved(page: Any) -> str:
    """The quiet status once it says "Gespeichert um …" (waited for, not timed)."""
    state = page.locator("#save-state")
    for _ in range(200):
        text = state.text_content() or ""
        if SAVED.search(text):
            return text
        page.wait_for_timeout(50)
    raise AssertionError(f"not saved: {state.text_content()!r}")


def _until(page: Any, js: str, what: str, tries: int = 400) -> None:
    """Poll ``js`` in the page (page.wait_for_function evaluates a string: the CSP forbids it)."""
    from playwright.sync_api import Error

    for _ in range(tries):
        try:
            if page.evaluate(js):
                return
        except Error:  # the page is being replaced (a navigation): look again
            pass
        page.wait_for_timeout(50)
    raise AssertionError(what)


def _wait(check: Any, what: str, tries: int = 300) -> None:
    for _ in range(tries):
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(what)


def _values(wave: Any, site: Any) -> dict[str, Any]:
    from klappt.web.models import SiteReturn

    sr = SiteReturn.objects.filter(wave=wave, site=site).first()
    return dict(sr.values) if sr else {}


@pytest.mark.web_live
def test_language_switch_keeps_unsaved_answers_and_the_section__ok(
    web: Any, web_backend: str, live: Any, browser: Any
) -> None:
    wave = web.setup()
    ctx, page, errors = _page(browser, live.url + f"/r/{web.token('gt')}/")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.fill("#q-ausfuelldatum", "2022-02-15")
    page.locator("[data-next]").click()
    assert page.locator("#progress").inner_text().startswith("Abschnitt 2 von 5")
    page.check("#q-koop_jc-0")
    # at once, before the autosave's pause: the switch saves first, no "leave page?" dialog
    page.locator(".form-langs").get_by_role("button", name="English").click()
    _until(page, "document.documentElement.lang === 'en'", "not switched")
    assert not dialogs
    assert page.locator("#progress").inner_text().startswith("Section 2 of 5")
    assert page.is_checked("#q-koop_jc-0")
    assert page.locator("#q-ausfuelldatum").input_value() == "2022-02-15"
    values = _values(wave, web.site("gt"))
    assert values["ausfuelldatum"] == "2022-02-15" and values["koop_jc"]
    _shot(page, "20_sprache_gewechselt.png", web_backend)
    ctx.close()
    assert not errors, errors


@pytest.mark.web_live
def test_autosave_then_the_tab_is_closed_and_opened_again_elsewhere__ok(
    web: Any, web_backend: str, live: Any, browser: Any
) -> None:
    from klappt.web.models import ReturnVersion

    wave = web.setup()
    link = live.url + f"/r/{web.token('gt')}/"
    ctx, page, errors = _page(browser, link)
    url = page.url
    page.locator("[data-next]").click()
    page.locator("[data-next]").click()
    page.check('[name="lebenswelt"][value="ja"]')
    page.locator("#q-lebenswelt_angebote").scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    page.locator("#q-lebenswelt_angebote").type("Sprachcafé; Lauftreff", delay=20)
    text = _wait_saved(page)
    # quiet, announced, no reload and no jump to the top
    state = page.locator("#save-state")
    assert state.get_attribute("aria-live") == "polite" and state.get_attribute("role") == "status"
    assert page.url == url and page.evaluate("window.scrollY") == scrolled
    _shot(page, "21_automatisch_gespeichert.png", web_backend)
    assert _values(wave, web.site("gt"))["lebenswelt_angebote"] == "Sprachcafé; Lauftreff"
    # every keystroke does not make a version: the autosaves of one browser are one
    kinds = list(ReturnVersion.objects.values_list("kind", flat=True))
    assert kinds == ["autosave"], kinds
    # a change, and the tab is closed before the pause is over: saved as the page goes
    page.fill("#q-lebenswelt_angebote", "Sprachcafé; Lauftreff; Elterncafé")
    page.close(run_before_unload=True)
    _wait(
        lambda: _values(wave, web.site("gt")).get("lebenswelt_angebote", "").endswith("Elterncafé"),
        "the change was not saved as the tab closed",
    )
    ctx.close()
    assert "Gespeichert um" in text and not errors, errors

    ctx, page, errors = _page(browser, link)  # a new browser, no local copy
    assert page.locator("#q-lebenswelt_angebote").input_value().endswith("Elterncafé")
    assert page.locator("#progress").inner_text().startswith("Abschnitt 3 von 5")  # resumed
    ctx.close()
    assert not errors, errors


@pytest.mark.web_live
def test_resume_at_the_last_section_with_what_is_missing__ok(
    web: Any, web_backend: str, live: Any, browser: Any
) -> None:
    web.setup()
    link = live.url + f"/r/{web.token('gt')}/"
    ctx, page, _errors = _page(browser, link)
    for _ in range(3):
        page.locator("[data-next]").click()
    assert page.locator("#progress").inner_text().startswith("Abschnitt 4 von 5")
    page.check('[name="fortfuehrung"][value="keine"]')
    _wait_saved(page)
    ctx.close()

    ctx, page, errors = _page(browser, link)
    assert page.locator("#progress").inner_text().startswith("Abschnitt 4 von 5")
    note = page.locator("#resume-note")
    assert note.is_visible()
    text = note.inner_text()
    assert "dort, wo Sie aufgehört haben" in text and "Noch offen" in text
    assert re.search(r"\d+ Pflichtangabe", text)
    assert page.is_checked('[name="fortfuehrung"][value="keine"]')
    _shot(page, "22_weiter_wo_aufgehoert.png", web_backend)
    # a link of the note opens its section
    note.locator("a").first.click()
    assert page.locator("#progress").inner_text().startswith("Abschnitt 1 von 5")
    ctx.close()
    assert not errors, errors


@pytest.mark.web_live
def test_two_browsers_on_one_link_show_a_conflict_and_lose_nothing__ok(
    web: Any, web_backend: str, live: Any, browser: Any
) -> None:
    from klappt.web.models import ReturnVersion

    wave = web.setup()
    link = live.url + f"/r/{web.token('gt')}/"
    ctx_a, a, errors_a = _page(browser, link)
    ctx_b, b, errors_b = _page(browser, link)
    a.fill("#q-ausfuelldatum", "2022-02-01")
    _wait_saved(a)
    b.fill("#q-ausfuelldatum", "2022-03-03")  # B started from the older version
    conflict = b.locator("#conflict")
    conflict.wait_for(state="visible")
    assert "Jemand anderes hat dieses Formular" in conflict.inner_text()
    assert "Noch nicht gespeichert" in b.locator("#save-state").inner_text()
    # the newer draft on the server is not overwritten by the older page
    assert _values(wave, web.site("gt"))["ausfuelldatum"] == "2022-02-01"
    _shot(b, "23_konflikt.png", web_backend)
    # B keeps its answers, knowingly: saved, and A's draft stays in the history
    b.get_by_role("button", name="Meine Antworten auf dieser Seite behalten und speichern").click()
    _wait_saved(b)
    assert conflict.is_hidden()
    assert _values(wave, web.site("gt"))["ausfuelldatum"] == "2022-03-03"
    kept = [v["ausfuelldatum"] for v in ReturnVersion.objects.values_list("values", flat=True)]
    assert "2022-02-01" in kept and "2022-03-03" in kept
    # now A is the older page: it is told, and chooses the newer saved answers
    a.fill("#q-ausfuelldatum", "2022-04-04")
    a.locator("#conflict").wait_for(state="visible")
    a.get_by_role("button", name="Die neuer gespeicherten Antworten anzeigen").click()
    a.wait_for_load_state()
    _until(a, "document.getElementById('q-ausfuelldatum').value === '2022-03-03'", "not shown")
    assert a.locator("#conflict").is_hidden()
    assert _values(wave, web.site("gt"))["ausfuelldatum"] == "2022-03-03"
    ctx_a.close()
    ctx_b.close()
    # a 409 is the conflict's answer, not a fault of the page
    assert not [e for e in errors_a + errors_b if "409" not in e]


@pytest.mark.web_live
def test_review_lists_answers_and_what_is_missing_before_submitting__ok(
    web: Any, web_backend: str, live: Any, browser: Any
) -> None:
    from test_browser import _fill_all
    from web_helpers import reference_returns

    from klappt.web.models import SiteReturn

    wave = web.setup()
    ctx, page, errors = _page(browser, live.url + f"/r/{web.token('gt')}/")
    # no "Absenden" in the sections: the way to submit is the review
    assert page.get_by_role("button", name="Absenden", exact=True).count() == 0
    page.fill("#q-ausfuelldatum", "2022-02-15")
    page.get_by_role("button", name="Prüfen und absenden").click()
    page.wait_for_url(re.compile(r".*/review/(#.*)?$"))
    missing = page.locator("#review-missing")
    assert "Noch offen oder zu korrigieren" in missing.inner_text()
    assert page.get_by_role("button", name="Absenden", exact=True).count() == 0
    assert "15.02.2022" in page.locator(".answers").inner_text()
    _shot(page, "24_pruefen_offen.png", web_backend, full=True)
    missing.locator("a").first.click()  # back to the question, its problem marked
    page.wait_for_url(re.compile(r".*check=1.*"))
    assert page.locator("#error-summary").is_visible()

    answers = next(r for r in reference_returns() if r["kommune"] == "gt")
    _fill_all(page, answers, web.multiple(wave))
    page.get_by_role("button", name="Prüfen und absenden").click()
    page.wait_for_url(re.compile(r".*/review/(#.*)?$"))
    assert page.locator("#review-complete").inner_text() == "Alle Pflichtangaben sind gemacht."
    assert SiteReturn.objects.get(wave=wave).status == "draft"  # nothing submitted yet
    _shot(page, "25_pruefen_vollstaendig.png", web_backend, full=True)
    page.get_by_role("button", name="Absenden", exact=True).click()
    page.wait_for_url(re.compile(r".*/summary/(#.*)?$"))
    receipt = page.locator(".status-ok").inner_text()
    assert receipt.startswith("Ihre Antworten sind am") and "Version" not in receipt
    sr = SiteReturn.objects.get(wave=wave)
    assert sr.status == "submitted" and sr.values["ausfuelldatum"] == "2022-02-15"
    _shot(page, "26_eingangsbestaetigung.png", web_backend)
    ctx.close()
    # a refused submit of the marked form answers 422 on purpose
    assert not [e for e in errors if "422" not in e], errors


@pytest.mark.web_live
def test_a_closed_wave_tells_a_site_with_a_draft_it_was_not_submitted__ok(
    web: Any, web_backend: str, live: Any, browser: Any
) -> None:
    from django.utils import timezone

    from klappt.store.models import Wave
    from klappt.web.mail_models import MailSettings

    wave = web.setup()
    MailSettings.objects.create(
        program=wave.program, contact="Programmstelle KIM, Frau Beispiel, 0211 000000"
    )
    link = live.url + f"/r/{web.token('gt')}/"
    ctx, page, errors = _page(browser, link)
    assert "Frau Beispiel" in page.locator(".contact").inner_text()  # on every site page
    page.fill("#q-ausfuelldatum", "2022-02-15")
    _wait_saved(page)
    ctx.close()
    Wave.objects.filter(pk=wave.pk).update(closed_at=timezone.now())

    ctx, page, errors = _page(browser, link)
    assert "Nicht abgeschickt" in page.content()
    page.get_by_role("link", name="Ihren Entwurf ansehen").click()
    alert = page.locator(".closed-unsent")
    text = alert.inner_text()
    assert "Ihre Antworten wurden nicht abgeschickt" in text
    assert re.search(r"seit \d\d\.\d\d\.\d{4}", text)
    assert "Frau Beispiel" in page.locator(".contact").inner_text()
    assert "15.02.2022" in page.locator(".answers").inner_text()
    _shot(page, "27_geschlossen_entwurf.png", web_backend)
    # the form's own address says the same
    page.goto(link + f"{wave.pk}/")
    assert page.locator(".closed-unsent").is_visible()
    ctx.close()
    assert not errors, errors


@pytest.mark.web_live
def test_small_things_grid_hint_whole_number_zoom_and_phone__ok(
    web: Any, web_backend: str, live: Any, browser: Any
) -> None:
    web.setup()
    link = live.url + f"/r/{web.token('gt')}/"
    ctx, page, errors = _page(browser, link)
    page.locator("[data-next]").click()
    assert "Mehrfachnennungen möglich" in page.locator("#g-koop_grid caption").inner_text()
    page.locator("[data-next]").click()
    page.fill("#q-thm_anzahl", "drei")
    page.keyboard.press("Tab")
    assert "ganze Zahl" in page.locator("#q-thm_anzahl-error").inner_text()
    ctx.close()

    # 200 % zoom of a 1366×768 screen: the bar is not sticky, it covers nothing
    ctx, page, errors2 = _page(browser, link, viewport={"width": 683, "height": 384})
    assert page.evaluate("getComputedStyle(document.querySelector('.actions')).position") in (
        "static",
        "relative",
    )
    _shot(page, "28_zoom_200.png", web_backend)
    ctx.close()

    # a phone: the sections fold away, the first question is on the first screen
    ctx, page, errors3 = _page(
        browser,
        link,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    _shot(page, "29_telefon.png", web_backend, full=True)
    assert page.locator("details.toc").get_attribute("open") is None
    assert page.locator("details.resume-note").get_attribute("open") is None
    first = page.locator("section.step.is-current [data-q]:not([hidden])").first
    box = first.bounding_box()
    assert box is not None and box["y"] < 844
    ctx.close()
    assert not errors + errors2 + errors3


# --- the server goes away during a save and comes back (a real ``klappt serve``) -------------


@pytest.fixture
def served(web_backend: str, tmp_path: Path) -> Any:
    if not os.environ.get("KLAPPT_WEB_BACKEND"):
        yield None  # the outer run: the test runs in the child process of its backend
        return
    from databases import served_project

    with served_project(web_backend, tmp_path, KLAPPT_LINK_FAILURES="100000") as project:
        yield project


def test_the_server_goes_away_during_a_save_and_comes_back__ok(
    served: Any, web_backend: str, browser: Any
) -> None:
    server = served["server"]
    link = server.base + served["links"]["gt"]
    ctx, page, errors = _page(browser, link)
    page.fill("#q-ausfuelldatum", "2022-02-15")
    _wait_saved(page)
    server.stop()
    page.locator("[data-next]").click()
    page.check("#q-koop_jc-0")
    state = page.locator("#save-state")
    _until(
        page,
        "document.getElementById('save-state').textContent.indexOf('Noch nicht gespeichert') >= 0",
        "not said",
    )
    assert "automatisch wiederholt" in state.inner_text()
    _shot(page, "30_keine_verbindung.png", web_backend)
    # the answers stay in the page and in the browser's storage
    assert page.is_checked("#q-koop_jc-0")
    local = page.evaluate(
        "JSON.stringify(Object.keys(localStorage).map(function (k) {"
        " return localStorage.getItem(k); }))"
    )
    assert "koop_jc" in local and "2022-02-15" in local
    server.start()
    _until(
        page,
        "/Gespeichert um/.test(document.getElementById('save-state').textContent)",
        "not saved after the server came back",
        tries=1800,
    )
    assert page.evaluate("localStorage.length") == 0  # saved: the browser's copy is done
    ctx.close()

    ctx, page, errors2 = _page(browser, link)  # another browser sees the server's draft
    assert page.is_checked("#q-koop_jc-0")
    assert page.locator("#q-ausfuelldatum").input_value() == "2022-02-15"
    ctx.close()
    # failed requests while the server was away are expected; nothing else
    assert not [e for e in errors + errors2 if "ERR_CONNECTION" not in e and "Failed" not in e]
