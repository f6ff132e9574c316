"""The coding workbook: export, fill in as a coder would, import; mistakes named by row."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from klappt.coding import Coding, CodingSet, read_coding_workbook
from klappt.coding.workbook import export_for_coding, import_coding
from klappt.errors import ErrorCode, KlapptError

AT = "2024-05-01T10:00:00+00:00"


def _fill(path: Path, values: dict[str, dict[str, str]], sheet: str = "Codierung") -> None:
    """Write ``{answer id: {header: value}}`` into the exported workbook, as a coder would."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    col = {c.value: i for i, c in enumerate(ws[1])}
    for row in ws.iter_rows(min_row=2):
        for header, value in values.get(row[col["Antwort-ID"]].value, {}).items():
            row[col[header]].value = value
    wb.save(path)


@pytest.fixture
def exported(tmp_path, rs, codebook) -> Path:
    p = tmp_path / "coding.xlsx"
    result = export_for_coding(rs, "angebote", codebook, top_k=0)
    assert (result.segments, result.answers, result.with_suggestions) == (16, 11, 0)
    p.write_bytes(result.workbook)
    return p


def test_export_layout__ok(exported) -> None:
    wb = openpyxl.load_workbook(exported)
    assert wb.sheetnames == ["Codierung", "Codebuch", "Info", "Anleitung"]
    ws = wb["Codierung"]
    assert [c.value for c in ws[1]] == [
        "Antwort-ID",
        "Rücklauf",
        "Standort",
        "Frage",
        "Teil",
        "Antwort",
        "Hinweis",
        "Code 1",
        "Code 2",
        "Code 3",
    ]
    assert [c.value for c in ws[2]][:6] == ["R01#1", "R01", "Adorf", "angebote", 1, "Sportverein"]
    assert ws.data_validations.dataValidation  # a drop-down of the codes


def test_export_with_suggestions__ok(tmp_path, rs, codebook, codings) -> None:
    result = export_for_coding(rs, "angebote", codebook, codings, skip_coded=True, top_k=2)
    assert result.segments == 2  # R08#2 (unresolved) and R10#2 (not coded)
    import io

    head = [c.value for c in openpyxl.load_workbook(io.BytesIO(result.workbook))["Codierung"][1]]
    assert head[-6:] == [
        "Vorschlag 1",
        "Sicherheit 1",
        "Übernehmen 1",
        "Vorschlag 2",
        "Sicherheit 2",
        "Übernehmen 2",
    ]


def _ids(workbook: bytes) -> list[str]:
    import io

    ws = openpyxl.load_workbook(io.BytesIO(workbook))["Codierung"]
    return [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]


def test_export_sample_is_seeded__ok(rs, codebook) -> None:
    a = export_for_coding(rs, "angebote", codebook, sample=4, seed=5, top_k=0)
    b = export_for_coding(rs, "angebote", codebook, sample=4, seed=5, top_k=0)
    assert a.answers == 4
    assert _ids(a.workbook) == _ids(b.workbook)
    assert len({i.split("#")[0] for i in _ids(a.workbook)}) == 4


def test_import_codes_labels_and_no_code__ok(exported) -> None:
    _fill(
        exported,
        {
            "R01#1": {"Code 1": "sport"},
            "R01#2": {"Code 1": "Sprache"},  # the label, not the code: understood
            "R02#1": {"Code 1": "kultur, freizeit"},  # two codes in one cell
            "R05#1": {"Code 1": "-"},  # seen, no code applies
        },
    )
    cs = read_coding_workbook(exported, coder="anna", at=AT)
    got = [(c.answer, c.code, c.row) for c in cs]
    assert got == [
        ("R01#1", "sport", 2),
        ("R01#2", "sprache", 3),
        ("R02#1", "kultur", 4),
        ("R02#1", "freizeit", 4),
        ("R05#1", None, 8),
    ]
    assert {(c.coder, c.coded_at, c.question) for c in cs} == {("anna", AT, "angebote")}
    assert cs.codings[0].text == "Sportverein"


def test_import_unknown_code_names_row__error(exported) -> None:
    _fill(
        exported,
        {"R01#1": {"Code 1": "sport"}, "R03#1": {"Code 2": "tanzen"}, "R04#1": {"Code 1": "oper"}},
    )
    with pytest.raises(KlapptError) as exc:
        read_coding_workbook(exported, coder="anna")
    assert exc.value.code is ErrorCode.CODING_006
    assert exc.value.params["row"] == 5 and exc.value.params["name"] == "tanzen"
    assert "und 1 weitere" in str(exc.value)
    assert str(exported) in str(exc.value)


