"""Every mistake a user can make with the input files ends in a KlapptError with the right code.

Through the API we assert the :class:`~klappt.errors.ErrorCode`; through the CLI
(``klappt tabulate`` / ``klappt validate`` in a subprocess) we assert a non-zero exit, a message
that names the file, and no Python traceback. The bad files are built in ``tmp_path``.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from klappt.analysis.tabulate import tabulate
from klappt.errors import ErrorCode, KlapptError
from klappt.instrument import read_instrument
from klappt.responses.dataset import load_responses
from klappt.responses.io import read_table

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "heldout"
FORM = HELDOUT / "form.xlsx"
GOOD_DATA = HELDOUT / "returns_plain.csv"


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def klappt_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("klappt")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "klappt"]


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "400", "NO_COLOR": "1", "KLAPPT_LANG": "de"}
    return subprocess.run(
        [*klappt_cmd(), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        timeout=180,
        check=False,
    )


def assert_cli_fails_naming(proc: subprocess.CompletedProcess[str], name: str) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"exit 0 for a bad file\n{out}"
    assert "Traceback" not in out, f"a traceback reached the user:\n{out}"
    # rich may fold a long path over several lines: compare without whitespace
    assert name in re.sub(r"\s+", "", out), f"the message does not name {name!r}:\n{out}"


def read_data(path: Path):
    return load_responses(read_instrument(FORM), read_table(path))


def expect_code(exc: pytest.ExceptionInfo[KlapptError], *codes: ErrorCode) -> None:
    assert exc.value.code in codes, (
        f"got {exc.value.code.name} ({exc.value}), expected {[c.name for c in codes]}"
    )


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def form_with(
    tmp_path: Path, name: str, survey: list[list[object]], choices: list[list[object]] | None = None
) -> Path:
    sheets = {"survey": survey}
    if choices is not None:
        sheets["choices"] = choices
    return write_xlsx(tmp_path / name, sheets)


# --------------------------------------------------------------------------------------------
# FILE_001: file not found
# --------------------------------------------------------------------------------------------
def test_data_not_found(tmp_path):
    with pytest.raises(KlapptError) as exc:
        read_table(tmp_path / "rueckläufe_fehlt.csv")
    expect_code(exc, ErrorCode.FILE_001)
    assert "rueckläufe_fehlt.csv" in str(exc.value)


def test_form_not_found(tmp_path):
    with pytest.raises(KlapptError) as exc:
        read_instrument(tmp_path / "arbeitshilfe_fehlt.xlsx")
    expect_code(exc, ErrorCode.FILE_001)


def test_cli_data_not_found(tmp_path):
    proc = run_cli("tabulate", FORM, tmp_path / "rueckläufe_fehlt.csv", "--json", "-")
    assert_cli_fails_naming(proc, "rueckläufe_fehlt.csv")


def test_cli_form_not_found(tmp_path):
    proc = run_cli("validate", tmp_path / "arbeitshilfe_fehlt.xlsx", GOOD_DATA)
    assert_cli_fails_naming(proc, "arbeitshilfe_fehlt.xlsx")


# --------------------------------------------------------------------------------------------
# FILE_002: empty file
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["leer.csv", "leer.xlsx"])
def test_empty_data_file(tmp_path, name):
    p = tmp_path / name
    p.write_bytes(b"")
    with pytest.raises(KlapptError) as exc:
        read_table(p)
    expect_code(exc, ErrorCode.FILE_002)


def test_blank_lines_only_csv(tmp_path):
    p = tmp_path / "nur_leerzeilen.csv"
    p.write_bytes(b"\r\n\r\n  \r\n")
    with pytest.raises(KlapptError) as exc:
        read_table(p)
    expect_code(exc, ErrorCode.FILE_002, ErrorCode.RESPONSES_001)


def test_empty_form_file(tmp_path):
    p = tmp_path / "leer.xlsx"
    p.write_bytes(b"")
    with pytest.raises(KlapptError) as exc:
        read_instrument(p)
    expect_code(exc, ErrorCode.FILE_002)


def test_cli_empty_data_file(tmp_path):
    p = tmp_path / "leer.csv"
    p.write_bytes(b"")
    assert_cli_fails_naming(run_cli("tabulate", FORM, p, "--json", "-"), "leer.csv")
    assert_cli_fails_naming(run_cli("validate", FORM, p), "leer.csv")


# --------------------------------------------------------------------------------------------
# FILE_004: a file of another kind
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("rueckläufe.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"),
        ("rueckläufe.docx", b"PK\x03\x04" + b"\x00" * 40),
        ("rueckläufe.json", b'{"gebietstyp": "kreis"}'),
    ],
)
def test_data_of_another_kind(tmp_path, name, content):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(KlapptError) as exc:
        read_table(p)
    expect_code(exc, ErrorCode.FILE_004)
    proc = run_cli("tabulate", FORM, p, "--json", "-")
    assert_cli_fails_naming(proc, name)


def test_text_file_of_prose(tmp_path):
    """A .txt that is a letter, not a table. The issue names .txt as FILE_004; the reader also
    accepts .txt (Excel's "Unicode text" export), so a letter may fail one step later instead."""
    p = tmp_path / "anschreiben.txt"
    p.write_text(
        "Sehr geehrte Damen und Herren,\nanbei die Rückläufe.\nMit freundlichen Grüßen\n",
        encoding="utf-8",
    )
    with pytest.raises(KlapptError) as exc:
        read_data(p)
    expect_code(exc, ErrorCode.FILE_004, ErrorCode.RESPONSES_001, ErrorCode.RESPONSES_002)
    assert_cli_fails_naming(run_cli("tabulate", FORM, p, "--json", "-"), "anschreiben.txt")


@pytest.mark.parametrize("name", ["arbeitshilfe.txt", "arbeitshilfe.pdf", "arbeitshilfe.docx"])
def test_form_of_another_kind(tmp_path, name):
    p = tmp_path / name
    p.write_bytes(b"%PDF-1.4\n%%EOF\n" if name.endswith(".pdf") else b"type,name,label\ntext,a,A\n")
    with pytest.raises(KlapptError) as exc:
        read_instrument(p)
    expect_code(exc, ErrorCode.FILE_004)
    assert_cli_fails_naming(run_cli("validate", p, GOOD_DATA), name)


# --------------------------------------------------------------------------------------------
# FILE_005 / FILE_003: binary or undecodable content
# --------------------------------------------------------------------------------------------
def _binary_bytes() -> bytes:
    rng = random.Random(4711)
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(3000)


def test_binary_renamed_csv(tmp_path):
    p = tmp_path / "foto.csv"
    p.write_bytes(_binary_bytes())
    with pytest.raises(KlapptError) as exc:
        read_table(p)
    expect_code(exc, ErrorCode.FILE_005, ErrorCode.FILE_003)
    assert_cli_fails_naming(run_cli("tabulate", FORM, p, "--json", "-"), "foto.csv")


def test_undecodable_csv(tmp_path):
    """Bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D are neither UTF-8 nor defined in Windows-1252."""
    p = tmp_path / "kaputt_kodiert.csv"
    p.write_bytes(b"gebietstyp;anmerkungen\r\nkreis;Gr\x81\x8d\x90e\r\nkreis;\x9d\x8f\r\n")
    with pytest.raises(KlapptError) as exc:
        read_table(p)
    expect_code(exc, ErrorCode.FILE_005, ErrorCode.FILE_003)
    assert_cli_fails_naming(run_cli("validate", FORM, p), "kaputt_kodiert.csv")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("kein_excel.xlsx", b"gebietstyp,traeger\nkreis,kommune\n"),  # a CSV renamed .xlsx
        ("abgeschnitten.xlsx", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64),  # a truncated zip
    ],
)
def test_broken_xlsx_data(tmp_path, name, content):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(KlapptError) as exc:
        read_table(p)
    expect_code(exc, ErrorCode.FILE_003, ErrorCode.FILE_005)
    assert_cli_fails_naming(run_cli("tabulate", FORM, p, "--json", "-"), name)


