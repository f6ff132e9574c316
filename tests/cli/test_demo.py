"""`klappt demo` (the README's first command): the reference case into a folder, twice.

The demo project must hold what a team would have after a season: register, both waves, the
code books and codings of 2022, so that the tables count the coded free text like the deck does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _klappt(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KLAPPT_PROJECT", "DATABASE_URL")}
    env["KLAPPT_LANG"] = "de"
    return subprocess.run(
        [sys.executable, "-m", "klappt", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )


@pytest.mark.slow
def test_demo_writes_the_reference_case_and_can_run_again__ok(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _klappt("demo", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("pptx", "html", "pdf", "xlsx"):
        assert (out / f"referenz_2022.{name}").stat().st_size > 1000
    # three example sites get their own report (issue 18), each named in the index
    reports = sorted(p.stem for p in (out / "standortberichte").glob("*.pdf"))
    index = (out / "standortberichte" / "index.csv").read_text(encoding="utf-8")
    assert len(reports) == 3 and all(f"\n{s}," in index for s in reports)
    tables = json.loads((out / "tabellen_2022.json").read_text(encoding="utf-8"))
    assert tables["responses"] == 40
    needs = next(t for t in tables["tables"] if t["question"] == "notwendigkeit_text__codes")
    counts = {r["choice"]: r["count"] for r in needs["rows"]}
    # the deck's "Nennungen" for special structures
    assert (counts["beratung"], counts["angebote"], counts["kooperation"]) == (18, 12, 7)
    assert counts["flankierend"] == 6

    # the codings are stored in the project: the stored wave counts them too
    status = _klappt("code", "status", "--wave", "2022", "--json", "-", cwd=out / "projekt")
    assert status.returncode == 0, status.stderr
    questions = json.loads(status.stdout[status.stdout.index("{") :])["questions"]
    assert {q["question"]: q["coded"] for q in questions} == {
        "mehrwert_nennungen": 91,
        "notwendigkeit_text": 52,
    }

    again = _klappt("demo", "--out", str(out), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "tabellen_2022.json").read_text(encoding="utf-8")) == tables
