"""REDCap data dictionaries and records exports (corpus: REDCapR's test projects)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from klappt.analysis.tabulate import tabulate
from klappt.errors import ErrorCode, KlapptError
from klappt.interop.limesurvey.expressions import Untranslatable
from klappt.interop.redcap import read_redcap, redcap_to_expression

HEAD = (
    '"Variable / Field Name","Form Name","Section Header","Field Type","Field Label",'
    '"Choices, Calculations, OR Slider Labels","Field Note","Text Validation Type OR Show Slider Number",'
    '"Text Validation Min","Text Validation Max",Identifier?,"Branching Logic (Show field only if...)",'
    '"Required Field?","Custom Alignment","Question Number (surveys only)","Matrix Group Name","Matrix Ranking?","Field Annotation"\n'
)


def _project(corpora: Path, name: str) -> tuple[Path, Path]:
    base = corpora / "data" / "redcap" / "REDCapR" / name
    return base / "dictionary.csv", base / "data.csv"


def test_every_redcap_project_of_the_corpus_imports__ok(corpora: Path) -> None:
    projects = sorted(
        p.name for p in (corpora / "data" / "redcap" / "REDCapR").iterdir() if p.is_dir()
    )
    for name in projects:
        result = read_redcap(*_project(corpora, name))
        assert result.instrument is not None and result.raw is not None, name
        assert result.summary.report.ok, (name, result.summary.report.counts())
    print(
        f"\nREDCap corpus: {len(projects)} of {len(projects)} projects (dictionary + records) import"
    )


@pytest.mark.parametrize(
    ("field", "qtype"),
    [
        ("f_radio", "select_one"),
        ("f_dropdown", "select_one"),
        ("f_checkbox", "select_multiple"),
        ("f_yes_no", "select_one"),
        ("f_true_false", "select_one"),
        ("f_notes", "text"),
        ("f_text", "text"),
        ("f_calculated", "calculate"),
        ("f_slider", "integer"),
        ("f_descriptive", "note"),
        ("f_file_upload", "file"),
        ("v_integer", "integer"),
        ("v_number", "decimal"),
        ("v_number_2dp", "decimal"),
        ("v_date_ymd", "date"),
        ("v_datetime_ymd", "dateTime"),
        ("v_time_hh_mm", "time"),
        ("v_email", "text"),
    ],
)
def test_field_types_map_onto_the_model__ok(corpora: Path, field: str, qtype: str) -> None:
    dictionary, _ = _project(corpora, "validation-types-1")
    form = read_redcap(dictionary).instrument
    assert form.question(field).type == qtype


def test_checkbox_columns_count_like_the_raw_export__ok(corpora: Path) -> None:
    dictionary, data = _project(corpora, "checkboxes-1")
    result = read_redcap(dictionary, data)
    with data.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    tab = tabulate(result.responses)
    for field, codes in (
        ("check_one", ["1", "2", "3", "4"]),
        ("check_two", ["a", "b", "c", "d", "e"]),
    ):
        expected = {c: sum(1 for r in rows if r[f"{field}___{c}"] == "1") for c in codes}
        assert {r.choice: r.count for r in tab.table(field).rows} == expected
    assert result.responses.meta["return_id"].to_list() == [r["record_id"] for r in rows]


def test_repeating_instrument_rows_are_left_out__ok(corpora: Path) -> None:
    dictionary, data = _project(corpora, "repeating-instruments")
    result = read_redcap(dictionary, data)
    assert result.summary.returns == 2
    assert any("repeating instruments (bp)" in n for n in result.summary.to_dict()["notes"])
    assert result.instrument.question("bp_systolic").in_repeat
    assert any(
        "identifier fields" in n and "first_name" in n for n in result.summary.to_dict()["notes"]
    )


@pytest.mark.parametrize(
    ("logic", "expected"),
    [
        ("[sex] = '1'", "${sex} = '1'"),
        ("[sex] <> '1'", "${sex} != '1'"),
        ("[cb(2)] = '1'", "selected(${cb}, '2')"),
        ("[cb(2)] = '0'", "not(selected(${cb}, '2'))"),
        ("[age] >= 18 and [sex] = '0'", "${age} >= 18 and ${sex} = '0'"),
        ("[age] <> ''", "${age} != ''"),
    ],
)
def test_branching_logic_translates__ok(tmp_path: Path, logic: str, expected: str) -> None:
    dictionary = tmp_path / "dictionary.csv"
    dictionary.write_text(
        HEAD
        + 'record_id,f,,text,"ID",,,,,,,,,,,,,\n'
        + 'sex,f,,radio,"Sex","0, female | 1, male",,,,,,,,,,,,\n'
        + 'age,f,,text,"Age",,,integer,,,,,,,,,,\n'
        + 'cb,f,,checkbox,"Boxes","1, one | 2, two",,,,,,,,,,,,\n'
        + f'target,f,,text,"Target",,,,,,,"{logic}",,,,,,\n',
        encoding="utf-8",
    )
    result = read_redcap(dictionary)
    assert result.instrument.question("target").relevant == expected


@pytest.mark.parametrize(
    "logic",
    [
        "[event_1_arm_1][sex] = '1'",
        "datediff([dob], 'today', 'w') > 18",  # no such unit
        "rounddown([dob], [sex]) > 1",  # places must be a number
    ],
)
def test_other_branching_logic_is_refused__error(logic: str) -> None:
    with pytest.raises(Untranslatable):
        from klappt.interop.limesurvey.expressions import Var, translate

        translate(
            redcap_to_expression(logic),
            {"sex": Var("sex", "select_one"), "dob": Var("dob", "date")}.get,
        )


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        (
            'record_id,f,,text,"ID",,,,,,,,,,,,,\nq,f,,matrixx,"Q",,,,,,,,,,,,,\n',
            ErrorCode.INTEROP_006,
        ),
        (
            'record_id,f,,text,"ID",,,,,,,,,,,,,\nq,f,,text,"Q",,,,,,,,,,,,,\nq,f,,text,"Q2",,,,,,,,,,,,,\n',
            ErrorCode.INTEROP_007,
        ),
        (
            'record_id,f,,text,"ID",,,,,,,,,,,,,\nq,f,,radio,"Q","1, a | 1, b",,,,,,,,,,,,\n',
            ErrorCode.INTEROP_007,
        ),
    ],
    ids=["unknown-type", "duplicate-field", "duplicate-choice"],
)
def test_bad_dictionaries__error(tmp_path: Path, rows: str, code: ErrorCode) -> None:
    dictionary = tmp_path / "dictionary.csv"
    dictionary.write_text(HEAD + rows, encoding="utf-8")
    with pytest.raises(KlapptError) as info:
        read_redcap(dictionary)
    assert info.value.code == code


def test_records_of_another_project__error(corpora: Path) -> None:
    dictionary, _ = _project(corpora, "checkboxes-1")
    _, other = _project(corpora, "survey")
    with pytest.raises(KlapptError) as info:
        read_redcap(dictionary, other)
    assert info.value.code == ErrorCode.INTEROP_008


def test_old_mac_line_endings_cr_only__ok(corpora: Path, tmp_path: Path) -> None:
    """A dictionary and records saved with CR alone between lines (classic Mac OS) read as the
    same project as with LF; ``klappt convert`` writes its XLSForm."""
    import subprocess
    import sys

    dictionary, records = _project(corpora, "survey")
    cr_dictionary, cr_records = tmp_path / "dictionary.csv", tmp_path / "records.csv"
    for source, target in ((dictionary, cr_dictionary), (records, cr_records)):
        text = source.read_bytes().replace(b"\r\n", b"\n")
        assert b"\r" not in text
        target.write_bytes(text.replace(b"\n", b"\r"))
    expected = read_redcap(dictionary, records)
    result = read_redcap(cr_dictionary, cr_records)
    assert [q.name for q in result.instrument.questions] == [
        q.name for q in expected.instrument.questions
    ]
    assert result.raw.frame.equals(expected.raw.frame)
    assert result.summary.report.ok
    done = subprocess.run(
        [sys.executable, "-m", "klappt", "convert", str(cr_dictionary), str(tmp_path / "f.xlsx")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "f.xlsx").read_bytes()[:2] == b"PK"


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("[h]^2", "pow(${h}, 2)"),
        ("round([w] / ([h] / 100)^2, 1)", "round((${w} div pow((${h} div 100), 2)), 1)"),
        ("sum([w], [h], 3)", "(coalesce(${w}, 0) + coalesce(${h}, 0) + coalesce(3, 0))"),
        ("rounddown([w] / 7)", "floor((${w} div 7))"),
        ("rounddown([w], 2)", "(floor(${w} * 100) div 100)"),
        ("roundup([w], 1)", "(ceiling(${w} * 10) div 10)"),
        (
            "datediff([dob], 'today', 'y')",
            "abs(((decimal-date-time(today()) - decimal-date-time(${dob})) div 365.2425))",
        ),
        (
            "datediff([dob], [visit], 'd', 'ymd', true)",
            "(decimal-date-time(${visit}) - decimal-date-time(${dob}))",
        ),
        (
            "datediff([dob], [visit], 'h', true)",
            "((decimal-date-time(${visit}) - decimal-date-time(${dob})) * 24.0)",
        ),
        ("min([w], [h]) + abs([w] - 2)", "(min(${w}, ${h}) + abs((${w} - 2)))"),
    ],
)
def test_calculations_translate__ok(tmp_path: Path, formula: str, expected: str) -> None:
    """REDCap calculations with ^, sum(), rounddown(), datediff() (issue 20), through a real
    dictionary: the calculate row holds the XPath, and pyxform accepts the form."""
    dictionary = tmp_path / "dictionary.csv"
    dictionary.write_text(
        HEAD
        + 'record_id,f,,text,"ID",,,,,,,,,,,,,\n'
        + 'w,f,,text,"Weight",,,number,,,,,,,,,,\n'
        + 'h,f,,text,"Height",,,number,,,,,,,,,,\n'
        + 'dob,f,,text,"Born",,,date_ymd,,,,,,,,,,\n'
        + 'visit,f,,text,"Visit",,,date_ymd,,,,,,,,,,\n'
        + f'c,f,,calc,"Calc","{formula}",,,,,,,,,,,,\n',
        encoding="utf-8",
    )
    result = read_redcap(dictionary)
    assert result.instrument.question("c").calculation == expected
    assert not result.summary.to_dict()["verbatim"]
