"""Each kind of traceback the mutation fuzzer found ends in one clear error, or in a problem of a row.

Every test feeds one small damaged file to the real command (``klappt.cli.main``) and asserts
exit 2 with a message naming the file (or exit 1 with the problem in its row), and no
traceback. Where the damage is easy to make, the test makes it; the others use the crashers
the fuzzer saved in ``tests/data/crashers`` (see ``crashers.json`` for what each one raised).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from klappt.cli import main

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT / "src" / "klappt" / "reference"
FORM = REF / "arbeitshilfe_2022.xlsx"
RETURNS = REF / "returns_2022.csv"
CRASHERS = ROOT / "tests" / "data" / "crashers"
XLS_FORM = ROOT / "tests" / "data" / "xls" / "mini_form.xls"


def klappt(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """Run a command in this process: exit code, standard output, standard error."""
    try:
        main([*map(str, args), "--lang", "en"])
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def clear_error(capsys: pytest.CaptureFixture[str], path: Path, *args: object) -> str:
    code, out, err = klappt(capsys, *args)
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    assert path.name in err.replace("\n", ""), err
    return " ".join(err.split())


def returns_xlsx(path: Path) -> Path:
    rows = list(csv.reader(io.StringIO(RETURNS.read_text(encoding="utf-8"))))
    wb = openpyxl.Workbook()
    for r in rows[:6]:
        wb.active.append(r)
    wb.save(path)
    return path


def rezip(path: Path, member: str, change) -> Path:
    """The workbook with one member's bytes changed (the archive itself stays sound)."""
    with zipfile.ZipFile(path) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            z.writestr(name, change(data) if name == member else data)
    return path


