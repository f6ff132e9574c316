"""Benchmark of the collection web app: requests per second and p50/p99 latency of the form page
and of the submit, on SQLite and on PostgreSQL, against a real ``klappt serve`` (gunicorn), with
two baselines measured by the same server in the same run.

For each database a fresh project is made (``klappt init``, ``klappt createuser``), the reference
register and the Arbeitshilfe 2022 are uploaded through the coordinator's pages and the wave is
opened. Then, with C concurrent clients on loopback for T seconds each:

* **static** (baseline): GET of a static file (``favicon.svg``, served by WhiteNoise: the cost of
  the HTTP round trip, gunicorn and the middleware, without a view);
* **trivial view** (baseline): GET of the login page (a Django view that renders a small
  template and sets the CSRF cookie, no database query);
* **form page**: GET of a site's form (draft state, all 40 questions rendered);
* **submit**: POST of a complete, valid return (checked on the server, stored with a new version
  and the store's record, the wave's summary refreshed); each client submits for its own site,
  so there are no version conflicts.
* **autosave** (issue 17): ``--autosave-clients`` clients (default 50), one per site, each
  POSTing its whole page to the autosave address as the browser does after a change (one
  answer differs each time), answered with JSON; no page is rendered. Each client carries the
  version the previous answer named, so there are no conflicts.

Then the storage one link takes (issue 17: "50 saves of one link add 87 MB"): 50 saves of one
site's return with every text answer at its longest (``MAX_TEXT`` characters), once as
autosaves and once as explicit saves ("Entwurf speichern"), the database's growth printed
(SQLite: the database file and its WAL; PostgreSQL: ``pg_database_size``). ``--storage-only``
measures just that, also against a server without the autosave address (explicit saves only).

Every measurement runs ``--rounds`` times; the table shows the median of the rounds (req/s, p50
and p99 each). The client opens a new connection per request, as a browser behind a proxy may;
the baselines pay for that too, so the ratios to them are what the app's own work costs.
A benchmark, not a test: it asserts nothing but prints a table (and writes every round as JSON
with ``--json``). PostgreSQL is skipped with a note when the server at 127.0.0.1:5432 is
unreachable.

    .venv/bin/python bench/web_bench.py                      # 8 clients, 10 s, 3 rounds
    .venv/bin/python bench/web_bench.py --clients 16 --seconds 20 --workers 4
    .venv/bin/python bench/web_bench.py --skip-postgres --rounds 5
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
sys.path.insert(0, str(REPO / "tests"))

from databases import real_database  # noqa: E402 - after the path
from http_session import Server, Session, form_state, klappt, set_up_wave  # noqa: E402
from reference_data import FORM, REGISTER, answers_for, post_data  # noqa: E402

from dbdispatch import PostgresUnavailable  # noqa: E402

PASSWORD = "benchmark-passwort-2022"


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _server_cpu(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the server's processes (its process group):
    the machine is shared, so the server's own CPU per request is printed beside the times."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat: the process group
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _run(
    clients: int,
    seconds: float,
    make: Callable[[int], Callable[[], int]],
    pause: float = 0.0,
    pgid: int | None = None,
) -> dict[str, Any]:
    """Each client repeats its request until the time is up; latencies of the 2xx/3xx answers.

    With ``pause`` a client waits that long after each answer (a respondent's browser saving
    ``pause`` seconds after the last change, as keep.js debounces), and the clients start spread
    over the first ``pause`` seconds; without, each sends its next request at once."""
    latencies: list[float] = []
    errors: dict[int, int] = {}
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)
    stop_at: list[float] = []

    def loop(i: int) -> None:
        request = make(i)
        start_gate.wait()
        if pause:
            time.sleep(pause * i / clients)
        while time.monotonic() < stop_at[0]:
            t = time.perf_counter()
            status = request()
            dt = time.perf_counter() - t
            with lock:
                if status < 400:
                    latencies.append(dt)
                else:
                    errors[status] = errors.get(status, 0) + 1
            if pause:
                time.sleep(pause)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    stop_at.append(time.monotonic() + seconds)
    cpu0 = _server_cpu(pgid) if pgid else float("nan")
    began = time.perf_counter()
    start_gate.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    cpu = (_server_cpu(pgid) - cpu0) if pgid else float("nan")
    if cpu < 0:  # a worker was replaced meanwhile (gunicorn's max-requests): its CPU is gone
        cpu = float("nan")
    return {
        "cpu_ms_per_request": 1000 * cpu / max(1, len(latencies) + sum(errors.values())),
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": 1000 * _percentile(latencies, 99),
        "errors": errors,
    }


#: the rows of the table, in order: (key, label)
REQUESTS = (
    ("static", "static"),
    ("trivial", "trivial view"),
    ("form_page", "form page"),
    ("submit", "submit"),
    ("autosave", "autosave"),
    ("autosave_paced", "autosave"),
)


def _median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each figure over the rounds, and every error seen."""
    errors: dict[int, int] = {}
    for r in rounds:
        for status, n in r["errors"].items():
            errors[status] = errors.get(status, 0) + n
    return {
        "rps": statistics.median(r["rps"] for r in rounds),
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p99_ms": statistics.median(r["p99_ms"] for r in rounds),
        "cpu_ms_per_request": statistics.median(r["cpu_ms_per_request"] for r in rounds),
        "requests": sum(r["requests"] for r in rounds),
        "errors": errors,
        "rounds": rounds,
    }


