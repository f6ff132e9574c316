"""Typing returns against their form, and the validation report that names every problem."""

from __future__ import annotations

import datetime as dt

import pytest

from klappt.errors import ErrorCode, KlapptError
from klappt.instrument import read_instrument
from klappt.responses.dataset import load_responses
from klappt.responses.io import read_table

FORM = """
| survey |
|        | type                | name   | label      | relevant          | required | constraint |
|        | select_one yn       | koop   | Kooperation|                   | yes      |            |
|        | begin_group         | g      | Details    | ${koop} = 'ja'    |          |            |
|        | select_multiple art | art    | Art        |                   | yes      |            |
|        | integer             | anz    | Anzahl     |                   |          | . <= 20    |
|        | text                | warum  | Warum      | selected(${art}, 'b') |      |            |
|        | end_group           |        |            |                   |          |            |
|        | decimal             | quote  | Quote      |                   |          |            |
|        | date                | datum  | Datum      |                   |          |            |
| choices |
|         | list_name | name | label |
|         | yn        | ja   | ja    |
|         | yn        | nein | nein  |
|         | art       | a    | A     |
|         | art       | b    | B     |
|         | art       | c    | C     |
"""


@pytest.fixture
def form(write_form):
    return read_instrument(write_form(FORM))


def load(form, path):
    return load_responses(form, read_table(path))


def test_group_prefixes_meta_and_typing__ok(form, write_data):
    path = write_data(
        """
        _id,_uuid,start,g/koop,g/art,g-anz,g/warum,quote,datum,meta/instanceID,__version__
        1,u1,2022-02-01,ja,a b,3,weil,"2,5",2022-03-01,uuid:1,v1
        2,u2,2022-02-02,nein,,,,0.75,15.03.2022,uuid:2,v1
        """
    )
    rs, report = load(form, path)
    assert report.ok, report.issues
    assert rs.frame["koop"].to_list() == ["ja", "nein"]
    assert rs.frame["art/a"].to_list() == [True, None]
    assert rs.frame["art/b"].to_list() == [True, None]
    assert rs.frame["art/c"].to_list() == [False, None]
    assert rs.frame["anz"].to_list() == [3, None]
    assert rs.frame["quote"].to_list() == [2.5, 0.75]
    assert rs.frame["datum"].to_list() == [dt.date(2022, 3, 1), dt.date(2022, 3, 15)]
    assert rs.meta["return_id"].to_list() == ["1", "2"]
    assert set(report.meta_columns) == {"_id", "_uuid", "start", "meta/instanceID", "__version__"}


def test_kobo_split_columns_true_false__ok(form, write_data):
    path = write_data(
        """
        KEY,koop,art/a,art/b,art/c,anz
        k1,ja,TRUE,FALSE,TRUE,1
        k2,ja,1,1,0,2
        k3,nein,,,,
        """
    )
    rs, report = load(form, path)
    assert report.ok, report.issues
    assert rs.frame["art/a"].to_list() == [True, True, None]
    assert rs.frame["art/b"].to_list() == [False, True, None]
    assert rs.frame["art/c"].to_list() == [True, False, None]
    assert rs.meta["return_id"].to_list() == ["k1", "k2", "k3"]


def test_every_problem_is_named__ok(form, write_data):
    path = write_data(
        """
        _id,koop,art,anz,warum,quote,datum,intern
        1,vielleicht,a,3,,,,x
        2,ja,a z,abc,,zwei,,
        3,ja,a,25,,,,
        4,ja,,2,,,,
        5,nein,b,,text,,,
        5,ja,a,1,,,,
        6,ja,a,2.5,nur bei b,,31.02.2022,
        ,,,,,,,
        """
    )
    rs, report = load(form, path)
    found = {(i.row, i.column, i.code, i.value) for i in report.problems}
    assert found == {
        (None, "intern", "unknown_column", None),
        (2, "koop", "unknown_choice", "vielleicht"),
        (3, "art", "unknown_choice", "z"),
        (3, "anz", "not_a_number", "abc"),
        (3, "quote", "not_a_number", "zwei"),
        (4, "anz", "constraint", "25"),
        (5, "art", "required_missing", None),
        (6, "art", "not_relevant", "b"),
        (6, "warum", "not_relevant", "text"),
        (7, "_id", "duplicate_id", "5"),
        (8, "anz", "not_an_integer", "2.5"),
        (8, "warum", "not_relevant", "nur bei b"),
        (8, "datum", "not_a_date", "31.02.2022"),
    }
    assert not report.ok
    # what failed is not counted; the duplicate return is dropped; the blank row 9 carries nothing
    assert rs.height == 6
    assert rs.frame["koop"].to_list()[0] is None
    assert rs.frame["anz"].to_list()[2] is None  # 25 violates the constraint
    assert rs.frame["art/b"].to_list()[4] is None  # not relevant for koop = nein
    constraint = next(i for i in report.problems if i.code == "constraint")
    assert ". <= 20" in constraint.message("de")


