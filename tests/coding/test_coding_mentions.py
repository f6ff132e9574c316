"""Mentions: segments tidied, near-duplicates merged, each return counted once."""

from __future__ import annotations

from klappt.coding import Mention, count_mentions, mentions


def test_near_duplicates_and_returns__ok() -> None:
    items = [
        ("r1", "Sportverein; Sprachcafé"),
        ("r2", "sportverein"),  # case
        ("r3", "Sportvereine"),  # plural: ratio 96
        ("r4", "„Sportverien“"),  # quotes and a typo: ratio 91
        ("r5", "Sprachcafé\nSprachcafé"),  # twice in one return: counted once
        ("r6", "  Sprachcafe  "),  # accent: ratio 91
        ("r7", "Sprachkurs A1"),
        ("r8", "Sprachkurs A2"),  # differs in a number: never merged
        ("r9", ""),
    ]
    got = count_mentions(items)
    assert [(m.text, m.count, m.returns) for m in got] == [
        ("Sportverein", 4, ("r1", "r2", "r3", "r4")),
        ("Sprachcafé", 3, ("r1", "r5", "r6")),
        ("Sprachkurs A1", 1, ("r7",)),
        ("Sprachkurs A2", 1, ("r8",)),
    ]
    assert got[0].spellings == ("Sportverein", "sportverein", "Sportvereine", "Sportverien")


def test_exact_only__ok() -> None:
    got = count_mentions(
        [("r1", "Sportverein"), ("r2", "Sportvereine"), ("r3", "SPORTVEREIN.")], similarity=100
    )
    assert [(m.text, m.count) for m in got] == [("Sportverein", 2), ("Sportvereine", 1)]


def test_most_frequent_single_mention_of_responses__ok(rs) -> None:
    got = mentions(rs, "angebote")
    assert all(isinstance(m, Mention) for m in got)
    assert all(m.count == 1 for m in got)  # the fixture names nothing twice
    assert len(got) == 16
    assert got[0].text == "Beratung"  # on equal counts: alphabetical


def test_mentions_unsplit__ok() -> None:
    got = count_mentions([("r1", "Sport; Musik"), ("r2", "sport;  musik")], split=False)
    assert [(m.text, m.count) for m in got] == [("Sport; Musik", 2)]
