"""ODK export dialects read as their tool meant them (issue 20): Briefcase/Aggregate's split
geopoints, flattened repeat columns, the old ``loop`` type and US dates in an English export.
The form and the exports are written by the tests."""

from __future__ import annotations

from pathlib import Path

from klappt.analysis.tabulate import tabulate
from klappt.instrument import read_instrument
from klappt.interop import read_any
from klappt.language import rendered
from klappt.responses.dataset import load_responses
from klappt.responses.io import read_table

FORM = """
| survey |
| | type | name | label |
| | text | site | Site |
| | begin_repeat | people | People |
| | text | pname | Name of the person |
| | integer | age | Age |
| | end_repeat | people | |
| | begin_group | where | Where |
| | geopoint | loc | Location |
| | end_group | where | |
| | date | visit | Visit date |
| | begin loop over yn | lp | Loop |
| | integer | cnt | Count |
| | end loop | | |
| choices |
| | list_name | name | label |
| | yn | ja | ja |
| | yn | nein | nein |
"""


def _form(tmp_path: Path) -> Path:
    path = tmp_path / "form.md"
    path.write_text(FORM, encoding="utf-8")
    return path


def _data(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


BRIEFCASE = """
KEY,SubmissionDate,site,people[1]/pname,people[1]/age,people[2]/pname,people[2]/age,where-loc-Latitude,where-loc-Longitude,where-loc-Altitude,where-loc-Accuracy,visit,lp-ja-cnt,lp-nein-cnt
uuid:1,"Sep 10, 2015 10:01:02 AM",A,Ann,30,Bob,40,52.5,13.4,34,5,9/10/2015,3,4
uuid:2,"Dec 24, 2015 8:00:00 PM",B,Cid,22,,,48.1,11.5,500,3.5,12/24/2015,1,
uuid:3,"Jan 2, 2016 9:00:00 AM",C,,,,,,,,,1/2/2016,,2
"""


def test_a_briefcase_export_reads_as_meant__ok(tmp_path: Path) -> None:
    form = read_instrument(_form(tmp_path))
    rs, report = load_responses(form, read_table(_data(tmp_path, BRIEFCASE)))
    assert report.ok and report.counts() == {}
    assert not [i for i in report.issues if i.code in ("unknown_column", "duplicate_column")]
    # the four split columns are the geopoint
    assert rs.frame["loc"].to_list() == ["52.5 13.4 34 5", "48.1 11.5 500 3.5", None]
    # month first, as the English export meant: 9/10/2015 is 10 September
    assert [str(d) for d in rs.frame["visit"].to_list()] == [
        "2015-09-10",
        "2015-12-24",
        "2016-01-02",
    ]
    # the loop's columns are its questions, one per choice
    assert form.question("lp_ja_cnt").label() == "Count (ja)"
    assert rs.frame["lp_ja_cnt"].to_list() == [3, 1, None]
    assert rs.frame["lp_nein_cnt"].to_list() == [4, None, 2]
    # a repeat's flattened instances are no answers of the main table, but kept with the return
    assert rs.frame["age"].to_list() == [None, None, None]
    assert rs.meta["_people[2]_age"].to_list() == ["40", None, None]
    assert "englische Datumsangaben (M/D/Y)" in report.detected
    assert "ODK Briefcase/Aggregate" in report.detected
    tab = tabulate(rs)
    assert tab.table("lp_nein_cnt").cell.stats["sum"] == 6


def test_day_first_when_a_value_says_so__ok(tmp_path: Path) -> None:
    form = read_instrument(_form(tmp_path))
    data = _data(tmp_path, "KEY,site,visit\n1,A,9/10/2015\n2,B,24/12/2015\n")
    rs, report = load_responses(form, read_table(data))
    assert [str(d) for d in rs.frame["visit"].to_list()] == ["2015-10-09", "2015-12-24"]
    assert any(
        "(D/M/Y decided by a value over 12)" in rendered(i.detail, "en")
        for i in report.notes
        if i.code == "dialect_read"
    )


def test_dates_no_order_fits_stay_problems__error(tmp_path: Path) -> None:
    form = read_instrument(_form(tmp_path))
    data = _data(tmp_path, "KEY,site,visit\n1,A,13/10/2015\n2,B,10/13/2015\n")
    _, report = load_responses(form, read_table(data))
    assert report.counts() == {"not_a_date": 2}


def test_the_import_summary_says_what_was_read_how__ok(tmp_path: Path) -> None:
    result = read_any(_data(tmp_path, BRIEFCASE), _form(tmp_path))
    lines = result.summary.lines("en")
    assert (
        "note: export dialect recognised: ODK Briefcase/Aggregate, ODK loop, "
        "flattened repeats, English dates (M/D/Y)"
    ) in lines
    assert (
        "note: where-loc-Latitude, where-loc-Longitude, where-loc-Altitude, "
        "where-loc-Accuracy read as the geopoint loc"
    ) in lines
    assert "note: 3 dates in M/D/Y read as YYYY-MM-DD (M/D/Y decided by a value over 12)" in lines
