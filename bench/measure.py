"""In-process measurements for one wave size (called by ``bench/run``, one process per size).

Loads the wave through klappt (``read_table`` + ``load_responses``) from Parquet and from CSV,
times ``tabulate(rs, by="region").to_dict()`` (toplines for every question plus every question by
the banner), then the same through the pandas baseline (``bench/baseline_pandas.py``), compares
the two and writes the figures as JSON.

Times are medians of ``--repeat`` runs in this process (one warm-up run first, not counted).
Peak memory of a step is the growth of the resident set over what was resident before it:
the kernel's high-water mark (``VmHWM``) is reset through ``/proc/self/clear_refs`` before the
step and read after it.

Usage::

    python bench/measure.py --size 100k --repeat 5 --json /tmp/m.json
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import baseline_engines  # noqa: E402
import baseline_pandas  # noqa: E402
import generate  # noqa: E402

BANNER = "region"


# -- memory -----------------------------------------------------------------------------------


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def rss_mib() -> float:
    return _status_kib("VmRSS") / 1024


class Peak:
    """Peak growth of the resident set while the block runs (MiB); None if not measurable."""

    def __enter__(self) -> Peak:
        gc.collect()
        self.ok = _reset_peak()
        self.before = _status_kib("VmRSS")
        self.mib: float | None = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.ok:
            self.mib = max(0, _status_kib("VmHWM") - self.before) / 1024


# -- timing -----------------------------------------------------------------------------------


def timed(
    fn: Callable[[], Any], repeat: int, warmup: bool = True
) -> tuple[list[float], float | None, Any]:
    """Run ``fn`` ``repeat`` times: the times (s), the largest peak memory growth (MiB), a result."""
    result = None
    if warmup:
        result = fn()
    times: list[float] = []
    peaks: list[float] = []
    for _ in range(repeat):
        result = None
        with Peak() as p:
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
        if p.mib is not None:
            peaks.append(p.mib)
    return times, (max(peaks) if peaks else None), result


def summary(times: list[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "runs": len(times),
    }


def strip_by(tab: dict) -> dict:
    """The toplines of a tabulation with a banner (what ``tabulate`` without ``--by`` gives)."""
    return {
        "responses": tab["responses"],
        "tables": [{k: v for k, v in t.items() if k != "by"} for t in tab["tables"]],
    }


def phases(form: Any, path: Path, repeat: int) -> dict[str, float]:
    """Where the time of ``klappt tabulate FORM DATA --json -`` goes, step by step in this
    process (medians): reading the file, typing and checking, counting, writing the JSON."""
    from klappt.analysis.tabulate import tabulate
    from klappt.responses.columns import category_headers
    from klappt.responses.dataset import load_responses
    from klappt.responses.io import read_table

    steps: dict[str, list[float]] = {"read": [], "typing": [], "counting": [], "json": []}
    for _ in range(repeat):
        t0 = time.perf_counter()
        raw = read_table(path, categories=lambda h: category_headers(form, h))
        t1 = time.perf_counter()
        rs, _ = load_responses(form, raw)
        raw = None
        t2 = time.perf_counter()
        tab = tabulate(rs)
        t3 = time.perf_counter()
        json.dumps(tab.to_dict(), ensure_ascii=False, indent=2)
        t4 = time.perf_counter()
        for k, a, b in (
            ("read", t0, t1),
            ("typing", t1, t2),
            ("counting", t2, t3),
            ("json", t3, t4),
        ):
            steps[k].append(b - a)
        rs = tab = None
        gc.collect()
    return {k: statistics.median(v) for k, v in steps.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--load-repeat", type=int, default=3, help="runs of the (slower) load steps")
    ap.add_argument("--no-csv-load", action="store_true", help="skip the in-process CSV load")
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args(argv)

    n = generate.parse_size(args.size)
    folder = generate.wave_dir(n)
    form_path, csv_path, pq_path = (
        folder / "form.xlsx",
        folder / "data.csv",
        folder / "data.parquet",
    )
    out: dict[str, Any] = {"size": n, "label": generate.size_label(n), "repeat": args.repeat}

    import polars as pl

    from klappt.analysis.tabulate import tabulate
    from klappt.instrument import read_instrument
    from klappt.responses.dataset import load_responses
    from klappt.responses.io import read_table

    out["versions"] = {"polars": pl.__version__, "python": sys.version.split()[0]}
    form = read_instrument(form_path)
    load_repeat = max(1, min(args.repeat, args.load_repeat))

    # -- klappt: load --------------------------------------------------------------------------
    def load_pq():
        return load_responses(form, read_table(pq_path))

    times, peak, (rs, report) = timed(load_pq, load_repeat, warmup=False)
    out["klappt_load_parquet"] = {**summary(times), "peak_mib": peak, "issues": len(report.issues)}
    if not args.no_csv_load:
        rs = report = None
        gc.collect()
        times, peak, (rs, report) = timed(
            lambda: load_responses(form, read_table(csv_path)), load_repeat, warmup=False
        )
        out["klappt_load_csv"] = {**summary(times), "peak_mib": peak, "issues": len(report.issues)}
    gc.collect()
    out["loaded_rss_mib"] = rss_mib()
    out["frame_mib"] = rs.frame.estimated_size("mb")

    # -- klappt: tabulation alone --------------------------------------------------------------
    times, peak, engine = timed(lambda rs=rs: tabulate(rs, by=BANNER).to_dict(), args.repeat)
    out["klappt_tabulate"] = {**summary(times), "peak_mib": peak}
    # the same on one core (the independent parts of a count in turn, not on two threads)
    from klappt.analysis import counting

    workers, counting.WORKERS = counting.WORKERS, 1
    try:
        times, peak, _ = timed(lambda rs=rs: tabulate(rs, by=BANNER).to_dict(), args.repeat)
    finally:
        counting.WORKERS = workers
    out["klappt_tabulate_one_core"] = {**summary(times), "peak_mib": peak}
    times_top, peak_top, _ = timed(lambda rs=rs: tabulate(rs).to_dict(), args.repeat)
    out["klappt_tabulate_topline"] = {**summary(times_top), "peak_mib": peak_top}

    # -- the Polars and DuckDB baselines on the same typed frame -------------------------------
    flat = baseline_engines.counts(engine)
    times, peak, got = timed(
        lambda rs=rs: baseline_engines.polars_tables(rs.frame, form, BANNER), args.repeat
    )
    out["polars_tabulate"] = {**summary(times), "peak_mib": peak}
    out["check_polars"] = baseline_engines.compare(flat, got)
    try:
        import duckdb

        out["versions"]["duckdb"] = duckdb.__version__
        con = baseline_engines.duckdb_connect(rs.frame)
        times, peak, got = timed(
            lambda: baseline_engines.duckdb_tables(con, form, BANNER), args.repeat
        )
        out["duckdb_tabulate"] = {**summary(times), "peak_mib": peak}
        out["check_duckdb"] = baseline_engines.compare(flat, got)
        con.close()
    except ImportError:
        out["duckdb_tabulate"] = None  # duckdb is a bench dependency (requirements-test.lock)
    out["phases"] = {
        fmt: phases(form, folder / f"data.{fmt}", load_repeat) for fmt in ("parquet", "csv")
    }
    rs = report = None
    gc.collect()

    # -- pandas baseline -----------------------------------------------------------------------
    import pandas as pd

    out["versions"]["pandas"] = pd.__version__
    bform = baseline_pandas.read_form(form_path)
    times, peak, raw = timed(lambda: baseline_pandas.read_data(pq_path), load_repeat, warmup=False)
    out["pandas_read_parquet"] = {**summary(times), "peak_mib": peak}
    times, peak, prep = timed(
        lambda raw=raw: baseline_pandas.prepare(raw, bform), load_repeat, warmup=False
    )
    out["pandas_prepare"] = {**summary(times), "peak_mib": peak}
    raw = None
    gc.collect()
    times, peak, base = timed(
        lambda prep=prep: baseline_pandas.tabulate(prep, bform, by=BANNER), args.repeat
    )
    out["pandas_tabulate"] = {**summary(times), "peak_mib": peak}
    prep = None
    gc.collect()

    # -- same counts? --------------------------------------------------------------------------
    diffs = baseline_pandas.compare(engine, base)
    out["check"] = {"ok": not diffs, "differences": diffs}
    out["ratio_tabulate"] = out["pandas_tabulate"]["median"] / out["klappt_tabulate"]["median"]
    # what the end-to-end runs are compared with: toplines only, as `klappt tabulate --json` gives
    (folder / "pandas_toplines.json").write_text(json.dumps(strip_by(base), ensure_ascii=False))
    args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
