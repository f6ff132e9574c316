"""Codings as plain data: CSV round trip, which codes count, and bad cells named by row."""

from __future__ import annotations

import json

import pytest

from klappt.coding import (
    Coding,
    CodingSet,
    codings_to_csv,
    final_codes,
    merge_codings,
    read_codings,
)
from klappt.errors import ErrorCode, KlapptError


def test_csv_round_trip__ok(tmp_path, codings) -> None:
    p = tmp_path / "out.csv"
    p.write_text(codings_to_csv(codings), encoding="utf-8")
    back = read_codings(p)
    assert back.codings == codings.codings
    assert [c.row for c in back][:2] == [2, 3]


def test_json_round_trip__ok(codings) -> None:
    again = CodingSet.from_dict(json.loads(json.dumps(codings.to_dict())))
    assert again.codings == codings.codings


def test_bare_agreement_file__ok(tmp_path) -> None:
    p = tmp_path / "a.csv"
    p.write_text("answer,coder,code\nA1,anna,sport\nA1,ben,\nA2;x,anna,kultur\n", encoding="utf-8")
    cs = read_codings(p)
    assert [(c.answer, c.coder, c.code, c.question) for c in cs] == [
        ("A1", "anna", "sport", ""),
        ("A1", "ben", None, ""),
        ("A2;x", "anna", "kultur", ""),
    ]


def test_semicolon_csv_from_excel__ok(tmp_path) -> None:
    p = tmp_path / "a.csv"
    p.write_bytes("answer;coder;code\nA1;Jürgen;sport\n".encode("cp1252"))
    assert read_codings(p).codings[0].coder == "Jürgen"


def test_header_only_is_empty__ok(tmp_path) -> None:
    p = tmp_path / "a.csv"
    p.write_text("answer,coder,code\n", encoding="utf-8")
    assert len(read_codings(p)) == 0


def test_missing_columns__error(tmp_path) -> None:
    p = tmp_path / "a.csv"
    p.write_text("answer,code\nA1,sport\n", encoding="utf-8")
    with pytest.raises(KlapptError) as exc:
        read_codings(p)
    assert exc.value.code is ErrorCode.CODING_009
    assert exc.value.params["missing"] == "coder"


@pytest.mark.parametrize(
    ("line", "row"),
    [("A1,,sport,0", 3), ("A1,anna,sport,vielleicht", 3)],
)
def test_bad_cells__error(tmp_path, line, row) -> None:
    p = tmp_path / "a.csv"
    p.write_text(f"answer,coder,code,final\nA0,anna,x,0\n{line}\n", encoding="utf-8")
    with pytest.raises(KlapptError) as exc:
        read_codings(p)
    assert exc.value.code is ErrorCode.CODING_010
    assert exc.value.params["row"] == row


def test_final_codes_rules__ok() -> None:
    cs = CodingSet(
        (
            Coding("a1", "anna", "x"),  # single coder
            Coding("a2", "anna", "x"),
            Coding("a2", "ben", "x"),  # agreed
            Coding("a3", "anna", "x"),
            Coding("a3", "ben", "y"),  # disagree
            Coding("a4", "anna", "x"),
            Coding("a4", "ben", "y"),
            Coding("a4", "cem", None, final=True),  # resolved: none
            Coding("a5", "anna", None),  # seen, no code
        )
    )
    fc = final_codes(cs)
    assert fc.codes == {
        ("", "a1"): {"x"},
        ("", "a2"): {"x"},
        ("", "a4"): frozenset(),
        ("", "a5"): frozenset(),
    }
    assert fc.unresolved == {("", "a3")}
    assert fc.resolved == {("", "a4")}


def test_merge_keeps_final_rows_apart__ok() -> None:
    base = CodingSet((Coding("a1", "anna", "x"), Coding("a1", "anna", "y", final=True)))
    new = CodingSet((Coding("a1", "anna", "z"),))
    assert [(c.code, c.final) for c in merge_codings(base, new)] == [("y", True), ("z", False)]