def test_unsupported_condition_is_a_note_not_a_problem__ok(write_form, write_data):
    form = read_instrument(
        write_form(
            """
            | survey |
            |        | type    | name | label | relevant                      |
            |        | integer | a    | A     |                               |
            |        | text    | b    | B     | jr:choice-name(${a}, '${a}') = 'x' |
            """
        )
    )
    rs, report = load(form, write_data("a,b\n1,x\n"))
    assert report.ok
    assert [i.code for i in report.notes] == ["expression_unsupported"]
    assert rs.frame["b"].to_list() == ["x"]  # an unchecked condition removes nothing


def test_data_of_another_form__error(form, write_data):
    with pytest.raises(KlapptError) as info:
        load(form, write_data("name,ort,strasse\nA,B,C\n"))
    assert info.value.code is ErrorCode.RESPONSES_002
    assert "ort" in info.value.message()


def test_report_round_trips_through_dict__ok(form, write_data):
    from klappt.responses.report import ValidationReport

    _, report = load(form, write_data("_id,koop,extra\n1,vielleicht,x\n"))
    again = ValidationReport.from_dict(report.to_dict())
    assert again.issues == report.issues
    assert again.responses == report.responses


def test_select_multiple_with_many_choices__ok(write_form, write_data):
    rows = "\n".join(f"|         | viele     | c{i}  | C{i}  |" for i in range(70))
    form = read_instrument(
        write_form(
            f"""
            | survey |
            |        | type                  | name | label |
            |        | select_multiple viele | m    | M     |
            | choices |
            |         | list_name | name | label |
{rows}
            """
        )
    )
    rs, report = load(form, write_data("m\nc0 c69\nc65\nc3 zz\n"))
    assert [(i.row, i.value) for i in report.problems] == [(4, "zz")]
    assert rs.frame["m/c0"].to_list() == [True, False, False]
    assert rs.frame["m/c69"].to_list() == [True, False, False]
    assert rs.frame["m/c65"].to_list() == [False, True, False]
    assert rs.frame["m/c3"].to_list() == [False, False, True]


def test_several_missing_required_answers__ok(write_form, write_data):
    form = read_instrument(
        write_form(
            """
            | survey |
            |        | type | name | label | required |
            |        | text | a    | A     | yes      |
            |        | text | b    | B     |          |
            """
        )
    )
    _, report = load(form, write_data("a,b\n,x\n,y\nz,\n"))
    assert [(i.row, i.column, i.code) for i in report.problems] == [
        (2, "a", "required_missing"),
        (3, "a", "required_missing"),
    ]


@pytest.mark.parametrize(
    ("ids", "duplicate_rows"),
    [
        (["1", "2", "3"], []),
        (["1", None, None, "2"], []),  # a return without id is no duplicate of another
        (["1", None, "1", None, "1"], [4, 6]),
        (["a", "b", "a", "b"], [4, 5]),
    ],
)
def test_duplicate_ids_with_and_without_empty_ids__ok(form, ids, duplicate_rows):
    from klappt.responses.io import RawTable

    raw = RawTable.from_records(["_id", "koop"], [[i, "nein"] for i in ids])
    rs, report = load_responses(form, raw)
    assert [i.row for i in report.problems if i.code == "duplicate_id"] == duplicate_rows
    assert rs.height == len(ids) - len(duplicate_rows)


def test_choices_read_as_categories_typed_by_lookup_or_by_cast_alike__ok(
    form, write_data, monkeypatch
):
    from klappt.responses.column_typing import ColumnTyper
    from klappt.responses.columns import category_headers

    path = write_data(
        """
        _id,koop,art,anz
        1,ja,a,1
        2, nein ,b,2
        3,vielleicht,c,3
        4,,,
        5,nein,a z,4
        """
    )

    def load_as_categories():
        raw = read_table(path, categories=lambda headers: category_headers(form, headers))
        return load_responses(form, raw)

    tables: list[int] = []
    lookups = ColumnTyper._choice_lookups

    def counted(self, questions):
        found = lookups(self, questions)
        tables.append(len(found))
        return found

    monkeypatch.setattr(ColumnTyper, "_choice_lookups", counted)
    by_lookup, report_lookup = load_as_categories()
    assert tables == [1]  # koop went through its lookup table
    monkeypatch.setattr(ColumnTyper, "_choice_lookups", lambda self, questions: {})
    by_cast, report_cast = load_as_categories()
    plain, report_plain = load(form, path)
    assert by_lookup.frame["koop"].to_list() == ["ja", "nein", None, None, "nein"]
    assert by_lookup.frame.equals(by_cast.frame) and by_lookup.frame.equals(plain.frame)
    assert report_lookup.problems == report_cast.problems == report_plain.problems
    assert {(i.row, i.code) for i in report_lookup.problems} >= {(4, "unknown_choice")}
