"""End to end in a real browser: Playwright drives Debian's Chromium.

A site fills the reference Arbeitshilfe through its link: a conditional follow-up appears,
a validation error is announced, a draft is saved, the link is opened again in a new browser
(context), the form is submitted. The coordinator sees the return counted, downloads the CSV, and
``klappt tabulate`` on it gives the same numbers. On SQLite the main screens are saved (see
``browser.screenshot_dir``: the README's pictures only when asked).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from browser import screenshot_dir
from test_logic import CASES, FILTER_CASES, FORM_MD
from test_repeat_count import COUNT_MD
from test_repeats import REPEAT_MD

REPO = Path(__file__).resolve().parents[2]
SHOTS = screenshot_dir()


@pytest.fixture(scope="module")
def browser() -> Any:
    from browser import launch

    pw, b = launch()
    yield b
    b.close()
    pw.stop()


def test_browser_conditions_agree_with_the_server__ok(browser: Any, tmp_path: Path) -> None:
    """form.js evaluates every case of test_logic.py as the server does (no server)."""
    import textwrap

    from klappt.instrument import read_instrument
    from klappt.instrument.conditions.evaluate import Evaluator
    from klappt.instrument.conditions.parse import compile_choice_filter, compile_condition
    from klappt.web.formspec import form_spec

    path = tmp_path / "form.md"
    path.write_text(textwrap.dedent(FORM_MD), encoding="utf-8")
    form = read_instrument(path)
    types = form_spec(form, None).logic["types"]
    page = browser.new_page()
    page.set_content("<!DOCTYPE html><html><body></body></html>")
    page.add_script_tag(path=str(REPO / "src/klappt/web/static/klappt_web/form.js"))
    for expr, answers, self_name in CASES:
        tree = compile_condition(expr, form, self_name)
        js = page.evaluate("([t, ty, v]) => window.klappt.holds(t, ty, v)", [tree, types, answers])
        assert js == Evaluator(form, answers).truth(tree), (expr, answers)
    for expr, answers, columns in FILTER_CASES:
        tree = compile_choice_filter(expr, form)
        assert tree is not None, expr
        js = page.evaluate(
            "([t, ty, v, c]) => window.klappt.holds(t, ty, v, c)", [tree, types, answers, columns]
        )
        assert js == Evaluator(form, answers, columns).truth(tree), (expr, answers, columns)
    page.close()


# --- the whole path ----------------------------------------------------------------------------


def _shot(page: Any, name: str, web_backend: str, full: bool = True) -> None:
    if web_backend != "sqlite":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=full)


def _fill_visible(page: Any, answers: dict[str, str], multiple: set[str], done: set[str]) -> None:
    """Answer every visible question of the current step from ``answers``, in page order."""
    while True:
        names = page.eval_on_selector_all(
            "section.step.is-current [data-q]:not([hidden])",
            "els => els.filter(e => e.offsetParent !== null).map(e => e.getAttribute('data-q'))",
        )
        todo = [n for n in names if n not in done]
        if not todo:
            return
        name = todo[0]
        done.add(name)
        value = answers.get(name) or ""
        inputs = page.locator(f'[name="{name}"]')
        if inputs.count() == 0:
            continue
        kind = inputs.first.evaluate("e => e.type || e.tagName")
        if kind == "hidden":
            continue  # the municipality the register fixes (issue 17)
        if kind == "radio":
            if value:
                page.check(f'[name="{name}"][value="{value}"]')
        elif kind == "checkbox":
            wanted = set(value.split()) if name in multiple else {value}
            for i in range(inputs.count()):
                box = inputs.nth(i)
                box.set_checked(box.get_attribute("value") in wanted)
        elif kind == "select-one":
            page.select_option(f'[name="{name}"]', value)
        else:
            page.fill(f'[name="{name}"]', value.replace("\r\n", "\n"))


def _fill_all(page: Any, answers: dict[str, str], multiple: set[str]) -> None:
    done: set[str] = set()
    first = page.locator('[data-step-link="0"]')
    if first.count() and first.is_visible():  # the link may resume at a later section
        first.click()
    while True:
        _fill_visible(page, answers, multiple, done)
        nxt = page.locator("[data-next]")
        if not nxt.is_visible():
            return
        nxt.click()


@pytest.mark.web_live
def test_site_fills_the_arbeitshilfe_and_the_coordinator_counts_it__ok(
    web: Any, web_backend: str, live: Any, browser: Any, tmp_path: Path
) -> None:
    import datetime as dt

    from django.utils import timezone
    from web_helpers import FORM, PASSWORD, reference_returns

    from klappt.web.models import SiteReturn

    web.load_register()
    wave = web.make_wave(deadline=timezone.make_aware(dt.datetime(2022, 3, 31, 23, 59)))
    web.user(name="koordination")
    base = live.url
    link = base + f"/r/{web.token('gt')}/"
    answers = next(r for r in reference_returns() if r["kommune"] == "gt")
    multiple = web.multiple(wave)

    # -- the site, first browser ----------------------------------------------------------------
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())
    errors: list[str] = []
    # a refused submit answers 422 on purpose; any other console error is a bug
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "422" not in m.text else None,
    )
    page.goto(link)
    # the form at the link's own address: no redirect before it (issue 16)
    assert page.url.endswith(f"/r/{web.token('gt')}/")
    assert page.locator("h1").inner_text() == "Arbeitshilfe Nachhaltigkeit 2022"
    assert page.locator("#progress").inner_text().startswith("Abschnitt 1 von 5")
    assert page.locator('input[name="kommune"]').input_value() == "gt"  # from the register
    _shot(page, "01_formular.png", web_backend, full=False)
    page.fill("#q-ausfuelldatum", "2022-02-15")

    # keyboard only: the next-section button, then the first box of the grid with the space bar
    page.locator("[data-next]").focus()
    page.keyboard.press("Enter")
    assert page.locator("#progress").inner_text().startswith("Abschnitt 2 von 5")
    assert page.evaluate("document.activeElement.id") == "s-s1_strukturen-h"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q-koop_jc-0"
    page.keyboard.press("Space")
    assert page.is_checked("#q-koop_jc-0")

    # a conditional follow-up appears without a page load
    follow_up = page.locator('[data-q="abh_ueber"]')
    assert follow_up.is_hidden()
    page.check('[name="abh_fortfuehrung"][value="ja"]')
    assert follow_up.is_visible()
    # announced to screen readers (polled from here: the page's CSP forbids eval)
    for _ in range(50):
        if page.locator("#live").text_content():
            break
        page.wait_for_timeout(20)
    assert page.locator("#live").text_content()
    page.mouse.wheel(0, 320)  # the follow-up above the sticky buttons
    _shot(page, "02_folgefrage.png", web_backend, full=False)
    page.check('[name="abh_fortfuehrung"][value="nein"]')
    assert follow_up.is_hidden()

    # a validation error: more THM than allowed
    page.locator("[data-next]").click()
    page.fill("#q-thm_anzahl", "99")
    # issue 17: saving does not reload the page; submitting goes through the review, whose
    # list of problems leads back to the form with them marked
    page.get_by_role("button", name="Entwurf speichern").click()
    for _ in range(200):  # polled: the page's CSP forbids eval
        if "Gespeichert um" in (page.locator("#save-state").text_content() or ""):
            break
        page.wait_for_timeout(50)
    assert page.locator("#progress").inner_text().startswith("Abschnitt 3 von 5")
    page.get_by_role("button", name="Prüfen und absenden").click()
    page.wait_for_url(re.compile(r".*/review/(#.*)?$"))
    page.click('#review-missing a[href$="#q-thm_anzahl"]')
    page.wait_for_url(re.compile(r".*check=1.*"))
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    # the problem chosen on the review page takes the focus, the summary lists them all
    assert page.evaluate("document.activeElement.id") == "q-thm_anzahl"
    assert summary.get_attribute("role") == "alert"
    error = page.locator("#q-thm_anzahl-error")
    assert "Bitte eine Zahl zwischen 0 und 50 eingeben" in error.inner_text()
    assert "q-thm_anzahl-error" in page.get_attribute("#q-thm_anzahl", "aria-describedby")
    _shot(page, "03_pruefung.png", web_backend, full=False)
    page.click('#error-summary a[href="#q-thm_anzahl"]')
    assert page.evaluate("document.activeElement.id") == "q-thm_anzahl"
    page.fill("#q-thm_anzahl", "5")  # the server's message goes as the answer is fixed
    assert error.is_hidden() and page.get_attribute("#q-thm_anzahl", "aria-invalid") is None
    ctx.close()

    # -- the same link in a new browser: the draft is there --------------------------------------
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())
    page.goto(link)
    assert page.locator("#q-ausfuelldatum").input_value() == "2022-02-15"
    assert page.is_checked("#q-koop_jc-0")
    assert "Entwurf, zuletzt gespeichert" in page.locator(".status").inner_text()
    _fill_all(page, answers, multiple)
    page.get_by_role("button", name="Prüfen und absenden").click()
    page.wait_for_url(re.compile(r".*/review/(#.*)?$"))
    page.get_by_role("button", name="Absenden", exact=True).click()
    page.wait_for_url(re.compile(r".*/summary/(#.*)?$"))
    assert "Vielen Dank" in page.locator(".messages").inner_text()
    assert "THM wird zu KIM-Koordination" in page.content()
    _shot(page, "04_zusammenfassung.png", web_backend)
    page.emulate_media(media="print")
    assert page.locator(".top").is_hidden()  # the printable copy has no navigation
    page.emulate_media(media="screen")
    ctx.close()
    sr = SiteReturn.objects.get(wave=wave)
    assert sr.status == "submitted"
    # the explicit save keeps a version; the autosaves of each browser replace their own
    kinds = [v.kind for v in sr.versions.order_by("number")]
    assert kinds[-1] == "submit" and kinds.count("draft") == 1, kinds
    assert kinds.count("autosave") <= 4, kinds

    # -- a phone ---------------------------------------------------------------------------------
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="de-DE"
    )
    p2 = phone.new_page()
    p2.goto(base + f"/r/{web.token('mk')}/")
    p2.locator("[data-next]").click()
    width = p2.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing wider than the screen
    _shot(p2, "06_handy.png", web_backend, full=False)
    phone.close()

    # -- the coordinator ---------------------------------------------------------------------------
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="de-DE", accept_downloads=True
    )
    page = ctx.new_page()
    page.goto(base + "/login/")
    _shot(page, "00_anmeldung.png", web_backend, full=False)
    page.fill("#id_username", "koordination")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.goto(base + f"/p/{web.program.slug}/w/{wave.pk}/")
    assert page.locator("#ruecklauf").inner_text() == "1 von 54"
    _shot(page, "05_uebersicht.png", web_backend)
    with page.expect_download() as info:
        page.get_by_role("button", name="Daten (CSV)").click()
    csv_path = tmp_path / "ruecklaeufe.csv"
    info.value.save_as(csv_path)
    # the German page offers the German Excel dialect first (issue 16); klappt tabulate reads it
    assert csv_path.read_bytes().startswith("\ufeff_id;_submission_time;".encode())
    page.goto(base + f"/p/{web.program.slug}/w/{wave.pk}/results/")
    _shot(page, "07_ergebnisse.png", web_backend, full=False)
    page.goto(base + f"/p/{web.program.slug}/sites/")
    _shot(page, "08_standorte.png", web_backend, full=False)
    page.goto(base + f"/p/{web.program.slug}/sites/{web.site('gt').pk}/")
    assert page.locator("#link-validity").inner_text() == "gültig bis zum Widerruf"
    _shot(page, "18_standort_link.png", web_backend, full=True)
    page.goto(base + f"/p/{web.program.slug}/w/{wave.pk}/settings/")
    _shot(page, "09_welle.png", web_backend, full=False)
    page.get_by_role("button", name="English").click()  # the language switch keeps the page
    assert page.locator("h2#h-state").inner_text() == "Open and close"
    page.goto(base + f"/p/{web.program.slug}/w/{wave.pk}/preview/")
    assert page.locator("#progress").inner_text().startswith("Section 1 of 5")
    assert "District or city" in page.content() or "Please choose your district" in page.content()
    _shot(page, "10_vorschau_englisch.png", web_backend, full=False)
    ctx.close()

    # klappt tabulate on the download gives the dashboard's numbers, and those of the reference row
    done = subprocess.run(
        [sys.executable, "-m", "klappt", "tabulate", str(FORM), str(csv_path), "--json", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(done.stdout)
    assert got["responses"] == 1
    ref_csv = tmp_path / "gt.csv"
    with (REPO / "src/klappt/reference/returns_2022.csv").open(encoding="utf-8", newline="") as fh:
        import csv

        rows = list(csv.reader(fh))
    with ref_csv.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(rows[0])
        w.writerows(r for r in rows[1:] if r[2] == "gt")
    ref = subprocess.run(
        [sys.executable, "-m", "klappt", "tabulate", str(FORM), str(ref_csv), "--json", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert got == json.loads(ref.stdout)
    assert not errors, errors


def _open_form(web: Any, live: Any, browser: Any, path: Path, form_md: str) -> tuple:
    """A wave of ``form_md`` and the site gt's form open in a new German browser context;
    ``errors`` collects what the page's scripts report."""
    path.write_text(form_md, encoding="utf-8")
    web.load_register()
    wave = web.make_wave(name=path.stem, form=path)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live.url + f"/r/{web.token('gt')}/")
    return wave, ctx, page, errors