def test_damaged_workbook_part_lxml__error(tmp_path, capsys):
    # openpyxl reads [Content_Types].xml with lxml: lxml.etree.XMLSyntaxError before
    bad = rezip(
        returns_xlsx(tmp_path / "r.xlsx"), "[Content_Types].xml", lambda b: b[: len(b) // 2]
    )
    text = clear_error(capsys, bad, "validate", FORM, bad)
    assert "Excel (.xlsx)" in text and "XMLSyntaxError" in text


def test_damaged_worksheet_elementtree__error(tmp_path, capsys):
    # a read-only sheet is parsed with ElementTree while the rows are read: ParseError before
    bad = rezip(
        returns_xlsx(tmp_path / "r.xlsx"), "xl/worksheets/sheet1.xml", lambda b: b[: len(b) // 2]
    )
    text = clear_error(capsys, bad, "tabulate", FORM, bad)
    assert "ParseError" in text


def test_damaged_deflate_stream_zlib__error(tmp_path, capsys):
    # the compressed bytes of the sheet replaced by an invalid deflate block: zlib.error before
    bad = returns_xlsx(tmp_path / "r.xlsx")
    data = bytearray(bad.read_bytes())
    with zipfile.ZipFile(bad) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start : start + 8] = b"\xff" * 8
    bad.write_bytes(bytes(data))
    text = clear_error(capsys, bad, "validate", FORM, bad)
    assert "Excel (.xlsx)" in text


@pytest.mark.parametrize(
    ("crasher", "before"),
    [
        ("xls-error.xls", "struct.error"),
        ("xls-compdocerror.xls", "xlrd.compdoc.CompDocError"),
        ("xls-recursionerror.xls", "RecursionError"),
        ("xls-keyerror.xls", "KeyError"),
        ("indexerror-25eec9c643.xls", "IndexError"),
    ],
)
def test_damaged_xls_data__error(capsys, crasher, before):
    bad = CRASHERS / crasher
    text = clear_error(capsys, bad, "validate", XLS_FORM, bad)
    assert "Excel 97-2003 (.xls)" in text, before


def test_damaged_xls_assertion__error(tmp_path, capsys):
    bad = CRASHERS / "assertionerror-6a18d2ee48.xls"  # an AssertionError inside xlrd before
    text = clear_error(capsys, bad, "convert", bad, tmp_path / "form.xlsx")
    assert "AssertionError" in text


def test_xls_whose_sector_chain_loops__error(capsys):
    # xlrd followed the looping chain for ever (over 2 minutes, memory growing) before
    bad = CRASHERS / "xls-timeout.xls"
    text = clear_error(capsys, bad, "validate", XLS_FORM, bad)
    assert "loops" in text


def test_damaged_workbook_typeerror__error(capsys):
    bad = (
        CRASHERS / "typeerror-7f1364c843.xlsx"
    )  # TypeError in read_xlsx (klappt.responses.spreadsheets) before
    clear_error(capsys, bad, "validate", FORM, bad)


def test_unknown_xml_encoding_lookuperror__error(tmp_path, capsys):
    bad = tmp_path / "survey.lss"
    bad.write_bytes(
        b'<?xml version="1.0" encoding="klingon"?><document>'
        b"<LimeSurveyDocType>Survey</LimeSurveyDocType></document>"
    )
    text = clear_error(capsys, bad, "convert", bad, tmp_path / "form.xlsx")
    assert "'klingon'" in text and "XML declaration" in text


def test_multibyte_xml_encoding_valueerror__error(tmp_path, capsys):
    bad = tmp_path / "survey.lss"
    bad.write_bytes(
        b'<?xml version="1.0" encoding="utf-7"?><document>'
        b"<LimeSurveyDocType>Survey</LimeSurveyDocType></document>"
    )
    text = clear_error(capsys, bad, "convert", bad, tmp_path / "form.xlsx")
    assert "'utf-7'" in text


def test_codebook_nested_too_deep_recursionerror__error(tmp_path, capsys):
    bad = tmp_path / "codebook.yaml"
    bad.write_text("question: mehrwert_nennungen\ncodes: " + "[" * 50_000 + "]" * 50_000 + "\n")
    text = clear_error(
        capsys,
        bad,
        "tabulate",
        FORM,
        RETURNS,
        "--codebook",
        bad,
        "--codes",
        REF / "codings_2022.csv",
    )
    assert "nested too deeply" in text


def test_expression_nested_too_deep_is_a_note_not_a_crash__ok(tmp_path, capsys):
    # 3,000 brackets once overflowed the XPath parser's recursion; the one parser
    # (klappt.instrument.conditions) now bounds the nesting: the condition is noted as not
    # checked, the returns are read, and nothing crashes
    from klappt.cli import main

    depth = 3000
    form = tmp_path / "deep.md"
    form.write_text(
        "| survey |\n| | type | name | label | relevant |\n| | integer | a | A | |\n"
        f"| | integer | b | B | {'(' * depth}${{a}} = 1{')' * depth} |\n"
    )
    data = tmp_path / "deep.csv"
    data.write_text("a,b\n1,2\n")
    with pytest.raises(SystemExit) as done:
        main(["validate", str(form), str(data), "--lang", "en"])
    said = capsys.readouterr()
    assert done.value.code == 0
    assert "Traceback" not in said.err + said.out
    assert "not checked" in said.err + said.out


def test_truncated_utf16_csv_unicodedecodeerror__error(tmp_path, capsys):
    bad = tmp_path / "returns.csv"
    # one byte of a last character that never came: a UnicodeDecodeError before
    bad.write_bytes(b"\xff\xfe" + "return_id,thm_anzahl\nx,1\n".encode("utf-16-le") + b"\x0a")
    text = clear_error(capsys, bad, "validate", FORM, bad)
    assert "UTF-16" in text


def test_csv_header_with_lone_carriage_return__error_or_read(tmp_path, capsys):
    bad = CRASHERS / "csv-error-newline-dictionary.csv"  # _csv.Error in the separator sniffing
    code, out, err = klappt(capsys, "validate", FORM, bad)
    assert code == 2 and "Traceback" not in out + err


@pytest.mark.parametrize("value", ["NaN", "inf", "-inf", "1e30", "99999999999999999999999"])
def test_integer_answer_not_a_number__problem(tmp_path, capsys, value):
    # the example: polars.InvalidOperationError when casting to Int64 before
    rows = list(csv.reader(io.StringIO(RETURNS.read_text(encoding="utf-8"))))
    col = rows[0].index("thm_anzahl")
    rows[1][col] = value
    data = tmp_path / "returns.csv"
    with data.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    code, out, err = klappt(capsys, "validate", FORM, data, "--json", "-")
    assert code == 1, err
    problems = json.loads(out)["problems"]
    mine = [p for p in problems if p["column"] == "thm_anzahl" and p["row"] == 2]
    assert [p["code"] for p in mine] == ["not_a_number"], mine


def test_integer_answers_at_the_edges_stay_numbers__ok(tmp_path, capsys):
    rows = list(csv.reader(io.StringIO(RETURNS.read_text(encoding="utf-8"))))
    col = rows[0].index("thm_anzahl")
    rows[1][col] = "-0"
    data = tmp_path / "returns.csv"
    with data.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    code, out, err = klappt(capsys, "validate", FORM, data, "--json", "-")
    assert code in (0, 1), err
    codes = {p["code"] for p in json.loads(out)["problems"] if p["column"] == "thm_anzahl"}
    assert "not_a_number" not in codes and "Traceback" not in err


def test_stata_variable_without_a_name__error(tmp_path, capsys):
    bad = CRASHERS / "unnamed-variable.dta"  # AttributeError on None.lower() before
    text = clear_error(capsys, bad, "convert", bad, tmp_path / "form.xlsx")
    assert "no readable name" in text
