"""The store against the code before it: ``klappt import`` and ``klappt tabulate --wave``, in turns.

For each database (the project's SQLite file, PostgreSQL on 127.0.0.1) and each round, both
versions of the code — ``--against`` (a commit, checked out into a temporary git worktree and put
first on ``PYTHONPATH``) and the working tree — get a fresh project each, import the benchmark's
CSV wave (whole process, ``/usr/bin/time``) and tabulate the stored wave ``--tab-runs`` times.
It prints the medians (wall, peak memory) of both sides, the ratio, and whether both wrote the
same JSON (exit 1 if not). ``--profile`` adds, for the working tree and SQLite, where the time of
one import and one ``tabulate --wave`` goes (``cProfile`` in one process, by step).

    .venv/bin/python bench/store_bench.py --against 080bc94                 # 1M, 3 rounds
    .venv/bin/python bench/store_bench.py --against HEAD~3 --size 100k --rounds 5 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

TIME = "/usr/bin/time"
TARGETS = {  # issue 21, seconds, medians of the 1M wave
    ("sqlite", "import"): 10.0,
    ("postgresql", "import"): 15.0,
    ("sqlite", "tabulate --wave"): 1.0,
    ("postgresql", "tabulate --wave"): 1.0,
}


def _klappt() -> str:
    candidate = Path(sys.executable).with_name("klappt")
    if not candidate.exists():
        raise SystemExit(f"no klappt command beside {sys.executable}: install klappt first")
    return str(candidate)


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall s and peak MiB of one process, and its standard output."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        run = subprocess.run(
            [TIME, "-f", "%e %M", "-o", stats.name, *cmd],
            env=env,
            capture_output=True,
            text=True,
        )
        if run.returncode not in (0, 1):  # 1: the wave has validation problems, as intended
            raise SystemExit(f"{' '.join(cmd)} failed:\n{run.stderr[-2000:]}")
        wall, peak_kib = Path(stats.name).read_text().split()[-2:]
    return float(wall), float(peak_kib) / 1024, run.stdout


def _pg(sql: str) -> str | None:
    """Run one admin statement on PostgreSQL; the role that worked, or None if unreachable."""
    import psycopg

    for role in ("root", "postgres"):
        try:
            with psycopg.connect(
                f"postgresql://{role}@127.0.0.1:5432/postgres", autocommit=True
            ) as c:
                c.execute(sql)
            return role
        except psycopg.Error:
            continue
    return None


def _one_side(
    klappt: str, env: dict[str, str], folder: Path, tmp: Path, backend: str, tab_runs: int
) -> dict[str, Any]:
    """A fresh project, the import, then ``tabulate --wave`` ``tab_runs`` times."""
    project = tmp / "project"
    shutil.rmtree(project, ignore_errors=True)
    env = dict(env)
    env.pop("DATABASE_URL", None)
    db = f"klappt_store_bench_{os.getpid()}"
    if backend == "postgresql":
        role = _pg(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        if role is None or _pg(f'CREATE DATABASE "{db}"') is None:
            raise SystemExit("PostgreSQL on 127.0.0.1:5432 is not reachable")
        env["DATABASE_URL"] = f"postgresql://{role}@127.0.0.1:5432/{db}"
    try:
        subprocess.run([klappt, "init", str(project)], env=env, check=True, capture_output=True)
        form, data = folder / "form.xlsx", folder / "data.csv"
        imp = [klappt, "import", "W1", str(form), str(data), "--project", str(project)]
        import_s, import_mib, _ = _timed(imp, env)
        tab = [klappt, "tabulate", "--wave", "W1", "--json", "-", "--project", str(project)]
        runs = [_timed(tab, env) for _ in range(tab_runs)]
    finally:
        if backend == "postgresql":
            _pg(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    return {
        "import_s": import_s,
        "import_mib": import_mib,
        "tab_s": [r[0] for r in runs],
        "tab_mib": max(r[1] for r in runs),
        "json": runs[0][2],
    }


def compare(args: argparse.Namespace) -> int:
    n = generate.parse_size(args.size)
    folder = generate.generate(n)
    klappt = _klappt()
    results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    same = True
    with tempfile.TemporaryDirectory(prefix="klappt-store-bench-") as tmp_name:
        tmp = Path(tmp_name)
        tree, new_tree = tmp / "old", tmp / "new"
        trees = [(tree, args.against)] + ([(new_tree, args.new)] if args.new else [])
        for path, rev in trees:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(path), rev],
                check=True,
            )
        try:
            base = {**os.environ, "KLAPPT_CACHE_DIR": str(tmp / "cache")}
            sides = {
                "old": {**base, "PYTHONPATH": str(tree / "src")},
                "new": {**base, "PYTHONPATH": str((new_tree if args.new else ROOT) / "src")},
            }
            for backend in args.backends.split(","):
                results[backend] = {"old": [], "new": []}
                for r in range(args.rounds):
                    for side, env in sides.items():
                        got = _one_side(klappt, env, folder, tmp / side, backend, args.tab_runs)
                        results[backend][side].append(got)
                        print(
                            f"  {backend} round {r + 1} {side}: import {got['import_s']:.2f} s, "
                            f"tabulate --wave {statistics.median(got['tab_s']):.2f} s",
                            flush=True,
                        )
                    old_json = results[backend]["old"][-1]["json"]
                    same &= json.loads(old_json) == json.loads(results[backend]["new"][-1]["json"])
        finally:
            for path, _rev in trees:
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)],
                    check=False,
                )
    load = os.getloadavg()
    print(
        f"\nklappt import + tabulate --wave, {n:,} returns from CSV, {args.rounds} rounds in turns, "
        f"{args.tab_runs} tabulations per round; old = {args.against}, "
        f"new = {args.new or 'working tree'}; "
        f"load average now {load[0]:.2f}\n"
    )
    print("| database | step | old | new | old ÷ new | new peak MiB | target | met |")
    print("|:--|:--|--:|--:|--:|--:|--:|:--|")
    for backend, sides in results.items():
        for step, key, mib in (
            ("import", "import_s", "import_mib"),
            ("tabulate --wave", "tab_s", "tab_mib"),
        ):
            med = {}
            for side, rows in sides.items():
                values = [v for row in rows for v in (row[key] if key == "tab_s" else [row[key]])]
                med[side] = statistics.median(values)
            peak = max(row[mib] for row in sides["new"])
            target = TARGETS.get((backend, step))
            met = (
                ""
                if target is None or n != 1_000_000
                else ("yes" if med["new"] <= target else "no")
            )
            print(
                f"| {backend} | {step} | {med['old']:.2f} s | {med['new']:.2f} s | "
                f"{med['old'] / med['new']:.2f}× | {peak:,.0f} | "
                f"{'≤ ' + format(target, '.1f') + ' s' if target else ''} | {met} |"
            )
    print("\nsame counts (tabulate --wave JSON, old and new): " + ("yes" if same else "NO"))
    return 0 if same else 1


# -- where the time goes (working tree, SQLite, one process) ----------------------------------

IMPORT_STEPS = (
    ("read the form", "klappt/instrument/readers.py", "read_instrument"),
    ("hash the data file", "klappt/store/waves.py", "_file_sha256"),
    ("read the CSV", "klappt/responses/io.py", "read_table"),
    ("type and check (load_responses)", "klappt/responses/dataset.py", "load_responses"),
    ("write: whole transaction", "klappt/store/wave_writer.py", "write_wave"),
    ("  of it: rows to the database", "klappt/store/wave_writer.py", "_insert_batch"),
    ("  of it: commit (SQLite)", "", "commit"),
    ("write the snapshot", "klappt/store/snapshots.py", "write_snapshot_quietly"),
)
WAVE_STEPS = (
    ("load the wave (snapshot)", "klappt/store/waves.py", "load_wave"),
    ("  of it: read the Parquet file", "polars/io/parquet/functions.py", "read_parquet"),
    ("  of it: decode codes and bits", "klappt/store/snapshot_codec.py", "decode"),
    ("stored codes applied", "klappt/store/coding.py", "coded_responses"),
    ("tabulate", "klappt/analysis/tabulate.py", "tabulate"),
    ("to_dict + JSON text", "", "<json>"),
)


def _cumulative(stats: pstats.Stats, path: str, name: str) -> float:
    total = 0.0
    for (file, _line, func), row in stats.stats.items():  # type: ignore[attr-defined]
        hit = func == name and file.endswith(path) if path else f"'{name}' of" in func
        if hit:
            total = max(total, row[3])
    return total


def profile(args: argparse.Namespace) -> None:
    from klappt.store import api

    n = generate.parse_size(args.size)
    folder = generate.generate(n)
    with tempfile.TemporaryDirectory(prefix="klappt-store-profile-") as tmp:
        os.environ.pop("DATABASE_URL", None)
        os.environ["KLAPPT_CACHE_DIR"] = str(Path(tmp) / "cache")
        project = api.init_project(Path(tmp) / "project")
        prof = cProfile.Profile()
        start = time.perf_counter()
        prof.runcall(api.import_wave, project, "W1", folder / "form.xlsx", folder / "data.csv")
        total = time.perf_counter() - start
        stats = pstats.Stats(prof)
        print(f"\nwhere one import of {n:,} returns goes (SQLite, cProfile, total {total:.2f} s):")
        for label, path, name in IMPORT_STEPS:
            print(f"  {label:34s} {_cumulative(stats, path, name):6.2f} s")

        from klappt.analysis.tabulate import tabulate
        from klappt.store.coding import coded_responses, wave_in

        prof = cProfile.Profile()
        start = time.perf_counter()
        _form, rs, _report = prof.runcall(api.load_wave, project, "W1")
        codes = prof.runcall(coded_responses, wave_in(project, "W1"), rs)
        tab = prof.runcall(tabulate, codes.responses, by=None)
        json_s = time.perf_counter()
        json.dumps(tab.to_dict(), ensure_ascii=False, indent=2)
        json_s = time.perf_counter() - json_s
        total = time.perf_counter() - start
        stats = pstats.Stats(prof)
        print(f"\nwhere tabulate --wave goes in one process (no start-up; total {total:.2f} s):")
        for label, path, name in WAVE_STEPS:
            value = json_s if name == "<json>" else _cumulative(stats, path, name)
            print(f"  {label:34s} {value:6.2f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", help="the commit to compare with (git rev)")
    ap.add_argument("--new", help="a commit as the new side (default: the working tree)")
    ap.add_argument("--size", default="1m", help="10k, 100k, 1m or a number (default 1m)")
    ap.add_argument("--rounds", type=int, default=3, help="imports per side and database")
    ap.add_argument("--tab-runs", type=int, default=3, help="tabulate --wave per import")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--profile", action="store_true", help="where the time goes, by step")
    args = ap.parse_args()
    rc = compare(args) if args.against else 0
    if args.profile:
        profile(args)
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