def test_import_bad_accept_mark__error(tmp_path, rs, codebook, codings) -> None:
    result = export_for_coding(rs, "angebote", codebook, codings, top_k=1)
    p = tmp_path / "c.xlsx"
    p.write_bytes(result.workbook)
    _fill(p, {"R02#1": {"Übernehmen 1": "vielleicht"}})
    with pytest.raises(KlapptError) as exc:
        read_coding_workbook(p, coder="anna")
    assert exc.value.code is ErrorCode.CODING_010
    assert exc.value.params["row"] == 4


def test_import_other_question__error(exported, codebook) -> None:
    from dataclasses import replace

    _fill(exported, {"R01#1": {"Code 1": "sport"}})
    with pytest.raises(KlapptError) as exc:
        read_coding_workbook(exported, coder="anna", codebook=replace(codebook, question="kontakt"))
    assert exc.value.code is ErrorCode.CODING_013


def test_import_without_codebook__error(tmp_path, rs) -> None:
    p = tmp_path / "c.xlsx"
    p.write_bytes(export_for_coding(rs, "angebote").workbook)
    with pytest.raises(KlapptError) as exc:
        read_coding_workbook(p, coder="anna")
    assert exc.value.code is ErrorCode.CODING_012


def test_import_merges_and_keeps_other_coders__ok(exported) -> None:
    _fill(exported, {"R01#1": {"Code 1": "kultur"}})
    before = CodingSet(
        (
            Coding("R01#1", "anna", "sport", "angebote"),  # replaced by anna's new coding
            Coding("R01#1", "ben", "sport", "angebote"),  # kept
            Coding("R02#1", "anna", "kultur", "angebote"),  # kept: not in the new workbook
        )
    )
    result = import_coding(exported, "anna", existing=before, at=AT)
    assert [(c.answer, c.coder, c.code) for c in result.codings] == [
        ("R01#1", "ben", "sport"),
        ("R02#1", "anna", "kultur"),
        ("R01#1", "anna", "kultur"),
    ]
    assert result.summary.unresolved == 1


def test_resolve_disagreements_round_trip__ok(tmp_path, codebook, codings) -> None:
    from klappt.coding import agreement, final_codes, merge_codings
    from klappt.coding.workbook import disagreement_workbook

    result = agreement(codings.for_question("angebote"))
    assert [d.answer for d in result.disagreements] == ["R08#2"]
    p = tmp_path / "abweichungen.xlsx"
    p.write_bytes(disagreement_workbook(result, codebook))
    wb = openpyxl.load_workbook(p)
    ws = wb["Abweichungen"]
    assert [c.value for c in ws[1]] == [
        "Antwort-ID",
        "Rücklauf",
        "Frage",
        "Teil",
        "Antwort",
        "Codierer: anna",
        "Codierer: ben",
        "Code 1",
        "Code 2",
        "Code 3",
    ]
    assert [c.value for c in ws[2]][:7] == ["R08#2", "R08", "angebote", 2, "Kino", "kultur", "-"]
    ws["H2"] = "kultur"
    wb.save(p)
    resolved = read_coding_workbook(p, coder="chris", final=True, at=AT)
    assert [(c.answer, c.code, c.final) for c in resolved] == [("R08#2", "kultur", True)]
    merged = merge_codings(codings, resolved)
    assert final_codes(merged).unresolved == frozenset()
    assert agreement(merged.for_question("angebote")).disagreements == ()


def test_hints_for_other_language_and_personal_data__ok() -> None:
    import io

    from klappt.coding import Segment, coding_workbook

    segs = [
        Segment("R1", "angebote", 1, "more activities for the young people"),
        Segment("R2", "angebote", 1, "Frau Müller fragen"),
        Segment("R3", "angebote", 1, "mehr Angebote für die Jugend"),
    ]
    ws = openpyxl.load_workbook(io.BytesIO(coding_workbook(segs)))["Codierung"]
    assert [r[6] for r in ws.iter_rows(min_row=2, values_only=True)] == [
        "Sprache: en?",
        "persönliche Daten? Name",
        None,
    ]


def test_workbook_codebook_is_the_book_it_travels_with__ok(exported, tmp_path, codebook) -> None:
    from klappt.coding import workbook_codebook

    assert workbook_codebook(exported).names == codebook.names
    bare = tmp_path / "ohne.xlsx"
    wb = openpyxl.Workbook()
    wb.save(bare)
    assert workbook_codebook(bare) is None
    with pytest.raises(KlapptError) as exc:
        workbook_codebook(tmp_path / "fehlt.xlsx")
    assert exc.value.code is ErrorCode.FILE_001
