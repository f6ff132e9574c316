"""``--dialect excel-de|standard`` of the command-line CSV for people (issue 16): ``klappt export
--format csv`` and ``klappt links --csv``, read back with Python's ``csv`` in the German dialect
and with ``klappt tabulate``. Real processes on a real project (SQLite).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from klappt.reference import reference_path

FORM = str(reference_path("arbeitshilfe_2022.xlsx"))
DATA = str(reference_path("returns_2022.csv"))
REGISTER = "site_id,name,typ,email\ns1,Aachen,kreis,aachen@example.org\ns2,Köln,kreis,\n"
CLEAN = ("DJANGO_SETTINGS_MODULE", "KLAPPT_PROJECT", "DATABASE_URL", "KLAPPT_WEB_BACKEND")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN}
    env.update(extra)
    return env


def _run(args: list[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "klappt", *args],
        cwd=cwd,
        env=_env(**extra),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dialects")
    assert _run(["init", str(root / "p")], root).returncode == 0
    done = _run(["import", "2022", FORM, DATA, "--project", str(root / "p")], root)
    assert done.returncode == 0, done.stderr
    return root


def test_export_writes_the_german_excel_dialect__ok(project: Path) -> None:
    p = ["--project", str(project / "p")]
    german, standard = project / "de.csv", project / "std.csv"
    done = _run(
        ["export", "2022", "-f", "csv", "--dialect", "excel-de", "-o", str(german), *p], project
    )
    assert done.returncode == 0, done.stderr
    done = _run(
        ["export", "2022", "-f", "csv", "--dialect", "standard", "-o", str(standard), *p], project
    )
    assert done.returncode == 0, done.stderr
    body = german.read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    gt = next(r for r in rows if r["kommune"] == "gt")
    assert gt["thm_vze"] == "1,5" and gt["ausfuelldatum"] == "01.02.2022"
    srows = list(csv.DictReader(io.StringIO(standard.read_text(encoding="utf-8"), newline="")))
    sgt = next(r for r in srows if r["kommune"] == "gt")
    assert sgt["thm_vze"] == "1.5" and sgt["ausfuelldatum"] == "2022-02-01"
    assert not standard.read_bytes().startswith(b"\xef\xbb\xbf")
    # klappt tabulate reads both and counts the same as the reference data
    tables = [
        json.loads(_run(["tabulate", FORM, str(f), "--json", "-"], project).stdout)
        for f in (german, standard, Path(DATA))
    ]
    assert tables[0] == tables[1] == tables[2]
    assert tables[0]["responses"] == 40


def test_export_dialect_needs_csv_and_a_known_name__error(project: Path) -> None:
    p = ["--project", str(project / "p")]
    done = _run(["export", "2022", "-f", "sav", "--dialect", "excel-de", *p], project)
    assert done.returncode == 2 and "--dialect" in done.stderr
    assert "Traceback" not in done.stderr
    done = _run(["export", "2022", "-f", "csv", "--dialect", "excel-fr", *p], project)
    assert done.returncode == 2 and "excel-de | standard" in done.stderr
    assert not (project / "2022.csv").exists()


def test_links_in_the_german_excel_dialect__ok(project: Path) -> None:
    folder = project / "links"
    assert _run(["init", str(folder)], project).returncode == 0
    (project / "register.csv").write_text(REGISTER, encoding="utf-8")
    env = {"KLAPPT_BASE_URL": "https://umfrage.example.org", "KLAPPT_PROJECT": str(folder)}
    assert _run(["register", str(project / "register.csv")], project, **env).returncode == 0
    opened = _run(["wave", "open", "2024", "--form", FORM], project, **env)
    assert opened.returncode == 0, opened.stderr
    target = project / "links.csv"
    done = _run(["links", "2024", "--csv", str(target), "--dialect", "excel-de"], project, **env)
    assert done.returncode == 0, done.stderr
    body = target.read_bytes()
    assert body.startswith("\ufeffsite_id;name;typ;email;link;valid_until\r\n".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [r["name"] for r in rows] == ["Aachen", "Köln"]
    assert rows[0]["link"].startswith("https://umfrage.example.org/r/")
    # without the option: the standard dialect, comma and no BOM
    plain = project / "links_std.csv"
    assert _run(["links", "2024", "--csv", str(plain)], project, **env).returncode == 0
    assert plain.read_bytes().startswith(b"site_id,name,typ,email,link,valid_until\r\n")
