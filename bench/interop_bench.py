"""Interoperability benchmark: LimeSurvey structure import, LimeSurvey response CSVs, exports.

Measured (medians of ``--repeat`` runs after one warm-up run):

1. importing the largest ``.lss`` of the corpus (``read_lss``: parse, build the XLSForm, write
   the workbook, read it back through pyxform), with its parts;
2. a 100,000-row LimeSurvey response CSV ("question code" headings, answer codes), for a survey
   of typical width and for the widest corpus survey: ``read_table`` (the core's CSV reader),
   ``convert_responses`` (headings and codes -> klappt's layout) and ``load_responses`` (typing
   and validation). The target is at least 50,000 rows per second for reading and converting;
3. exporting the 100,000 returns as ``.sav`` and ``.csv``.

The response CSVs are generated here, seeded, column by column with NumPy (no Python loop per
cell); the structure files come from the corpus (``KLAPPT_CORPORA``, default
``../shared/corpora``). Results go to stdout and, with ``--json``, to a file.

Usage::

    .venv/bin/python bench/interop_bench.py --rows 100000 --repeat 3 --json /tmp/interop.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from klappt.interop.limesurvey.form import LsForm  # noqa: E402
from klappt.interop.limesurvey.read import _instrument, lss_form, read_lss  # noqa: E402
from klappt.interop.limesurvey.responses import convert_responses  # noqa: E402
from klappt.interop.xlsform_writer import write_xlsform  # noqa: E402

TYPICAL = "limesurvey/demosurveys/ls2_test_em_sq_validation.lss"
WIDEST = "limesurvey/demosurveys/ls6_sample_survey_multilingual_fr_de_en_it_ru.lss"


def corpora() -> Path:
    return Path(os.environ.get("KLAPPT_CORPORA") or ROOT.parent / "shared" / "corpora").resolve()


def largest_lss(base: Path) -> Path:
    return max((base / "limesurvey").rglob("*.lss"), key=lambda p: p.stat().st_size)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds of ``repeat`` runs after one warm-up run, and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def response_frame(form: LsForm, rows: int, seed: int = 11) -> pl.DataFrame:
    """A LimeSurvey CSV export as a frame of strings: one column per field, codes as LimeSurvey writes them."""
    rng = np.random.default_rng(seed)
    required = {r["name"] for r in form.spec.survey if r.get("required") == "yes"}
    cols: dict[str, Any] = {
        "id": np.arange(1, rows + 1).astype(str),
        "submitdate": np.full(rows, "2024-05-01 10:00:00"),
        "lastpage": np.full(rows, "3"),
        "startlanguage": np.full(rows, form.survey.base_language),
        "seed": rng.integers(1, 10**9, rows).astype(str),
    }
    for f in form.fields:
        if f.role == "skip" or f.code in cols:
            continue
        if f.role == "flag":
            values = np.where(rng.random(rows) < 0.4, "Y", "")
        elif f.role == "flag_text":
            values = np.where(rng.random(rows) < 0.1, "etwas anderes", "")
        elif f.kind == "select_one" and f.codes:
            values = rng.choice(np.array(list(f.codes)), rows)
        elif f.kind == "number":
            values = np.char.add(rng.integers(0, 100, rows).astype(str), ".0000000000")
        elif f.kind == "date":
            values = np.full(rows, "2024-03-15 00:00:00")
        else:
            values = rng.choice(np.array(["ja", "nein", "Text mit, Komma", "=SUM(A1)", ""]), rows)
        if f.target not in required and f.role in ("value",):
            values = np.where(rng.random(rows) < 0.1, "", values)
        cols[f.code] = values
    return pl.DataFrame({k: pl.Series(k, v, dtype=pl.String) for k, v in cols.items()})


def bench_structure(path: Path, repeat: int) -> dict[str, Any]:
    data = path.read_bytes()
    t_build, form = timed(lambda: lss_form(data, path), repeat)
    t_write, _ = timed(lambda: write_xlsform(form.spec), repeat)
    t_read, _ = timed(lambda: _instrument(form), repeat)
    t_all, result = timed(lambda: read_lss(path), repeat)
    return {
        "file": path.name,
        "bytes": len(data),
        "questions": result.summary.questions,
        "xlsform_rows": len(form.spec.survey),
        "median_s": {
            "parse_and_build": t_build,
            "write_xlsx": t_write,
            "xlsx_to_instrument": t_read,
            "read_lss_total": t_all,
        },
    }


def bench_responses(
    lss: Path, rows: int, repeat: int, folder: Path, with_load: bool
) -> dict[str, Any]:
    from klappt.responses.dataset import load_responses
    from klappt.responses.io import read_table

    form = lss_form(lss.read_bytes(), lss)
    instrument, _ = _instrument(form)
    csv_path = folder / f"responses_{lss.stem}_{rows}.csv"
    frame = response_frame(form, rows)
    csv_path.write_bytes(b"\xef\xbb\xbf" + frame.write_csv(quote_style="always").encode("utf-8"))
    t_read, raw = timed(lambda: read_table(csv_path), repeat)
    t_conv, (converted, _) = timed(lambda: convert_responses(form, raw), repeat)
    out: dict[str, Any] = {
        "structure": lss.name,
        "rows": rows,
        "csv_columns": frame.width,
        "csv_mb": round(csv_path.stat().st_size / 1e6, 1),
        "median_s": {"read_table": t_read, "convert_responses": t_conv},
        "rows_per_s": {
            "convert_responses": rows / t_conv,
            "read_and_convert": rows / (t_read + t_conv),
        },
    }
    if with_load:
        t_load, (rs, report) = timed(lambda: load_responses(instrument, converted), repeat)
        out["median_s"]["load_responses"] = t_load
        out["rows_per_s"]["import_total"] = rows / (t_read + t_conv + t_load)
        out["validation_problems"] = len(report.problems)
        from klappt.interop.export import export_wave

        t_sav, sav = timed(lambda: export_wave(instrument, rs, "sav"), max(1, repeat // 2))
        t_csv, _ = timed(lambda: export_wave(instrument, rs, "csv"), max(1, repeat // 2))
        out["median_s"]["export_sav"] = t_sav
        out["median_s"]["export_csv"] = t_csv
        out["sav_mb"] = round(len(sav) / 1e6, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    base = corpora()
    if not base.is_dir():
        print(f"corpus not found at {base} (set KLAPPT_CORPORA)", file=sys.stderr)
        return 2
    results: dict[str, Any] = {"rows": args.rows, "repeat": args.repeat, "cpus": os.cpu_count()}
    results["structure"] = bench_structure(largest_lss(base), args.repeat)
    print(json.dumps(results["structure"], indent=2))
    with tempfile.TemporaryDirectory(prefix="klappt-interop-bench-") as tmp:
        folder = Path(tmp)
        results["csv_typical"] = bench_responses(
            base / TYPICAL, args.rows, args.repeat, folder, with_load=True
        )
        print(json.dumps(results["csv_typical"], indent=2))
        results["csv_widest"] = bench_responses(
            base / WIDEST, args.rows, args.repeat, folder, with_load=False
        )
        print(json.dumps(results["csv_widest"], indent=2))
    rate = results["csv_typical"]["rows_per_s"]["read_and_convert"]
    results["target_50k_rows_per_s_met"] = rate >= 50_000
    print(f"LimeSurvey CSV, typical survey: {rate:,.0f} rows/s read + convert (target 50,000)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
