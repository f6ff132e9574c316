"""``klappt report --per-site``: the bad inputs of issue 18, one clear message each, nothing
written; and a run that writes every site's report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from klappt.reference import reference_path

FORM = str(reference_path("arbeitshilfe_2022.xlsx"))
DATA = str(reference_path("returns_2022.csv"))
REGISTER = reference_path("register.csv")


class _Done:
    def __init__(self, p: subprocess.CompletedProcess[str]) -> None:
        self.exit_code = p.returncode
        self.output = " ".join((p.stdout + p.stderr).split())  # the console wraps long lines


def _run(*args: str) -> _Done:
    """The real console entry point, as a user runs it."""
    cmd = [sys.executable, "-m", "klappt", "report", FORM, DATA, "--per-site", *args]
    return _Done(subprocess.run(cmd, capture_output=True, text=True, timeout=300))


def test_out_without_site_id(tmp_path: Path):
    r = _run("--register", str(REGISTER), "--out", str(tmp_path / "b" / "bericht.pdf"))
    assert r.exit_code == 2 and "{site_id}" in r.output
    assert not (tmp_path / "b").exists()


def test_no_register(tmp_path: Path):
    r = _run("--out", str(tmp_path / "{site_id}.pdf"))
    assert r.exit_code == 2 and "Register" in r.output and "Traceback" not in r.output
    assert list(tmp_path.iterdir()) == []


def test_register_without_the_site_of_a_return(tmp_path: Path):
    lines = REGISTER.read_text(encoding="utf-8").splitlines()
    small = tmp_path / "register.csv"
    small.write_text("\n".join(line for line in lines if not line.startswith("e,")) + "\n")
    r = _run("--register", str(small), "--out", str(tmp_path / "b" / "{site_id}.pdf"))
    assert r.exit_code == 2 and "'e'" in r.output and "register.csv" in r.output
    assert not (tmp_path / "b").exists()


def test_unsafe_site_id(tmp_path: Path):
    bad = tmp_path / "register.csv"
    bad.write_text(REGISTER.read_text(encoding="utf-8") + "../x,Böse,kreis,Köln\n")
    r = _run("--register", str(bad), "--out", str(tmp_path / "b" / "{site_id}.pdf"))
    assert r.exit_code == 2 and "'../x'" in r.output
    assert not (tmp_path / "b").exists()


def test_writes_every_site(tmp_path: Path):
    r = _run(
        "--register",
        str(REGISTER),
        "--site-column",
        "kommune",
        "--absent",
        "none",
        "--out",
        str(tmp_path / "b" / "{site_id}.html"),
    )
    assert r.exit_code == 0, r.output
    files = sorted(p.name for p in (tmp_path / "b").glob("*.html"))
    import csv

    with open(reference_path("returns_2022.csv"), encoding="utf-8") as fh:
        returned = {row["kommune"] for row in csv.DictReader(fh)}
    assert files == sorted(f"{s}.html" for s in returned)
    assert (tmp_path / "b" / "index.csv").exists()


def _klappt(cwd: Path, *args: str) -> _Done:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("KLAPPT_PROJECT", "DATABASE_URL")}
    env["KLAPPT_LANG"] = "de"
    cmd = [sys.executable, "-m", "klappt", *args]
    return _Done(subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=cwd, env=env))


def test_stored_wave_without_a_register_then_with_one(tmp_path: Path):
    """A wave without a register: one message, nothing written; with the register loaded the
    same command writes every site's report and the index."""
    assert _klappt(tmp_path, "init", "p").exit_code == 0
    project = tmp_path / "p"
    assert _klappt(project, "import", "2022", FORM, DATA).exit_code == 0
    r = _klappt(project, "report", "--per-site", "--wave", "2022", "--out", "b/{site_id}.html")
    assert r.exit_code == 2 and "Register" in r.output and "2022" in r.output
    assert not (project / "b").exists()
    assert _klappt(project, "register", str(REGISTER)).exit_code == 0
    r = _klappt(
        project,
        "report",
        "--per-site",
        "--wave",
        "2022",
        "--absent",
        "none",
        "--out",
        "b/{site_id}.html",
        "--zip",
        "alle.zip",
    )
    assert r.exit_code == 0, r.output
    assert len(list((project / "b").glob("*.html"))) == 40
    assert (project / "alle.zip").exists()


def test_stored_wave_the_recipes_minimum_wins_over_the_projects(tmp_path: Path):
    """As `klappt report`: --min-cell, then the recipe's minimum, then the project's."""
    assert _klappt(tmp_path, "init", "p").exit_code == 0
    project = tmp_path / "p"
    assert _klappt(project, "import", "2022", FORM, DATA).exit_code == 0
    assert _klappt(project, "register", str(REGISTER)).exit_code == 0
    marker = project / "klappt-project.toml"
    marker.write_text(marker.read_text(encoding="utf-8").replace("min_cell = 3", "min_cell = 5"))
    recipe = tmp_path / "site.yaml"
    recipe.write_text(
        reference_path("site_recipe_2022.yaml").read_text(encoding="utf-8")
        + "\ndisclosure: {min_cell: 4}\n",
        encoding="utf-8",
    )
    args = ("report", "--per-site", "--wave", "2022", "--absent", "none")
    r = _klappt(project, *args, "--recipe", str(recipe), "--out", "r/{site_id}.html")
    assert r.exit_code == 0, r.output
    page = next((project / "r").glob("*.html")).read_text(encoding="utf-8")
    assert "weniger als 4 Kommunen" in page and "weniger als 5" not in page
    r = _klappt(project, *args, "--out", "p/{site_id}.html")  # no recipe: the project's
    assert r.exit_code == 0, r.output
    assert "weniger als 5 Kommunen" in next((project / "p").glob("*.html")).read_text("utf-8")
