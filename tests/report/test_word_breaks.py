"""A label too long for its line is broken at a syllable with a hyphen, never between letters.

The HTML deck at 1280 px showed "Kooperationsbeziehun" / "gen" under the three-column slide
"Lösungsansätze …": the reader sees a broken word with no mark.
"""

from __future__ import annotations

import pytest

from klappt.report.textfit import text_width, wrap

LABELS = (
    "Neue bzw. intensivere Kooperationsbeziehungen",
    "Flankierende Unterstützungsstrukturen",
    "Berufsorientierung & -vorbereitung",
    "Zielgruppenorientierte Unterstützungsstruktur",
    "Integrationskursangebote",
)


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("width", [70.0, 90.0, 120.0])
def test_every_line_is_whole_words_or_ends_in_a_hyphen(label: str, width: float) -> None:
    lines = wrap(label, width, 12)
    words = set(label.split())
    merged: list[str] = []
    carry = ""
    for line in lines:
        assert text_width(line, 12) <= width
        tokens = line.split()
        tokens[0] = carry + tokens[0]
        carry = ""
        if tokens[-1] not in words:
            # a word broken here: the line ends in a hyphen, the next line goes on with it
            assert tokens[-1].endswith("-"), (label, width, lines)
            carry = tokens.pop()[:-1]
        merged.extend(tokens)
    assert not carry
    assert merged == label.split(), lines


def test_a_long_compound_breaks_at_a_syllable() -> None:
    width = text_width("Kooperationsbeziehun", 12)
    lines = wrap("Neue bzw. intensivere Kooperationsbeziehungen", width, 12)
    assert "Kooperationsbeziehun" not in lines
    assert lines[-2].endswith("-") and lines[-2][:-1] + lines[-1] == "Kooperationsbeziehungen"


def test_an_existing_hyphen_is_the_break_and_gets_no_second_one() -> None:
    lines = wrap("Arbeitsmarkt-Kooperation", text_width("Arbeitsmarkt-Koop", 12), 12)
    assert lines == ["Arbeitsmarkt-", "Kooperation"]
