"""LimeSurvey structure files -> XLSForm -> klappt instrument.

Requirements (issue "Interoperability"):

* LS-1  both layouts (one row per language; ``*_l10ns`` tables) give the same instrument.
* LS-2  question types map onto the model: lists -> select_one (+ other), multiple choice ->
        select_multiple, arrays -> a group of select_one items sharing a list, dual scale,
        numbers, ranking, yes/no, gender, 5-point, date, text display, equation.
* LS-3  groups, mandatory, every language, help texts.
* LS-4  simple ExpressionScript conditions are translated, the rest kept verbatim and reported.
* LS-5  the written XLSForm is accepted by ``read_instrument``.
* LS-6  bad input stops with one KlapptError naming the file and the problem.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lsbuild import make_lss

from conftest import SURVEY
from klappt.errors import ErrorCode, KlapptError
from klappt.instrument import read_instrument
from klappt.interop.limesurvey.read import lss_to_xlsform, read_lsa, read_lss


@pytest.fixture(params=["l10n", "per-language"])
def survey_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / f"survey_{request.param}.lss"
    path.write_bytes(make_lss(SURVEY, request.param))
    return path


def _shape(instrument) -> list[tuple]:
    return [
        (
            q.name,
            q.type,
            q.group_path,
            q.labels,
            q.hints,
            q.relevant,
            q.required,
            tuple((c.name, tuple(c.labels.items())) for c in q.choices),
        )
        for q in instrument.questions
    ]


def test_both_layouts_give_the_same_instrument__ok(tmp_path: Path) -> None:
    results = []
    for layout in ("l10n", "per-language"):
        path = tmp_path / f"{layout}.lss"
        path.write_bytes(make_lss(SURVEY, layout))
        results.append(read_lss(path))
    assert _shape(results[0].instrument) == _shape(results[1].instrument)
    assert "4.x+ layout" in results[0].summary.to_dict()["notes"][0]
    assert "pre-4.x layout" in results[1].summary.to_dict()["notes"][0]


@pytest.mark.parametrize(
    ("name", "qtype", "group_path", "choices"),
    [
        ("traeger", "select_one", ("G1",), ["A1", "A2", "other"]),
        ("traeger_other", "text", ("G1",), []),
        ("angebote", "select_multiple", ("G1",), ["SQ001", "SQ002", "other"]),
        ("plaetze", "integer", ("G1",), []),
        ("zufr_SQ001", "select_one", ("G1", "zufr"), ["1", "2"]),
        ("zufr_SQ002", "select_one", ("G1", "zufr"), ["1", "2"]),
        ("dual_SQ001_0", "select_one", ("G2", "dual"), ["A1", "A2"]),
        ("dual_SQ001_1", "select_one", ("G2", "dual"), ["B1", "B2"]),
        ("zahlen_R1_C1", "decimal", ("G2", "zahlen"), []),
        ("rang_1", "select_one", ("G2", "rang"), ["X1", "X2"]),
        ("rang_2", "select_one", ("G2", "rang"), ["X1", "X2"]),
        ("weiter", "select_one", ("G2",), ["Y", "N"]),
        ("geschlecht", "select_one", ("G2",), ["F", "M"]),
        ("note", "select_one", ("G2",), ["1", "2", "3", "4", "5"]),
        ("datum", "date", ("G2",), []),
        ("info", "note", ("G2",), []),
        ("summe", "calculate", ("G2",), []),
        ("wege", "select_multiple", ("G2",), ["W1"]),
        ("wege_W1comment", "text", ("G2",), []),
        ("liste", "select_one", ("G2",), ["L1"]),
        ("liste_comment", "text", ("G2",), []),
    ],
)
def test_question_types_map_onto_the_model__ok(
    survey_file: Path, name: str, qtype: str, group_path: tuple, choices: list
) -> None:
    q = read_lss(survey_file).instrument.question(name)
    assert q is not None
    assert (q.type, q.group_path, [c.name for c in q.choices]) == (qtype, group_path, choices)


def test_labels_in_every_language_and_plain_text__ok(survey_file: Path) -> None:
    form = read_lss(survey_file).instrument
    assert form.languages == ("Deutsch (de)", "English (en)")
    assert form.default_language == "Deutsch (de)"
    traeger = form.question("traeger")
    assert traeger.label("de") == "Wer ist Träger?"  # HTML removed
    assert traeger.label("en") == "Who runs it?"
    assert traeger.hint("en") == "One answer"
    assert traeger.choice("A2").label("de") == "frei"
    assert traeger.choice("other").label("de") == "Sonstiges"
    assert form.question("weiter").choice("N").label("en") == "No"
    assert form.question("dual_SQ001_1").label("en") == "Location (2)"
    assert form.group("G1").label("en") == "Services"
    assert form.group("zufr").label("de") == "Wie zufrieden?"


def test_mandatory_and_ordered_scales__ok(survey_file: Path) -> None:
    form = read_lss(survey_file).instrument
    assert form.question("traeger").is_required_always
    assert (
        form.question("zufr_SQ001").is_required_always
        and form.question("zufr_SQ002").is_required_always
    )
    assert not form.question("angebote").is_required_always
    assert form.question("note").ordered
    assert form.question("plaetze").constraint == ". >= 0"


def test_conditions_translated_or_kept_verbatim__ok(survey_file: Path) -> None:
    result = read_lss(survey_file)
    form = result.instrument
    assert form.question("plaetze").relevant == "${traeger} = 'A1'"
    assert form.group("G2").relevant == "selected(${angebote}, 'SQ001')"
    assert form.question("traeger_other").relevant == "${traeger} = 'other'"
    assert form.question("summe").calculation == "(${plaetze} + 1)"
    # count(that.zufr): how many of the array's items were answered (issue 20)
    assert form.question("kommentar").relevant == (
        "selected(${angebote}, 'SQ002') or "
        "(if(${zufr_SQ001} != '', 1, 0) + if(${zufr_SQ002} != '', 1, 0)) > 1"
    )
    assert not any("kommentar" in v for v in result.summary.to_dict()["verbatim"])
    assert any(
        "plaetze" in t and "${traeger} = 'A1'" in t for t in result.summary.to_dict()["translated"]
    )
    assert result.summary.questions == 15
    assert result.summary.languages == ("de", "en")


def test_written_xlsform_is_accepted_by_read_instrument__ok(
    survey_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "form.xlsx"
    target.write_bytes(lss_to_xlsform(survey_file))
    form = read_instrument(target)
    assert _shape(form) == _shape(read_lss(survey_file).instrument)
    import openpyxl

    sheet = openpyxl.load_workbook(target)["survey"]
    header = [c.value for c in sheet[1]]
    assert {"label::Deutsch (de)", "label::English (en)", "ls_code"} <= set(header)
    assert "ls_relevance" not in header  # every condition of this survey is translated


# -- bad input -------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (
            b"<?xml version='1.0'?><document><LimeSurveyDocType>Survey</LimeSurveyDocType><questions>",
            ErrorCode.INTEROP_001,
        ),
        (
            b"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;'>]>"
            b"<document>&lol2;</document>",
            ErrorCode.INTEROP_002,
        ),
        (
            b"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><document>&x;</document>",
            ErrorCode.INTEROP_002,
        ),
        (
            b"<?xml version='1.0'?><document><LimeSurveyDocType>Group</LimeSurveyDocType></document>",
            ErrorCode.INTEROP_005,
        ),
        (b"<?xml version='1.0'?><html><body/></html>", ErrorCode.INTEROP_005),
        (
            b"<?xml version='1.0'?><document><LimeSurveyDocType>Survey</LimeSurveyDocType></document>",
            ErrorCode.INTEROP_009,
        ),
    ],
    ids=[
        "malformed",
        "xml-bomb",
        "external-entity",
        "group-export",
        "not-limesurvey",
        "no-questions",
    ],
)
def test_bad_structure_files__error(tmp_path: Path, content: bytes, code: ErrorCode) -> None:
    path = _write(tmp_path, "bad.lss", content)
    with pytest.raises(KlapptError) as info:
        read_lss(path)
    assert info.value.code == code
    assert str(path) in info.value.message("en")


def _survey_with(**changes) -> dict:
    import copy

    survey = copy.deepcopy(SURVEY)
    questions = survey["groups"][0]["questions"]
    for key, value in changes.items():
        if key == "extra_question":
            questions.append(value)
        elif key == "answers":
            questions[0]["answers"] = value
    return survey


@pytest.mark.parametrize("layout", ["l10n", "per-language"])
@pytest.mark.parametrize(
    ("changes", "code", "named"),
    [
        (
            {"extra_question": {"qid": "99", "type": "W", "code": "neu", "text": {"de": "?"}}},
            ErrorCode.INTEROP_006,
            "'W'",
        ),
        (
            {"extra_question": {"qid": "99", "type": "S", "code": "traeger", "text": {"de": "?"}}},
            ErrorCode.INTEROP_007,
            "'traeger'",
        ),
        ({"answers": [("A1", {"de": "x"}), ("A1", {"de": "y"})]}, ErrorCode.INTEROP_007, "'A1'"),
        (
            {
                "extra_question": {
                    "qid": "99",
                    "type": "M",
                    "code": "neu",
                    "text": {"de": "?"},
                    "subs": [("S1", {"de": "a"}), ("S1", {"de": "b"})],
                }
            },
            ErrorCode.INTEROP_007,
            "'S1'",
        ),
    ],
    ids=["unknown-type", "duplicate-question", "duplicate-answer", "duplicate-subquestion"],
)
def test_bad_survey_content__error(
    tmp_path: Path, layout: str, changes: dict, code: ErrorCode, named: str
) -> None:
    path = _write(tmp_path, "bad.lss", make_lss(_survey_with(**changes), layout))
    target = tmp_path / "form.xlsx"
    with pytest.raises(KlapptError) as info:
        target.write_bytes(lss_to_xlsform(path))
    assert info.value.code == code
    assert named in info.value.message("en") and str(path) in info.value.message("en")
    assert not target.exists()  # nothing half-imported


def test_truncated_archive__error(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("survey_424242.lss", make_lss(SURVEY))
    path = _write(tmp_path, "cut.lsa", buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(KlapptError) as info:
        read_lsa(path)
    assert info.value.code == ErrorCode.INTEROP_003


def test_archive_without_structure__error(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "hello")
    with pytest.raises(KlapptError) as info:
        read_lsa(_write(tmp_path, "empty.lsa", buf.getvalue()))
    assert info.value.code == ErrorCode.INTEROP_004