def bench_backend(
    backend: str,
    clients: int,
    seconds: float,
    workers: int,
    threads: int,
    rounds: int,
    autosave_clients: int = 50,
    autosave_pause: float = 1.5,
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

            def static(i: int) -> Callable[[], int]:
                s = Session(server.base)
                return lambda: s.get("/static/klappt_web/favicon.svg").status

            def trivial(i: int) -> Callable[[], int]:
                s = Session(server.base)
                return lambda: s.get("/login/").status

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

            def autosave(i: int) -> Callable[[], int]:
                site = sites[i % len(sites)]
                path = f"{links[site]}{wave}/"
                s = Session(server.base)
                version, token = form_state(s.get(path + "?edit=1").text)
                data = post_data(answers_for(site))
                state = {"version": version, "n": 0}

                def once() -> int:
                    state["n"] += 1
                    body = {
                        **data,
                        "lebenswelt_angebote": f"Sprachcafé {state['n']}",
                        "version": state["version"],
                        "key": os.urandom(8).hex(),
                        "section": "s2_begleitung",
                        "csrfmiddlewaretoken": token,
                    }
                    r = s.post(path + "autosave/", body)
                    if r.status == 200:
                        state["version"] = json.loads(r.body)["version"]
                    return r.status

                return once

            _run(min(clients, 4), 2, form_page)  # warm-up: every worker reads the form once
            _run(min(clients, 4), 1, submit)
            makers = {"static": static, "trivial": trivial, "form_page": form_page}
            out: dict[str, Any] = {"backend": backend}
            pgid = server.proc.pid if server.proc is not None else None
            for key, _label in REQUESTS:
                if key.startswith("autosave") and not autosave_clients:
                    continue
                n = min(clients, len(sites)) if key == "submit" else clients
                pause = 0.0
                if key.startswith("autosave"):
                    n = min(autosave_clients, len(sites))
                    pause = autosave_pause if key == "autosave_paced" else 0.0
                make = {"submit": submit}.get(key) or makers.get(key) or autosave
                out[key] = _median_round(
                    [_run(n, seconds, make, pause, pgid) for _ in range(rounds)]
                )
            out["clients"] = {"autosave": min(autosave_clients, len(sites))}
            out["pause"] = autosave_pause
            return out
        finally:
            server.stop()


def _size(backend: str, env: dict[str, str], project: Path) -> int:
    """The database's size on disk in bytes (SQLite: the file after a checkpoint, so that the
    write-ahead log, which keeps its largest size, does not count)."""
    if backend == "sqlite":
        import sqlite3

        db = project / ".klappt" / "klappt.sqlite3"
        with contextlib.closing(sqlite3.connect(db)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return db.stat().st_size
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])


