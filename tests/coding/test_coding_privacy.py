"""Personal data in open answers: flagged for review, redacted only in outputs."""

from __future__ import annotations

import pytest

from klappt.coding import Finding, find_personal_data, redact


def test_findings_in_responses__ok(rs) -> None:
    assert find_personal_data(rs) == [
        Finding("kontakt", "R01", "name", "Müller"),
        Finding("kontakt", "R03", "email", "info@cedorf.de"),
        Finding("kontakt", "R05", "phone", "0221 123456"),
    ]
    assert find_personal_data(rs, ["angebote"]) == []


def test_stored_data_unchanged__ok(rs) -> None:
    before = rs.frame.clone()
    redact(rs.frame["kontakt"][0])
    find_personal_data(rs)
    assert rs.frame.equals(before)


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Frau Müller vom Jugendamt", "Frau [Name] vom Jugendamt"),
        ("bei Herrn Dr. Schmidt-Weber melden", "bei Herrn Dr. [Name] melden"),
        ("Bürgermeisterin Wagner unterstützt uns", "Bürgermeisterin [Name] unterstützt uns"),
        ("Anna Schmidt hat geholfen", "[Name] hat geholfen"),
        ("Mail an jugend.treff@stadt-adorf.de", "Mail an [E-Mail]"),
        ("erreichbar unter +49 (0)221 / 123 45-67", "erreichbar unter [Telefon]"),
        ("Handy 0171-1234567", "Handy [Telefon]"),
        ("Tel.: 12345", "Tel.: [Telefon]"),
        # not personal data
        (
            "Treffen am 01.02.2023, 12.000 Euro, 0,5 Stellen",
            "Treffen am 01.02.2023, 12.000 Euro, 0,5 Stellen",
        ),
        ("für Frau und Kind; Frauentreff", "für Frau und Kind; Frauentreff"),
        ("PLZ 50667, seit 2019", "PLZ 50667, seit 2019"),
    ],
)
def test_redact__ok(text, redacted) -> None:
    assert redact(text) == redacted


def test_redact_in_english__ok() -> None:
    assert redact("Frau Müller, 0221 123456", lang="en") == "Frau [name], [phone]"
