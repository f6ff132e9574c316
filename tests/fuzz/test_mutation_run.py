"""The fuzz harness as part of every test run: the saved crashers, and a bounded mutation run.

Both run ``bench/fuzz.py`` in a process of its own (it forks one child per input after warming
up, which must not happen inside pytest's process). The bounded run uses a fixed seed and about
30 seconds; ``python bench/fuzz.py --inputs 2000`` is the deeper run (see bench/README.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FUZZ = ROOT / "bench" / "fuzz.py"
CRASHERS = ROOT / "tests" / "data" / "crashers"


def _fuzz(tmp_path: Path, *args: str) -> dict:
    report = tmp_path / "fuzz.json"
    done = subprocess.run(
        [sys.executable, str(FUZZ), *args, "--json", str(report), "--keep", str(tmp_path / "w")],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert report.exists(), done.stdout + done.stderr
    return json.loads(report.read_text(encoding="utf-8"))


def test_crashers_stay_small__ok():
    files = [p for p in CRASHERS.iterdir() if p.name != "crashers.json"]
    listed = {e["file"] for e in json.loads((CRASHERS / "crashers.json").read_text())}
    assert {p.name for p in files} <= listed | {"README.md"}
    assert sum(p.stat().st_size for p in files) < 600_000


def test_every_saved_crasher_ends_in_a_clear_error_or_problems__ok(tmp_path):
    figures = _fuzz(tmp_path, "--replay", str(CRASHERS), "--timeout", "60", "--memory", "1GiB")
    listed = json.loads((CRASHERS / "crashers.json").read_text())
    assert figures["inputs"] == len(listed)
    assert figures["traceback_kinds"] == {}
    assert figures["over_time"] == [] and figures["over_memory"] == []
    exits = {Path(o["input_path"]).name: o["exit"] for o in figures["replay"]}
    for entry in listed:
        # a traceback before: now a clear error (2) or problems (1); a run over the time or
        # memory limit before may now simply succeed
        allowed = {0, 1, 2} if entry["kind_before"].startswith("over ") else {1, 2}
        assert exits[entry["file"]] in allowed, (entry, exits[entry["file"]])


def test_bounded_mutation_run_finds_no_traceback__ok(tmp_path):
    figures = _fuzz(
        tmp_path,
        "--inputs", "400",
        "--budget", "30",
        "--seed", "20261207",
        "--timeout", "60",
        "--memory", "1GiB",
    )  # fmt: skip
    assert figures["inputs"] >= 20, figures  # the budget ran real inputs, not none
    assert figures["traceback_kinds"] == {}, figures["examples"]
    assert figures["over_time"] == [] and figures["over_memory"] == []
