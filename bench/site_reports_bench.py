"""Site reports (issue 18): the reference case's 54 reports as PDF, and synthetic sites.

Prints the split between the one tabulation of the wave and the rendering of the reports,
and the speedup of N processes against one. Targets: 54 PDFs < 30 s on 2 cores; 1,000
synthetic sites < 10 min.

    .venv/bin/python bench/site_reports_bench.py [--jobs 2] [--synthetic 1000] [--fmt pdf]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import polars as pl

from klappt.reference import load_reference, reference_path
from klappt.report.site_report import build_site_reports
from klappt.report.site_values import Site, read_sites
from klappt.report.site_writer import write_site_reports


def synthetic(n: int):
    """The reference returns repeated over ``n`` invented sites (each a copy of a real return
    under a new id), with a register of those ids."""
    from dataclasses import replace

    from klappt.instrument.model import Choice

    _, rs, _ = load_reference("2022")
    ids = [f"s{i:05d}" for i in range(n)]
    form = rs.instrument
    q = next(x for x in form.questions if x.name == "kommune")
    q2 = replace(q, choices=tuple(Choice(i) for i in ids))
    form2 = replace(form, questions=tuple(q2 if x.name == "kommune" else x for x in form.questions))
    idx = [i % rs.height for i in range(n)]
    frame = rs.frame[idx].with_columns(pl.Series("kommune", ids).cast(pl.Enum(ids)))
    meta = rs.meta[idx].with_columns(pl.Series("row", list(range(2, n + 2)), dtype=pl.Int64))
    rs2 = replace(rs, instrument=form2, frame=frame, meta=meta)
    sites = [
        Site(i, f"Kommune {i}", {"typ": "kreis" if k % 2 else "kreisfreie_stadt"})
        for k, i in enumerate(ids)
    ]
    return rs2, sites


def storyline(kind: str):
    """The reference pack's site recipe (``recipe``) or the derived default (``default``)."""
    if kind != "recipe":
        return None
    from dataclasses import replace

    from klappt.report import load_recipe

    spec = load_recipe(reference_path("site_recipe_2022.yaml"))
    return replace(spec, slides=spec.site_slides)


def run(rs, sites, jobs: int, fmt: str, label: str, spec=None) -> float:
    t0 = time.perf_counter()
    reports = build_site_reports(rs, sites, wave="2022", absent="none", spec=spec)
    with tempfile.TemporaryDirectory() as d:
        done = write_site_reports(reports, [os.path.join(d, "{site_id}." + fmt)], jobs=jobs)
    wall = time.perf_counter() - t0
    print(
        f"{label:<34} jobs={jobs}  reports={done.reports:>5}  wall={wall:7.1f} s  "
        f"tabulation={reports.tabulation_seconds:6.3f} s  rendering(cpu, summed)="
        f"{done.render_seconds:7.1f} s  per report={done.render_seconds / max(done.reports, 1):.3f} s"
    )
    return wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--synthetic", type=int, default=1000)
    ap.add_argument("--fmt", default="pdf")
    ap.add_argument("--skip-one", action="store_true", help="no one-process baseline")
    ap.add_argument(
        "--storyline",
        choices=("recipe", "default"),
        default="recipe",
        help="the reference site recipe (19 slides) or the derived default (30 slides)",
    )
    a = ap.parse_args()
    spec = storyline(a.storyline)
    print(
        f"load average: {os.getloadavg()[0]:.1f}, cores: {os.cpu_count()}, "
        f"storyline: {a.storyline}, format: {a.fmt}"
    )
    _, rs, _ = load_reference("2022")
    sites = read_sites(reference_path("register.csv"))
    # every register site gets one: the 14 without a return a program report
    t0 = time.perf_counter()
    reports = build_site_reports(rs, sites, wave="2022", spec=spec)
    with tempfile.TemporaryDirectory() as d:
        done = write_site_reports(reports, [os.path.join(d, "{site_id}." + a.fmt)], jobs=a.jobs)
    multi = time.perf_counter() - t0
    print(
        f"reference, {done.reports} reports ({a.fmt}), jobs={a.jobs}: wall {multi:.1f} s "
        f"(target < 30 s); tabulation {reports.tabulation_seconds:.3f} s; rendering "
        f"{done.render_seconds:.1f} s cpu"
    )
    if not a.skip_one:
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as d:
            write_site_reports(reports, [os.path.join(d, "{site_id}." + a.fmt)], jobs=1)
        one = time.perf_counter() - t0
        print(f"reference, jobs=1: wall {one:.1f} s; speedup {one / multi:.2f}x")
    if a.synthetic:
        rs2, sites2 = synthetic(a.synthetic)
        wall = run(rs2, sites2, a.jobs, a.fmt, f"synthetic {a.synthetic} sites", spec)
        if a.synthetic != 1000:
            print(
                f"extrapolated to 1,000 sites (linear, same load): {wall * 1000 / a.synthetic:.0f} s"
            )


if __name__ == "__main__":
    main()
