"""A REDCap longitudinal project: one return per record × event (× repeat instance), and one
event read as a wave of its own (issue 20). The export is written by the test, as REDCap
writes one: ``record_id, redcap_event_name, redcap_repeat_instrument, redcap_repeat_instance``
and then the fields, empty where an instrument is not designated for the event."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from test_cli_import import _klappt

from klappt.analysis.tabulate import tabulate
from klappt.errors import ErrorCode, KlapptError
from klappt.interop import read_any

DICTIONARY = [
    [
        "field_name",
        "form_name",
        "section_header",
        "field_type",
        "field_label",
        "select_choices_or_calculations",
        "field_note",
        "text_validation_type_or_show_slider_number",
        "text_validation_min",
        "text_validation_max",
        "identifier",
        "branching_logic",
        "required_field",
    ],
    ["record_id", "enrolment", "", "text", "Record ID", "", "", "", "", "", "", "", ""],
    ["age", "enrolment", "", "text", "Age", "", "", "integer", "0", "120", "", "", ""],
    [
        "visit_ok",
        "visit",
        "",
        "radio",
        "Visit went well",
        "1, Yes | 0, No",
        "",
        "",
        "",
        "",
        "",
        "",
        "y",
    ],
    ["weight", "visit", "", "text", "Weight (kg)", "", "", "number", "", "", "", "", ""],
]
# 3 records; baseline has enrolment + visit, the follow-up only visit; record 2 missed it and
# record 3 came to a repeating follow-up twice
HEAD = [
    "record_id",
    "redcap_event_name",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
    "age",
    "visit_ok",
    "weight",
    "enrolment_complete",
    "visit_complete",
]
RECORDS = [
    ["1", "baseline_arm_1", "", "", "34", "1", "70.5", "2", "2"],
    ["1", "followup_arm_1", "", "", "", "1", "69.0", "", "2"],
    ["2", "baseline_arm_1", "", "", "51", "0", "88.0", "2", "2"],
    ["3", "baseline_arm_1", "", "", "27", "1", "61.2", "2", "2"],
    ["3", "followup_arm_1", "", "1", "", "0", "60.0", "", "2"],
    ["3", "followup_arm_1", "", "2", "", "1", "59.5", "", "2"],
]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def _project(tmp_path: Path) -> tuple[Path, Path]:
    return _write(tmp_path / "dictionary.csv", DICTIONARY), _write(
        tmp_path / "records.csv", [HEAD, *RECORDS]
    )


def test_each_record_event_is_one_return__ok(tmp_path: Path) -> None:
    dictionary, records = _project(tmp_path)
    result = read_any(records, dictionary)
    rs, report = result.responses, result.summary.report
    assert report.counts() == {}  # no duplicate_id: 6 rows are 6 returns
    assert rs.height == 6
    assert rs.meta["return_id"].to_list() == [
        "1/baseline_arm_1",
        "1/followup_arm_1",
        "2/baseline_arm_1",
        "3/baseline_arm_1",
        "3/followup_arm_1/1",
        "3/followup_arm_1/2",
    ]
    assert rs.meta["_record"].to_list() == ["1", "1", "2", "3", "3", "3"]
    assert rs.meta["_redcap_event_name"].to_list()[:2] == ["baseline_arm_1", "followup_arm_1"]
    tab = tabulate(rs, lang="en")
    assert tab.table("visit_ok").base == 6
    assert [r.count for r in tab.table("visit_ok").rows] == [4, 2]
    assert tab.table("age").base == 3  # asked at baseline only
    text = "\n".join(result.summary.lines("en"))
    assert "events: baseline_arm_1 3, followup_arm_1 3" in text
    assert "each record × event × repeat instance is one return" in text


def test_an_instrument_not_filled_at_an_event_is_no_problem__ok(tmp_path: Path) -> None:
    """visit_ok is required, but the visit instrument is not filled at week 2."""
    dictionary = _write(tmp_path / "dictionary.csv", DICTIONARY)
    records = _write(
        tmp_path / "records.csv",
        [HEAD, RECORDS[0], ["1", "week2_arm_1", "", "", "", "", "", "", ""]],
    )
    result = read_any(records, dictionary)
    assert result.summary.report.ok and result.responses.height == 2
    assert (
        "required fields not enforced (a longitudinal project fills an instrument only at its "
        "events): visit_ok"
    ) in result.summary.to_dict()["notes"]


def test_one_event_as_a_wave__ok(tmp_path: Path) -> None:
    dictionary, records = _project(tmp_path)
    base = read_any(dictionary, records, event="baseline_arm_1").responses
    assert base.meta["return_id"].to_list() == ["1", "2", "3"]  # the record: waves line up
    assert base.frame["weight"].to_list() == [70.5, 88.0, 61.2]
    follow = read_any(records, dictionary, event="followup_arm_1")
    assert follow.responses.meta["return_id"].to_list() == ["1", "3/1", "3/2"]
    assert "event followup_arm_1 imported as this wave (3 returns" in "\n".join(
        follow.summary.lines("en")
    )


def test_an_event_the_export_does_not_have__error(tmp_path: Path) -> None:
    dictionary, records = _project(tmp_path)
    with pytest.raises(KlapptError) as exc:
        read_any(records, dictionary, event="week_52")
    assert exc.value.code is ErrorCode.INTEROP_016
    assert "baseline_arm_1, followup_arm_1" in exc.value.message("en")
    with pytest.raises(KlapptError) as exc:
        read_any(dictionary, event="baseline_arm_1")
    assert exc.value.code is ErrorCode.INTEROP_017


def test_import_one_event_per_wave_from_the_cli__ok(tmp_path: Path) -> None:
    dictionary, records = _project(tmp_path)
    assert _klappt(tmp_path, "init", ".").returncode == 0
    one = _klappt(
        tmp_path,
        "import",
        "t0",
        str(dictionary),
        str(records),
        "--event",
        "baseline_arm_1",
        "--lang",
        "en",
    )
    assert one.returncode == 0, one.stderr
    assert "Wave t0: created, 3 returns" in one.stderr
    assert "event baseline_arm_1 imported as this wave" in " ".join(one.stderr.split())
    whole = _klappt(tmp_path, "import", "all", str(dictionary), str(records), "--lang", "en")
    assert whole.returncode == 0, whole.stderr
    assert "Wave all: created, 6 returns" in whole.stderr
    wrong = _klappt(tmp_path, "import", "x", str(dictionary), str(records), "--event", "nope")
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert "nope" in wrong.stderr
