"""Kinds of missing in tables: missing by default, rows of their own when asked (issue 20)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from klappt.analysis.missing_kinds import show_missing_kinds
from klappt.analysis.tabulate import tabulate
from klappt.analysis.workbook import tabulation_workbook
from klappt.errors import KlapptError
from klappt.interop import read_any, returns_csv


def _sav(path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "zuf": [1.0, 2.0, -9.0, -8.0, 1.0, -9.0, None],
            "typ": [1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 1.0],
            "alter": [30.0, -9.0, 40.0, 50.0, -7.0, 20.0, 33.0],
        }
    )
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={
            "zuf": {1.0: "gut", 2.0: "schlecht", -9.0: "verweigert", -8.0: "weiß nicht"},
            "typ": {1.0: "Stadt", 2.0: "Land"},
            "alter": {-9.0: "verweigert", -7.0: "trifft nicht zu"},
        },
        missing_ranges={"zuf": [-9.0, -8.0], "alter": [{"lo": -9.0, "hi": -7.0}]},
    )
    return path


def test_kinds_are_missing_by_default__ok(tmp_path: Path) -> None:
    result = read_any(_sav(tmp_path / "m.sav"))
    rs = result.responses
    assert (
        "note: missing kinds in 2 questions: -9 verweigert 3, -8 weiß nicht 1, "
        "-7 trifft nicht zu 1 (missing in tables; klappt tabulate --show-missing-kinds shows them)"
    ) in result.summary.lines("en")
    table = tabulate(rs).table("zuf")
    assert table.base == 3 and table.cell.missing == ()
    assert "missing_kinds" not in table.to_dict()


def test_kinds_shown_as_rows_of_their_own__ok(tmp_path: Path) -> None:
    rs = read_any(_sav(tmp_path / "m.sav")).responses
    tab = show_missing_kinds(tabulate(rs, by="typ"), rs)
    zuf = tab.table("zuf")
    assert zuf.base == 3  # the answers' base is unchanged
    assert [(r.label, r.count, r.percent) for r in zuf.cell.missing] == [
        ("-9 verweigert", 2, 33.3),  # of 3 answers + 3 kinds
        ("-8 weiß nicht", 1, 16.7),
    ]
    by_group = {g.label: [(r.choice, r.count) for r in g.cell.missing] for g in zuf.groups}
    assert by_group == {"Stadt": [("-9", 1)], "Land": [("-9", 1), ("-8", 1)]}
    alter = tab.table("alter")
    assert [(r.choice, r.count) for r in alter.cell.missing] == [("-9", 1), ("-7", 1)]
    assert alter.cell.stats["n"] == 5
    assert alter.to_dict()["missing_kinds"][0]["label"] == "-9 verweigert"
    sheet = openpyxl.load_workbook(__import__("io").BytesIO(tabulation_workbook(tab, "de"))).active
    # a leading "-" is neutralised against formula injection
    labels = [str(row[0]).lstrip("'") for row in sheet.iter_rows(values_only=True)]
    assert "-8 weiß nicht" in labels and "-7 trifft nicht zu" in labels


def test_tabulate_show_missing_kinds_on_the_cli__ok(tmp_path: Path) -> None:
    result = read_any(_sav(tmp_path / "m.sav"))
    form, data = tmp_path / "form.xlsx", tmp_path / "returns.csv"
    form.write_bytes(result.xlsform)
    data.write_bytes(returns_csv(result.raw))

    def run(*extra: str) -> dict:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "klappt",
                "tabulate",
                str(form),
                str(data),
                "--json",
                "-",
                *extra,
            ],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    plain = {t["question"]: t for t in run()["tables"]}
    shown = {t["question"]: t for t in run("--show-missing-kinds")["tables"]}
    assert "missing_kinds" not in plain["zuf"]
    assert [(r["label"], r["count"]) for r in shown["zuf"]["missing_kinds"]] == [
        ("-9 verweigert", 2),
        ("-8 weiß nicht", 1),
    ]
    assert shown["zuf"]["rows"] == plain["zuf"]["rows"]
    screen = subprocess.run(
        [
            sys.executable,
            "-m",
            "klappt",
            "tabulate",
            str(form),
            str(data),
            "--show-missing-kinds",
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
    )
    assert "-8 weiß nicht" in screen.stdout and "trifft nicht zu" in screen.stdout


def test_a_recipe_shows_the_kinds_as_categories__ok(tmp_path: Path) -> None:
    from klappt.report import ReportData, build_report, parse_recipe
    from klappt.report.pptx import render_pptx

    rs = read_any(_sav(tmp_path / "m.sav")).responses
    recipe = """
title: Arten fehlender Werte
wave: "w"
options: {missing_kinds: %s}
slides:
  - result:
      title: Zufriedenheit
      charts:
        - {question: zuf}
"""
    shown = build_report(parse_recipe(recipe % "show"), ReportData.single(rs.instrument, rs, "w"))
    panel = shown.slides[0].panels[0]
    # the missing codes are labelled choices of the SPSS variable: their bars get the counts
    assert panel.categories == ("gut", "schlecht", "verweigert", "weiß nicht")
    assert panel.series[0].counts == (2, 1, 2, 1)
    assert panel.series[0].base == 6  # everyone asked: 3 answers and 3 kinds of missing
    assert render_pptx(shown)[:2] == b"PK"
    plain = build_report(
        parse_recipe(recipe % "missing"), ReportData.single(rs.instrument, rs, "w")
    )
    assert plain.slides[0].panels[0].series[0].counts == (2, 1, 0, 0)
    assert plain.slides[0].panels[0].series[0].base == 3
    with pytest.raises(KlapptError) as exc:
        parse_recipe(recipe % "rows")
    assert "missing_kinds" in exc.value.message("en")