def test_broken_xlsx_form(tmp_path):
    p = tmp_path / "arbeitshilfe_kaputt.xlsx"
    p.write_bytes(_binary_bytes())
    with pytest.raises(KlapptError) as exc:
        read_instrument(p)
    expect_code(exc, ErrorCode.FILE_003, ErrorCode.INSTRUMENT_001)
    assert_cli_fails_naming(run_cli("validate", p, GOOD_DATA), "arbeitshilfe_kaputt.xlsx")


# --------------------------------------------------------------------------------------------
# RESPONSES_001: a header but no returns
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("nur_kopf.csv", b"gebietstyp,traeger,angebot\n"),
        # Excel's leftover empty rows under the header
        ("nur_kopf_excel.csv", "\ufeffgebietstyp;traeger;angebot\r\n;;\r\n;;\r\n".encode()),
    ],
)
def test_header_only_csv(tmp_path, name, content):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(KlapptError) as exc:
        read_data(p)
    expect_code(exc, ErrorCode.RESPONSES_001)
    assert_cli_fails_naming(run_cli("tabulate", FORM, p, "--json", "-"), name)
    assert_cli_fails_naming(run_cli("validate", FORM, p), name)


def test_header_only_xlsx(tmp_path):
    p = write_xlsx(
        tmp_path / "nur_kopf.xlsx", {"Rückläufe": [["gebietstyp", "traeger", "angebot"]]}
    )
    with pytest.raises(KlapptError) as exc:
        read_data(p)
    expect_code(exc, ErrorCode.RESPONSES_001)


