"""Coding open answers in a real browser, keyboard only (Playwright drives Debian's Chromium).

An analyst computes suggestions, accepts one with ``+``, gives and takes back codes with the digit
keys, rejects a suggestion with ``-``, marks "no code applies" with ``0`` and moves with ``j``,
``k`` and the arrow keys; no keystroke loads a page. A second coder disagrees on one part, the
agreement page lists it, it is resolved. ``klappt tabulate --wave`` (a separate process on the same
database) counts the stored codes. On SQLite the screens are saved to ``docs/screenshots/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from browser import screenshot_dir
from test_coding_views import QUESTION, _coded_wave, _press

REPO = Path(__file__).resolve().parents[2]
SHOTS = screenshot_dir()


@pytest.fixture(scope="module")
def browser() -> Any:
    from browser import launch

    pw, b = launch()
    yield b
    b.close()
    pw.stop()


def _shot(page: Any, name: str, web_backend: str, full: bool = False) -> None:
    if web_backend != "sqlite":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=full)


def _wait_seq(page: Any, seq: int) -> None:
    """Until the screen has applied ``seq`` answers of the server (polled: the CSP forbids eval)."""
    for _ in range(400):
        if page.get_attribute("#coding", "data-seq") == str(seq):
            return
        page.wait_for_timeout(10)
    raise AssertionError(f"data-seq stayed {page.get_attribute('#coding', 'data-seq')}, not {seq}")


def _answer(page: Any) -> str:
    return page.get_attribute("#unit", "data-answer")


def _database_url() -> str:
    """The test database, for a ``klappt`` process beside the live server."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))


