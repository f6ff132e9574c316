"""Suggestions: the classifier ranks the right code first, rules fire, and nothing is applied unasked."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from klappt.coding import (
    Code,
    Codebook,
    Segment,
    Suggestion,
    decide,
    read_coding_workbook,
    suggest_segments,
    train_suggester,
)
from klappt.coding.suggest import german_tokens

BOOK = Codebook(
    "angebote",
    (
        Code("sport", {"de": "Sport"}),
        Code("sprache", {"de": "Sprache"}),
        Code("kita", {"de": "Kinderbetreuung"}),
        Code("mobil", {"de": "Mobilität"}),
        Code("wohnen", {"de": "Wohnen"}),
    ),
)
TRAIN = [
    ("mehr Sportvereine", "sport"),
    ("Fußballplatz für Jugendliche", "sport"),
    ("Schwimmkurse für Kinder", "sport"),
    ("eine neue Turnhalle", "sport"),
    ("Sportangebote am Abend", "sport"),
    ("Basketballkorb im Park", "sport"),
    ("Deutschkurse für Erwachsene", "sprache"),
    ("ein Sprachcafé", "sprache"),
    ("Sprachkurse am Vormittag", "sprache"),
    ("Alphabetisierungskurs", "sprache"),
    ("Deutsch lernen mit Kinderbetreuung", "sprache"),
    ("Integrationskurse", "sprache"),
    ("mehr Kitaplätze", "kita"),
    ("Krippenplätze für unter Dreijährige", "kita"),
    ("Betreuung am Nachmittag im Hort", "kita"),
    ("Tagesmütter", "kita"),
    ("Ganztagsbetreuung in der Grundschule", "kita"),
    ("Kita mit längeren Öffnungszeiten", "kita"),
    ("bessere Busverbindung", "mobil"),
    ("Bürgerbus für Senioren", "mobil"),
    ("Radwege ausbauen", "mobil"),
    ("der Bus fährt zu selten", "mobil"),
    ("Fahrdienst zum Arzt", "mobil"),
    ("Anbindung an die Bahn", "mobil"),
    ("bezahlbarer Wohnraum", "wohnen"),
    ("mehr Sozialwohnungen", "wohnen"),
    ("günstige Mietwohnungen", "wohnen"),
    ("Wohnungen für Familien", "wohnen"),
    ("Wohnprojekt für Ältere", "wohnen"),
    ("die Mieten sind zu hoch", "wohnen"),
]
HELD_OUT = [
    ("Sportverein für Mädchen", "sport"),
    ("Fußballverein", "sport"),
    ("Schwimmkurs", "sport"),
    ("Turnhallen am Wochenende", "sport"),
    ("Deutschkurs mit Kinderbetreuung", "sprache"),
    ("Sprachkurs für Frauen", "sprache"),
    ("Sprachcafés", "sprache"),
    ("Integrationskurs am Abend", "sprache"),
    ("Kitaplatz", "kita"),
    ("Hortplätze", "kita"),
    ("Krippenplatz", "kita"),
    ("längere Öffnungszeiten der Kita", "kita"),
    ("Busverbindungen am Abend", "mobil"),
    ("Radweg zur Schule", "mobil"),
    ("Bahnanbindung", "mobil"),
    ("Bürgerbusse", "mobil"),
    ("Wohnraum für junge Leute", "wohnen"),
    ("Sozialwohnung", "wohnen"),
    ("bezahlbare Wohnungen", "wohnen"),
    ("Mietwohnung", "wohnen"),
]


def test_german_tokens_stem_and_drop_stopwords__ok() -> None:
    assert german_tokens("Die Sportvereine und Sprachkurse") == ["sportverein", "sprachkurs"]


def test_classifier_ranks_right_code_first__ok() -> None:
    model = train_suggester(BOOK, [(t, {c}) for t, c in TRAIN], use_codebook_examples=False, seed=0)
    ranked = model.suggest([t for t, _ in HELD_OUT], top_k=3, min_confidence=0.0)
    hits = [bool(r) and r[0].code == want for r, (_, want) in zip(ranked, HELD_OUT, strict=True)]
    accuracy = sum(hits) / len(hits)
    assert accuracy >= 0.8, [(t, r[:1]) for (t, _), r in zip(HELD_OUT, ranked, strict=True)]
    assert all(0.0 <= s.confidence <= 1.0 for r in ranked for s in r)
    assert all(s.source == "model" for r in ranked for s in r)


def test_same_seed_same_suggestions__ok() -> None:
    texts = [t for t, _ in HELD_OUT]
    a = train_suggester(BOOK, [(t, {c}) for t, c in TRAIN], seed=3).suggest(texts)
    b = train_suggester(BOOK, [(t, {c}) for t, c in TRAIN], seed=3).suggest(texts)
    assert a == b


def test_rules_from_examples_without_training__ok() -> None:
    book = Codebook(
        "angebote",
        (
            Code("sport", {"de": "Sport"}, examples=("Sport",)),
            Code("sprache", {"de": "Sprache"}, examples=("Deutsch lernen",)),
        ),
    )
    model = train_suggester(book, use_codebook_examples=False)
    assert not model.has_model
    ranked = model.suggest(["Jugendsport am Abend", "wir wollen Deutsch lernen", "Theater"])
    assert ranked[0] == (Suggestion("sport", 0.6, "rule"),)  # "sport" as the end of a compound
    assert ranked[1] == (Suggestion("sprache", 0.8, "rule"),)  # every word of the example
    assert ranked[2] == ()


def test_text_unlike_anything_gets_no_model_suggestion__ok() -> None:
    model = train_suggester(BOOK, [(t, {c}) for t, c in TRAIN])
    assert model.suggest(["xyzzy"]) == [()]


def test_suggest_segments_learns_from_codings__ok(rs, codebook, codings) -> None:
    from klappt.coding import segments

    todo = [s for s in segments(rs, "angebote") if s.answer in ("R10#2", "R12#1", "R11#1")]
    pairs = suggest_segments(todo, codebook, codings, top_k=2)
    assert [s.answer for s, _ in pairs] == ["R10#2", "R11#1", "R12#1"]
    by = {s.answer: sug for s, sug in pairs}
    assert by["R11#1"][0].code == "sprache"  # "Deutsch lernen": coded so in R11 (resolved)


def test_decide_keeps_only_accepted__ok() -> None:
    seg = Segment("R1", "angebote", 1, "Fußball und Deutschkurs")
    shown = [
        Suggestion("sport", 0.9, "model"),
        Suggestion("sprache", 0.7, "rule"),
        Suggestion("kita", 0.3, "model"),
    ]
    rows = decide(
        seg,
        shown,
        accepted={"sport"},
        coder="anna",
        manual=["sprache"],
        at="2024-05-01T10:00:00+00:00",
    )
    assert [(r.code, r.suggested, r.confidence) for r in rows] == [
        ("sport", True, 0.9),
        ("sprache", False, None),
    ]
    assert all(r.coder == "anna" and r.coded_at.startswith("2024-05-01") for r in rows)
    nothing = decide(seg, shown, accepted=set(), coder="anna")
    assert [(r.code, r.suggested) for r in nothing] == [
        (None, False)
    ]  # seen; all suggestions rejected


def _export(tmp_path: Path, rs, codebook, codings) -> Path:
    from klappt.coding.workbook import export_for_coding

    result = export_for_coding(rs, "angebote", codebook, codings, top_k=2)
    assert result.with_suggestions > 0
    p = tmp_path / "coding.xlsx"
    p.write_bytes(result.workbook)
    return p


def test_rejected_suggestions_never_become_codes__ok(tmp_path, rs, codebook, codings) -> None:
    p = _export(tmp_path, rs, codebook, codings)
    wb = openpyxl.load_workbook(p)
    ws = wb["Codierung"]
    head = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(head)}
    for row in ws.iter_rows(min_row=2):
        if row[col["Antwort-ID"]].value == "R02#1":
            row[col["Übernehmen 1"]].value = "x"  # accept the first suggestion
            accepted = row[col["Vorschlag 1"]].value
        elif row[col["Antwort-ID"]].value == "R03#1":
            row[col["Übernehmen 1"]].value = "nein"  # reject explicitly …
            row[col["Code 1"]].value = "beratung"  # … and code by hand
            rejected = row[col["Vorschlag 1"]].value
        # every other row: suggestions shown, nothing marked, no code: not coded
    wb.save(p)
    cs = read_coding_workbook(p, coder="anna", at="2024-05-01T10:00:00+00:00")
    got = sorted((c.answer, c.code, c.suggested) for c in cs)
    assert got == [("R02#1", accepted, True), ("R03#1", "beratung", False)]
    assert rejected != "beratung"
    shown_codes = {
        c.value for r in ws.iter_rows(min_row=2) for c in r if c.column_letter in ("K", "N")
    }
    assert shown_codes - {None}  # suggestions were there to be ignored