# --------------------------------------------------------------------------------------------
# RESPONSES_002: data of another form
# --------------------------------------------------------------------------------------------
def test_data_of_another_form(tmp_path):
    p = tmp_path / "rueckläufe_2022.csv"
    p.write_text(
        "lebenswelt,abh_ueber,anzahl,freitext\nja,angebote,3,gut\nnein,,1,\nja,beratung angebote,7,\n",
        encoding="utf-8",
    )
    with pytest.raises(KlapptError) as exc:
        read_data(p)
    expect_code(exc, ErrorCode.RESPONSES_002)
    assert_cli_fails_naming(run_cli("tabulate", FORM, p, "--json", "-"), "rueckläufe_2022.csv")
    assert_cli_fails_naming(run_cli("validate", FORM, p), "rueckläufe_2022.csv")


def test_only_meta_columns_match(tmp_path):
    """Meta columns (_id, _uuid, ...) alone do not make the data belong to the form."""
    p = tmp_path / "nur_meta.csv"
    p.write_text(
        "_id,_uuid,_submission_time,frage_a\n1,a-1,2023-03-01T10:00:00,x\n", encoding="utf-8"
    )
    with pytest.raises(KlapptError) as exc:
        read_data(p)
    expect_code(exc, ErrorCode.RESPONSES_002)


def test_swapped_arguments(tmp_path):
    """Data file given as the form (and the form as the data): an error, never a traceback."""
    with pytest.raises(KlapptError) as exc:
        read_instrument(GOOD_DATA)
    expect_code(exc, ErrorCode.INSTRUMENT_001, ErrorCode.FILE_003, ErrorCode.FILE_004)
    proc = run_cli("tabulate", GOOD_DATA, FORM, "--json", "-")
    assert_cli_fails_naming(proc, GOOD_DATA.name)


# --------------------------------------------------------------------------------------------
# INSTRUMENT_001: a broken XLSForm, named by sheet and row
# --------------------------------------------------------------------------------------------
BROKEN_FORMS = {
    # name: (survey, choices, row that is wrong)
    "unbekannter_typ.xlsx": (
        [
            ["type", "name", "label"],
            ["text", "kommune", "Kommune"],
            ["integer", "plaetze", "Plätze"],
            ["zahl_xy", "kaputt", "K"],
        ],
        None,
        4,
    ),
    "liste_fehlt.xlsx": (
        [
            ["type", "name", "label"],
            ["text", "kommune", "Kommune"],
            ["select_one farben", "farbe", "Farbe"],
        ],
        [["list_name", "name", "label"], ["ja_nein", "ja", "Ja"], ["ja_nein", "nein", "Nein"]],
        3,
    ),
    "gruppe_offen.xlsx": (
        [["type", "name", "label"], ["begin_group", "teil1", "Teil 1"], ["text", "a", "A"]],
        None,
        2,
    ),
    "bedingung_kaputt.xlsx": (
        [
            ["type", "name", "label", "relevant"],
            ["text", "a", "A", None],
            ["text", "b", "B", "${gibtsnicht} = 'x'"],
        ],
        None,
        3,
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN_FORMS))
def test_broken_xlsform(tmp_path, name):
    survey, choices, row = BROKEN_FORMS[name]
    p = form_with(tmp_path, name, survey, choices)
    with pytest.raises(KlapptError) as exc:
        read_instrument(p)
    expect_code(exc, ErrorCode.INSTRUMENT_001)
    msg = exc.value.message("de")
    assert name in msg
    assert "survey" in msg, f"no sheet named in: {msg}"
    assert re.search(rf"\b{row}\b", msg), f"row {row} not named in: {msg}"
    proc = run_cli("validate", p, GOOD_DATA)
    assert_cli_fails_naming(proc, name)
    assert re.search(rf"\b{row}\b", proc.stdout + proc.stderr)


