"""Benchmark of `klappt report`: the reference deck (40 returns) and a 2,000-return wave.

Prints the median time of each step and format over N runs (after one warm-up run, so
imports are not counted), the ratio to the 2-second target of the issue, and the ratio of
the 2,000-return wave to the 40-return case. A benchmark, not a test: it asserts nothing.

Beside each wall time it prints the median CPU time of this process and the load average: on a
shared machine (2 cores, several jobs) the wall time grows with the load, the CPU time hardly.

    .venv/bin/python bench/report_bench.py            # 5 runs
    .venv/bin/python bench/report_bench.py --runs 9

The 2,000-return wave resamples the reference returns of 2022 with a fixed seed (each row
drawn with replacement, new return ids), read through the same loader as real data.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable

from klappt.reference import reference_path
from klappt.report.build import build_report
from klappt.report.data import ReportData, WaveData
from klappt.report.output import RENDERERS
from klappt.report.recipe import load_recipe
from klappt.report.sources import load_data
from klappt.responses.dataset import load_responses
from klappt.responses.io import RawTable, read_table

TARGET_SECONDS = 2.0
SEED = 20220615


#: median CPU seconds of the last :func:`_median`, by label (see ``measure``)
CPU: dict[str, float] = {}


def _median(fn: Callable[[], object], runs: int, label: str = "") -> float:
    fn()  # warm-up: imports, caches
    times, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    CPU[label] = statistics.median(cpu)
    return statistics.median(times)


def _resampled(data: ReportData, n: int) -> ReportData:
    """The reference data with the 2022 wave replaced by ``n`` returns drawn from it."""
    main = data.wave("2022")
    raw = read_table(reference_path("returns_2022.csv"))
    rows = raw.records()
    rng = random.Random(SEED)
    id_col = raw.columns.index("_id") if "_id" in raw.columns else None
    records = []
    for i in range(n):
        row = list(rng.choice(rows))
        if id_col is not None:
            row[id_col] = f"synth-{i + 1:05d}"
        records.append(row)
    big = RawTable.from_records(raw.columns, records, source=f"resampled_{n}.csv")
    rs, _ = load_responses(main.instrument, big)
    waves = {name: w for name, w in data.waves.items()}
    waves["2022"] = WaveData("2022", main.instrument, responses=rs)
    return ReportData(waves, main="2022")


def _fresh(data: ReportData) -> ReportData:
    """The same waves with empty table caches, so that every run tabulates again."""
    return ReportData(
        {n: WaveData(n, w.instrument, responses=w.responses) for n, w in data.waves.items()},
        main=data.main,
    )


def measure(label: str, spec: object, data: ReportData, runs: int) -> dict[str, float]:
    results: dict[str, float] = {}
    results["build"] = _median(lambda: build_report(spec, _fresh(data)), runs, "build")  # type: ignore[arg-type]
    built = build_report(spec, _fresh(data))  # type: ignore[arg-type]
    for suffix, render in RENDERERS.items():
        results[suffix] = _median(lambda render=render: render(built, None), runs, suffix)
    slides = len(built.slides)
    print(f"\n{label}: {slides} slides, {data.wave().responses_count()} returns in the main wave")
    print(f"  load average {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print(f"  {'step':<10} {'median s':>9} {'build+render s':>15} {'vs 2 s':>8} {'cpu s':>7}")
    print(f"  {'build':<10} {results['build']:>9.3f} {'':>15} {'':>8} {CPU['build']:>7.3f}")
    for suffix in RENDERERS:
        total = results["build"] + results[suffix]
        cpu = CPU["build"] + CPU[suffix]
        print(
            f"  {suffix:<10} {results[suffix]:>9.3f} {total:>15.3f} {total / TARGET_SECONDS:>7.0%}"
            f" {cpu:>7.3f}"
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--returns", type=int, default=2000)
    args = parser.parse_args()

    spec = load_recipe(reference_path("recipe_2022.yaml"))
    t = time.perf_counter()
    data = load_data(spec)
    load_s = time.perf_counter() - t
    load_again = _median(lambda: load_data(spec), max(1, args.runs // 2))
    print(
        f"reading the forms and returns of both waves: first {load_s:.3f} s, then median {load_again:.3f} s"
    )

    small = measure("reference deck", spec, data, args.runs)
    big_data = _resampled(data, args.returns)
    big = measure(f"{args.returns:,}-return wave".replace(",", "."), spec, big_data, args.runs)

    print(f"\nratio {args.returns} returns / reference (build+render):")
    for suffix in RENDERERS:
        a = small["build"] + small[suffix]
        b = big["build"] + big[suffix]
        print(f"  {suffix:<6} {b / a:>6.2f}x")


if __name__ == "__main__":
    main()
