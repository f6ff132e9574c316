"""The whole wave in a real browser (issue 16, "How it is checked"): from ``klappt init`` to the deck.

A real ``klappt serve`` (gunicorn, its mail sender in the background), a real SMTP server
(aiosmtpd on 127.0.0.1, :mod:`smtp_relay`) and Debian's Chromium driven by Playwright. The
links are public (``KLAPPT_BASE_URL=http://umfrage.example.org:PORT``, as sending requires);
Chromium resolves that name to 127.0.0.1, so every site opens the very link its mail brought.

The steps: ``klappt init``, the reference register with addresses, ``klappt wave open`` with the
reference form and a deadline → invitations sent from the mail page, each site's mail with its
own link → two sites submit through their links, a third saves a draft → a reminder reaches the
sites that have not submitted (the draft one included) and not the two that did → the
coordinator corrects a return with a reason, its history shows the change → the form is
replaced by a new version (a choice added, a question added and removed) after the sites
started, the draft's answers carried over → the data CSV in the German Excel dialect (Python's
``csv``), the XLSX (openpyxl) and the deck (python-pptx), downloaded in the browser. Runs on
SQLite and PostgreSQL (see conftest.py); on SQLite the screens are saved
(``browser.screenshot_dir``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from browser import ARGS, CHROMIUM, screenshot_dir
from databases import CLEAN_ENV, PASSWORD, real_database
from http_session import Server
from reference_data import FORM, REGISTER, multiple, reference_returns
from smtp_relay import relay
from test_browser import _fill_all
from test_returns_admin import form_v2

pytestmark = pytest.mark.slow

HOST = "umfrage.example.org"
SHOTS = screenshot_dir()
SUBMITTING = ("gt", "e")  # submit through the link from their mail
DRAFTING = "du"  # saves a draft only


def _address(site_id: str) -> str:
    return f"{site_id}@kommunen.example.org"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(
        [sys.executable, "-m", "klappt", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0 and "Traceback" not in r.stderr, (args, r.stderr)
    return r


def _register_with_addresses(target: Path) -> list[str]:
    """The reference register with an e-mail column; returns the site ids."""
    with REGISTER.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with target.open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, [*rows[0].keys(), "email"])
        out.writeheader()
        for row in rows:
            out.writerow({**row, "email": _address(row["site_id"])})
    return [row["site_id"] for row in rows]


def _form_v2_with_a_choice(folder: Path) -> Path:
    """The tests' second form version (:func:`test_returns_admin.form_v2`) with, in addition, a
    choice added to ``koop_art``, the list of ``koop_jc``."""
    import openpyxl

    path = form_v2(folder)
    wb = openpyxl.load_workbook(path)
    wb["choices"].append(["koop_art", "vernetzt", "Neu vernetzt", "Newly networked"])
    wb.save(path)
    return path


def _wait(what: str, ready: Callable[[], bool], log: Path, seconds: float = 180) -> None:
    """Wait for the background sender (a readiness poll, not a timed assertion)."""
    end = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > end:
            raise AssertionError(f"{what}: {log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def _shot(page: Any, name: str, backend: str) -> None:
    if backend == "sqlite":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)


def _saved(page: Any) -> None:
    for _ in range(200):  # polled: the page's CSP forbids eval
        if "Gespeichert um" in (page.locator("#save-state").text_content() or ""):
            return
        page.wait_for_timeout(50)
    raise AssertionError(page.locator("#save-state").text_content())


def _download(page: Any, click: Callable[[], None], target: Path) -> Path:
    with page.expect_download() as info:
        click()
    info.value.save_as(target)
    return target


@pytest.fixture
def wave(web_backend: str, tmp_path: Path) -> Any:
    """``klappt init``, the register, ``klappt wave open``, a coordinator; ``klappt serve`` with
    a relay and a public base URL."""
    if not os.environ.get("KLAPPT_WEB_BACKEND"):
        yield None  # the outer run: the test runs in the child process of its backend
        return
    project = tmp_path / "projekt"
    with real_database(web_backend, project) as extra, relay() as smtp:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in (*CLEAN_ENV, "KLAPPT_EMAIL_URL", "KLAPPT_BASE_URL")
        }
        env.update(extra)
        register = tmp_path / "register.csv"
        sites = _register_with_addresses(register)
        run(["init", str(project)], env)
        env["KLAPPT_PROJECT"] = str(project)
        run(["register", str(register)], env)
        opened = run(["wave", "open", "2022", "--form", str(FORM), "--deadline", "31.12.2030"], env)
        assert f"{len(sites)} Standorte" in opened.stderr and "31.12.2030" in opened.stderr
        subprocess.run(
            [sys.executable, "-m", "klappt", "createuser", "koordination", "--password-stdin"],
            env=env,
            input=PASSWORD + "\n",
            capture_output=True,
            text=True,
            check=True,
        )
        server = Server(project, env, tmp_path / "server.log")
        env.update(
            {
                "KLAPPT_BASE_URL": f"http://{HOST}:{server.port}",
                "KLAPPT_ALLOWED_HOSTS": f"{HOST},127.0.0.1,localhost",
                "KLAPPT_EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
                "KLAPPT_EMAIL_FROM": "Programmbüro <programm@example.org>",
                "KLAPPT_EMAIL_PER_MINUTE": "6000",
                "KLAPPT_EMAIL_RETRY_SECONDS": "0.2",
            }
        )
        server.start()
        try:
            yield {"server": server, "env": env, "smtp": smtp, "sites": sites, "tmp": tmp_path}
        finally:
            server.stop()


@pytest.fixture(scope="module")
def browser() -> Any:
    """Chromium that finds the public host name of the links on this machine."""
    from browser import launch

    pw, probe = launch()  # skips without Chromium or Playwright
    probe.close()
    b = pw.chromium.launch(
        executable_path=CHROMIUM, args=[*ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"]
    )
    yield b
    b.close()
    pw.stop()


def test_the_whole_wave_from_init_to_the_deck_in_a_browser__ok(
    wave: dict[str, Any], web_backend: str, browser: Any
) -> None:
    server, env, smtp, sites, tmp = (
        wave["server"],
        wave["env"],
        wave["smtp"],
        wave["sites"],
        wave["tmp"],
    )
    base = env["KLAPPT_BASE_URL"]
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="de-DE", accept_downloads=True
    )
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())
    page.goto(base + "/login/")
    page.fill("#id_username", "koordination")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(base + "/p/default/")
    href = page.locator('a[href*="/w/"]').first.get_attribute("href")
    wave_id = int(re.search(r"/w/(\d+)/", href).group(1))
    dash = f"{base}/p/default/w/{wave_id}/"

    # -- invitations: each site's mail, with its own link ------------------------------------
    page.goto(dash + "mail/")
    page.click("form:has(input[name=action][value=invite_all]) button")
    assert page.locator(".messages").is_visible()
    _wait("invitations", lambda: len(smtp.messages) >= len(sites), server.log)
    target = tmp / "links.csv"
    run(["links", "2022", "--csv", str(target)], env)
    listed = {
        r["site_id"]: r["link"]
        for r in csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig")))
    }
    links = {}
    for site in sites:
        (mail,) = smtp.to(_address(site))
        (links[site],) = smtp.links(_address(site))
        assert links[site] == listed[site] and links[site].startswith(base + "/r/"), site
        assert "31.12.2030" in mail["body"]
    assert len(set(links.values())) == len(sites)
    page.reload()
    # the preview's long lines wrap inside their panel: nothing wider than the window
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    _shot(page, "30_welle_einladungen.png", web_backend)

    # -- two sites submit through the link from their mail, a third saves a draft -----------
    returns = {r["kommune"]: r for r in reference_returns()}
    many = set(multiple())
    for site in SUBMITTING:
        sp = ctx.new_page()
        sp.goto(links[site])
        assert sp.url == links[site]
        _fill_all(sp, returns[site], many)
        sp.get_by_role("button", name="Prüfen und absenden").click()
        sp.wait_for_url(re.compile(r".*/review/(#.*)?$"))
        sp.get_by_role("button", name="Absenden", exact=True).click()
        sp.wait_for_url(re.compile(r".*/summary/(#.*)?$"))
        assert "Vielen Dank" in sp.locator(".messages").inner_text()
        if site == SUBMITTING[0]:
            _shot(sp, "31_welle_abgesandt.png", web_backend)
        sp.close()
    sp = ctx.new_page()
    sp.goto(links[DRAFTING])
    _fill_all(sp, {"koop_jc": "intensiviert", "thm_anzahl": "3", "thm_vze": "2.5"}, many)
    sp.get_by_role("button", name="Entwurf speichern").click()
    _saved(sp)
    sp.close()
    page.goto(dash)
    assert page.locator("#ruecklauf").inner_text() == f"2 von {len(sites)}"

    # -- a reminder: to the sites that have not submitted, the draft one included ------------
    page.goto(dash + "mail/")
    page.click("form:has(input[name=action][value=remind]) button")
    missing = [site for site in sites if site not in SUBMITTING]

    def subjects(site: str, word: str) -> list[str]:
        return [m["subject"] for m in smtp.to(_address(site)) if m["subject"].startswith(word)]

    _wait(
        "reminders",
        lambda: sum(len(subjects(site, "Erinnerung")) for site in missing) >= len(missing),
        server.log,
    )
    time.sleep(1)  # nothing more arrives (the sender sends what was queued, once)
    for site in sites:
        # the sites that submitted got a confirmation of receipt instead of a reminder
        assert len(subjects(site, "Einladung")) == 1, site
        assert len(subjects(site, "Erinnerung")) == (0 if site in SUBMITTING else 1), site
        assert len(subjects(site, "Eingangsbestätigung")) == (site in SUBMITTING), site
    assert len(smtp.messages) == 2 * len(sites)
    (invite, reminder) = smtp.to(_address(DRAFTING))
    assert reminder["subject"] != invite["subject"]
    assert smtp.links(_address(DRAFTING)) == [links[DRAFTING]] * 2
    page.reload()
    _shot(page, "32_welle_erinnerung.png", web_backend)

    # -- a correction with its history -------------------------------------------------------
    page.goto(dash)
    page.click("text=Kreis Gütersloh")
    page.click("text=Rücklauf korrigieren")
    assert page.locator("#f-thm_anzahl").input_value() == returns["gt"]["thm_anzahl"] == "2"
    page.fill("#f-thm_anzahl", "3")
    page.fill("#f-reason", "Tippfehler, telefonisch gemeldet")
    page.click("text=Korrektur speichern")
    assert "Korrektur als Version" in page.locator(".messages").inner_text()
    rows = page.locator("table.data").first.inner_text()
    assert "koordination" in rows and "Tippfehler, telefonisch gemeldet" in rows
    changes = page.locator("#changes tbody").inner_text()
    assert "thm_anzahl" in changes and "2" in changes and "3" in changes
    assert page.locator("#changes tbody tr").count() == 1, changes
    _shot(page, "33_welle_korrektur.png", web_backend)

    # -- the form replaced after the sites started -------------------------------------------
    page.goto(dash)
    page.click("text=Fragebogen ersetzen")
    page.set_input_files("#id_form_file", str(_form_v2_with_a_choice(tmp)))
    page.click("text=Gegen die Rückläufe prüfen")
    plan = page.locator("#plan").inner_text()
    assert "Kreis Gütersloh" in plan and "Duisburg" in plan and "Essen" in plan
    assert "intensiviert" in plan and "thm_vze" in plan
    # a decimal question become an integer one: 1.5 (Gütersloh) no longer fits, 2 (Essen) does
    assert "thm_vze" in page.locator("#plan tr", has_text="Kreis Gütersloh").inner_text()
    assert "thm_vze" not in page.locator("#plan tr", has_text="Essen").inner_text()
    _shot(page, "34_welle_fragebogen_pruefen.png", web_backend)
    page.click("text=Fragebogen jetzt ersetzen")
    assert "Fassung 2" in page.locator(".messages").inner_text()
    # the draft's answers are carried over where they fit; the new choice is offered
    sp = ctx.new_page()
    sp.goto(links[DRAFTING])
    sp.goto(f"{links[DRAFTING]}{wave_id}/?edit=1&step=3")
    assert sp.locator("#q-thm_anzahl").input_value() == "3"
    assert sp.locator("#q-thm_vze").input_value() in ("2.5", "2,5")
    assert sp.locator('[name="neu_kontakt"]').count() == 1
    assert sp.locator('[name="bildung_angebote"]').count() == 0
    assert sp.locator('[name="koop_jc"][value="vernetzt"]').count() == 1
    assert sp.locator('[name="koop_jc"][value="intensiviert"]').count() == 0
    sp.close()
    page.goto(dash)
    page.click("text=Duisburg")
    page.goto(page.url.split("?")[0].rstrip("/") + "/history/")
    history = page.locator("table.data").first.inner_text()
    assert "In einen neuen Fragebogen übernommen" in history, history
    _shot(page, "35_welle_uebernommen.png", web_backend)

    # -- downloads: the CSV for German Excel, the workbook, the deck ------------------------
    page.goto(dash)
    page.select_option("#data-dialect", "excel-de")
    data_csv = _download(
        page,
        lambda: page.get_by_role("button", name="Daten (CSV)").click(),
        tmp / "daten.csv",
    )
    raw = data_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    header, data = table[0], table[1:]
    col = {name: i for i, name in enumerate(header)}
    by_site = {row[col["_site_id"]]: row for row in data}
    assert set(by_site) == set(SUBMITTING), by_site.keys()
    assert by_site["gt"][col["thm_vze"]] == "1,5"  # the reference return: 1.5
    assert by_site["gt"][col["thm_anzahl"]] == "3"  # the correction
    # a submitted return keeps the answers of the form it was made with
    assert by_site["gt"][col["koop_jc"]] == returns["gt"]["koop_jc"] == "intensiviert"
    assert by_site["gt"][col["_form_version"]] == "1", header
    day = dt.date.fromisoformat(returns["gt"]["ausfuelldatum"])
    assert by_site["gt"][col["ausfuelldatum"]] == day.strftime("%d.%m.%Y")
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d", by_site["e"][col["_submission_time"]])

    from openpyxl import load_workbook

    xlsx = _download(
        page,
        lambda: page.get_by_role("button", name="Daten (Excel)").click(),
        tmp / "daten.xlsx",
    )
    ws = load_workbook(xlsx).worksheets[0]
    assert ws.freeze_panes == "A2"
    xhead = [c.value for c in ws[1]]
    xcol = {name: i + 1 for i, name in enumerate(xhead)}
    xrows = {ws.cell(row=i, column=xcol["_site_id"]).value: i for i in range(2, ws.max_row + 1)}
    assert set(xrows) == set(SUBMITTING)
    filled = ws.cell(row=xrows["gt"], column=xcol["ausfuelldatum"])
    assert filled.is_date and filled.value == dt.datetime.combine(day, dt.time())
    assert ws.cell(row=xrows["gt"], column=xcol["_submission_time"]).is_date
    assert ws.cell(row=xrows["gt"], column=xcol["thm_vze"]).value == 1.5

    from pptx import Presentation

    deck_path = _download(
        page,
        lambda: page.locator('a[href$="/report.pptx"]').click(),
        tmp / "bericht.pptx",
    )
    deck = Presentation(str(deck_path))
    texts = [
        shape.text_frame.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_text_frame
    ]
    assert len(deck.slides) >= 2
    assert any("Arbeitshilfe" in t or "2022" in t for t in texts), texts[:10]
    if web_backend == "sqlite":  # kept beside the screens, to be looked at
        SHOTS.mkdir(parents=True, exist_ok=True)
        deck_path.replace(SHOTS / "36_welle_bericht.pptx")
    ctx.close()