@pytest.mark.web_live
def test_site_fills_repeat_entries_with_live_checks_and_filtered_choices__ok(
    web: Any, web_backend: str, live: Any, browser: Any, tmp_path: Path
) -> None:
    """Entries added and removed in the page, checks shown as a field is left (and announced),
    choices filtered by an earlier answer, ``${…}`` in labels kept current; then submitted."""
    from klappt.web.models import SiteReturn

    wave, ctx, page, errors = _open_form(web, live, browser, tmp_path / "projekte.md", REPEAT_MD)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))

    # the default answer, and the label that names it
    assert page.is_checked('[name="land"][value="de"]')
    label = page.locator('[data-q="stadt"] legend .ref')
    assert label.inner_text() == "Deutschland"
    wien = page.locator('[name="stadt"][value="w"]')
    assert wien.is_hidden() and page.locator('[name="stadt"][value="h"]').is_visible()
    page.check('[name="land"][value="at"]')
    assert label.inner_text() == "Österreich" and wien.is_visible()
    assert page.locator('[name="stadt"][value="b"]').is_hidden()
    page.check('[name="stadt"][value="w"]')
    page.check('[name="land"][value="de"]')  # Wien no longer fits: kept, and said so
    assert wien.is_visible() and page.is_checked('[name="stadt"][value="w"]')
    stadt_error = page.locator("#q-stadt-error")
    assert "passt nicht zu Ihren früheren Angaben" in stadt_error.inner_text()
    page.check('[name="stadt"][value="h"]')
    assert stadt_error.is_hidden() and wien.is_hidden()

    # a constraint as the field is left: next to it, tied to it, announced
    page.fill("#q-anzahl", "-1")
    page.keyboard.press("Tab")
    error = page.locator("#q-anzahl-error")
    assert "nicht zulässig" in error.inner_text()
    assert page.get_attribute("#q-anzahl", "aria-invalid") == "true"
    assert "q-anzahl-error" in page.get_attribute("#q-anzahl", "aria-describedby")
    for _ in range(50):
        if page.locator("#live-errors").text_content():
            break
        page.wait_for_timeout(20)
    assert "Wie viele Projekte?" in page.locator("#live-errors").text_content()
    # not while passing through: an untouched required field stays quiet
    assert page.locator("#q-stadt-error").is_hidden()
    page.fill("#q-anzahl", "2")  # fixing it clears the message while typing
    assert error.is_hidden() and page.get_attribute("#q-anzahl", "aria-invalid") is None

    # the repeat applies now (a step of its own); entries are added in the page
    assert page.locator("#progress").inner_text().startswith("Abschnitt 1 von 3")
    page.locator("[data-next]").click()
    assert page.locator("#progress").inner_text().startswith("Abschnitt 2 von 3: Projekte")
    repeat = page.locator("#s-proj")
    assert repeat.is_visible() and page.locator("[data-no-entries]").is_visible()
    add = page.get_by_role("button", name="Weiteren Eintrag hinzufügen: Projekte")
    add.click()
    assert page.evaluate("document.activeElement.id") == "e-proj-1-h"
    page.fill('[name="proj[1]/titel"]', "Sprachcafé")
    jahre_label = page.locator('[data-q="proj[1]/jahre"] .qlabel .ref')
    assert jahre_label.inner_text() == "Sprachcafé"
    page.fill('[name="proj[1]/jahre"]', "12")
    page.keyboard.press("Tab")
    assert "höchstens 10 Jahre" in page.locator("#q-proj-1-jahre-error").inner_text()
    assert page.locator('[data-q="proj[1]/warum"]').is_visible()  # this entry's own condition
    add.click()
    page.fill('[name="proj[2]/titel"]', "x")
    page.fill('[name="proj[2]/titel"]', "")  # touched and left empty: now it is a mistake
    page.keyboard.press("Tab")
    assert "Bitte beantworten Sie diese Frage" in page.locator("#q-proj-2-titel-error").inner_text()
    page.fill('[name="proj[2]/titel"]', "Lotsen")
    assert page.locator("#q-proj-2-titel-error").is_hidden()
    page.fill('[name="proj[2]/jahre"]', "1")
    assert page.locator('[data-q="proj[2]/warum"]').is_hidden()
    page.keyboard.press("Tab")
    page.locator("#s-proj__step-h").scroll_into_view_if_needed()
    page.mouse.wheel(0, 250)
    _shot(page, "15_wiederholung.png", web_backend, full=False)
    page.locator("#e-proj-1").get_by_role("button", name="Diesen Eintrag entfernen").click()
    assert dialogs and page.locator("[data-entry]").count() == 1
    assert page.locator("#e-proj-2 [data-entry-number]").first.inner_text() == "1"
    page.get_by_role("button", name="Prüfen und absenden").click()
    page.wait_for_url(re.compile(r".*/review/(#.*)?$"))
    page.get_by_role("button", name="Absenden", exact=True).click()
    page.wait_for_url(re.compile(r".*/summary/(#.*)?$"))
    assert "Projekte – Eintrag 1" in page.content() and "Lotsen" in page.content()
    _shot(page, "16_wiederholung_zusammenfassung.png", web_backend)
    sr = SiteReturn.objects.get(wave=wave)
    assert sr.status == "submitted"
    assert sr.values["proj"] == [{"titel": "Lotsen", "jahre": "1", "warum": None}]
    assert sr.values["stadt"] == "h"
    ctx.close()
    assert not errors, errors


