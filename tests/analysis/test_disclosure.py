"""Disclosure control: no published group rests on fewer sites than the minimum cell size, and
no withheld group can be recomputed from the total and the groups that are shown."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from klappt.analysis.disclosure import MIN_CELL, protect, withheld
from klappt.analysis.tabulate import Cell, Group, Row, Table, Tabulation, tabulate
from klappt.analysis.workbook import tabulation_workbook
from klappt.cli import app
from klappt.errors import ErrorCode, KlapptError
from klappt.reference import load_reference, reference_path

FORM = str(reference_path("arbeitshilfe_2022.xlsx"))
DATA = str(reference_path("returns_2022.csv"))
runner = CliRunner()


@pytest.fixture(scope="module")
def by_type() -> Tabulation:
    # the reference returns: 22 Kreise, 17 kreisfreie Städte, 1 kreisangehörige Stadt (Aachen)
    return tabulate(load_reference("2022")[1], by="gebietstyp")


def _groups(tab: Tabulation, question: str) -> dict[str, Group]:
    return {g.choice: g for g in tab.table(question).groups}


def test_one_site_group_and_its_recomputable_sibling_are_withheld__ok(by_type):
    plain = _groups(by_type, "lebenswelt")
    assert plain["kreisangehoerige_stadt"].cell.base == 1  # the single site is there to protect
    groups = _groups(protect(by_type), "lebenswelt")
    assert groups["kreisangehoerige_stadt"].suppressed == "primary"
    # total - Kreise - kreisfreie Städte would give Aachen's answer: the smaller sibling goes too
    assert groups["kreisfreie_stadt"].suppressed == "secondary"
    assert groups["kreis"].suppressed is None
    assert groups["kreis"].cell == plain["kreis"].cell


def test_withheld_groups_are_null_in_the_json__ok(by_type):
    table = protect(by_type).to_dict()["tables"]
    lebenswelt = next(t for t in table if t["question"] == "lebenswelt")
    assert lebenswelt["base"] == 40  # the overall figures stay
    by = {g["choice"]: g for g in lebenswelt["by"]["groups"]}
    for name in ("kreisangehoerige_stadt", "kreisfreie_stadt"):
        g = by[name]
        assert g["suppressed"] is True and g["base"] is None
        assert [r["choice"] for r in g["rows"]] == ["ja", "nein"]
        assert all(r["count"] is None and r["percent"] is None for r in g["rows"])
    assert "suppressed" not in by["kreis"] and by["kreis"]["base"] == 22
    scale = next(t for t in table if t["question"] == "bewertung")
    hidden = next(g for g in scale["by"]["groups"] if g["choice"] == "kreisangehoerige_stadt")
    assert hidden["mean"] is None and hidden["top2"] is None


def test_nothing_withheld_when_every_group_is_large_enough__ok(by_type):
    tab = protect(by_type, min_cell=1)
    # the one-site group now qualifies; only groups with no answer at all (base 0) are withheld
    assert all(w.base == 0 or w.reason == "secondary" for w in withheld(tab))
    assert _groups(tab, "lebenswelt")["kreisangehoerige_stadt"].suppressed is None


@pytest.mark.parametrize("value", [0, -3])
def test_minimum_cell_size_below_one_is_refused__error(by_type, value):
    with pytest.raises(KlapptError) as exc:
        protect(by_type, value)
    assert exc.value.code is ErrorCode.DISCLOSURE_001


def _table(bases: list[int]) -> Table:
    def cell(b: int) -> Cell:
        return Cell(base=b, rows=(Row("ja", "ja", b, 100.0 if b else None),))

    groups = tuple(Group(f"g{i}", f"G{i}", cell(b)) for i, b in enumerate(bases))
    return Table("q", "select_one", "Q", cell(sum(bases)), by="typ", groups=groups)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=6),
    st.integers(min_value=1, max_value=5),
)
def test_no_withheld_group_can_be_recomputed__property(bases, k):
    tab = protect(Tabulation(sum(bases), (_table(bases),), by="typ"), k)
    groups = tab.tables[0].groups
    hidden = [g for g in groups if g.suppressed]
    shown = [g for g in groups if not g.suppressed]
    assert all(g.cell.base >= k for g in shown)
    assert all(g.suppressed == "primary" for g in groups if g.cell.base < k)
    # a single withheld group would be the total minus the shown ones (a banner of one group
    # is the total itself, which is shown: nothing more can be withheld)
    assert len(hidden) != 1 or len(groups) == 1
    # secondary suppression only where needed: at most one group more than the primary ones
    assert sum(g.suppressed == "secondary" for g in groups) <= 1


def test_workbook_marks_withheld_groups_and_says_why__ok(by_type):
    book = openpyxl.load_workbook(io.BytesIO(tabulation_workbook(protect(by_type), "de")))
    values = [c.value for row in book.active.iter_rows() for c in row if c.value is not None]
    assert "< 3" in values and "x" in values
    assert any(isinstance(v, str) and v.startswith("< 3: Gruppe mit weniger als 3") for v in values)
    # the one site's own figure (its base, 1) is nowhere next to its group's label
    sheet = book.active
    header = next(
        r for r in sheet.iter_rows(values_only=True) if r[0] == "Antwort" and r[5] is not None
    )
    assert any("kreisangehörige Stadt" in str(h) for h in header)


def test_tabulate_by_withholds_unless_told_not_to__ok(tmp_path):
    protected = runner.invoke(app, ["tabulate", FORM, DATA, "--by", "gebietstyp", "--json", "-"])
    assert protected.exit_code == 0, protected.output
    data = json.loads(protected.stdout)
    assert data["disclosure"]["min_cell"] == MIN_CELL and data["disclosure"]["suppressed"] > 0
    raw = runner.invoke(
        app, ["tabulate", FORM, DATA, "--by", "gebietstyp", "--json", "-", "--no-suppress"]
    )
    groups = json.loads(raw.stdout)["tables"][0]["by"]["groups"]
    assert all("suppressed" not in g for g in groups)
    assert {g["base"] for g in groups} >= {1}


def _klappt(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "klappt", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "300"},  # one message, one line
    )


def test_min_cell_option_and_bad_value__error():
    bad = _klappt("tabulate", FORM, DATA, "--by", "gebietstyp", "--min-cell", "0")
    assert bad.returncode == 2
    assert "Mindestfallzahl 0" in bad.stderr and "Traceback" not in bad.stderr
    strict = runner.invoke(
        app, ["tabulate", FORM, DATA, "--by", "gebietstyp", "--min-cell", "20", "--json", "-"]
    )
    groups = {g["choice"]: g for g in json.loads(strict.stdout)["tables"][0]["by"]["groups"]}
    assert groups["kreisfreie_stadt"].get("suppressed") is True  # 17 < 20
    assert "suppressed" not in groups["kreis"]  # 22


def test_project_setting_is_the_default_and_checked__ok(tmp_path, monkeypatch):
    project = tmp_path / "p"
    project.mkdir()
    marker = project / "klappt-project.toml"
    marker.write_text('program = "x"\n\n[disclosure]\nmin_cell = 20\n', encoding="utf-8")
    monkeypatch.chdir(project)
    res = runner.invoke(app, ["tabulate", FORM, DATA, "--by", "gebietstyp", "--json", "-"])
    assert json.loads(res.stdout)["disclosure"]["min_cell"] == 20
    marker.write_text('program = "x"\n\n[disclosure]\nmin_cell = "drei"\n', encoding="utf-8")
    res = _klappt("tabulate", FORM, DATA, "--by", "gebietstyp", cwd=project)
    assert res.returncode == 2 and "klappt-project.toml" in res.stderr


def test_disclosure_command_lists_what_is_withheld__ok():
    res = runner.invoke(app, ["disclosure", FORM, DATA, "--by", "gebietstyp", "--json", "-"])
    assert res.exit_code == 1  # something is withheld
    listing = json.loads(res.stdout)
    first = [w for w in listing["withheld"] if w["question"] == "lebenswelt"]
    assert {(w["group"], w["reason"]) for w in first} == {
        ("kreisangehoerige_stadt", "primary"),
        ("kreisfreie_stadt", "secondary"),
    }
    english = runner.invoke(app, ["disclosure", FORM, DATA, "--by", "gebietstyp", "--lang", "en"])
    assert "only 1 sites" in english.output or "only 1 site" in english.output
    clean = runner.invoke(app, ["disclosure", FORM, DATA, "--by", "gebietstyp", "--min-cell", "1"])
    # with a minimum of one site only the groups nobody in them answered remain withheld
    assert clean.exit_code in (0, 1) and "Traceback" not in clean.output


def test_report_data_protects_by_tables_and_forgets_them_when_the_minimum_changes__ok():
    from klappt.report.sources import read_wave

    w = read_wave(FORM, DATA)
    groups = {g["choice"]: g for g in w.table("lebenswelt", by="gebietstyp")["by"]["groups"]}
    assert groups["kreisangehoerige_stadt"]["suppressed"] is True
    assert groups["kreisangehoerige_stadt"]["withheld"] == "primary"
    assert groups["kreisfreie_stadt"]["withheld"] == "secondary"
    w.protect(1)  # cached tables of the old minimum must not be reused
    groups = {g["choice"]: g for g in w.table("lebenswelt", by="gebietstyp")["by"]["groups"]}
    assert groups["kreisangehoerige_stadt"]["base"] == 1
    assert "suppressed" not in groups["kreisfreie_stadt"]
    with pytest.raises(KlapptError):
        w.protect(0)


def test_disclosure_lists_mentions_of_too_few_sites__ok():
    res = runner.invoke(app, ["disclosure", FORM, DATA, "--json", "-"])
    assert res.exit_code == 1
    listing = json.loads(res.stdout)
    assert listing["by"] is None and listing["withheld"] == []
    few = [m for m in listing["mentions"] if m["question"] == "mehrwert_text"]
    assert few and all(m["reason"] == "few" and m["count"] < MIN_CELL for m in few)
    loose = json.loads(
        runner.invoke(app, ["disclosure", FORM, DATA, "--json", "-", "--min-cell", "1"]).stdout
    )
    assert loose["mentions"] == []  # the reference answers hold no personal data
