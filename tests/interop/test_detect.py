"""Formats are recognised by content, and read_any dispatches to the right importer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsbuild import make_lss
from lsgen import response_csv

from conftest import SURVEY
from klappt.errors import ErrorCode, KlapptError
from klappt.interop import detect_format, read_any
from klappt.interop.limesurvey.read import lss_form

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "heldout"


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("limesurvey/tests/survey_statistics_two.lsa", "limesurvey-lsa"),
        (
            "limesurvey/demosurveys/ls6_sample_survey_multilingual_fr_de_en_it_ru.lss",
            "limesurvey-lss",
        ),
        ("limesurvey/tests/limesurvey_group_472.lsg", "limesurvey-lsg"),
        ("limesurvey/third_party/limonaid/testing-export.txt", "limesurvey-tsv"),
        ("data/spss/pyreadstat/basic__sample.sav", "spss-sav"),
        ("data/spss/pyreadstat/basic__sample.zsav", "spss-zsav"),
        ("data/redcap/REDCapR/survey/dictionary.csv", "redcap-dictionary"),
        ("data/redcap/REDCapR/survey/data.csv", "redcap-records"),
        ("data/redcap/REDCapR/survey/project.xml", "redcap-odm"),
        ("xlsform/pyxform/example_xls/group.xlsx", "xlsform"),
        ("xlsform/pyxform/example_xls/group.xls", "xlsform"),
        ("xlsform/pyxform/example_xls/group.csv", "xlsform"),
        ("xlsform/pyxform/example_xls/group.md", "xlsform"),
    ],
)
def test_corpus_files_are_recognised__ok(
    corpora: Path, tmp_path: Path, relative: str, expected: str
) -> None:
    source = corpora / relative
    assert detect_format(source) == expected
    disguised = tmp_path / "upload.bin"  # the content decides, not the suffix
    shutil.copyfile(source, disguised)
    if expected not in ("xlsform",) or source.suffix in (".xlsx", ".xls"):
        assert detect_format(disguised) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("form.xlsx", "xlsform"),
        ("returns_kobo.xlsx", "kobo-export"),
        ("returns_plain.csv", "data-csv"),
        ("returns_split_truefalse.csv", "odk-central-export"),
        ("returns_excel_cp1252.csv", "data-csv"),
    ],
)
def test_klappt_files_are_recognised__ok(name: str, expected: str) -> None:
    assert detect_format(HELDOUT / name) == expected


def test_limesurvey_export_needs_its_structure__ok(tmp_path: Path) -> None:
    lss = tmp_path / "survey.lss"
    lss.write_bytes(make_lss(SURVEY))
    data = tmp_path / "results.csv"
    data.write_bytes(response_csv(lss_form(lss.read_bytes(), lss), 20))
    assert detect_format(data) == "limesurvey-responses"
    with pytest.raises(KlapptError) as info:
        read_any(data)
    assert info.value.code == ErrorCode.INTEROP_012
    instrument, raw = read_any(data, companion=lss)
    assert instrument.question("traeger") is not None and raw.height == 20
    assert read_any(lss, companion=data).format == "limesurvey-responses"


def test_read_any_dispatches__ok(corpora: Path) -> None:
    result = read_any(corpora / "limesurvey" / "tests" / "survey_statistics_two.lsa")
    assert result.format == "limesurvey-lsa" and result.summary.returns == 10
    instrument, raw = read_any(HELDOUT / "returns_plain.csv", companion=HELDOUT / "form.xlsx")
    assert instrument.form_id == "jbh_2023" and raw.height == 25
    instrument, raw = read_any(HELDOUT / "returns_plain.csv")
    assert instrument is None and raw.height == 25


def test_unknown_content__error(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_text("<?xml version='1.0'?><rss><channel/></rss>", encoding="utf-8")
    with pytest.raises(KlapptError) as info:
        detect_format(path)
    assert info.value.code == ErrorCode.INTEROP_010


def test_imported_returns_reach_the_store_as_files__ok(corpora: Path, tmp_path: Path) -> None:
    from klappt.instrument import read_instrument
    from klappt.interop import returns_csv
    from klappt.responses.dataset import load_responses
    from klappt.responses.io import read_table

    result = read_any(corpora / "limesurvey" / "tests" / "survey_statistics_two.lsa")
    form_path, data_path = tmp_path / "form.xlsx", tmp_path / "returns.csv"
    form_path.write_bytes(result.xlsform)
    data_path.write_bytes(returns_csv(result.raw))
    raw = read_table(data_path)
    assert raw.columns == result.raw.columns and raw.frame.equals(result.raw.frame)
    rs, report = load_responses(read_instrument(form_path), raw)
    assert rs.frame.equals(result.responses.frame) and report.ok
