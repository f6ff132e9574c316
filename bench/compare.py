"""Old code against new: ``klappt tabulate FORM DATA --json -`` as whole processes, interleaved.

On a shared virtual machine a single figure moves by a third from one minute to the next; the
difference between two versions of the code shows only when both run in turns, on the same data,
at the same time. This script checks out ``--against`` (a commit) into a temporary git worktree,
then runs one process of that code and one of the working tree in turns, ``--runs`` times each
(the old code is put first on ``PYTHONPATH``; both use the same installed dependencies), and
prints the medians of wall time, user and system CPU time and peak memory, their ratio, and
whether both wrote the same JSON.

    .venv/bin/python bench/compare.py --against HEAD~1                # 1M returns, Parquet
    .venv/bin/python bench/compare.py --against 1da70bd --size 100k --data csv --runs 12

The wave is generated as for ``bench/run`` when it is missing. Exit status 1 when the outputs
differ. The caller's environment (an allocator setting, say) is passed on to both sides.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

TIME = "/usr/bin/time"


def _klappt() -> Path:
    candidate = Path(sys.executable).with_name("klappt")
    if not candidate.exists():
        raise SystemExit(f"no klappt command beside {sys.executable}: run ./run demo first")
    return candidate


def _one(cmd: list[str], env: dict[str, str], out: Path) -> tuple[float, float, float, float]:
    """Wall s, user s, system s, peak MiB of one process (its JSON written to ``out``)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        run = subprocess.run(
            [TIME, "-f", "%e %U %S %M", "-o", stats.name, *cmd, "--json", str(out)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if run.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{run.stderr[-2000:]}")
        wall, user, system, peak_kib = Path(stats.name).read_text().split()[-4:]
    return float(wall), float(user), float(system), float(peak_kib) / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", required=True, help="the commit to compare with (git rev)")
    ap.add_argument("--size", default="1m", help="10k, 100k, 1m or a number (default 1m)")
    ap.add_argument("--data", choices=("parquet", "csv"), default="parquet")
    ap.add_argument("--runs", type=int, default=10, help="processes per side (default 10)")
    args = ap.parse_args()

    n = generate.parse_size(args.size)
    folder = generate.generate(n)
    form, data = folder / "form.xlsx", folder / f"data.{args.data}"
    klappt = str(_klappt())
    results: dict[str, list[tuple[float, float, float, float]]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory(prefix="klappt-compare-") as tmp:
        tree = Path(tmp) / "old"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), args.against],
            check=True,
        )
        try:
            base = {**os.environ, "KLAPPT_CACHE_DIR": str(Path(tmp) / "cache")}
            sides = {
                "old": {**base, "PYTHONPATH": str(tree / "src")},
                "new": {**base, "PYTHONPATH": str(ROOT / "src")},
            }
            cmd = [klappt, "tabulate", str(form), str(data)]
            for side, env in sides.items():  # fills the form cache; not counted
                _one(cmd, env, Path(tmp) / f"{side}.json")
            for _ in range(args.runs):
                for side, env in sides.items():
                    results[side].append(_one(cmd, env, Path(tmp) / f"{side}.json"))
            same = (Path(tmp) / "old.json").read_bytes() == (Path(tmp) / "new.json").read_bytes()
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False
            )
    load = os.getloadavg()
    print(
        f"klappt tabulate {data.name} ({n:,} returns), {args.runs} processes each, in turns; "
        f"old = {args.against}, new = working tree; load average now {load[0]:.2f}"
    )
    print(f"{'':4} {'wall s':>7} {'min':>6} {'user s':>7} {'sys s':>6} {'peak MiB':>9}")
    medians = {}
    for side, rows in results.items():
        wall, user, system, peak = (statistics.median(col) for col in zip(*rows, strict=True))
        medians[side] = wall
        fastest = min(r[0] for r in rows)
        print(f"{side:4} {wall:7.2f} {fastest:6.2f} {user:7.2f} {system:6.2f} {peak:9.0f}")
    print(f"old ÷ new (wall, medians): {medians['old'] / medians['new']:.2f}×")
    print("same JSON: " + ("yes" if same else "NO"))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
