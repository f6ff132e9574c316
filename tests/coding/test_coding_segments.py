"""Cutting open answers into segments, and naming each unit."""

from __future__ import annotations

import pytest

from klappt.coding import answer_id, normalize_text, parse_answer_id, segments, split_segments
from klappt.coding.segments import guess_language
from klappt.errors import ErrorCode, KlapptError


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Sportverein; Deutschkurs", ["Sportverein", "Deutschkurs"]),
        ("Fußball\nMusikschule", ["Fußball", "Musikschule"]),
        ("Fußball\r\n\r\nMusikschule", ["Fußball", "Musikschule"]),
        ("- Sprachcafé\n- Sport, Spiel und Spaß", ["Sprachcafé", "Sport, Spiel und Spaß"]),
        ("• Kino • Theater", ["Kino", "Theater"]),
        ("1. Kita-Plätze\n2) Ärzte", ["Kita-Plätze", "Ärzte"]),
        ("* Bus\n* Bahn;", ["Bus", "Bahn"]),
        ("Sport, Spiel und Spaß", ["Sport, Spiel und Spaß"]),  # commas stay inside a part
        ("  mehr   Angebote  ", ["mehr Angebote"]),
        ("-", []),
        ("", []),
        (None, []),
        ("  ;  ; ", []),
    ],
)
def test_split_segments__ok(text, parts) -> None:
    assert split_segments(text) == parts


def test_answer_ids__ok() -> None:
    assert answer_id("R1", 2) == "R1#2"
    assert parse_answer_id("R1#2") == ("R1", 2)
    assert parse_answer_id("R1") == ("R1", 0)
    assert parse_answer_id("#row-5#1") == ("#row-5", 1)  # the store's id of a return without id
    assert parse_answer_id("#row-5") == ("#row-5", 0)


def test_normalize_text__ok() -> None:
    assert normalize_text(" „Sport-Verein“. ") == "sport-verein"
    assert normalize_text("SPORTVEREIN") == normalize_text("sportverein")


def test_segments_of_responses__ok(rs) -> None:
    segs = segments(rs, "angebote")
    assert [s.answer for s in segs][:5] == ["R01#1", "R01#2", "R02#1", "R03#1", "R04#1"]
    assert "R06#1" not in {s.answer for s in segs}  # no answer, nothing to code
    assert len(segs) == 16
    first = segs[0]
    assert (first.text, first.site, first.row) == ("Sportverein", "Adorf", 2)


def test_segments_unsplit__ok(rs) -> None:
    segs = segments(rs, "angebote", split=False)
    assert [s.answer for s in segs][:2] == ["R01#0", "R02#0"]
    assert segs[0].text == "Sportverein; Deutschkurs"


def test_segments_of_a_number_question__error(rs) -> None:
    with pytest.raises(KlapptError) as exc:
        segments(rs, "anzahl")
    assert exc.value.code is ErrorCode.CODING_011


def test_segments_of_unknown_question__error(rs) -> None:
    with pytest.raises(KlapptError) as exc:
        segments(rs, "gibtsnicht")
    assert exc.value.code is ErrorCode.INSTRUMENT_003


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("mehr Angebote für die Jugendlichen im Ort", "de"),
        ("more activities for the young people", "en"),
        ("plus de cours pour les enfants et des parents", "other"),
        ("Больше спортивных секций", "other"),
        ("Sport", None),
    ],
)
def test_guess_language__ok(text, lang) -> None:
    assert guess_language(text) == lang


def test_signs_of_numbers_are_not_bullets__ok() -> None:
    from klappt.coding.segments import split_segments

    assert split_segments("+49 201 123\n- Sport\n-5 Grad") == ["+49 201 123", "Sport", "-5 Grad"]
