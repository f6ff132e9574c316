"""A mail never ends on a dangling "Bei Fragen erreichen Sie uns so:": without a contact the
line leading to it is left out, with one it stays, in every template in German and English, and
in a program's own template. Runs on SQLite and PostgreSQL (the templates live in the database)."""

from __future__ import annotations

from typing import Any

import pytest

KINDS = ("invite", "remind", "receipt", "results")
LEADS = {
    "de": "Bei Fragen erreichen Sie uns so:",
    "en": "If you have questions, please contact us:",
}
CONTACT = "Programmbüro Gemeinsam klappt’s\nTel. 0228 123-45"


def _render(web: Any, wave: Any, kind: str, lang: str) -> tuple[str, str]:
    from klappt.web import mail

    extra = {"submitted_at": "01.03.2024, 10:00 Uhr"} if kind == "receipt" else {}
    return mail.render(wave.program, wave, web.site("gt"), kind, lang, **extra)


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_without_a_contact_no_line_leads_to_it__edge(
    web: Any, web_backend: str, kind: str, lang: str
) -> None:
    from klappt.web import mail

    _subject, body = _render(web, web.setup(), kind, lang)
    assert LEADS[lang] not in body
    assert not body.rstrip().endswith(":"), body
    assert body.endswith("\n") and not body.endswith("\n\n")
    assert mail.LINK_MARK in body  # the rest of the mail is still there
    assert "{" not in body


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_with_a_contact_it_ends_the_mail__ok(
    web: Any, web_backend: str, kind: str, lang: str
) -> None:
    from klappt.web.mail_models import MailSettings

    wave = web.setup()
    MailSettings.objects.update_or_create(program=wave.program, defaults={"contact": CONTACT})
    _subject, body = _render(web, wave, kind, lang)
    assert body.rstrip().endswith(f"{LEADS[lang]}\n{CONTACT}")


def test_a_program_template_with_the_contact_inline_loses_only_that_line__edge(
    web: Any, web_backend: str
) -> None:
    from klappt.web import mail

    wave = web.setup()
    body = "Hallo {site},\n\nhier: {link}\n\nKontakt: {contact}\nIhr Programmbüro\n"
    mail.save_template(wave.program, "invite", "de", "Einladung", body)
    _subject, text = mail.render(wave.program, wave, web.site("gt"), "invite", "de")
    assert "Kontakt:" not in text
    assert text.endswith("\n\nIhr Programmbüro\n")
    # a contact inside running text: the sentence is kept (only lead-in lines go)
    mail.save_template(
        wave.program, "invite", "de", "Einladung", "Hallo,\nrufen Sie {contact} an.\nTschüss\n"
    )
    _subject, text = mail.render(wave.program, wave, web.site("gt"), "invite", "de")
    assert "rufen Sie" in text and text.endswith("Tschüss\n")
