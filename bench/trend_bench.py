"""Benchmark of `klappt trend`: five waves of 100,000 returns each, stored in a project.

Issue 19's target: a trend over 5 waves of 100,000 returns each, stored in the project, in
under 5 s from the snapshots. The waves resample the reference pack's returns with a fixed seed
(each row drawn with replacement, new return ids): waves 1 and 2 on the 2020 checklist, 3 and 4
on the synthetic 2021 form, 5 on the 2022 Arbeitshilfe, each earlier wave with the pack's
mapping onto the last (renamed questions, merged choices), the site from ``kommune``.

Measured, as medians of ``--runs`` runs after one warm-up run (which writes the snapshots):

- ``trend``: loading the five waves from their snapshots, chaining the mappings, mapping every
  wave onto the last form, tabulating and the same sites' panels (what ``klappt trend`` does);
- baseline ``tabulate x5``: loading the same five waves and tabulating each on its own form.

A benchmark, not a test: it asserts nothing.

    .venv/bin/python bench/trend_bench.py                     # 100,000 returns a wave, 3 runs
    .venv/bin/python bench/trend_bench.py --returns 20000 --runs 5
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from klappt.reference import reference_path

SEED = 20260101
TARGET_SECONDS = 5.0
#: wave name -> (form, returns to resample, mapping onto the last wave or None)
WAVES = {
    "w1": ("checkliste_2020.xlsx", "returns_2020.csv", "mapping_2020_2022.yaml"),
    "w2": ("checkliste_2020.xlsx", "returns_2020.csv", "mapping_2020_2022.yaml"),
    "w3": ("entwicklungsstand_2021.xlsx", "returns_2021.csv", "mapping_2021_2022.yaml"),
    "w4": ("entwicklungsstand_2021.xlsx", "returns_2021.csv", "mapping_2021_2022.yaml"),
    "w5": ("arbeitshilfe_2022.xlsx", "returns_2022.csv", None),
}


def _resample(source: Path, target: Path, n: int, rng: random.Random) -> None:
    with source.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    with target.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i in range(n):
            row = list(rng.choice(body))
            row[0] = f"r{i:06d}"
            w.writerow(row)


def _setup(root: Path, n: int) -> Path:
    from klappt.store.api import import_register, import_wave, init_project, store_mapping

    rng = random.Random(SEED)
    project = init_project(root / "projekt")
    import_register(project, reference_path("register.csv"))
    for name, (form, data, mapping) in WAVES.items():
        csv_path = root / f"{name}.csv"
        _resample(reference_path(data), csv_path, n, rng)
        import_wave(project, name, reference_path(form), csv_path)
        if mapping:
            text = reference_path(mapping).read_text(encoding="utf-8")
            text = text.replace('from: "2020"', f'from: "{name}"')
            text = text.replace('from: "2021"', f'from: "{name}"')
            store_mapping(project, name, "w5", text.replace('to: "2022"', 'to: "w5"'))
    return project


def _trend(project: Path) -> int:
    from klappt.analysis.mapping import parse_mapping, read_header
    from klappt.analysis.trend import WaveInput, chain, trend
    from klappt.store.api import load_wave, stored_mappings

    inputs = []
    for name in WAVES:
        _, rs, _ = load_wave(project, name)
        inputs.append(WaveInput(name, rs, rs.frame.get_column("kommune").cast(str), 54))
    forms = {w.name: w.responses.instrument for w in inputs}
    stored = {}
    for path in stored_mappings(project):
        text = path.read_text(encoding="utf-8")
        _, a, b = read_header(text, str(path))
        stored[(a, b)] = parse_mapping(text, str(path), forms[a], forms[b])
    result = trend(inputs, chain(list(WAVES), forms, stored))
    return len(result.entries)


def _baseline(project: Path) -> int:
    from klappt.analysis.tabulate import tabulate
    from klappt.store.api import load_wave

    tables = 0
    for name in WAVES:
        _, rs, _ = load_wave(project, name)
        tables += len(tabulate(rs).tables)
    return tables


def _median(fn, arg, runs: int) -> tuple[float, float]:
    fn(arg)  # warm-up: imports, snapshots written
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn(arg)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=100_000, help="returns per wave")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="klappt-trend-bench-") as tmp:
        t0 = time.perf_counter()
        project = _setup(Path(tmp), args.returns)
        setup = time.perf_counter() - t0
        print(
            f"5 waves x {args.returns:,} returns stored in {setup:.1f} s; "
            f"median of {args.runs} runs; load average {os.getloadavg()[0]:.1f}"
        )
        for label, fn in (("trend", _trend), ("baseline tabulate x5", _baseline)):
            wall, cpu = _median(fn, project, args.runs)
            extra = f"  ({wall / TARGET_SECONDS:.2f} of the 5 s target)" if label == "trend" else ""
            print(f"{label:<22} {wall:6.2f} s wall  {cpu:6.2f} s CPU{extra}")


if __name__ == "__main__":
    main()