@pytest.mark.web_live
def test_an_expired_link_says_so__error(
    web: Any, web_backend: str, live: Any, browser: Any
) -> None:
    import datetime as dt

    from django.utils import timezone

    from klappt.web.models import SiteLink

    web.setup()
    token = web.token("gt")
    SiteLink.objects.filter(site=web.site("gt")).update(
        expires_at=timezone.now() - dt.timedelta(days=2)
    )
    ctx = browser.new_context(viewport={"width": 1280, "height": 700}, locale="de-DE")
    page = ctx.new_page()
    response = page.goto(live.url + f"/r/{token}/")
    assert response.status == 410
    assert page.locator("h1").inner_text() == "Dieser Link ist abgelaufen"
    assert "nach einem neuen Link" in page.content()
    _shot(page, "17_link_abgelaufen.png", web_backend, full=False)
    ctx.close()


@pytest.mark.web_live
def test_repeat_count_follows_the_answer_live__ok(
    web: Any, web_backend: str, live: Any, browser: Any, tmp_path: Path
) -> None:
    """A repeat whose repeat_count names an answer grows and shrinks as that answer changes,
    without buttons to add or remove; a fixed count shows its entries from the start."""
    from klappt.web.models import SiteReturn

    wave, ctx, page, errors = _open_form(web, live, browser, tmp_path / "zahl.md", COUNT_MD)
    proj = page.locator("#s-proj [data-entries] > [data-entry]")
    assert proj.count() == 0
    assert page.locator("#s-kontakt [data-entries] > [data-entry]").count() == 2
    page.fill("#q-anzahl", "3")
    assert proj.count() == 3
    assert page.locator("#s-proj [data-entry-number]").all_inner_texts()[:3] == ["1", "2", "3"]
    assert page.locator("#s-proj [data-add], #s-proj [data-remove]").count() == 0
    page.locator("[data-next]").click()
    page.fill('[name="proj[1]/titel"]', "Sprachcafé")
    page.fill('[name="proj[2]/titel"]', "Lotsen")
    _shot(page, "19_wiederholung_anzahl.png", web_backend, full=False)
    page.locator("[data-prev]").click()
    page.fill("#q-anzahl", "1")  # the last entries go
    assert proj.count() == 1
    assert page.input_value('[name="proj[1]/titel"]') == "Sprachcafé"
    page.fill("#q-anzahl", "")  # no number: no entry
    assert proj.count() == 0
    page.fill("#q-anzahl", "2")  # new entries come back blank
    assert proj.count() == 2
    assert proj.first.locator("input[type=text]").input_value() == ""
    page.get_by_role("button", name="Entwurf speichern").click()
    page.wait_for_load_state()
    sr = SiteReturn.objects.get(wave=wave)
    assert sr.values["anzahl"] == "2" and len(sr.values["proj"]) == 2
    assert len(sr.values["kontakt"]) == 2
    assert not errors, errors
    ctx.close()
