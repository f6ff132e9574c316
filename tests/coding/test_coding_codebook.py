"""Code books: YAML and XLSX round trips, and the mistakes a reader names by file and row."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from klappt.coding import Codebook, codebook_to_xlsx, codebook_to_yaml, read_codebook
from klappt.errors import ErrorCode, KlapptError


def _same(a: Codebook, b: Codebook) -> None:
    assert a == b
    assert [c.labels for c in a.codes] == [
        c.labels for c in b.codes
    ]  # labels are not compared by ==
    assert (a.version, a.wave, a.question) == (b.version, b.wave, b.question)


def test_yaml_round_trip__ok(tmp_path: Path, codebook: Codebook) -> None:
    book = codebook
    p = tmp_path / "cb.yaml"
    p.write_text(codebook_to_yaml(book), encoding="utf-8")
    back = read_codebook(p)
    _same(back, book)
    assert back.source == str(p)
    assert "Sprachförderung" in p.read_text(encoding="utf-8")  # umlauts as written


def test_xlsx_round_trip__ok(tmp_path: Path, codebook: Codebook) -> None:
    book = codebook
    p = tmp_path / "cb.xlsx"
    p.write_bytes(codebook_to_xlsx(book))
    _same(read_codebook(p), book)
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == ["Codebuch", "Info"]
    assert [c.value for c in wb["Codebuch"][1]] == [
        "Code",
        "Oberkategorie",
        "Bezeichnung (de)",
        "Bezeichnung (en)",
        "Beschreibung",
        "Beispiele",
    ]


def test_dict_round_trip_is_json__ok(codebook: Codebook) -> None:
    import json

    book = codebook
    assert Codebook.from_dict(json.loads(json.dumps(book.to_dict()))) == book


def test_yaml_by_hand_with_plain_labels__ok(tmp_path: Path) -> None:
    p = tmp_path / "cb.yml"
    p.write_text(
        "question: angebote\nversion: 3\nwave: 2024\ncodes:\n"
        "  - code: freizeit\n    label: Freizeit\n    label_en: Leisure\n"
        "  - code: sport\n    label: Sport\n    parent: freizeit\n    examples: [Fußball, Turnen]\n",
        encoding="utf-8",
    )
    book = read_codebook(p)
    assert (book.version, book.wave) == ("3", "2024")
    assert book.code("freizeit").labels == {"de": "Freizeit", "en": "Leisure"}
    assert book.code("sport").examples == ("Fußball", "Turnen")
    assert [c.code for c in book.children("freizeit")] == ["sport"]


def test_with_version_keeps_codes__ok(codebook: Codebook) -> None:
    book = codebook
    new = book.with_version("3", "2024")
    assert (new.version, new.wave, new.codes) == ("3", "2024", book.codes)


YAML_HEAD = "question: angebote\ncodes:\n"


@pytest.mark.parametrize(
    ("codes", "error", "row"),
    [
        # a duplicate code: named with the line of the second one
        ("  - code: sport\n  - code: kultur\n  - code: sport\n", ErrorCode.CODING_001, 5),
        # a circle of parents
        ("  - code: a\n    parent: b\n  - code: b\n    parent: a\n", ErrorCode.CODING_002, 3),
        # a code that is its own parent
        ("  - code: a\n    parent: a\n", ErrorCode.CODING_002, 3),
        ("  - code: a\n    parent: nirgends\n", ErrorCode.CODING_003, 3),
        # three levels
        (
            "  - code: a\n  - code: b\n    parent: a\n  - code: c\n    parent: b\n",
            ErrorCode.CODING_004,
            6,
        ),
        # a name that cannot become a column
        ("  - code: Sport und Spiel\n", ErrorCode.CODING_005, 3),
        ("  - code: _intern\n", ErrorCode.CODING_005, 3),
    ],
)
def test_yaml_mistakes__error(tmp_path: Path, codes: str, error: ErrorCode, row: int) -> None:
    p = tmp_path / "cb.yaml"
    p.write_text(YAML_HEAD + codes, encoding="utf-8")
    with pytest.raises(KlapptError) as exc:
        read_codebook(p)
    assert exc.value.code is error
    assert exc.value.params["row"] == row
    assert exc.value.params["path"] == str(p)


def test_cycle_message_shows_the_circle__error(tmp_path: Path) -> None:
    p = tmp_path / "cb.yaml"
    p.write_text(
        YAML_HEAD + "  - code: a\n    parent: b\n  - code: b\n    parent: a\n", encoding="utf-8"
    )
    with pytest.raises(KlapptError) as exc:
        read_codebook(p)
    assert exc.value.params["chain"] == "a → b → a"


def test_yaml_syntax__error(tmp_path: Path) -> None:
    p = tmp_path / "cb.yaml"
    p.write_text(YAML_HEAD + "  - code: a\n   - code: [b\n", encoding="utf-8")
    with pytest.raises(KlapptError) as exc:
        read_codebook(p)
    assert exc.value.code is ErrorCode.CODING_005


def test_yaml_without_codes__error(tmp_path: Path) -> None:
    p = tmp_path / "cb.yaml"
    p.write_text("question: angebote\n", encoding="utf-8")
    with pytest.raises(KlapptError) as exc:
        read_codebook(p)
    assert exc.value.code is ErrorCode.CODING_005


def test_xlsx_duplicate_names_sheet_row__error(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Codebuch"
    ws.append(["Code", "Bezeichnung", "Oberkategorie"])
    ws.append(["sport", "Sport", None])
    ws.append([None, None, None])  # an empty row in between is skipped, row numbers stay true
    ws.append(["sport", "Sport 2", None])
    info = wb.create_sheet("Info")
    info.append(["Frage", "angebote"])
    p = tmp_path / "cb.xlsx"
    wb.save(p)
    with pytest.raises(KlapptError) as exc:
        read_codebook(p)
    assert exc.value.code is ErrorCode.CODING_001
    assert (exc.value.params["row"], exc.value.params["first"]) == (4, 2)


def test_foreign_suffix__error(tmp_path: Path) -> None:
    p = tmp_path / "cb.txt"
    p.write_text("x", encoding="utf-8")
    with pytest.raises(KlapptError) as exc:
        read_codebook(p)
    assert exc.value.code is ErrorCode.FILE_004
