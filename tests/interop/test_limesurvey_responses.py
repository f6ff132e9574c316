"""LimeSurvey response exports (CSV) read against their structure file.

Requirements: headings as question codes (``Q1``, ``Q1[SQ001]``, ``Q1[SQ001][1]``), SGQA or
ExpressionScript names; cells with answer codes or full answer texts; all give the same
tables. A CSV of another survey stops with ``INTEROP_008``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from lsbuild import make_lss
from lsgen import response_csv, response_rows

from conftest import SURVEY
from klappt.analysis.tabulate import tabulate
from klappt.errors import ErrorCode, KlapptError
from klappt.interop.limesurvey.read import lss_form, read_limesurvey_responses

N = 300


@pytest.fixture
def structure(tmp_path: Path) -> Path:
    path = tmp_path / "survey.lss"
    path.write_bytes(make_lss(SURVEY))
    return path


def _import(structure: Path, tmp_path: Path, **options) -> tuple:
    form = lss_form(structure.read_bytes(), structure)
    data = tmp_path / f"results_{'_'.join(f'{k}{v}' for k, v in options.items())}.csv"
    data.write_bytes(response_csv(form, N, **options))
    return data, read_limesurvey_responses(structure, data)


def test_heading_styles_and_full_texts_give_the_same_tables__ok(
    structure: Path, tmp_path: Path
) -> None:
    tables = {}
    for options in ({}, {"headings": "sgqa"}, {"headings": "expression"}, {"full_text": True}):
        _, result = _import(structure, tmp_path, **options)
        assert result.summary.returns == N
        assert not result.summary.report.counts().get("unknown_choice"), options
        tables[str(options)] = tabulate(result.responses).to_dict()
    first = next(iter(tables.values()))
    assert all(t == first for t in tables.values())


def test_counts_equal_a_plain_count_of_the_csv__ok(structure: Path, tmp_path: Path) -> None:
    data, result = _import(structure, tmp_path)
    rows = list(csv.DictReader(io.StringIO(data.read_bytes().decode("utf-8-sig"))))
    expected_traeger = Counter(
        "other" if r["traeger"] == "-oth-" else r["traeger"] for r in rows if r["traeger"]
    )
    expected_angebote = Counter(
        {c: sum(1 for r in rows if r[f"angebote[{c}]"] == "Y") for c in ("SQ001", "SQ002")}
    )
    expected_angebote["other"] = sum(1 for r in rows if r["angebote[other]"])
    tab = tabulate(result.responses)
    assert {r.choice: r.count for r in tab.table("traeger").rows if r.count} == dict(
        expected_traeger
    )
    assert {r.choice: r.count for r in tab.table("angebote").rows} == dict(expected_angebote)
    base = sum(
        1
        for r in rows
        if any(r[f"angebote[{c}]"] == "Y" for c in ("SQ001", "SQ002")) or r["angebote[other]"]
    )
    assert tab.table("angebote").base == base
    assert result.raw.frame["_id"].to_list()[:3] == ["1", "2", "3"]


def test_full_text_headings__ok(structure: Path, tmp_path: Path) -> None:
    form = lss_form(structure.read_bytes(), structure)
    header, rows = response_rows(form, N, headings="text", full_text=True)
    to_code = {f.heading: f.code for f in form.fields if f.heading}
    results = []
    for name, head in (("text.csv", header), ("code.csv", [to_code.get(h, h) for h in header])):
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([head, *rows])
        results.append(read_limesurvey_responses(structure, path))
    assert results[0].raw.format == "limesurvey-text" and results[1].raw.format == "limesurvey-code"
    assert tabulate(results[0].responses).to_dict() == tabulate(results[1].responses).to_dict()


def test_structure_from_an_archive__ok(structure: Path, tmp_path: Path) -> None:
    archive = tmp_path / "survey.lsa"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("survey_424242.lss", structure.read_bytes())
    data, direct = _import(structure, tmp_path)
    via_archive = read_limesurvey_responses(archive, data)
    assert tabulate(via_archive.responses).to_dict() == tabulate(direct.responses).to_dict()


def test_csv_of_another_survey__error(structure: Path, tmp_path: Path) -> None:
    data = tmp_path / "other.csv"
    data.write_text(
        "id,submitdate,G01Q01,G01Q02[SQ001],G01Q03\n1,2024-01-01,A1,Y,5\n", encoding="utf-8"
    )
    with pytest.raises(KlapptError) as info:
        read_limesurvey_responses(structure, data)
    assert info.value.code == ErrorCode.INTEROP_008
    assert "G01Q01" in info.value.message("en") and "424242" in info.value.message("en")


def test_sgqa_columns_of_another_survey_id__error(structure: Path, tmp_path: Path) -> None:
    data = tmp_path / "other.csv"
    data.write_text("id,999999X1X10,999999X1X11SQ001,999999X2X23\n1,A1,Y,Y\n", encoding="utf-8")
    with pytest.raises(KlapptError) as info:
        read_limesurvey_responses(structure, data)
    assert info.value.code == ErrorCode.INTEROP_008
    assert "999999X1X10" in info.value.message("en")
