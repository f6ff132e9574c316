"""rank, range and select_one_from_file questions counted with data (issue 20): a rank as the
distribution of places per choice and a mean rank, a range as a number, the choices of a
select_one_from_file from its CSV beside the form."""

from __future__ import annotations

from pathlib import Path

import pytest

from klappt.analysis.tabulate import tabulate
from klappt.instrument import read_instrument
from klappt.report import ReportData, build_report, default_spec
from klappt.responses.dataset import load_responses
from klappt.responses.io import read_table

FORM = """
| survey |
| | type | name | label | parameters |
| | select_one typ | typ | Type | |
| | rank prio | rang | Rank these | |
| | range | skala | Scale | start=0 end=10 step=1 |
| | select_one_from_file orte.csv | ort | Place | |
| choices |
| | list_name | name | label |
| | prio | geld | Geld |
| | prio | zeit | Zeit |
| | prio | raum | Raum |
| | typ | a | A |
| | typ | b | B |
"""
DATA = """_id,typ,rang,skala,ort
1,a,geld zeit raum,7,koeln
2,a,zeit geld raum,3,bonn
3,b,zeit raum geld,10,koeln
4,b,zeit,5,koeln
5,b,,,
"""


@pytest.fixture
def wave(tmp_path: Path):
    form = tmp_path / "form.md"
    form.write_text(FORM, encoding="utf-8")
    (tmp_path / "orte.csv").write_text("name,label\nkoeln,Köln\nbonn,Bonn\n", encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text(DATA, encoding="utf-8")
    return load_responses(read_instrument(form), read_table(data))


def test_rank_places_and_mean_rank__ok(wave) -> None:
    rs, report = wave
    assert report.ok
    table = tabulate(rs, lang="en").table("rang")
    assert table.base == 4
    got = {r.choice: (r.positions, r.mean) for r in table.cell.ranks}
    # zeit: 1st three times, 2nd once -> (1+1+1+2)/4; a partial ranking counts what it ranks
    assert got == {
        "geld": ((1, 1, 1), 2.0),
        "zeit": ((3, 1, 0), 1.25),
        "raum": ((0, 1, 2), 2.67),
    }
    by = tabulate(rs, by="typ", lang="en").table("rang")
    groups = {g.choice: {r.choice: r.positions for r in g.cell.ranks} for g in by.groups}
    assert groups["a"] == {"geld": (1, 1, 0), "zeit": (1, 1, 0), "raum": (0, 0, 2)}
    assert groups["b"]["zeit"] == (2, 0, 0)
    assert by.to_dict()["ranks"][1]["mean_rank"] == 1.25


def test_range_is_a_number_and_from_file_has_its_choices__ok(wave) -> None:
    rs, _ = wave
    tab = tabulate(rs, lang="en")
    assert tab.table("skala").cell.stats == {
        "n": 4,
        "mean": 6.25,
        "median": 6.0,
        "min": 3.0,
        "max": 10.0,
        "sum": 25.0,
    }
    assert [(r.label, r.count) for r in tab.table("ort").rows] == [("Köln", 3), ("Bonn", 1)]


def test_without_the_choices_file_a_warning_says_why__ok(tmp_path: Path) -> None:
    form = tmp_path / "form.md"
    form.write_text(FORM, encoding="utf-8")
    instrument = read_instrument(form)
    assert instrument.question("ort").choices == ()
    assert any("orte.csv" in w and "not beside the form" in w for w in instrument.warnings)


def test_the_deck_shows_a_rank_as_a_table__ok(wave) -> None:
    rs, _ = wave
    built = build_report(
        default_spec(rs.instrument, lang="en"), ReportData.single(rs.instrument, rs), lang="en"
    )
    panels = [p for s in built.slides for p in getattr(s, "panels", ()) if p.question == "rang"]
    assert len(panels) == 1 and panels[0].kind == "table"
    rows = panels[0].table.formatted
    assert rows[0][0] == "Zeit" and rows[0][-1] == "1.25"  # sorted by mean rank
    assert panels[0].table.columns[1] == "1. place"