def _klappt(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update({"DATABASE_URL": _database_url(), "KLAPPT_PROJECT": str(project), "COLUMNS": "200"})
    return subprocess.run(
        [sys.executable, "-m", "klappt", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
        timeout=300,
        check=False,
    )


@pytest.mark.web_live
def test_analyst_codes_by_keyboard_accepts_a_suggestion_and_tabulate_counts_it__ok(
    web: Any, web_backend: str, live: Any, browser: Any, tmp_path: Path
) -> None:
    from web_helpers import PASSWORD

    from klappt.store.coding_models import AnswerCoding

    wave = _coded_wave(web, sites=("ob", "rs", "bor"))  # parts: ob#1 ob#2 rs#1 rs#2 bor#1
    web.user(name="anna")
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="de-DE")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))
    page.goto(live.url + "/login/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live.url + "/")
    screen = f"{live.url}/p/{web.program.slug}/w/{wave.pk}/coding/{QUESTION}/"
    page.goto(f"{live.url}/p/{web.program.slug}/w/{wave.pk}/coding/")
    _shot(page, "11_codierung_uebersicht.png", web_backend)
    page.goto(screen)

    # suggestions first: the button, by keyboard
    page.get_by_role("button", name="Vorschläge berechnen").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "Vorschläge für 5 Antwortteile berechnet" in page.locator(".messages").inner_text()
    assert not AnswerCoding.objects.exists()
    assert _answer(page) == "ob#1"
    assert "Übernehmen: Beratungs- und Begleitungsstrukturen" in page.locator("#unit").inner_text()
    loads.clear()

    page.keyboard.press("+")  # accept the first suggestion
    _wait_seq(page, 1)
    assert page.is_checked("#code-1")
    assert "übernommener Vorschlag" in page.locator("#code-1 + label").inner_text()
    live_text = page.locator("#coding-live")
    for _ in range(100):
        if live_text.text_content():
            break
        page.wait_for_timeout(10)
    assert live_text.text_content() == "Vorschlag Beratungs- und Begleitungsstrukturen übernommen"

    page.keyboard.press("j")  # next part
    _wait_seq(page, 2)
    assert _answer(page) == "ob#2"
    assert page.evaluate("document.activeElement.id") == "unit-h"  # the new part is announced
    for key in ("4", "1", "1"):  # kooperation; beratung given and taken back
        page.keyboard.press(key)
    _wait_seq(page, 5)
    assert page.is_checked("#code-4") and not page.is_checked("#code-1")
    assert "1 von 5" not in page.locator("#coding-progress").inner_text()
    assert (
        page.locator("#coding-progress").inner_text() == "2 von 5 Antwortteilen von Ihnen codiert"
    )

    page.keyboard.press("ArrowRight")
    _wait_seq(page, 6)
    assert _answer(page) == "rs#1"
    page.keyboard.press("+")  # "niedrigschwellige Bildungsangebote": the example of "angebote"
    _wait_seq(page, 7)
    assert page.is_checked("#code-2")

    page.keyboard.press("j")
    _wait_seq(page, 8)
    assert _answer(page) == "rs#2"
    _shot(page, "12_codierung.png", web_backend)
    rejected = page.get_attribute(".suggestion [data-accept]", "data-accept")
    page.keyboard.press("-")  # reject the first suggestion, then code by hand
    _wait_seq(page, 9)
    assert page.locator(f'.suggestion [data-accept="{rejected}"]').count() == 0
    page.keyboard.press("3")  # zugaenge
    _wait_seq(page, 10)
    page.keyboard.press("j")
    _wait_seq(page, 11)
    assert _answer(page) == "bor#1"
    page.keyboard.press("0")  # no code applies
    _wait_seq(page, 12)
    assert page.is_checked("#code-none")
    for n in range(3):  # back: rs#2, rs#1, ob#2
        page.keyboard.press("k")
        _wait_seq(page, 13 + n)
    assert _answer(page) == "ob#2"
    assert page.is_checked("#code-4") and not page.is_checked("#code-1")  # stored, not local
    # single-key shortcuts can be switched off (WCAG 2.1.4), and on again
    page.locator("details.keys summary").click()
    page.uncheck("#keys-on")
    page.keyboard.press("1")
    page.wait_for_timeout(300)
    assert page.get_attribute("#coding", "data-seq") == "15" and not page.is_checked("#code-1")
    page.check("#keys-on")
    assert loads == []  # not one page load since the suggestions
    assert page.url.endswith("?n=2")  # the address follows, for a reload or a bookmark

    mine = {
        (f"{r.return_id}#{r.segment}", r.code, r.suggested)
        for r in AnswerCoding.objects.filter(coder="anna")
    }
    assert mine == {
        ("ob#1", "beratung", True),
        ("ob#2", "kooperation", False),
        ("rs#1", "angebote", True),
        ("rs#2", "zugaenge", False),
        ("bor#1", "", False),
    }

    # -- the table view by code -----------------------------------------------------------
    page.goto(f"{screen}review/?code=beratung")
    row = page.locator("table.data tbody tr")
    assert row.count() == 1
    assert "eine feste Ansprechperson für die Zielgruppe" in row.inner_text()
    assert "anna" in row.inner_text() and "übernommener Vorschlag" in row.inner_text()
    _shot(page, "13_nach_code.png", web_backend)

    # -- a second coder, agreement, resolving -----------------------------------------------
    ben = web.client(web.user(name="ben"))
    _press(ben, web, wave, "ob#1", action="set", code="flankierend", on="1")
    _press(ben, web, wave, "ob#2", action="set", code="kooperation", on="1")
    page.goto(f"{screen}agreement/")
    assert page.locator("#agreement-n").inner_text() == "2"
    assert page.locator(".disagreement").count() == 1
    assert (
        "anna: Beratungs- und Begleitungsstrukturen" in page.locator(".disagreement").inner_text()
    )
    _shot(page, "14_uebereinstimmung.png", web_backend, full=True)
    form = page.locator(".disagreement")
    form.get_by_label("Beratungs- und Begleitungsstrukturen").check()
    form.get_by_role("button", name="Als endgültig speichern").click()
    page.wait_for_load_state()
    assert "Keine offenen Abweichungen." in page.content()
    ctx.close()
    assert not errors, errors

    # -- klappt tabulate --wave, another process on the same database ----------------------
    project = tmp_path / "projekt"
    (project / ".klappt").mkdir(parents=True)
    (project / "klappt-project.toml").write_text(
        f'program = "{web.program.slug}"\n', encoding="utf-8"
    )
    done = _klappt(project, "tabulate", "--wave", str(wave.name), "--json", "-")
    assert done.returncode == 0, done.stderr
    table = next(
        t for t in json.loads(done.stdout)["tables"] if t["question"] == f"{QUESTION}__codes"
    )
    # ob: beratung (resolved) + kooperation (agreed); rs: angebote + zugaenge; bor: no code
    assert table["base"] == 3
    assert {r["choice"]: r["count"] for r in table["rows"]} == {
        "beratung": 1,
        "angebote": 1,
        "zugaenge": 1,
        "kooperation": 1,
        "flankierend": 0,
        "_kein_code": 1,
    }
    done = _klappt(project, "code", "status", "--wave", str(wave.name), "--json", "-")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout[done.stdout.index("{") :])["questions"]
    row = next(q for q in status if q["question"] == QUESTION)
    # ob#1's accepted suggestion was overruled by the resolution; rs#1's still counts
    assert (row["codes"], row["from_suggestions"], row["unresolved"]) == (4, 1, 0)