# --------------------------------------------------------------------------------------------
# RESPONSES_003: a header that occurs twice
# --------------------------------------------------------------------------------------------
def test_duplicate_header_csv(tmp_path):
    p = tmp_path / "doppelte_spalte.csv"
    p.write_text(
        "gebietstyp,traeger,angebot,traeger\nkreis,kommune,ja,jobcenter\n", encoding="utf-8"
    )
    with pytest.raises(KlapptError) as exc:
        read_data(p)
    expect_code(exc, ErrorCode.RESPONSES_003)
    assert "traeger" in str(exc.value)
    assert_cli_fails_naming(run_cli("tabulate", FORM, p, "--json", "-"), "doppelte_spalte.csv")


def test_duplicate_header_excel_csv(tmp_path):
    p = tmp_path / "doppelt_excel.csv"
    p.write_bytes(
        "allgemein/gebietstyp;angebote/angebot;angebote/angebot\r\nkreis;ja;nein\r\n".encode(
            "cp1252"
        )
    )
    with pytest.raises(KlapptError) as exc:
        read_data(p)
    expect_code(exc, ErrorCode.RESPONSES_003)


def test_duplicate_header_xlsx(tmp_path):
    p = write_xlsx(
        tmp_path / "doppelt.xlsx",
        {"Daten": [["gebietstyp", "angebot", "gebietstyp"], ["kreis", "ja", "kreis"]]},
    )
    with pytest.raises(KlapptError) as exc:
        read_data(p)
    expect_code(exc, ErrorCode.RESPONSES_003)
    assert_cli_fails_naming(run_cli("validate", FORM, p), "doppelt.xlsx")


# --------------------------------------------------------------------------------------------
# --by with a question that cannot cross
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("by", "code"),
    [
        ("gibtsnicht", ErrorCode.INSTRUMENT_003),
        ("plaetze", ErrorCode.INSTRUMENT_004),
        ("zielgruppen", ErrorCode.INSTRUMENT_004),
    ],
)
def test_bad_by_question(by, code):
    rs, _ = read_data(GOOD_DATA)
    with pytest.raises(KlapptError) as exc:
        tabulate(rs, by=by)
    expect_code(exc, code)
    proc = run_cli("tabulate", FORM, GOOD_DATA, "--by", by, "--json", "-")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "Traceback" not in out and by in out, out


def test_required_question_in_a_repeat_is_not_missing_from_the_main_table(tmp_path):
    """The main table holds no repeat entries (they come as a table of their own): a required
    question inside a repeat is no missing answer of any return, the one outside still is."""
    form_path = form_with(
        tmp_path,
        "wiederholung.xlsx",
        [
            ["type", "name", "label", "required"],
            ["text", "kommune", "Kommune", "yes"],
            ["begin_repeat", "standorte", "Standorte", ""],
            ["text", "standort_name", "Name des Standorts", "yes"],
            ["end_repeat", "", "", ""],
        ],
    )
    data = tmp_path / "r.csv"
    data.write_text("_id,kommune\n1,Essen\n2,\n", encoding="utf-8")
    _rs, report = load_responses(read_instrument(form_path), read_table(data))
    assert [(i.code, i.row, i.question) for i in report.problems] == [
        ("required_missing", 3, "kommune")
    ]
