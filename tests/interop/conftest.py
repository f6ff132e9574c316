"""Fixtures for the interoperability tests: the third-party corpus and small inline surveys.

The corpus of real files (LimeSurvey, XLSForm, REDCap, SPSS) lives outside the repository
because some of it is GPL: ``KLAPPT_CORPORA`` names the folder, by default
``../shared/corpora`` next to the repository. Tests that need it skip with a message when it
is absent. Never copy corpus files into the repository.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # lsbuild, lsgen


def corpora_path() -> Path:
    return Path(os.environ.get("KLAPPT_CORPORA") or (REPO.parent / "shared" / "corpora")).resolve()


@pytest.fixture(scope="session")
def corpora() -> Path:
    path = corpora_path()
    if not path.is_dir():
        pytest.skip(f"third-party corpus not found at {path} (set KLAPPT_CORPORA)")
    return path


#: A small municipal survey in German and English using most LimeSurvey question types.
SURVEY = {
    "sid": "424242",
    "languages": ["de", "en"],
    "title": {"de": "Kommunalbefragung", "en": "Municipal survey"},
    "groups": [
        {
            "gid": "1",
            "name": {"de": "Angebot", "en": "Services"},
            "questions": [
                {
                    "qid": "10",
                    "type": "L",
                    "code": "traeger",
                    "mandatory": "Y",
                    "other": "Y",
                    "text": {"de": "<p>Wer ist <b>Träger</b>?</p>", "en": "Who runs it?"},
                    "help": {"de": "Eine Antwort", "en": "One answer"},
                    "answers": [
                        ("A1", {"de": "öffentlich", "en": "public"}),
                        ("A2", {"de": "frei", "en": "non-profit"}),
                    ],
                },
                {
                    "qid": "11",
                    "type": "M",
                    "code": "angebote",
                    "other": "Y",
                    "text": {"de": "Welche Angebote?", "en": "Which services?"},
                    "subs": [
                        ("SQ001", {"de": "Beratung", "en": "Counselling"}),
                        ("SQ002", {"de": "Kurse", "en": "Courses"}),
                    ],
                },
                {
                    "qid": "12",
                    "type": "N",
                    "code": "plaetze",
                    "relevance": 'traeger.NAOK == "A1"',
                    "text": {"de": "Wie viele Plätze?", "en": "How many places?"},
                    "attributes": {"num_value_int_only": "1", "min_num_value_n": "0"},
                },
                {
                    "qid": "13",
                    "type": "F",
                    "code": "zufr",
                    "mandatory": "Y",
                    "text": {"de": "Wie zufrieden?", "en": "How satisfied?"},
                    "subs": [
                        ("SQ001", {"de": "Räume", "en": "Rooms"}),
                        ("SQ002", {"de": "Personal", "en": "Staff"}),
                    ],
                    "answers": [
                        ("1", {"de": "gut", "en": "good"}),
                        ("2", {"de": "schlecht", "en": "bad"}),
                    ],
                },
                {
                    "qid": "14",
                    "type": "T",
                    "code": "kommentar",
                    "relevance": "!is_empty(angebote_SQ002) or count(that.zufr) > 1",
                    "text": {"de": "Kommentar", "en": "Comment"},
                },
            ],
        },
        {
            "gid": "2",
            "name": {"de": "Weiteres", "en": "More"},
            "relevance": 'angebote_SQ001 == "Y"',
            "questions": [
                {
                    "qid": "20",
                    "type": "1",
                    "code": "dual",
                    "text": {"de": "Wichtig und zufrieden?", "en": "Important and satisfied?"},
                    "subs": [("SQ001", {"de": "Lage", "en": "Location"})],
                    "answers": [
                        ("A1", {"de": "ja", "en": "yes"}),
                        ("A2", {"de": "nein", "en": "no"}),
                    ],
                    "answers_1": [
                        ("B1", {"de": "hoch", "en": "high"}),
                        ("B2", {"de": "niedrig", "en": "low"}),
                    ],
                },
                {
                    "qid": "21",
                    "type": ":",
                    "code": "zahlen",
                    "text": {"de": "Anzahl", "en": "Number"},
                    "subs": [("R1", {"de": "Frauen", "en": "Women"})],
                    "subs_x": [("C1", {"de": "2023", "en": "2023"})],
                },
                {
                    "qid": "22",
                    "type": "R",
                    "code": "rang",
                    "text": {"de": "Reihenfolge", "en": "Order"},
                    "answers": [
                        ("X1", {"de": "eins", "en": "one"}),
                        ("X2", {"de": "zwei", "en": "two"}),
                    ],
                },
                {
                    "qid": "23",
                    "type": "Y",
                    "code": "weiter",
                    "text": {"de": "Weiter?", "en": "Continue?"},
                },
                {
                    "qid": "24",
                    "type": "G",
                    "code": "geschlecht",
                    "text": {"de": "Geschlecht", "en": "Gender"},
                },
                {"qid": "25", "type": "5", "code": "note", "text": {"de": "Note", "en": "Grade"}},
                {"qid": "26", "type": "D", "code": "datum", "text": {"de": "Datum", "en": "Date"}},
                {
                    "qid": "27",
                    "type": "X",
                    "code": "info",
                    "text": {"de": "Danke!", "en": "Thanks!"},
                },
                {
                    "qid": "28",
                    "type": "*",
                    "code": "summe",
                    "text": {"de": "{plaetze + 1}", "en": "{plaetze + 1}"},
                },
                {
                    "qid": "29",
                    "type": "P",
                    "code": "wege",
                    "text": {"de": "Wege", "en": "Ways"},
                    "subs": [("W1", {"de": "Post", "en": "Mail"})],
                },
                {
                    "qid": "30",
                    "type": "O",
                    "code": "liste",
                    "text": {"de": "Liste", "en": "List"},
                    "answers": [("L1", {"de": "a", "en": "a"})],
                },
            ],
        },
    ],
}
