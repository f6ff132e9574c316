"""Workbooks that klappt reads back (the coding workbook, the code book as Excel) hold no formula:
an answer or a label that starts with ``=`` is stored as a text cell and comes back word for word."""

from __future__ import annotations

import io

import openpyxl

from klappt.coding import Code, Codebook, codebook_to_xlsx, read_codebook, read_coding_workbook
from klappt.coding.workbook import export_for_coding
from klappt.instrument import read_instrument
from klappt.responses.dataset import load_responses
from klappt.responses.io import read_table

LABEL = '=HYPERLINK("http://x","y")'
ANSWER = "=cmd|' /C calc'!A0"


def _formulas(blob: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(blob))
    return [
        f"{ws.title}!{c.coordinate}"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


def _book() -> Codebook:
    return Codebook(
        "angebote",
        (Code("kultur", {"de": LABEL}, examples=(ANSWER,)), Code("sport", {"de": "Sport"})),
    )


def test_code_book_as_excel_keeps_formula_labels_as_text__ok(tmp_path):
    blob = codebook_to_xlsx(_book())
    assert _formulas(blob) == []
    p = tmp_path / "cb.xlsx"
    p.write_bytes(blob)
    back = read_codebook(p)
    assert back.code("kultur").label("de") == LABEL
    assert back.code("kultur").examples == (ANSWER,)


def test_coding_workbook_keeps_formula_answers_as_text__ok(tmp_path, form_path, data_path):
    data = data_path.read_text(encoding="utf-8")
    data_path.write_text(data.replace("Theater", ANSWER.replace('"', '""')), encoding="utf-8")
    rs, _ = load_responses(read_instrument(form_path), read_table(data_path))
    result = export_for_coding(rs, "angebote", _book(), top_k=0)
    assert _formulas(result.workbook) == []
    wb = openpyxl.load_workbook(io.BytesIO(result.workbook))
    ws = wb.worksheets[0]
    answers = [r[5].value for r in ws.iter_rows(min_row=2)]
    assert ANSWER in answers  # word for word, so the import matches the data
    row = answers.index(ANSWER) + 2
    ws.cell(row=row, column=8, value="kultur")
    p = tmp_path / "coding.xlsx"
    wb.save(p)
    cs = read_coding_workbook(p, coder="anna")
    assert [(c.answer, c.code, c.text) for c in cs.codings] == [("R02#1", "kultur", ANSWER)]
