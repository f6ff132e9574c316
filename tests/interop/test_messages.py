"""Messages name the file the user gave, never a temporary file an import wrote for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pyreadstat
import pytest

from klappt.errors import ErrorCode, KlapptError, Text
from klappt.interop import read_any
from klappt.interop.base import XLSFormSpec, naming_user_files
from klappt.interop.xlsform_writer import read_spec


def _klappt(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "klappt", *args], cwd=cwd, capture_output=True, text=True
    )


def _empty(path: Path) -> Path:
    pyreadstat.write_dta(pl.DataFrame({"x": pl.Series([], dtype=pl.Float64)}), str(path))
    return path


@pytest.mark.parametrize("lang", ["de", "en"])
def test_import_refusals_name_the_stata_file__error(tmp_path: Path, lang: str) -> None:
    """An empty Stata file is refused in the name of the file given. (One of extended missing
    values only was refused too, naming the temporary CSV; it now imports, with the kinds of
    missing kept: tests/interop/test_missing_kinds.py.)"""
    source = _empty(tmp_path / "welle.dta")
    assert _klappt(tmp_path, "init", "project").returncode == 0
    done = _klappt(tmp_path / "project", "import", "--lang", lang, "2024", str(source))
    assert done.returncode == 2, done.stderr
    shown = " ".join(done.stderr.split())  # the terminal wraps long lines
    assert str(source) in shown
    assert "klappt-import-" not in shown and ".csv" not in shown
    assert "Traceback" not in done.stderr


def test_labels_with_a_reference_are_the_users_words__ok(tmp_path: Path) -> None:
    source = tmp_path / "labels.dta"
    pyreadstat.write_dta(
        pl.DataFrame({"x": [1.0, 2.0]}), str(source), column_labels={"x": "Wert von ${y} heute"}
    )
    result = read_any(source)  # pyxform refused it: "${y}" named no question
    assert result.instrument.question("x").label() == "Wert von $ {y} heute"


def test_a_form_written_for_a_file_is_refused_in_that_files_name__error(tmp_path: Path) -> None:
    spec = XLSFormSpec("Demo", "demo")
    spec.add(type="text", name="q", label="See ${nowhere}")
    with pytest.raises(KlapptError) as info:
        read_spec(spec, source=str(tmp_path / "user.sav"))
    for lang in ("de", "en"):
        text = info.value.message(lang)
        assert str(tmp_path / "user.sav") in text and "klappt-interop-" not in text


def test_naming_user_files_replaces_every_mention__ok() -> None:
    temporary = Path("/tmp/klappt-import-x/w.csv")
    error = KlapptError(
        ErrorCode.FILE_003,
        path=temporary,
        reason=Text(f"Zeile 3 in {temporary}", f"line 3 in {temporary}"),
    )
    named = naming_user_files(error, {temporary: "daten/welle.dta"})
    assert named.code == ErrorCode.FILE_003
    assert (
        named.message("de")
        == "Die Datei daten/welle.dta lässt sich nicht lesen: Zeile 3 in daten/welle.dta"
    )
    assert named.message("en") == "Cannot read daten/welle.dta: line 3 in daten/welle.dta"


def test_a_form_pyxform_stops_on_gets_pyxforms_reason__error(tmp_path: Path) -> None:
    """A CHT form with instance::tag on a group row: pyxform's reason, not "no survey sheet"."""
    import openpyxl

    from klappt.errors import ErrorCode, KlapptError
    from klappt.instrument import read_instrument

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for row in (
        ["type", "name", "label", "instance::tag"],
        ["begin group", "inputs", "Inputs", "hidden"],
        ["text", "a", "A", ""],
        ["end group", "", "", ""],
    ):
        ws.append(row)
    path = tmp_path / "cht_form.xlsx"
    wb.save(path)
    with pytest.raises(KlapptError) as exc:
        read_instrument(path)
    assert exc.value.code is ErrorCode.INSTRUMENT_001
    en, de = exc.value.message("en"), exc.value.message("de")
    assert "cht_form.xlsx" in en
    assert "the column instance::tag (a CHT extension) on a begin group row" in en
    assert "node() got multiple values for argument 'tag'" in en
    assert "survey" not in en.replace("cht_form", "") and "Blatt" not in de
