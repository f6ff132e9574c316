"""Benchmark of the collection web app: requests per second and p50/p99 latency of the form page
and of the submit, on SQLite and on PostgreSQL, against a real ``klappt serve`` (gunicorn).

For each database a fresh project is made (``klappt init``, ``klappt createuser``), the reference
register and the Arbeitshilfe 2022 are uploaded through the coordinator's pages and the wave is
opened. Then, with C concurrent clients on loopback for T seconds each:

* **form page**: GET of a site's form (draft state, all 40 questions rendered);
* **submit**: POST of a complete, valid return (checked by ``load_responses`` on the server,
  stored with a new version and the store's record); each client submits for its own site, so
  there are no version conflicts.

A benchmark, not a test: it asserts nothing but prints a table (and writes it as JSON with
``--json``). PostgreSQL is skipped with a note when the server at 127.0.0.1:5432 is unreachable.

    .venv/bin/python bench/web_bench.py                      # 8 clients, 10 s per measurement
    .venv/bin/python bench/web_bench.py --clients 16 --seconds 20 --workers 4
    .venv/bin/python bench/web_bench.py --skip-postgres
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "web"))

from databases import PostgresUnavailable, real_database  # noqa: E402 - after the path
from http_session import Server, Session, form_state, klappt, set_up_wave  # noqa: E402
from reference_data import FORM, REGISTER, answers_for, post_data  # noqa: E402

PASSWORD = "benchmark-passwort-2022"


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _run(clients: int, seconds: float, make: Callable[[int], Callable[[], int]]) -> dict[str, Any]:
    """Each client repeats its request until the time is up; latencies of the 2xx/3xx answers."""
    latencies: list[float] = []
    errors: dict[int, int] = {}
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)
    stop_at: list[float] = []

    def loop(i: int) -> None:
        request = make(i)
        start_gate.wait()
        while time.monotonic() < stop_at[0]:
            t = time.perf_counter()
            status = request()
            dt = time.perf_counter() - t
            with lock:
                if status < 400:
                    latencies.append(dt)
                else:
                    errors[status] = errors.get(status, 0) + 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    stop_at.append(time.monotonic() + seconds)
    began = time.perf_counter()
    start_gate.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": 1000 * _percentile(latencies, 99),
        "errors": errors,
    }


def bench_backend(
    backend: str, clients: int, seconds: float, workers: int, threads: int
) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix=f"klappt-web-bench-{backend}-") as tmp,
        _database(backend, Path(tmp)) as env,
    ):
        project = Path(tmp) / "projekt"
        klappt(["init", str(project)], env)
        klappt(
            ["createuser", "bench", "--password-stdin", "--project", str(project)],
            env,
            stdin=PASSWORD + "\n",
        )
        server = Server(project, env, Path(tmp) / "server.log", workers=workers, threads=threads)
        server.start()
        try:
            setup = set_up_wave(server, "bench", PASSWORD, REGISTER, FORM)
            wave, links = setup["wave"], setup["links"]
            sites = sorted(links)

            def form_page(i: int) -> Callable[[], int]:
                s = Session(server.base)
                path = f"{links[sites[i % len(sites)]]}{wave}/?edit=1"
                return lambda: s.get(path).status

            def submit(i: int) -> Callable[[], int]:
                site = sites[i % len(sites)]
                path = f"{links[site]}{wave}/"
                s = Session(server.base)
                version, token = form_state(s.get(path + "?edit=1").text)
                data = post_data(answers_for(site))
                state = {"version": version, "token": token}

                def once() -> int:
                    body = {
                        **data,
                        "action": "submit",
                        "version": state["version"],
                        "key": os.urandom(8).hex(),
                    }
                    r = s.post(path, {**body, "csrfmiddlewaretoken": state["token"]})
                    if r.status == 302:
                        state["version"] += 1
                    return r.status

                return once

            _run(min(clients, 4), 2, form_page)  # warm-up: every worker reads the form once
            return {
                "backend": backend,
                "form_page": _run(clients, seconds, form_page),
                "submit": _run(min(clients, len(sites)), seconds, submit),
            }
        finally:
            server.stop()


@contextlib.contextmanager
def _database(backend: str, folder: Path) -> Iterator[dict[str, str]]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "KLAPPT_PROJECT", "DATABASE_URL")
    }
    with real_database(backend, folder / "projekt") as extra:
        yield {**base, **extra}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument(
        "--seconds", type=float, default=10, help="seconds per measurement (default 10)"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: klappt serve's)"
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    from klappt.web.server import default_workers

    workers = args.workers or default_workers()
    results = []
    for backend in ("sqlite", "postgres"):
        if backend == "postgres" and args.skip_postgres:
            continue
        try:
            results.append(
                bench_backend(backend, args.clients, args.seconds, workers, args.threads)
            )
        except PostgresUnavailable as exc:
            print(f"PostgreSQL: not available ({exc})", file=sys.stderr)
    cores = os.cpu_count()
    print(
        f"\nklappt web: {args.clients} clients, {args.seconds:g} s each, gunicorn {workers} workers x {args.threads} threads, {cores} cores\n"
    )
    print(
        f"{'database':<10} {'request':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'n':>6}  errors"
    )
    for r in results:
        for name in ("form_page", "submit"):
            m = r[name]
            print(
                f"{r['backend']:<10} {name:<10} {m['rps']:>8.1f} {m['p50_ms']:>8.1f} {m['p99_ms']:>8.1f} {m['requests']:>6}  {m['errors'] or '-'}"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
