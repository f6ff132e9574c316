"""Question mappings as Excel workbooks (issue 19): written and read back to the same mapping,
checked by the same code as the YAML file, every mistake naming the sheet and its row; through
``klappt waves map --out F.xlsx`` and ``--apply F.xlsx`` on a real project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from klappt.analysis.mapping import parse_mapping
from klappt.analysis.mapping_xlsx import SHEET, parse_mapping_xlsx, to_xlsx
from klappt.errors import KlapptError
from klappt.reference import load_reference, reference_path


@pytest.fixture(scope="module")
def forms():
    return load_reference("2021")[0], load_reference("2022")[0]


@pytest.fixture(scope="module")
def pack_mapping(forms):
    path = reference_path("mapping_2021_2022.yaml")
    return parse_mapping(path.read_text(encoding="utf-8"), str(path), *forms)


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "zuordnung.xlsx"
    path.write_bytes(data)
    return path


def _summary(m):
    return {n: (q.target, dict(q.choices)) for n, q in m.questions.items()}


def test_a_workbook_reads_back_as_the_same_mapping__ok(tmp_path, forms, pack_mapping):
    path = _write(tmp_path, to_xlsx(pack_mapping, *forms))
    again = parse_mapping_xlsx(path, *forms)
    assert (again.source, again.target) == ("2021", "2022")
    assert _summary(again) == _summary(pack_mapping)
    # the merged and the incomparable choices survive the round trip
    assert again.questions["lw_massnahmen"].choices == {
        "ja_umfassend": "ja",
        "ja_einzeln": "ja",
        "nein": "nein",
    }
    assert again.questions["ueberleitung_geplant"].choices["in_arbeit"] is None
    assert again.questions["buendnis"].target is None


def _rows(path: Path) -> list[list[object]]:
    wb = openpyxl.load_workbook(path)
    return [list(r) for r in wb[SHEET].iter_rows(values_only=True)]


def _save(path: Path, rows: list[list[object]]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    for r in rows:
        ws.append(r)
    wb.save(path)


def _row_of(rows: list[list[object]], col: int, value: str) -> int:
    return next(i for i, r in enumerate(rows, start=1) if len(r) > col and r[col] == value)


@pytest.mark.parametrize(
    ("column", "old", "new", "words"),
    [
        (3, "ja", "vielleicht", "keine Antwort 'vielleicht'"),  # a choice not in 2022
        (1, "thm_anzahl", "lebenswelt", "lässt sich nicht"),  # an integer onto a select_one
        (0, "thm_personen", "gibt_es_nicht", "keine Frage 'gibt_es_nicht'"),
    ],
)
def test_a_mistake_names_the_sheet_and_its_row__error(
    tmp_path, forms, pack_mapping, column, old, new, words
):
    path = _write(tmp_path, to_xlsx(pack_mapping, *forms))
    rows = _rows(path)
    at = _row_of(rows, column, old)
    rows[at - 1][column] = new
    _save(path, rows)
    with pytest.raises(KlapptError) as exc:
        parse_mapping_xlsx(path, *forms)
    msg = exc.value.message("de")
    assert f"zuordnung.xlsx, Blatt „{SHEET}“, Zeile {at}:" in msg, msg
    assert words in msg


def test_a_workbook_without_its_sheet__error(tmp_path, forms):
    path = tmp_path / "leer.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Tabelle1"
    wb.save(path)
    with pytest.raises(KlapptError) as exc:
        parse_mapping_xlsx(path, *forms)
    assert "kein Blatt „Zuordnung“" in exc.value.message("de")


def test_a_formula_typed_as_a_question_is_written_inert__ok(tmp_path, forms, pack_mapping):
    import dataclasses

    evil = dataclasses.replace(pack_mapping, source="=HYPERLINK(1)")
    rows = _rows(_write(tmp_path, to_xlsx(evil, *forms)))
    assert not str(rows[0][1]).startswith("=")


def _klappt(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "KLAPPT_PROJECT")
    }
    env["COLUMNS"] = "1000"
    return subprocess.run(
        [sys.executable, "-m", "klappt", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_waves_map_writes_and_applies_a_workbook__ok(tmp_path, forms):
    p = ["--project", str(tmp_path / "p")]
    assert _klappt(["init", str(tmp_path / "p")], tmp_path).returncode == 0
    for wave, form, data in (
        ("2021", "entwicklungsstand_2021.xlsx", "returns_2021.csv"),
        ("2022", "arbeitshilfe_2022.xlsx", "returns_2022.csv"),
    ):
        done = _klappt(
            ["import", wave, str(reference_path(form)), str(reference_path(data)), *p], tmp_path
        )
        assert done.returncode == 0, done.stderr
    out = tmp_path / "vorschlag.xlsx"
    done = _klappt(["waves", "map", "2021", "2022", "--out", str(out), *p], tmp_path)
    assert done.returncode == 0, done.stderr
    proposed = parse_mapping_xlsx(out, *forms)
    assert proposed.questions["bewertung_strukturen"].target == "bewertung"
    # the pack's reading of the two "ja" answers, typed into the workbook as a user would
    rows = _rows(out)
    assert rows[_row_of(rows, 0, "lw_massnahmen") - 1][1] == "lebenswelt"
    at = _row_of(rows, 2, "ja_einzeln")
    for r in rows:
        if len(r) > 3 and r[2] in ("ja_umfassend", "ja_einzeln"):
            r[3] = "ja"
    _save(out, rows)
    done = _klappt(["waves", "map", "--apply", str(out), *p], tmp_path)
    assert done.returncode == 0, done.stderr
    kept = tmp_path / "p" / "mappings" / "2021--2022.yaml"
    stored = parse_mapping(kept.read_text(encoding="utf-8"), str(kept), *forms)
    assert stored.questions["lw_massnahmen"].choices["ja_einzeln"] == "ja"
    # a wrong row: exit 2, the sheet and row named, nothing stored over the good mapping
    rows[at - 1][3] = "vielleicht"
    _save(out, rows)
    before = kept.read_text(encoding="utf-8")
    done = _klappt(["waves", "map", "--apply", str(out), *p], tmp_path)
    assert done.returncode == 2
    assert f"Blatt „Zuordnung“, Zeile {at}" in " ".join(done.stderr.split())
    assert kept.read_text(encoding="utf-8") == before
