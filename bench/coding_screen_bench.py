"""How fast does the coding screen answer a keystroke? Target: under 100 ms.

Against a real ``klappt serve`` (gunicorn) on SQLite and PostgreSQL. For each database a fresh
project gets a synthetic wave (``--answers`` returns of one text question, one to three parts
each, German answers as in ``bench/coding_bench.py``), imported with ``klappt import``, and the
code book of 16 codes (``klappt code codebook --wave``). One coder then works through the
answer parts, one request after the other as a person would, and we time:

* **baseline**: ``GET /login/``, the smallest page the server renders (no database work);
* **keystroke**: a code given or taken back (``POST`` of ``action=set``), answered with the
  part's new HTML: what ``static/klappt_web/coding.js`` sends for a digit key;
* **next part**: ``GET ?partial=1&n=…`` (the ``j``/arrow key);
* **accept**: a suggestion accepted (the ``+`` key), after computing suggestions for all parts
  (``POST …/suggest/``, timed once: training and predicting inside a request);
* **browser** (Chromium via Playwright, unless ``--no-browser``): from the ``keydown`` event in
  the page to the part's HTML swapped in, measured in the page with ``performance.now()``.

Medians and 99th percentiles in milliseconds, each over ``--keys`` requests after a warm-up;
the last column subtracts the baseline's median. A measurement, not a test: it prints (and
writes ``--json``), it fails nothing.

    .venv/bin/python bench/coding_screen_bench.py                     # 2,000 returns, 300 keys
    .venv/bin/python bench/coding_screen_bench.py --answers 10000 --keys 500 --skip-postgres
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "web"))
sys.path.insert(0, str(REPO / "src"))

from coding_bench import codebook, make_answers  # noqa: E402 - bench/ is on the path
from databases import PostgresUnavailable, real_database  # noqa: E402
from http_session import Server, Session, csrf_token, klappt  # noqa: E402

from klappt.coding import codebook_to_yaml  # noqa: E402

PASSWORD = "benchmark-passwort-2022"
WAVE = "2024"
QUESTION = "angebote"
FORM_MD = """\
| survey   |           |          |                              |
|          | type      | name     | label                        |
|          | text      | kommune  | Kommune                      |
|          | text      | angebote | Welche Angebote fehlen vor Ort? |
| settings |           |          |                              |
|          | form_title | form_id |                              |
|          | Codier-Benchmark | codier_bench |                |
"""


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _summary(ms: list[float]) -> dict[str, float]:
    return {"n": len(ms), "median_ms": statistics.median(ms), "p99_ms": _percentile(ms, 99)}


def _timed(n: int, once: Callable[[int], int]) -> list[float]:
    out = []
    for i in range(n):
        t = time.perf_counter()
        status = once(i)
        dt = (time.perf_counter() - t) * 1000
        if status >= 400:
            raise RuntimeError(f"request {i} answered {status}")
        out.append(dt)
    return out


@contextlib.contextmanager
def _database(backend: str, folder: Path) -> Iterator[dict[str, str]]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "KLAPPT_PROJECT", "DATABASE_URL")
    }
    with real_database(backend, folder / "projekt") as extra:
        yield {**base, **extra}


def _wave_files(folder: Path, answers: int) -> tuple[Path, Path, Path]:
    import csv

    form = folder / "form.md"
    form.write_text(FORM_MD, encoding="utf-8")
    data = folder / "data.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["_id", "kommune", "angebote"])
        for i, (text, _codes) in enumerate(make_answers(answers, seed=11), start=1):
            w.writerow([f"R{i:05d}", f"K{i % 54:02d}", text])
    book = folder / "codebuch.yaml"
    book.write_text(codebook_to_yaml(codebook()), encoding="utf-8")
    return form, data, book


def _login(base: str) -> Session:
    s = Session(base)
    page = s.get("/login/").text
    r = s.post("/login/", {"username": "bench", "password": PASSWORD}, csrf_from=page)
    if r.status != 302:
        raise RuntimeError(f"login failed: {r.status}")
    return s


def bench_backend(backend: str, answers: int, keys: int, browser: bool) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix=f"klappt-coding-bench-{backend}-") as tmp,
        _database(backend, Path(tmp)) as env,
    ):
        project = Path(tmp) / "projekt"
        form, data, book = _wave_files(Path(tmp), answers)
        klappt(["init", str(project)], env)
        klappt(
            ["createuser", "bench", "--password-stdin", "--project", str(project)],
            env,
            PASSWORD + "\n",
        )
        klappt(["import", WAVE, str(form), str(data), "--project", str(project)], env)
        klappt(["code", "codebook", str(book), "--wave", WAVE, "--project", str(project)], env)
        server = Server(project, env, Path(tmp) / "server.log", workers=2, threads=4)
        server.start()
        try:
            return _measure(server, backend, keys, browser)
        finally:
            server.stop()


def _measure(server: Server, backend: str, keys: int, browser: bool) -> dict[str, Any]:
    s = _login(server.base)
    home = s.get("/p/default/").text
    wave_id = re.search(r"/p/default/w/(\d+)/", home).group(1)
    screen = f"/p/default/w/{wave_id}/coding/{QUESTION}/"
    page = s.get(screen).text
    token = csrf_token(page)
    total = int(re.search(r'data-total="(\d+)"', page).group(1))
    parts = [json.loads(s.get(f"{screen}?partial=1&n={n}").body)["html"] for n in range(1, 40)]
    answer_of = [re.search(r'data-answer="([^"]+)"', h).group(1) for h in parts]
    codes = sorted(codebook().names)
    rnd = random.Random(3)
    for _ in range(20):  # warm-up: every worker has cut the answers into parts once
        s.get(f"{screen}?partial=1&n={rnd.randrange(1, total + 1)}")

    def key(i: int) -> int:
        body = {
            "ajax": "1",
            "answer": answer_of[i % len(answer_of)],
            "action": "set",
            "code": codes[i % len(codes)],
            "on": "1" if (i // len(answer_of)) % 2 == 0 else "0",
            "csrfmiddlewaretoken": token,
        }
        return s.post(screen, body).status

    def move(i: int) -> int:
        return s.get(f"{screen}?partial=1&n={rnd.randrange(1, total + 1)}").status

    results: dict[str, Any] = {"backend": backend, "parts": total}
    results["baseline"] = _summary(_timed(keys, lambda i: s.get("/login/").status))
    results["keystroke"] = _summary(_timed(keys, key))
    results["next part"] = _summary(_timed(keys, move))

    t = time.perf_counter()
    r = s.post(f"{screen}suggest/", {"csrfmiddlewaretoken": token})
    results["suggest_s"] = time.perf_counter() - t
    if r.status != 302:
        raise RuntimeError(f"suggest answered {r.status}")
    offered: list[tuple[str, str]] = []
    for n in range(1, total + 1):
        html = json.loads(s.get(f"{screen}?partial=1&n={n}").body)["html"]
        m = re.search(r'data-accept="([^"]+)"', html)
        if m:
            offered.append((re.search(r'data-answer="([^"]+)"', html).group(1), m.group(1)))
        if len(offered) >= keys:
            break

    def accept(i: int) -> int:
        answer, code = offered[i]
        body = {"ajax": "1", "answer": answer, "action": "accept", "code": code}
        return s.post(screen, {**body, "csrfmiddlewaretoken": token}).status

    results["accept"] = _summary(_timed(len(offered), accept))
    if browser:
        results["browser"] = _browser(server.base, screen, keys)
    return results


KEYDOWN_TO_DOM = """
(key) => new Promise((resolve) => {
  const root = document.getElementById("coding");
  const t0 = performance.now();
  const seen = new MutationObserver(() => { seen.disconnect(); resolve(performance.now() - t0); });
  seen.observe(root, { attributes: true, attributeFilter: ["data-seq"] });
  document.dispatchEvent(new KeyboardEvent("keydown", { key: key, bubbles: true }));
})
"""


def _browser(base: str, screen: str, keys: int) -> dict[str, float] | str:
    """keydown -> the part's new HTML in the page, measured inside Chromium."""
    try:
        from browser import CHROMIUM, launch  # tests/web/browser.py
    except ImportError as exc:
        return f"not available ({exc})"
    if not os.path.exists(CHROMIUM):
        return f"not available (no Chromium at {CHROMIUM})"
    import pytest

    try:
        pw, b = launch()
    except pytest.skip.Exception as exc:  # launch() says why as a skip
        return f"not available ({exc})"
    try:
        page = b.new_page()
        page.goto(base + "/login/")
        page.fill("#id_username", "bench")
        page.fill("#id_password", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(base + "/")
        page.goto(base + screen + "?n=1")
        out = []
        for i in range(keys):
            out.append(page.evaluate(KEYDOWN_TO_DOM, str(1 + i % 9)))
        return _summary(out[5:] if len(out) > 10 else out)
    finally:
        b.close()
        pw.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--answers", type=int, default=2000, help="returns in the wave (default 2000)")
    ap.add_argument("--keys", type=int, default=300, help="requests per measurement (default 300)")
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium measurement")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    results = []
    for backend in ("sqlite", "postgres"):
        if backend == "postgres" and args.skip_postgres:
            continue
        try:
            results.append(bench_backend(backend, args.answers, args.keys, not args.no_browser))
        except PostgresUnavailable as exc:
            print(f"PostgreSQL: not available ({exc})", file=sys.stderr)
    print(
        f"\nklappt coding screen: {args.answers} returns, one coder, requests one after the other, "
        f"{os.cpu_count()} cores, gunicorn 2 workers x 4 threads\n"
    )
    print(
        f"{'database':<10} {'request':<12} {'n':>5} {'median ms':>10} {'p99 ms':>8} {'- baseline':>11}"
    )
    for r in results:
        base = r["baseline"]["median_ms"]
        for name in ("baseline", "keystroke", "next part", "accept", "browser"):
            m = r.get(name)
            if m is None:
                continue
            if isinstance(m, str):
                print(f"{r['backend']:<10} {name:<12} {m}")
                continue
            extra = "" if name == "baseline" else f"{m['median_ms'] - base:>11.1f}"
            print(
                f"{r['backend']:<10} {name:<12} {m['n']:>5} {m['median_ms']:>10.1f} {m['p99_ms']:>8.1f} {extra}"
            )
        print(
            f"{r['backend']:<10} suggestions for {r['parts']} parts inside one request: {r['suggest_s']:.2f} s"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
