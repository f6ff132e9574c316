"""Bad input on the web's mail screens (issue 16), each one clear message, nothing sent twice,
nothing lost: a malformed ``KLAPPT_EMAIL_URL`` and a relay nobody answers at. (The command
line's side, a site without an address, a template with an unknown placeholder and a new form
that fails to parse are in test_mail_cli.py, test_mail_views.py and test_returns_admin.py.)
Every test runs on SQLite and PostgreSQL; the relay is aiosmtpd on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest
from smtp_relay import free_port, relay

BASE = "https://umfrage.example.org"
ADDRESSES = {"gt": "gt@example.org", "d": "d@example.org", "du": "du@example.org"}


def _configure(settings: Any, url: str) -> Any:
    from klappt.web import mailconfig

    cfg = mailconfig.from_environment(
        {"KLAPPT_EMAIL_URL": url, "KLAPPT_EMAIL_FROM": "Programmbüro <programm@example.org>"}
    )
    settings.KLAPPT_MAIL = cfg
    for key, value in cfg.settings.items():
        setattr(settings, key, value)
    if cfg.configured:
        settings.DEFAULT_FROM_EMAIL = cfg.sender
    settings.KLAPPT_BASE_URL = BASE
    settings.KLAPPT_EMAIL_PER_MINUTE = 6000
    settings.KLAPPT_EMAIL_ATTEMPTS = 2
    settings.KLAPPT_EMAIL_RETRY_SECONDS = 0
    return cfg


def _wave(web: Any) -> Any:
    from klappt.web import register

    wave = web.setup()
    for site_id, address in ADDRESSES.items():
        site = web.site(site_id)
        register.set_site_email(site, address)
        site.save()
    return wave


@pytest.mark.parametrize("url", ["smtp://relay.example.org:notaport", "http://relay.example.org"])
def test_a_malformed_email_url_is_one_message_on_the_screens_and_nothing_is_queued__error(
    web: Any, web_backend: str, request: pytest.FixtureRequest, url: str
) -> None:
    from klappt.web.models import OutboxMessage

    settings = request.getfixturevalue("settings")
    assert not _configure(settings, url).configured
    wave = _wave(web)
    c = web.coordinator()
    page = c.get(f"/p/{web.program.slug}/w/{wave.pk}/mail/").content.decode()
    assert page.count("KLAPPT_EMAIL_URL ist ungültig") == 1
    assert "Einladungen an alle Standorte mit Adresse senden" not in page
    r = c.post(f"/p/{web.program.slug}/w/{wave.pk}/mail/", {"action": "invite_all"})
    after = c.get(r["Location"]).content.decode()
    assert "KLAPPT_EMAIL_URL ist ungültig" in after and "Traceback" not in after
    # a submit still works and queues no receipt
    assert web.submit_reference(web.client(), wave, "gt").status_code == 302
    assert not OutboxMessage.objects.exists()


def test_an_unreachable_relay_is_shown_failed_and_sent_once_when_it_is_back__error(
    web: Any, web_backend: str, request: pytest.FixtureRequest
) -> None:
    from klappt.web import outbox
    from klappt.web.models import OutboxMessage

    settings = request.getfixturevalue("settings")
    _configure(settings, f"smtp://127.0.0.1:{free_port()}?timeout=5")  # nobody listens
    wave = _wave(web)
    c = web.coordinator()
    url = f"/p/{web.program.slug}/w/{wave.pk}/mail/"
    c.post(url, {"action": "invite_all"})
    outbox.drain(max_wait=5)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"failed"}
    page = c.get(url).content.decode()
    table = page.split('aria-labelledby="failed-h"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + len(ADDRESSES)  # the head and one row per site
    assert table.count("ConnectionRefusedError") == len(ADDRESSES)
    # nothing lost: with the relay back, "send again" delivers each invitation once
    with relay() as smtp:
        _configure(settings, f"smtp://127.0.0.1:{smtp.port}?timeout=20")
        c.post(url, {"action": "retry"})
        outbox.drain(max_wait=5)
        c.post(url, {"action": "retry"})  # nothing failed any more: nothing again
        outbox.drain(max_wait=5)
        assert sorted(a for m in smtp.messages for a in m["to"]) == sorted(ADDRESSES.values())
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}
