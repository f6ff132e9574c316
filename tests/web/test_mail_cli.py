"""Running a wave from the command line, with mail to a real SMTP server (aiosmtpd on 127.0.0.1).

``klappt wave open``, ``klappt links``, ``klappt mail invite|remind|status|send|retry`` run as
real processes on a real project database (SQLite and PostgreSQL, see conftest.py); the relay is
a real SMTP server in the test process. The sender is killed with SIGKILL at two precise points
of the SMTP conversation, and started again: each site gets its invitation once.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from databases import real_database
from reference_data import FORM
from smtp_relay import free_port, relay

REGISTER = """site_id,name,typ,email
s1,Aachen,kreis,aachen@example.org
s2,Bonn,kreisfreie_stadt,bonn@example.org
s3,Köln,kreisfreie_stadt,koeln@example.org; rathaus@koeln.example.org
s4,Düren,kreis,dueren@example.org
s5,Euskirchen,kreis,
"""
ADDRESSED = {
    "s1": ["aachen@example.org"],
    "s2": ["bonn@example.org"],
    "s3": ["koeln@example.org", "rathaus@koeln.example.org"],
    "s4": ["dueren@example.org"],
}
BASE = "https://umfrage.example.org"


def run(
    args: list[str], env: dict[str, str], check: bool = False
) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(
        [sys.executable, "-m", "klappt", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    return r


@pytest.fixture
def project(web_backend: str, tmp_path: Path) -> Any:
    """A project with a register of five sites (one without an address) and a relay."""
    if not os.environ.get("KLAPPT_WEB_BACKEND"):
        yield None  # the outer run: the test runs in the child process of its backend
        return
    folder = tmp_path / "projekt"
    with real_database(web_backend, folder) as extra, relay() as smtp:
        env = {
            k: v
            for k, v in os.environ.items()
            if k
            not in (
                "DJANGO_SETTINGS_MODULE",
                "KLAPPT_PROJECT",
                "DATABASE_URL",
                "KLAPPT_EMAIL_URL",
                "KLAPPT_BASE_URL",
            )
        }
        env.update(extra)
        env.update(
            {
                "KLAPPT_EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
                "KLAPPT_EMAIL_FROM": "Programmbüro <programm@example.org>",
                "KLAPPT_BASE_URL": BASE,
                "KLAPPT_EMAIL_PER_MINUTE": "6000",
                "KLAPPT_EMAIL_RETRY_SECONDS": "0.2",
                "KLAPPT_EMAIL_ATTEMPTS": "3",
                "KLAPPT_EMAIL_LEASE_SECONDS": "2",
                "COLUMNS": "250",  # the status table on one line per site
            }
        )
        (tmp_path / "register.csv").write_text(REGISTER, encoding="utf-8")
        run(["init", str(folder)], env, check=True)
        run(["register", str(tmp_path / "register.csv"), "-p", str(folder)], env, check=True)
        env["KLAPPT_PROJECT"] = str(folder)
        yield {"env": env, "smtp": smtp, "dir": folder, "tmp": tmp_path}


def _open(p: dict[str, Any]) -> None:
    r = run(["wave", "open", "2024", "--form", str(FORM), "--deadline", "31.03.2030"], p["env"])
    assert r.returncode == 0, r.stderr
    assert "5 Standorte" in r.stderr and "31.03.2030" in r.stderr


def _links(p: dict[str, Any]) -> dict[str, str]:
    target = p["tmp"] / "links.csv"
    run(["links", "2024", "--csv", str(target)], p["env"], check=True)
    rows = csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig")))
    return {r["site_id"]: r["link"] for r in rows}


def _invites_per_address(p: dict[str, Any]) -> dict[str, int]:
    smtp = p["smtp"]
    return {a: len(smtp.to(a)) for addrs in ADDRESSED.values() for a in addrs}


def test_invitations_reach_the_relay_with_each_sites_link_once__ok(
    project: dict[str, Any], web_backend: str
) -> None:
    p = project
    _open(p)
    links = _links(p)
    assert all(link.startswith(BASE + "/r/") for link in links.values())

    dry = run(["mail", "invite", "2024", "--dry-run"], p["env"], check=True)
    assert "4 würden versandt" in dry.stderr and p["smtp"].messages == []

    r = run(["mail", "invite", "2024"], p["env"])
    assert r.returncode == 0, r.stderr
    assert "Versandt: 4" in r.stderr
    # the site without an address is skipped and named
    assert "ohne E-Mail-Adresse" in r.stderr and "s5 Euskirchen" in r.stderr
    for site, addresses in ADDRESSED.items():
        for address in addresses:
            assert p["smtp"].links(address) == [links[site]], (site, address)
    (koeln,) = p["smtp"].to("koeln@example.org")
    assert "Köln" in koeln["body"] and "31.03.2030" in koeln["body"]
    assert koeln["from"] == "programm@example.org"

    # twice: nothing to a site already invited, unless asked
    again = run(["mail", "invite", "2024"], p["env"], check=True)
    assert "4 schon bedacht" in again.stderr
    assert len(p["smtp"].messages) == 4
    run(["mail", "invite", "2024", "--again", "--site", "s2"], p["env"], check=True)
    assert len(p["smtp"].to("bonn@example.org")) == 2 and len(p["smtp"].messages) == 5

    status = run(["mail", "status", "2024", "--lang", "en"], p["env"], check=True)
    assert "invited on" in status.stdout and "(none)" in status.stdout

    closed = run(["wave", "close", "2024"], p["env"], check=True)
    assert "geschlossen" in closed.stderr
    refused = run(["mail", "remind", "2024"], p["env"])
    assert refused.returncode == 2 and "nicht geöffnet" in refused.stderr


def _kill_at(p: dict[str, Any], where: str) -> None:
    """Start ``klappt mail invite``, SIGKILL it when the relay sees the third site's message at
    ``where`` ("rcpt": before the message's data; "data": the relay stored it, the sender has
    not heard back), then start the sender again."""
    _open(p)
    smtp = p["smtp"]
    target = "koeln@example.org"
    proc: dict[str, subprocess.Popen[str]] = {}

    def kill() -> None:
        os.kill(proc["p"].pid, signal.SIGKILL)

    if where == "rcpt":
        smtp.on_rcpt = lambda address: kill() if address == target else None
    else:
        smtp.on_data = lambda entry: kill() if target in entry["to"] else None
    proc["p"] = subprocess.Popen(
        [sys.executable, "-m", "klappt", "mail", "invite", "2024"],
        env=p["env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    proc["p"].communicate(timeout=300)
    assert proc["p"].returncode == -signal.SIGKILL
    smtp.on_rcpt = smtp.on_data = None


def test_killing_the_sender_before_the_message_data_and_starting_again_sends_each_once__ok(
    project: dict[str, Any], web_backend: str
) -> None:
    p = project
    _kill_at(p, "rcpt")
    assert len(p["smtp"].to("koeln@example.org")) == 0  # the relay never got its data
    r = run(["mail", "send"], p["env"])  # waits for the dead sender's lease, then sends
    assert r.returncode == 0, r.stderr
    assert set(_invites_per_address(p).values()) == {1}, _invites_per_address(p)
    # and invite again (as a coordinator would after a crash) sends nothing more
    run(["mail", "invite", "2024"], p["env"], check=True)
    assert set(_invites_per_address(p).values()) == {1}


def test_killing_the_sender_after_the_relay_took_the_message_sends_it_once_and_says_uncertain__ok(
    project: dict[str, Any], web_backend: str
) -> None:
    p = project
    _kill_at(p, "data")
    assert len(p["smtp"].to("koeln@example.org")) == 1
    r = run(["mail", "send"], p["env"])
    assert set(_invites_per_address(p).values()) == {1}, _invites_per_address(p)
    status = run(["mail", "status", "2024"], p["env"], check=True)
    assert "uncertain" in status.stdout  # shown, not resent by itself
    assert r.returncode == 0, r.stderr
    # the coordinator decides: retry sends it again
    run(["mail", "retry", "2024"], p["env"], check=True)
    assert len(p["smtp"].to("koeln@example.org")) == 2


def test_an_unreachable_relay_is_retried_then_shown_failed_and_nothing_is_lost__error(
    project: dict[str, Any], web_backend: str
) -> None:
    p = project
    _open(p)
    good = dict(p["env"])
    p["env"]["KLAPPT_EMAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens
    r = run(["mail", "invite", "2024"], p["env"])
    assert r.returncode == 1, r.stderr
    assert r.stderr.count("neuer Versuch") == 8  # 4 messages x 2 retries
    assert "fehlgeschlagen: 4" in r.stderr and "ConnectionRefusedError" in r.stderr
    status = run(["mail", "status", "2024"], p["env"], check=True)
    assert status.stdout.count("failed") == 4
    assert p["smtp"].messages == []
    # nothing lost: with the relay back, retry delivers every invitation once
    run(["mail", "retry", "2024"], good, check=True)
    assert set(_invites_per_address(p).values()) == {1}


@pytest.mark.parametrize(
    "url",
    ["smtp://relay.example.org:notaport", "http://relay.example.org", "smtp://relay?tls=maybe"],
)
def test_a_malformed_email_url_is_one_clear_message__error(
    project: dict[str, Any], web_backend: str, url: str
) -> None:
    p = project
    _open(p)
    p["env"]["KLAPPT_EMAIL_URL"] = url
    r = run(["mail", "invite", "2024"], p["env"])
    assert r.returncode == 2
    assert "KLAPPT_EMAIL_URL ist ungültig" in r.stderr
    serve = run(["serve", "--port", str(free_port())], p["env"])
    assert serve.returncode == 2 and "KLAPPT_EMAIL_URL ist ungültig" in serve.stderr


def test_without_a_public_base_url_links_and_sending_are_refused__error(
    project: dict[str, Any], web_backend: str
) -> None:
    p = project
    _open(p)
    for base in ("", "http://127.0.0.1:8000", "http://localhost:8000"):
        p["env"]["KLAPPT_BASE_URL"] = base
        r = run(["mail", "invite", "2024"], p["env"])
        assert r.returncode == 2 and "KLAPPT_BASE_URL" in r.stderr, base
        r = run(["links", "2024", "--csv", str(p["tmp"] / "l.csv")], p["env"])
        assert r.returncode == 2 and not (p["tmp"] / "l.csv").exists()
    assert p["smtp"].messages == []


def test_a_template_with_an_unknown_placeholder_is_refused_and_a_good_one_is_used__error(
    project: dict[str, Any], web_backend: str
) -> None:
    p = project
    _open(p)
    body = p["tmp"] / "einladung.txt"
    body.write_text("Hallo {kommune}: {link}\n", encoding="utf-8")
    r = run(["mail", "template", "invite", "--body-file", str(body)], p["env"])
    assert r.returncode == 2 and "{kommune}" in r.stderr and "{site}" in r.stderr
    body.write_text("Hallo {site}: {link}\n{contact}\n", encoding="utf-8")
    run(
        ["mail", "settings", "--contact", "Programmbüro NRW", "--remind-days", "3,14"],
        p["env"],
        check=True,
    )
    shown = run(
        [
            "mail",
            "template",
            "invite",
            "--subject",
            "Bitte bis {deadline}",
            "--body-file",
            str(body),
        ],
        p["env"],
        check=True,
    )
    assert "Hallo : {link}" in shown.stdout and "Programmbüro NRW" in shown.stdout
    run(["mail", "invite", "2024"], p["env"], check=True)
    (m,) = p["smtp"].to("aachen@example.org")
    assert m["subject"] == "Bitte bis 31.03.2030"
    assert m["body"].startswith(f"Hallo Aachen: {BASE}/r/")
    assert "Programmbüro NRW" in m["body"]
    settings = run(["mail", "settings"], p["env"], check=True)
    assert "Erinnerungen: 14,3" in settings.stderr


def test_klappt_serve_sends_the_queued_messages_in_the_background__ok(
    project: dict[str, Any], web_backend: str
) -> None:
    import time

    from http_session import Server

    p = project
    _open(p)
    r = run(["mail", "invite", "2024", "--queue-only"], p["env"], check=True)
    assert "4 in den Postausgang gelegt" in r.stderr and p["smtp"].messages == []
    server = Server(p["dir"], p["env"], p["tmp"] / "server.log", workers=1)
    server.start()
    try:
        deadline = time.monotonic() + 120
        while len(p["smtp"].messages) < 5 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        server.stop()
    assert set(_invites_per_address(p).values()) == {1}, server.log.read_text()[-2000:]
    status = run(["mail", "status", "2024"], p["env"], check=True)
    assert status.stdout.count("invite: sent") == 4  # the log, per site


def test_wave_and_mail_mistakes_are_one_message_each__error(
    project: dict[str, Any], web_backend: str
) -> None:
    from reference_data import RETURNS

    p = project
    env = p["env"]
    cases = [
        (["wave", "open", "2024"], "--form"),
        (
            ["wave", "open", "2024", "--form", str(FORM), "--deadline", "31.13.2024"],
            "Ungültiges Datum",
        ),
        (
            ["wave", "open", "2024", "--form", str(FORM), "--program", "nix"],
            "Unbekanntes Programm 'nix'",
        ),
        (["wave", "open", "2024", "--form", str(p["tmp"] / "fehlt.xlsx")], "nicht gefunden"),
        (["mail", "invite", "2099"], "Unbekannte Welle '2099'"),
        (["mail", "invite", "2024", "--site", "zz"], "zz"),
    ]
    for args, text in cases:
        if args[:2] == ["mail", "invite"] and args[2] == "2024":
            _open(p)
        r = run(args, env)
        assert r.returncode == 2 and text in r.stderr, (args, r.stderr)
    run(["import", "2022", str(FORM), str(RETURNS)], env, check=True)
    r = run(["wave", "open", "2022"], env)
    assert r.returncode == 2 and "aus einer Datei importiert" in r.stderr