def _overflow(page: Any) -> dict[str, Any]:
    """How far the page and the overview's table scroll sideways, and how wide the table is."""
    return page.evaluate(
        """() => { const w = document.querySelector('.table-wrap');
        const t = w.querySelector('table');
        return {page: document.documentElement.scrollWidth, view: window.innerWidth,
                wrap: w.scrollWidth, client: w.clientWidth, table: t.getBoundingClientRect().width}; }"""
    )


@pytest.mark.web_live
def test_overview_does_not_scroll_sideways_and_a_code_is_added_while_reading__ok(
    web: Any, web_backend: str, live: Any, browser: Any
) -> None:
    """Issue 17: the coding overview fits (1280 px; at 200 % zoom only the table scrolls, and
    only as far as the table goes); a coder opens "Code hinzufügen" under the answer, adds a
    code with description and example, and is back at the same part with the code and its
    description shown."""
    from web_helpers import PASSWORD

    wave = _coded_wave(web, sites=("ob", "rs", "bor"))
    web.user(name="anna")
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="de-DE")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live.url + "/login/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live.url + "/")
    page.goto(f"{live.url}/p/{web.program.slug}/w/{wave.pk}/coding/")
    wide = _overflow(page)
    assert wide["page"] <= wide["view"] and wide["wrap"] <= wide["client"], wide
    page.set_viewport_size({"width": 683, "height": 384})  # 200 % zoom of 1366×768
    _shot(page, "11b_codierung_uebersicht_200.png", web_backend, full=True)
    zoomed = _overflow(page)
    assert zoomed["page"] <= zoomed["view"], zoomed  # the page itself never scrolls sideways
    assert zoomed["wrap"] <= zoomed["table"] + 1, zoomed  # the table scrolls, no empty space
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live.url}/p/{web.program.slug}/w/{wave.pk}/coding/{QUESTION}/?n=2")
    answer = _answer(page)
    page.locator("summary", has_text="Code hinzufügen").click()
    page.fill("input[name=label]", "Sprache und Kultur")
    page.fill("textarea[name=description]", "Deutschkurse und Dolmetschen")
    page.fill("textarea[name=examples]", "Sprachcafé")
    page.get_by_role("button", name="Code hinzufügen").click()
    page.wait_for_load_state()
    assert "hinzugefügt: Codebuch Version 2" in page.locator(".messages").inner_text()
    assert _answer(page) == answer  # back at the part being read
    box = page.locator("input[value=sprache_und_kultur]")
    about = page.locator("#" + box.get_attribute("aria-describedby")).inner_text()
    assert "Deutschkurse und Dolmetschen" in about and "Sprachcafé" in about
    _shot(page, "11c_codierung_code_hinzu.png", web_backend, full=True)
    ctx.close()
    assert not errors
