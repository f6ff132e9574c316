"""Shared fixtures: a small form with a text question, twelve returns, a code book, codings.

The returns are written as a real CSV and read through ``read_table`` + ``load_responses``,
as ``klappt`` does. The expected tables in ``test_apply.py`` are counted by hand from these.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from klappt.coding import Code, Codebook, read_codings
from klappt.instrument import read_instrument
from klappt.responses.dataset import load_responses
from klappt.responses.io import read_table

FORM_MD = """
| survey |
| | type | name | label |
| | select_one typ | gebietstyp | Gebietstyp |
| | text | kommune | Kommune |
| | text | angebote | Welche Angebote fehlen vor Ort? |
| | integer | anzahl | Anzahl |
| | text | kontakt | Ansprechperson |

| choices |
| | list_name | name | label |
| | typ | stadt | Stadt |
| | typ | land | Land |
"""

#: R06 has no answer; R08 has an unresolved disagreement; R10 is only partly coded.
DATA_CSV = """_id,gebietstyp,kommune,angebote,anzahl,kontakt
R01,stadt,Adorf,Sportverein; Deutschkurs,3,Frau Müller
R02,stadt,Bedorf,Theater,1,
R03,land,Cedorf,Sprachcafé,2,info@cedorf.de
R04,land,Dedorf,"Fußball
Musikschule",4,
R05,stadt,Edorf,nichts,0,Tel. 0221 123456
R06,stadt,Fedorf,,2,
R07,land,Gedorf,Schuldnerberatung,1,
R08,stadt,Hedorf,Beratung; Kino,5,
R09,land,Idorf,Jugendtreff; Sprachkurs,2,
R10,stadt,Jedorf,Schwimmkurs; Nachhilfe,1,
R11,land,Kedorf,Deutsch lernen,3,
R12,stadt,Ledorf,Kunst und Sport,2,
"""

CODINGS_CSV = """question,answer,coder,code,suggested,final,text
angebote,R01#1,anna,sport,1,0,Sportverein
angebote,R01#2,anna,sprache,0,0,Deutschkurs
angebote,R02#1,anna,kultur,1,0,Theater
angebote,R03#1,anna,sprache,0,0,Sprachcafé
angebote,R04#1,anna,sport,0,0,Fußball
angebote,R04#2,anna,kultur,0,0,Musikschule
angebote,R05#1,anna,,0,0,nichts
angebote,R07#1,anna,beratung,0,0,Schuldnerberatung
angebote,R07#1,ben,beratung,1,0,Schuldnerberatung
angebote,R08#1,anna,beratung,0,0,Beratung
angebote,R08#1,ben,beratung,0,0,Beratung
angebote,R08#2,anna,kultur,0,0,Kino
angebote,R08#2,ben,,0,0,Kino
angebote,R09#1,anna,freizeit,0,0,Jugendtreff
angebote,R09#2,anna,sprache,0,0,Sprachkurs
angebote,R10#1,anna,sport,0,0,Schwimmkurs
angebote,R11#1,anna,sprache,0,0,Deutsch lernen
angebote,R11#1,ben,beratung,0,0,Deutsch lernen
angebote,R11#1,chris,sprache,0,1,Deutsch lernen
angebote,R12#1,anna,kultur,0,0,Kunst und Sport
angebote,R12#1,anna,sport,1,0,Kunst und Sport
"""


def make_codebook(source: str = "") -> Codebook:
    return Codebook(
        question="angebote",
        codes=(
            Code("freizeit", {"de": "Freizeit", "en": "Leisure"}, "Freizeitangebote aller Art"),
            Code(
                "sport",
                {"de": "Sport und Bewegung", "en": "Sports"},
                examples=("Fußballverein", "Schwimmkurs"),
                parent="freizeit",
            ),
            Code(
                "kultur",
                {"de": "Kultur", "en": "Culture"},
                examples=("Theater", "Musikschule"),
                parent="freizeit",
            ),
            Code(
                "sprache",
                {"de": "Sprache", "en": "Language"},
                "Sprachförderung",
                ("Deutschkurs", "Sprachcafé"),
            ),
            Code(
                "beratung", {"de": "Beratung", "en": "Counselling"}, examples=("Schuldnerberatung",)
            ),
        ),
        version="2",
        wave="2022",
        source=source,
    )


@pytest.fixture
def form_path(tmp_path: Path) -> Path:
    p = tmp_path / "form.md"
    p.write_text(FORM_MD, encoding="utf-8")
    return p


@pytest.fixture
def data_path(tmp_path: Path) -> Path:
    p = tmp_path / "data.csv"
    p.write_text(DATA_CSV, encoding="utf-8")
    return p


@pytest.fixture
def rs(form_path: Path, data_path: Path):
    responses, report = load_responses(read_instrument(form_path), read_table(data_path))
    assert report.ok, report.to_dict()
    return responses


@pytest.fixture
def codebook() -> Codebook:
    return make_codebook("codebuch.yaml")


@pytest.fixture
def codings_path(tmp_path: Path) -> Path:
    p = tmp_path / "codings.csv"
    p.write_text(CODINGS_CSV, encoding="utf-8")
    return p


@pytest.fixture
def codings(codings_path: Path):
    return read_codings(codings_path)