def bench_storage(backend: str, saves: int = 50) -> dict[str, Any]:
    """Growth of the database for ``saves`` saves of one link with the longest text answers:
    as autosaves (when the server has them) and as explicit saves, each on a fresh site."""
    import random
    import string

    from klappt.instrument import read_instrument
    from klappt.web.answers import MAX_TEXT

    # text that does not compress to nothing (PostgreSQL compresses long values)
    rng = random.Random(17)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 12))) for _ in range(800)]

    form = read_instrument(FORM)
    texts = [q.name for q in form.questions if q.type == "text"]
    with (
        tempfile.TemporaryDirectory(prefix=f"klappt-web-storage-{backend}-") as tmp,
        _database(backend, Path(tmp)) as env,
    ):
        project = Path(tmp) / "projekt"
        klappt(["init", str(project)], env)
        klappt(
            ["createuser", "bench", "--password-stdin", "--project", str(project)],
            env,
            stdin=PASSWORD + "\n",
        )
        server = Server(project, env, Path(tmp) / "server.log")
        server.start()
        try:
            setup = set_up_wave(server, "bench", PASSWORD, REGISTER, FORM)
            wave, links = setup["wave"], setup["links"]
            sites = sorted(links)
            out: dict[str, Any] = {"backend": backend, "saves": saves, "text_answers": len(texts)}
            for kind, site in (("autosave", sites[0]), ("explicit save", sites[1])):
                path = f"{links[site]}{wave}/"
                s = Session(server.base)
                version, token = form_state(s.get(path + "?edit=1").text)
                data = post_data(answers_for(site))
                before = _size(backend, env, project)
                statuses: dict[int, int] = {}
                for n in range(saves):
                    body = {**data, "version": version, "key": os.urandom(8).hex()}
                    body.update(
                        {
                            t: (f"{n} " + " ".join(rng.choices(words, k=3000)))[:MAX_TEXT]
                            for t in texts
                        }
                    )
                    body["csrfmiddlewaretoken"] = token
                    if kind == "autosave":
                        r = s.post(path + "autosave/", body)
                        if r.status == 200:
                            version = json.loads(r.body)["version"]
                    else:
                        r = s.post(path, {**body, "action": "save"})
                        if r.status == 302:
                            version += 1
                    statuses[r.status] = statuses.get(r.status, 0) + 1
                if kind == "autosave" and 200 not in statuses:
                    out[kind] = {"statuses": statuses}  # a server without autosave
                    continue
                out[kind] = {"bytes": _size(backend, env, project) - before, "statuses": statuses}
            return out
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
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of each measurement; medians shown (default 3)"
    )
    parser.add_argument(
        "--autosave-clients",
        type=int,
        default=50,
        help="clients autosaving at once, one per site (default 50; 0: skip)",
    )
    parser.add_argument(
        "--autosave-pause",
        type=float,
        default=1.5,
        help="seconds a paced autosave client waits after each answer (keep.js PAUSE, 1.5)",
    )
    parser.add_argument(
        "--storage-only", action="store_true", help="only the storage of 50 saves of one link"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    from klappt.web.server import default_workers

    workers = args.workers or default_workers()
    load_before = os.getloadavg()
    results = []
    storage = []
    for backend in ("sqlite", "postgres"):
        if backend == "postgres" and args.skip_postgres:
            continue
        try:
            if not args.storage_only:
                results.append(
                    bench_backend(
                        backend,
                        args.clients,
                        args.seconds,
                        workers,
                        args.threads,
                        args.rounds,
                        args.autosave_clients,
                        args.autosave_pause,
                    )
                )
            storage.append(bench_storage(backend))
        except PostgresUnavailable as exc:
            print(f"PostgreSQL: not available ({exc})", file=sys.stderr)
    load_after = os.getloadavg()
    if results:
        print(table(results, args, workers, load_before[0], load_after[0]))
    print(storage_table(storage))
    if args.json:
        meta = {
            "clients": args.clients,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "workers": workers,
            "threads": args.threads,
            "cores": os.cpu_count(),
            "load": [load_before[0], load_after[0]],
        }
        args.json.write_text(
            json.dumps({"run": meta, "results": results, "storage": storage}, indent=2), "utf-8"
        )
    return 0


def table(
    results: list[dict[str, Any]], args: Any, workers: int, load0: float, load1: float
) -> str:
    """The figures as a Markdown table: medians of the rounds; the last column compares each
    request's throughput with the trivial view's on the same database."""
    lines = [
        "",
        f"klappt web: {args.clients} clients, {args.seconds:g} s x {args.rounds} rounds per row "
        f"(medians), gunicorn {workers} workers x {args.threads} threads, {os.cpu_count()} cores, "
        f"load average {load0:.1f} -> {load1:.1f}",
        "",
        "| database | request | req/s | p50 ms | p99 ms | requests | server CPU ms/req "
        "| vs trivial view | errors |",
        "|:--|:--|--:|--:|--:|--:|--:|--:|:--|",
    ]
    for r in results:
        base = r["trivial"]["rps"] or float("nan")
        for key, label in REQUESTS:
            if key not in r:
                continue
            m = r[key]
            if key == "autosave":
                label = f"autosave ({r['clients']['autosave']} clients, back to back)"
            if key == "autosave_paced":
                label = (
                    f"autosave ({r['clients']['autosave']} clients, each {r['pause']:g} s "
                    "after its last answer)"
                )
            errors = ", ".join(f"{k}: {v}" for k, v in m["errors"].items()) or "–"
            lines.append(
                f"| {r['backend']} | {label} | {m['rps']:.1f} | {m['p50_ms']:.1f} | "
                f"{m['p99_ms']:.1f} | {m['requests']} | {m['cpu_ms_per_request']:.1f} | "
                f"{m['rps'] / base:.2f}x | {errors} |"
            )
    return "\n".join(lines)


def storage_table(storage: list[dict[str, Any]]) -> str:
    """The growth of the database for the saves of one link."""
    lines = [
        "",
        "storage of one link: growth of the database for 50 saves, every text answer at its "
        "longest",
        "",
        "| database | saves as | growth MB | answers |",
        "|:--|:--|--:|:--|",
    ]
    for r in storage:
        for kind in ("autosave", "explicit save"):
            m = r.get(kind) or {}
            grown = f"{m['bytes'] / 1e6:.1f}" if "bytes" in m else "– (no autosave)"
            codes = ", ".join(f"{k}: {v}" for k, v in (m.get("statuses") or {}).items())
            lines.append(f"| {r['backend']} | {kind} | {grown} | {codes} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
