"""The mail screens and the messages a wave's events send, delivered to a real SMTP server
(aiosmtpd on 127.0.0.1) by the outbox's sender. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from smtp_relay import relay

BASE = "https://umfrage.example.org"
ADDRESSES = {"gt": "gt@example.org", "d": "d@example.org", "du": "du@example.org"}


@pytest.fixture
def smtp(web_backend: str, request: pytest.FixtureRequest) -> Any:
    """A relay, and the web settings pointing at it (as KLAPPT_EMAIL_URL would)."""
    import os

    if not os.environ.get("KLAPPT_WEB_BACKEND"):
        yield None
        return
    from klappt.web import mailconfig

    settings = request.getfixturevalue("settings")
    with relay() as handler:
        cfg = mailconfig.from_environment(
            {
                "KLAPPT_EMAIL_URL": f"smtp://127.0.0.1:{handler.port}?timeout=20",
                "KLAPPT_EMAIL_FROM": "Programmbüro <programm@example.org>",
            }
        )
        assert cfg.configured
        settings.KLAPPT_MAIL = cfg
        for key, value in cfg.settings.items():
            setattr(settings, key, value)
        settings.DEFAULT_FROM_EMAIL = cfg.sender
        settings.KLAPPT_BASE_URL = BASE
        settings.KLAPPT_EMAIL_PER_MINUTE = 6000
        yield handler


def _with_addresses(web: Any) -> Any:
    from klappt.web import register

    wave = web.setup()
    for site_id, address in ADDRESSES.items():
        site = web.site(site_id)
        register.set_site_email(site, address)
        site.save()
    return wave


def _drain() -> Any:
    from klappt.web import outbox

    return outbox.drain(max_wait=5)


def test_a_reminder_goes_only_to_sites_that_have_not_submitted_and_a_submit_gets_a_receipt__ok(
    web: Any, web_backend: str, smtp: Any
) -> None:
    from klappt.web.models import OutboxMessage

    wave = _with_addresses(web)
    c = web.client()
    r = web.submit_reference(c, wave, "gt")
    assert r.status_code == 302
    web.post(web.client(), wave, {"lebenswelt": "ja"}, site="d")  # a draft
    # the receipt is queued by the submit and sent by the sender
    _drain()
    (receipt,) = smtp.to("gt@example.org")
    token = web.token("gt")
    assert f"{BASE}/r/{token}/{wave.pk}/summary/" in receipt["body"]
    assert re.search(r"am \d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr", receipt["body"])
    assert receipt["subject"].startswith("Eingangsbestätigung")

    coordinator = web.coordinator()
    r = coordinator.post(f"/p/{web.program.slug}/w/{wave.pk}/mail/", {"action": "remind"})
    assert r.status_code == 302
    _drain()
    reminded = {m["to"][0] for m in smtp.messages if m["subject"].startswith("Erinnerung")}
    assert reminded == {"d@example.org", "du@example.org"}  # the draft and the not started
    assert len(smtp.to("gt@example.org")) == 1  # the receipt only
    for site_id in ("d", "du"):
        (m,) = smtp.to(ADDRESSES[site_id])
        assert m["body"].count(f"{BASE}/r/{web.token(site_id)}/") == 1
    # the dashboard says when each site was reminded; the log holds every message
    html = coordinator.get(f"/p/{web.program.slug}/w/{wave.pk}/").content.decode()
    assert html.count("erinnert am") == 2
    assert OutboxMessage.objects.filter(status="sent").count() == 3


def test_invitations_from_the_screen_to_a_selection_and_once_per_site__ok(
    web: Any, web_backend: str, smtp: Any
) -> None:
    wave = _with_addresses(web)
    c = web.coordinator()
    url = f"/p/{web.program.slug}/w/{wave.pk}/mail/"
    page = c.get(url).content.decode()
    assert "Einladungen an alle Standorte mit Adresse senden" in page
    # the preview with the first site that has an address, its link as a stand-in
    assert (
        "für Düsseldorf bitten wir Sie" in page and "(der persönliche Link des Standorts)" in page
    )
    c.post(url, {"action": "invite_selected", "site": [web.site("d").pk]})
    _drain()
    assert [m["to"] for m in smtp.messages] == [["d@example.org"]]
    r = c.post(url, {"action": "invite_all"})
    text = c.get(r["Location"]).content.decode()
    assert "Schon eingeladen" in text and "ohne E-Mail-Adresse" in text.replace("Keine", "ohne")
    _drain()
    assert sorted(m["to"][0] for m in smtp.messages) == sorted(ADDRESSES.values())
    dashboard = c.get(f"/p/{web.program.slug}/w/{wave.pk}/").content.decode()
    assert dashboard.count("eingeladen am") == 3
    # the release of results: each site with an address once
    for _twice in range(2):
        c.post(url, {"action": "results"})
        _drain()
    results = [m["to"][0] for m in smtp.messages if m["subject"].startswith("Ergebnisse")]
    assert sorted(results) == sorted(ADDRESSES.values())


def test_a_template_with_an_unknown_placeholder_is_a_form_error_naming_it__error(
    web: Any, web_backend: str, smtp: Any
) -> None:
    from klappt.web.models import MailTemplate

    wave = _with_addresses(web)
    c = web.coordinator()
    url = f"/p/{web.program.slug}/mail/templates/?kind=invite&lang=de"
    r = c.post(
        url,
        {
            "kind": "invite",
            "lang": "de",
            "action": "save",
            "subject": "Bitte ausfüllen",
            "body": "Hallo {standort}, hier: {link}",
        },
    )
    html = r.content.decode()
    assert r.status_code == 200 and "Unbekannter Platzhalter {standort}" in html
    assert not MailTemplate.objects.exists()
    # preview, then save a good one: the next invitation uses it
    body = "Hallo {site}, bis {deadline}: {link} {{nicht ersetzt}}"
    r = c.post(
        url, {"kind": "invite", "lang": "de", "action": "preview", "subject": "Los", "body": body}
    )
    assert "Hallo Düsseldorf" in r.content.decode() and "{nicht ersetzt}" in r.content.decode()
    assert not MailTemplate.objects.exists()
    c.post(
        url,
        {"kind": "invite", "lang": "de", "action": "save", "subject": "Los {wave}", "body": body},
    )
    assert MailTemplate.objects.get().subject == "Los {wave}"
    c.post(f"/p/{web.program.slug}/w/{wave.pk}/mail/", {"action": "invite_all"})
    _drain()
    (m,) = smtp.to("gt@example.org")
    assert m["subject"] == "Los 2022"
    assert m["body"].startswith("Hallo Kreis Gütersloh, bis –: " + BASE + "/r/")


def test_without_mail_configuration_the_screens_say_so_and_nothing_is_queued__error(
    web: Any, web_backend: str
) -> None:
    from klappt.web.models import OutboxMessage

    wave = _with_addresses(web)
    c = web.coordinator()
    url = f"/p/{web.program.slug}/w/{wave.pk}/mail/"
    page = c.get(url).content.decode()
    assert "Es kann keine E-Mail versandt werden" in page and "KLAPPT_BASE_URL" in page
    assert "Einladungen an alle Standorte mit Adresse senden" not in page
    r = c.post(url, {"action": "invite_all"})
    assert "KLAPPT_EMAIL_URL ist nicht gesetzt" in c.get(r["Location"]).content.decode()
    assert not OutboxMessage.objects.exists()
    sites = c.get(f"/p/{web.program.slug}/sites/").content.decode()
    assert "base-url-problem" in sites
    # a submit without mail configured queues no receipt and still works
    assert web.submit_reference(web.client(), wave, "gt").status_code == 302
    assert not OutboxMessage.objects.exists()
    assert web.analyst().get(url).status_code == 403


def test_the_pace_leaves_the_rest_queued_and_scheduled_reminders_come_once__ok(
    web: Any, web_backend: str, smtp: Any, request: pytest.FixtureRequest
) -> None:
    from django.utils import timezone

    from klappt.web import mail, outbox
    from klappt.web.models import MailSettings, OutboxMessage

    settings = request.getfixturevalue("settings")
    wave = _with_addresses(web)
    settings.KLAPPT_EMAIL_PER_MINUTE = 2
    mail.invite(wave)
    done = outbox.drain(max_wait=0)
    assert done.count("sent") == 2 and done.waiting == 1 and len(smtp.messages) == 2

    settings.KLAPPT_EMAIL_PER_MINUTE = 6000
    OutboxMessage.objects.update(claimed_at=None)
    wave.deadline = timezone.now() + dt.timedelta(days=3)
    wave.save()
    MailSettings.objects.create(program=web.program, reminder_days="14, 3")
    assert mail.scheduled_reminders() == 3
    assert mail.scheduled_reminders() == 0  # the same day again: nothing new
    _drain()
    assert sum(1 for m in smtp.messages if m["subject"].startswith("Erinnerung")) == 3
