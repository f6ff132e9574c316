"""The two CSV dialects for people (``klappt.csvdialects``, issue 16), cell by cell: read back with
Python's ``csv`` in the German dialect, timestamps in one local zone across summer time, formula
text neutralised, and the labels variant."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from klappt.csvdialects import DIALECTS, cell, column_kinds, labelled, write_csv
from klappt.instrument import read_instrument
from klappt.reference import reference_path

DE, STD = DIALECTS["excel-de"], DIALECTS["standard"]
BERLIN = ZoneInfo("Europe/Berlin")


def test_cells_in_both_dialects__ok() -> None:
    assert cell("1234.5", "number", DE) == "1234,5" and cell("1234.5", "number", STD) == "1234.5"
    assert cell("-3.25", "number", DE) == "-3,25"  # a number keeps its sign
    assert cell(2.5, "text", DE) == "2,5"  # a real number is a number whatever the column says
    assert cell("2022-02-01", "date", DE) == "01.02.2022"
    assert cell("2022-02-01", "date", STD) == "2022-02-01"
    # timestamps: one local zone, summer and winter, whatever zone they were stored in
    assert cell("2024-07-01T10:00:00+00:00", "datetime", DE, BERLIN) == "01.07.2024 12:00:00"
    assert cell("2024-01-15T10:00:00Z", "datetime", DE, BERLIN) == "15.01.2024 11:00:00"
    assert cell("2024-07-01T10:00:00+00:00", "datetime", STD, BERLIN) == "2024-07-01T12:00:00+02:00"
    assert cell("2024-01-15T11:00:00", "datetime", STD, BERLIN) == "2024-01-15T11:00:00+01:00"
    # what does not fit its kind stays text, neutralised
    assert cell("-5 Jahre", "number", DE) == "'-5 Jahre"
    assert cell("nan", "number", DE) == "nan" and cell("inf", "number", STD) == "inf"
    assert cell("gestern", "date", DE) == "gestern"
    assert cell("=HYPERLINK(1)", "text", DE) == "'=HYPERLINK(1)"
    assert cell(None, "number", DE) == "" and cell("", "date", DE) == ""


def test_the_german_file_reads_back_with_pythons_csv__ok() -> None:
    columns = ["name", "betrag", "tag", "notiz"]
    rows = [
        ["Köln; Innenstadt", "1.5", "2022-02-01", 'sagt "ja"'],
        ["Düren", "-2", "", "=1+1"],
    ]
    kinds = {"betrag": "number", "tag": "date"}
    body = write_csv(columns, rows, DE, kinds)  # type: ignore[arg-type]
    assert body.startswith(b"\xef\xbb\xbfname;betrag;tag;notiz\r\n")
    back = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert back == [
        columns,
        ["Köln; Innenstadt", "1,5", "01.02.2022", 'sagt "ja"'],
        ["Düren", "-2", "", "'=1+1"],
    ]
    std = write_csv(columns, rows, STD, kinds)  # type: ignore[arg-type]
    assert std.startswith(b"name,betrag,tag,notiz\r\n")
    assert list(csv.reader(io.StringIO(std.decode("utf-8"), newline="")))[1][1:3] == [
        "1.5",
        "2022-02-01",
    ]


def test_labels_instead_of_codes__ok() -> None:
    form = read_instrument(reference_path("arbeitshilfe_2022.xlsx"))
    q = {x.name: x for x in form.questions}
    columns = ["_id", "_site_name", "gebietstyp", "koop_jc", "thm_vze"]
    rows = [
        ["a1", "Kreis Gütersloh", "kreis", "neu intensiviert", "1.5"],
        ["a2", None, "x", "", None],
    ]
    header, out = labelled(form, columns, rows, "de")
    assert header == [
        "ID",
        "Standort",
        "Gebietstyp",
        q["koop_jc"].label("de"),
        q["thm_vze"].label("de"),
    ]
    assert out[0][2] == "Kreis"
    assert (
        out[0][3]
        == f"{q['koop_jc'].choice('neu').label('de')}; {q['koop_jc'].choice('intensiviert').label('de')}"
    )
    assert out[0][4] == "1.5"  # numbers stay numbers
    assert out[1][2] == "x" and out[1][3] == ""  # an unknown code stays as it is
    english, _ = labelled(form, columns, rows, "en")
    assert english[:2] == ["ID", "Site"]
    kinds = column_kinds(form)
    assert kinds["thm_vze"] == "number" and kinds["ausfuelldatum"] == "date"
    assert kinds["_submission_time"] == "datetime" and "gebietstyp" not in kinds
