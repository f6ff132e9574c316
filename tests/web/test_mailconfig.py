"""KLAPPT_EMAIL_URL and KLAPPT_EMAIL_FROM as the web settings read them (no Django needed)."""

from __future__ import annotations

import pytest

from klappt.errors import ErrorCode, KlapptError
from klappt.web.mailconfig import from_environment, parse_email_url


def test_the_usual_relays_become_djangos_email_settings__ok() -> None:
    starttls = parse_email_url("smtp://user%40firma.de:p%3Ass@relay.example.org:587?tls=starttls")
    assert starttls["EMAIL_HOST"] == "relay.example.org" and starttls["EMAIL_PORT"] == 587
    assert starttls["EMAIL_HOST_USER"] == "user@firma.de"
    assert starttls["EMAIL_HOST_PASSWORD"] == "p:ss"
    assert starttls["EMAIL_USE_TLS"] is True and starttls["EMAIL_USE_SSL"] is False
    tls = parse_email_url("smtps://u:p@mail.example.org")
    assert tls["EMAIL_PORT"] == 465 and tls["EMAIL_USE_SSL"] is True and not tls["EMAIL_USE_TLS"]
    plain = parse_email_url("smtp://localhost?timeout=5")
    assert plain["EMAIL_PORT"] == 25 and plain["EMAIL_TIMEOUT"] == 5
    assert not plain["EMAIL_USE_TLS"] and plain["EMAIL_HOST_USER"] == ""


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("smtp://relay:notaport", "port"),
        ("http://relay.example.org", "http://"),
        ("relay.example.org:25", "://"),
        ("smtp://:25", "host="),
        ("smtp://relay?tls=maybe", "tls=maybe"),
        ("smtps://relay?tls=starttls", "smtps:// + tls=starttls"),
        ("smtp://relay?timeout=0", "timeout=0"),
        ("smtp://relay?verify=no", "verify="),
        ("smtp://relay/inbox", "/inbox"),
    ],
)
def test_a_malformed_email_url_names_its_problem_and_hides_the_password__error(
    url: str, detail: str
) -> None:
    with pytest.raises(KlapptError) as info:
        parse_email_url(url.replace("relay", "u:geheim@relay", 1) if "@" not in url else url)
    assert info.value.code is ErrorCode.MAIL_001
    text = info.value.message("de")
    assert detail in text and "geheim" not in text and "KLAPPT_EMAIL_URL ist ungültig" in text
    assert "is invalid" in info.value.message("en")


def test_the_environment_without_relay_or_sender_is_kept_as_the_reason__error() -> None:
    assert not from_environment({}).configured and from_environment({}).error is None
    broken = from_environment({"KLAPPT_EMAIL_URL": "smtp://relay:x", "KLAPPT_EMAIL_FROM": "a@b.de"})
    assert not broken.configured and broken.error.code is ErrorCode.MAIL_001
    no_sender = from_environment({"KLAPPT_EMAIL_URL": "smtp://relay"})
    assert not no_sender.configured and no_sender.error.code is ErrorCode.MAIL_011
    named = from_environment(
        {"KLAPPT_EMAIL_URL": "smtp://relay", "KLAPPT_EMAIL_FROM": "Programmbüro <p@example.org>"}
    )
    assert named.configured and named.settings["EMAIL_HOST"] == "relay"
