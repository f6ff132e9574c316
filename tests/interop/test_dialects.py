"""Ona (formhub) exports write ``n/a`` for questions not answered: read as not answered, and said."""

from __future__ import annotations

from pathlib import Path

import pytest

from klappt.instrument import read_instrument
from klappt.interop import read_any
from klappt.responses.dataset import load_responses, read_responses
from klappt.responses.io import read_table

FORM = """
| survey |
| | type | name | label | relevant |
| | select_one yn | kinder | Kinder im Haushalt? | |
| | integer | anzahl | Wie viele? | ${kinder} = 'ja' |
| | date | seit | Seit wann? | ${kinder} = 'ja' |
| | select_multiple ang | angebote | Angebote | |
| | text | kommentar | Kommentar | |
| choices |
| | list_name | name | label |
| | yn | ja | ja |
| | yn | nein | nein |
| | ang | a | A |
| | ang | b | B |
"""

ONA = (
    "kinder,anzahl,seit,angebote,kommentar,_id,_uuid,_submission_time,_xform_id_string,"
    "_total_media,_media_count,_media_all_received\n"
    "ja,2,2020-05-01,a b,gut,1,u1,2024-01-02T10:00:00,haushalt,0,0,True\n"
    "nein,n/a,n/a,a,n/a,2,u2,2024-01-02T11:00:00,haushalt,0,0,True\n"
    "n/a,n/a,n/a,n/a,n/a,3,u3,2024-01-02T12:00:00,haushalt,0,0,True\n"
)


@pytest.fixture
def form(write_form):
    return read_instrument(write_form(FORM))


def test_ona_na_cells_are_not_answered__ok(form, tmp_path: Path) -> None:
    data = tmp_path / "ona.csv"
    data.write_text(ONA, encoding="utf-8")
    for rs, report in (load_responses(form, read_table(data)), read_responses(form, data)):
        assert report.ok, report.counts()
        assert rs.frame["kinder"].to_list() == ["ja", "nein", None]
        assert rs.frame["anzahl"].to_list() == [2, None, None]
        assert rs.frame["kommentar"].to_list() == ["gut", None, None]
        assert rs.frame["angebote/a"].to_list() == [True, True, None]
        assert report.detected.endswith(", Ona")
        marked = {i.column: i.detail for i in report.notes if i.code == "not_answered_marker"}
        assert marked == {
            "kinder": "1",
            "anzahl": "2",
            "seit": "2",
            "angebote": "1",
            "kommentar": "2",
        }
        note = next(i for i in report.notes if i.column == "anzahl")
        assert note.value == "n/a" and note.question == "anzahl"
        assert "als nicht beantwortet" in note.message("de")
        assert "read as not answered" in note.message("en")


def test_the_import_summary_says_so__ok(form, tmp_path: Path, write_form) -> None:
    data = tmp_path / "ona.csv"
    data.write_text(ONA, encoding="utf-8")
    result = read_any(data, companion=write_form(FORM, "form.md"))
    assert result.summary.report.ok
    assert "note: Ona export: 8 cells 'n/a' read as not answered (5 columns)" in (
        result.summary.lines("en")
    )


def test_na_outside_an_ona_export_stays_a_value__error(form, tmp_path: Path) -> None:
    """Without Ona's own columns ``n/a`` is what someone wrote: it is checked as such."""
    kobo = "\n".join(
        ",".join(cells.split(",")[:8])
        for cells in ONA.replace("_xform_id_string", "x").splitlines()
    )
    data = tmp_path / "kobo.csv"
    data.write_text(kobo + "\n", encoding="utf-8")
    rs, report = load_responses(form, read_table(data))
    assert not report.ok
    assert ("kinder", "n/a", "unknown_choice") in {
        (i.column, i.value, i.code) for i in report.problems
    }
    assert rs.frame["kommentar"].to_list() == ["gut", "n/a", "n/a"]
    assert not [i for i in report.notes if i.code == "not_answered_marker"]
