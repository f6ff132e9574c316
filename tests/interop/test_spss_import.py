"""SPSS and Stata files from the corpus: variable labels, value labels, user-missing values and
multiple-response sets become a questionnaire and returns."""

from __future__ import annotations

import csv
from pathlib import Path

import pyreadstat
import pytest

from klappt.analysis.tabulate import tabulate
from klappt.errors import ErrorCode, KlapptError
from klappt.interop.spss.read import read_spss


def _spss_files(corpora: Path) -> list[Path]:
    return sorted(
        p for p in (corpora / "data" / "spss").rglob("*") if p.suffix in (".sav", ".zsav", ".dta")
    )


def test_every_spss_file_of_the_corpus_imports__ok(corpora: Path) -> None:
    files = _spss_files(corpora)
    assert files
    for path in files:
        result = read_spss(path)
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
        assert result.summary.returns == meta.number_rows, path.name
        assert result.summary.report is not None
    print(f"\nSPSS corpus: {len(files)} of {len(files)} files import")


def test_labels_missing_values_and_mr_sets__ok(corpora: Path) -> None:
    result = read_spss(
        corpora / "data" / "spss" / "pyreadstat" / "multiple_response__simple_alltypes.sav"
    )
    form = result.instrument
    x = form.question("x")
    assert x.type == "select_one" and x.label() == "Numeric variable with value labels"
    assert [(c.name, c.label()) for c in x.choices][:3] == [
        ("1", "red"),
        ("2", "green"),
        ("3", "blue"),
    ]
    assert (
        form.question("z").type == "decimal"
    )  # 999 "skipped" names a missing code, not a category
    mr = form.question("mymrset")
    assert mr.type == "select_multiple" and mr.label() == "My multiple response set"
    assert [c.name for c in mr.choices] == ["bool1", "bool2", "bool3"]
    assert form.question("categorical_array").type == "select_multiple"
    counts = {r.choice: r.count for r in tabulate(result.responses).table("mymrset").rows}
    df, _ = pyreadstat.read_sav(
        str(corpora / "data" / "spss" / "pyreadstat" / "multiple_response__simple_alltypes.sav")
    )
    assert counts == {b: int((df[b] == 1).sum()) for b in ("bool1", "bool2", "bool3")}


def test_user_missing_values_become_missing__ok(corpora: Path) -> None:
    path = corpora / "data" / "spss" / "pyreadstat" / "basic__sample_missing.sav"
    result = read_spss(path)
    assert any("user-missing" in n for n in result.summary.to_dict()["notes"])
    df, meta = pyreadstat.read_sav(
        str(path), user_missing=False
    )  # pyreadstat's own reading: missing -> NaN
    for var in meta.column_names:
        if (
            df[var].dtype.kind == "f"
            and result.instrument.question(var) is not None
            and result.instrument.question(var).type in ("integer", "decimal")
        ):
            assert result.responses.frame[var].null_count() == int(df[var].isna().sum()), var


def test_sample_rows_match_the_csv_reference__ok(corpora: Path) -> None:
    base = corpora / "data" / "spss" / "pyreadstat"
    with (base / "basic__sample.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for name in ("basic__sample.sav", "basic__sample.zsav"):
        assert read_spss(base / name).summary.returns == len(rows)


def test_not_an_spss_file__error(tmp_path: Path) -> None:
    path = tmp_path / "fake.sav"
    path.write_bytes(b"$FL2 this is not really a system file")
    with pytest.raises(KlapptError) as info:
        read_spss(path)
    assert info.value.code == ErrorCode.FILE_003
