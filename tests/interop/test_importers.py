"""The importers' table: every row is reached by a file of its format, every reader resolves, and
the order of the rows decides files that several rows would take, as the chain of ``if``s did."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import polars as pl
import pyreadstat
import pytest
from lsbuild import make_lss

from conftest import SURVEY
from klappt.errors import ErrorCode, KlapptError
from klappt.interop import FORMAT_NAMES, detect_format, read_any
from klappt.interop.base import XLSFormSpec
from klappt.interop.importers import BY_KEY, IMPORTERS, recognise
from klappt.interop.sniff import Sniff
from klappt.interop.xlsform_writer import write_xlsform

XLS = Path(__file__).resolve().parents[1] / "data" / "xls"
_DICTIONARY = (
    "Variable / Field Name,Form Name,Section Header,Field Type,Field Label,"
    '"Choices, Calculations, OR Slider Labels"\n'
    "record_id,intake,,text,Record ID,\n"
    'colour,intake,,radio,Colour,"1, red | 2, blue"\n'
)


def _form(path: Path, first_sheet: list[list[str]] | None = None) -> Path:
    """An XLSForm workbook written by klappt's writer; ``first_sheet`` goes before its sheets."""
    spec = XLSFormSpec("Demo", "demo")
    spec.add(type="select_one yn", name="ok", label="OK?")
    for choice in ("ja", "nein"):
        spec.add_choice("yn", choice, {"": choice})
    path.write_bytes(write_xlsform(spec))
    if first_sheet is not None:
        wb = openpyxl.load_workbook(path)
        sheet = wb.create_sheet("data", 0)
        for row in first_sheet:
            sheet.append(row)
        wb.save(path)
    return path


def _table_xlsx(path: Path, columns: dict[str, list[str]]) -> Path:
    pl.DataFrame(columns).write_excel(path, worksheet="data")
    return path


