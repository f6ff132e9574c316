"""Tabulation: the right base for every question type, spelled out table by table."""

from __future__ import annotations

import pytest

from klappt.analysis.tabulate import percent, tabulate
from klappt.errors import ErrorCode, KlapptError
from klappt.instrument import read_instrument
from klappt.responses.dataset import load_responses
from klappt.responses.io import read_table

FORM = """
| survey |
|        | type                | name  | label::Deutsch (de) | label::English (en) | relevant        | appearance |
|        | select_one typ      | typ   | Gebietstyp          | Area type           |                 |            |
|        | select_one yn       | mass  | Maßnahmen?          | Measures?           |                 |            |
|        | select_one yn       | weiter| Fortgeführt?        | Continued?          | ${mass} = 'ja'  |            |
|        | select_multiple art | art   | Art                 | Kind                |                 |            |
|        | select_one note     | bew   | Bewertung           | Rating              |                 | likert     |
|        | integer             | anz   | Anzahl              | Number              |                 |            |
|        | text                | frei  | Freitext            | Free text           |                 |            |
| choices |
|         | list_name | name  | label::Deutsch (de) | label::English (en) |
|         | typ       | kreis | Kreis               | District            |
|         | typ       | stadt | kreisfreie Stadt    | City                |
|         | yn        | ja    | ja                  | yes                 |
|         | yn        | nein  | nein                | no                  |
|         | art       | a     | Angebote            | Offers              |
|         | art       | b     | Beratung            | Counselling         |
|         | art       | c     | Coaching            | Coaching            |
|         | note      | 1     | sehr gut            | very good           |
|         | note      | 2     | gut                 | good                |
|         | note      | 3     | mittel              | fair                |
|         | note      | 4     | schlecht            | poor                |
| settings |
|          | default_language |
|          | Deutsch (de)     |
"""

DATA = """
_id,typ,mass,weiter,art,bew,anz,frei
1,kreis,ja,ja,a b,1,3,gut
2,kreis,ja,nein,a,2,5,
3,kreis,nein,,c,2,,x
4,stadt,ja,ja,a b c,4,10,y
5,stadt,nein,,,1,0,
6,stadt,,,b,,,
7,kreis,ja,,a,3,2,z
"""


@pytest.fixture
def tab(write_form, write_data):
    form = read_instrument(write_form(FORM))
    rs, report = load_responses(form, read_table(write_data(DATA)))
    assert report.ok, report.issues
    return tabulate(rs)


@pytest.mark.parametrize(
    ("question", "base", "rows"),
    [
        ("typ", 7, [("kreis", 4, 57.1), ("stadt", 3, 42.9)]),
        ("mass", 6, [("ja", 4, 66.7), ("nein", 2, 33.3)]),
        # a follow-up counts only the returns it was asked of and that answered it
        ("weiter", 3, [("ja", 2, 66.7), ("nein", 1, 33.3)]),
        # select_multiple: base = returns with at least one choice; shares exceed 100 %
        ("art", 6, [("a", 4, 66.7), ("b", 3, 50.0), ("c", 2, 33.3)]),
        ("bew", 6, [("1", 2, 33.3), ("2", 2, 33.3), ("3", 1, 16.7), ("4", 1, 16.7)]),
    ],
)
def test_choice_tables__ok(tab, question, base, rows):
    table = tab.table(question)
    assert table.base == base
    assert [(r.choice, r.count, r.percent) for r in table.rows] == rows


def test_multiple_response_shares_of_mentions__ok(tab):
    art = tab.table("art")
    assert art.cell.mentions == 9
    assert [r.percent_of_mentions for r in art.rows] == [44.4, 33.3, 22.2]


def test_ordered_scale_mean_and_top_two__ok(tab):
    bew = tab.table("bew")
    assert bew.scale
    assert bew.cell.mean == 2.17  # (2*1 + 2*2 + 1*3 + 1*4) / 6 = 13/6
    assert bew.cell.top2 == 66.7


def test_numeric_and_text__ok(tab):
    anz = tab.table("anz")
    assert anz.base == 5
    assert anz.cell.stats == {"n": 5, "mean": 4.0, "median": 3.0, "min": 0, "max": 10, "sum": 20}
    assert tab.table("frei").base == 4
    assert tab.table("frei").rows == ()


def test_json_contract_shape__ok(tab):
    d = tab.to_dict()
    assert d["responses"] == 7
    first = d["tables"][0]
    assert set(first) >= {"question", "type", "label", "base", "rows"}
    assert first["rows"][0] == {"choice": "kreis", "label": "Kreis", "count": 4, "percent": 57.1}
    art = next(t for t in d["tables"] if t["question"] == "art")
    assert art["type"] == "select_multiple"
    assert art["rows"][0]["percent_of_mentions"] == 44.4


def test_by_crosses_every_table_with_group_bases__ok(write_form, write_data):
    form = read_instrument(write_form(FORM))
    rs, _ = load_responses(form, read_table(write_data(DATA)))
    tab = tabulate(rs, by="typ", lang="en")
    art = tab.table("art")
    groups = {g.choice: g for g in art.groups}
    assert [g.label for g in art.groups] == ["District", "City"]
    assert groups["kreis"].cell.base == 4
    assert [(r.count, r.percent) for r in groups["kreis"].cell.rows] == [
        (3, 75.0),
        (1, 25.0),
        (1, 25.0),
    ]
    assert groups["stadt"].cell.base == 2
    assert [(r.count, r.percent) for r in groups["stadt"].cell.rows] == [
        (1, 50.0),
        (2, 100.0),
        (1, 50.0),
    ]
    weiter = {g.choice: g.cell for g in tab.table("weiter").groups}
    assert (weiter["kreis"].base, weiter["stadt"].base) == (2, 1)
    assert tab.to_dict()["tables"][0]["by"]["groups"][0]["base"] == 4


def test_by_must_be_a_known_select_one__error(write_form, write_data):
    form = read_instrument(write_form(FORM))
    rs, _ = load_responses(form, read_table(write_data(DATA)))
    with pytest.raises(KlapptError) as info:
        tabulate(rs, by="gibtsnicht")
    assert info.value.code is ErrorCode.INSTRUMENT_003
    with pytest.raises(KlapptError) as info:
        tabulate(rs, by="art")
    assert info.value.code is ErrorCode.INSTRUMENT_004


@pytest.mark.parametrize(
    ("count", "base", "expected"),
    [
        (1, 3, 33.3),
        (2, 3, 66.7),
        (1, 8, 12.5),
        (9, 16, 56.3),
        (5, 16, 31.3),
        (7, 16, 43.8),
        (0, 5, 0.0),
        (3, 0, None),
    ],
)
def test_percent_is_half_up_from_exact_counts__ok(count, base, expected):
    assert percent(count, base) == expected