def _ls_doc(kind: str) -> str:
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        f"<document><LimeSurveyDocType>{kind}</LimeSurveyDocType><DBVersion>366</DBVersion>"
        "</document>\n"
    )


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _text(name: str, text: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def _sav(folder: Path) -> Path:
    pyreadstat.write_sav(pl.DataFrame({"x": [1.0, 2.0]}).to_pandas(), str(folder / "a.sav"))
    return folder / "a.sav"


def _zsav(folder: Path) -> Path:
    frame = pl.DataFrame({"x": [1.0, 2.0]}).to_pandas()
    pyreadstat.write_sav(frame, str(folder / "a.zsav"), compress=True)
    return folder / "a.zsav"


def _dta(folder: Path) -> Path:
    pyreadstat.write_dta(pl.DataFrame({"x": [1.0, 2.0]}).to_pandas(), str(folder / "a.dta"))
    return folder / "a.dta"


def _parquet(folder: Path) -> Path:
    pl.DataFrame({"ok": ["ja", "nein"]}).write_parquet(folder / "a.parquet")
    return folder / "a.parquet"


def _lsa(folder: Path) -> Path:
    return _zip(folder / "a.lsa", {"survey_424242.lss": make_lss(SURVEY)})


def _lss(folder: Path) -> Path:
    (folder / "a.lss").write_bytes(make_lss(SURVEY))
    return folder / "a.lss"


#: One small file per row of the table, written by the test; the key is the row it must reach.
SAMPLES: dict[str, Callable[[Path], Path]] = {
    "spss-sav": _sav,
    "spss-zsav": _zsav,
    "stata-dta": _dta,
    "parquet": _parquet,
    "limesurvey-lsa": _lsa,
    "xlsform": lambda d: _form(d / "form.xlsx"),
    "limesurvey-lsr": _text("a.lsr", _ls_doc("Responses")),
    "limesurvey-lst": _text("a.lst", _ls_doc("Tokens")),
    "limesurvey-lsg": _text("a.lsg", _ls_doc("Group")),
    "limesurvey-lsq": _text("a.lsq", _ls_doc("Question")),
    "limesurvey-lss": _lss,
    "redcap-odm": _text("a.xml", "<?xml version='1.0'?>\n<ODM xmlns='x'><Study/></ODM>\n"),
    "limesurvey-tsv": _text("a.txt", "class\ttype/scale\tname\nS\t\tsurvey\n"),
    "redcap-dictionary": _text("dictionary.csv", _DICTIONARY),
    "limesurvey-responses": _text("r.csv", "id,submitdate,lastpage,startlanguage,Q1\n1,,1,de,A1\n"),
    "redcap-records": _text("records.csv", "record_id,colour,intake_complete\n1,1,2\n"),
    "kobo-export": _text("kobo.csv", "ok,_uuid,_submission_time\nja,u1,2024-01-01\n"),
    "odk-central-export": _text("odk.csv", "SubmissionDate,ok,KEY\n2024-01-01,ja,uuid:1\n"),
    "data-xlsx": lambda d: _table_xlsx(d / "data.xlsx", {"ok": ["ja"]}),
    "data-xls": lambda d: XLS / "mini_data.xls",
    "data-csv": _text("data.csv", "ok\nja\n"),
}


def test_every_row_has_a_sample__ok() -> None:
    assert list(SAMPLES) == [i.key for i in IMPORTERS]  # a new row needs its sample here
    assert list(FORMAT_NAMES) == list(SAMPLES)


@pytest.mark.parametrize("key", list(SAMPLES))
def test_every_row_recognises_its_own_file__ok(key: str, tmp_path: Path) -> None:
    path = SAMPLES[key](tmp_path)
    assert BY_KEY[key].recognises(Sniff.of(path))
    assert detect_format(path) == key  # no row before it takes the file


@pytest.mark.parametrize("importer", IMPORTERS, ids=lambda i: i.key)
def test_every_reader_resolves__ok(importer) -> None:
    if importer.reader is None:
        with pytest.raises(LookupError):
            importer.read()
    else:
        assert callable(importer.read())
    assert importer.needs_companion <= bool(importer.companion)


def test_recognised_only_rows__ok() -> None:
    """Recognised to be named in a message, not imported (as before the table)."""
    assert {i.key for i in IMPORTERS if i.reader is None} == {
        "limesurvey-lsr",
        "limesurvey-lst",
        "limesurvey-lsg",
        "limesurvey-lsq",
        "limesurvey-tsv",
        "redcap-odm",
    }


@pytest.mark.parametrize(
    ("key", "fmt", "questions", "returns"),
    [
        ("spss-sav", "spss-sav", 1, 2),
        ("stata-dta", "stata-dta", 1, 2),
        ("xlsform", "xlsform", 1, None),
        ("limesurvey-lss", "limesurvey-lss", None, None),
        ("redcap-dictionary", "redcap", 1, None),  # record_id is the return id
        ("data-csv", "data-csv", 0, 1),
        ("data-xls", "data-xls", 0, None),
    ],
)
def test_read_any_reaches_the_row_reader__ok(
    key: str, fmt: str, questions: int | None, returns: int | None, tmp_path: Path
) -> None:
    result = read_any(SAMPLES[key](tmp_path))
    assert result.format == fmt and result.summary.format == fmt
    if questions is not None:
        assert result.summary.questions == questions
    if returns is not None:
        assert result.raw is not None and result.raw.height == returns


def test_recognised_only_rows_are_refused_by_read_any__error(tmp_path: Path) -> None:
    with pytest.raises(KlapptError) as info:
        read_any(SAMPLES["limesurvey-lsg"](tmp_path))
    assert info.value.code == ErrorCode.INTEROP_010
    assert "LimeSurvey question group (.lsg)" in str(info.value.message("en"))


def test_rows_that_need_a_companion_say_which__error(tmp_path: Path) -> None:
    with pytest.raises(KlapptError) as info:
        read_any(SAMPLES["redcap-records"](tmp_path))
    assert info.value.code == ErrorCode.INTEROP_012
    assert "REDCap data dictionary" in str(info.value.message("en"))
    result = read_any(
        SAMPLES["redcap-records"](tmp_path), companion=SAMPLES["redcap-dictionary"](tmp_path)
    )
    assert result.format == "redcap" and result.raw is not None
    assert result.raw.height == 1


def _takers(path: Path) -> list[str]:
    sniff = Sniff.of(path)
    return [i.key for i in IMPORTERS if i.recognises(sniff)]


def _ambiguous(folder: Path) -> list[tuple[str, Path]]:
    """Files that more than one row recognises, each with the row that must win."""
    return [
        # a workbook with a survey sheet is a form even when its first sheet looks like returns
        (
            "xlsform",
            _form(folder / "form_first_kobo.xlsx", [["ok", "_uuid"], ["ja", "u1"]]),
        ),
        # pyxform's CSV layout whose first heading is "survey", with LimeSurvey's TSV headings
        ("xlsform", _text("form.csv", "survey,class,type/scale,name\n,S,,x\n")(folder)),
        # an archive with a .lss member is LimeSurvey's, though it also holds a workbook
        (
            "limesurvey-lsa",
            _zip(
                folder / "both.zip",
                {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>", "s.lss": b"<d/>"},
            ),
        ),
        # a LimeSurvey responses document called .lss: its document type decides
        ("limesurvey-lsr", _text("responses.lss", _ls_doc("Responses"))(folder)),
        # a LimeSurvey survey that holds an <ODM element
        (
            "limesurvey-lss",
            _text("odm.lss", _ls_doc("Survey").replace("</document>", "<ODM/></document>"))(folder),
        ),
        # REDCap dictionary headings beside a Kobo _uuid column
        (
            "redcap-dictionary",
            _text(
                "dict_uuid.csv",
                "Variable / Field Name,Form Name,Field Type,Field Label,_uuid\nx,f,text,X,1\n",
            )(folder),
        ),
        # LimeSurvey's response metadata beside REDCap's record_id and _complete columns
        (
            "limesurvey-responses",
            _text(
                "ls_redcap.csv",
                "record_id,id,submitdate,lastpage,startlanguage,a_complete\n1,1,,1,de,2\n",
            )(folder),
        ),
        # REDCap records with Kobo's _submission_time
        (
            "redcap-records",
            _text("records_kobo.csv", "record_id,x,f_complete,_submission_time\n1,1,2,2024\n")(
                folder
            ),
        ),
        # a Kobo export with ODK Central's headings
        (
            "kobo-export",
            _text("kobo_odk.csv", "SubmissionDate,KEY,_uuid\n2024,uuid:1,u1\n")(folder),
        ),
        # a workbook of returns whose headings are ODK Central's
        (
            "odk-central-export",
            _table_xlsx(folder / "odk.xlsx", {"SubmissionDate": ["2024"], "KEY": ["uuid:1"]}),
        ),
    ]


def test_the_order_of_the_rows_decides_ambiguous_files__ok(tmp_path: Path) -> None:
    for expected, path in _ambiguous(tmp_path):
        takers = _takers(path)
        assert len(takers) >= 2, (path.name, takers)  # really ambiguous
        assert takers[0] == expected, (path.name, takers)
        assert detect_format(path) == expected
        assert recognise(Sniff.of(path)) is BY_KEY[expected]


def test_files_no_row_takes__error(tmp_path: Path) -> None:
    cases = {
        "other.zip": _zip(tmp_path / "other.zip", {"readme.txt": b"hello"}),
        "broken.zip": tmp_path / "broken.zip",
        "rss.xml": _text("rss.xml", "<?xml version='1.0'?><rss><channel/></rss>")(tmp_path),
    }
    cases["broken.zip"].write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    reasons = {
        "other.zip": "Zip-Archiv mit readme.txt",
        "broken.zip": "beschädigtes Zip-Archiv",
        "rss.xml": "XML, aber keine LimeSurvey- oder REDCap-Datei",
    }
    for name, path in cases.items():
        assert _takers(path) == []
        with pytest.raises(KlapptError) as info:
            detect_format(path)
        assert info.value.code == ErrorCode.INTEROP_010
        assert reasons[name] in str(info.value.message("de"))
    truncated = tmp_path / "broken.lsa"  # a damaged zip called .lsa is LimeSurvey's to refuse
    truncated.write_bytes(io.BytesIO(b"PK\x03\x04" + b"\x00" * 40).getvalue())
    assert detect_format(truncated) == "limesurvey-lsa"
