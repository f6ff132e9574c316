"""The benchmark suite behind ``bench/run`` (see bench/README.md).

1. tabulation alone: klappt's engine against the plain pandas baseline, same process, same data,
   with the ratio and a check that the counts are identical (``bench/measure.py``, one process
   per size);
2. ``klappt tabulate FORM DATA --json -`` end to end from CSV and from Parquet, whole process,
   peak memory from ``/usr/bin/time -v`` (and the 40-return reference case);
3. ``klappt tabulate --wave W`` on a wave stored in a temporary project (SQLite, PostgreSQL);
4. the cost per return from the smallest to the largest size.

Every step that cannot run (a missing command, a failing CLI, no PostgreSQL) is reported as
"not available" with the reason; the suite goes on. Jobs run one after the other, never two
large waves at the same time.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import baseline_pandas  # noqa: E402
import generate  # noqa: E402

PY = sys.executable
TIME = "/usr/bin/time"
MIB = 1024 * 1024

# targets from the issue (2-core machine, medians)
T_TAB_S = 0.1  # tabulation alone, 1M returns (issue 21; 0.5 s in issue 12)
T_TAB_RATIO = 30.0  # at least this many times faster than pandas (issue 21; 10× in issue 12)
T_TAB_MEM = 600.0  # MiB beyond the loaded data
T_E2E_PARQUET = 1.0  # issue 21 (2 s in issue 12)
T_E2E_CSV = 2.5  # issue 21 (6 s in issue 12)
T_E2E_MEM = 1024.0  # MiB, issue 21 (1.5 GiB in issue 12)
T_WAVE_S = 1.0  # issue 21 (was 3 s)
T_IMPORT_S = {"sqlite": 10.0, "postgresql": 15.0}  # klappt import of the 1M CSV, issue 21
T_FLAT = 1.5
T_REFERENCE = 1.0


# -- helpers ----------------------------------------------------------------------------------


@dataclass
class Proc:
    ok: bool
    seconds: float
    peak_mib: float | None
    rc: int | None
    stdout: str = ""
    stderr: str = ""
    reason: str = ""


#: a measured command whose resident set passes this is stopped (the machine is shared)
MEM_LIMIT_MIB = 8192.0


def _group_rss_mib(pgid: int) -> float:
    """The largest resident set among the processes of a process group (MiB)."""
    largest = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # fields after the command: state ppid pgrp ... ; rss (pages) is field 24 of the full line
        if len(fields) > 21 and int(fields[2]) == pgid:
            largest = max(largest, int(fields[21]))
    return largest * os.sysconf("SC_PAGE_SIZE") / MIB


def run_proc(
    cmd: list[str],
    env: dict[str, str] | None = None,
    timeout: float = 1800,
    cwd: Path | None = None,
    mem_limit_mib: float | None = None,
) -> Proc:
    """Run ``cmd`` under ``/usr/bin/time -v``: wall time (our clock), peak RSS, output.

    The command gets a session of its own, so a timeout or the memory limit ends all of it (not
    only ``/usr/bin/time``). Output goes to temporary files, read when it ends.
    """
    limit = MEM_LIMIT_MIB if mem_limit_mib is None else mem_limit_mib
    use_time = Path(TIME).exists()
    tmp = Path(tempfile.mkdtemp(prefix="klappt-bench-proc-"))
    time_file, out_file, err_file = tmp / "time", tmp / "out", tmp / "err"
    full = [TIME, "-v", "-o", str(time_file), *cmd] if use_time else cmd
    t0 = time.perf_counter()
    try:
        with out_file.open("w") as fo, err_file.open("w") as fe:
            try:
                proc = subprocess.Popen(
                    full, env=env, cwd=cwd, stdout=fo, stderr=fe, start_new_session=True
                )
            except OSError as exc:
                return Proc(False, 0.0, None, None, reason=str(exc))
            stopped = ""
            seen = 0.0
            next_look = t0 + 0.5
            while True:
                # wait in short steps: the end of the process is seen within 10 ms (a plain
                # sleep between looks would round every wall time up to the next half second)
                try:
                    proc.wait(timeout=0.01)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if time.perf_counter() < next_look:
                    continue
                next_look += 0.5
                if time.perf_counter() - t0 > timeout:
                    stopped = f"timeout after {timeout:.0f} s"
                elif limit:
                    seen = max(seen, _group_rss_mib(proc.pid))
                    if seen > limit:
                        stopped = f"stopped: resident set above {fmt_mib(limit)}"
                if stopped:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    return Proc(False, time.perf_counter() - t0, seen or None, None, reason=stopped)
        seconds = time.perf_counter() - t0
        # the command's children may still hold the session: make sure nothing is left behind
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        peak = None
        if use_time and time_file.exists():
            for line in time_file.read_text().splitlines():
                if "Maximum resident set size" in line:
                    peak = int(line.split(":")[-1]) / 1024
        out = out_file.read_text(errors="replace")
        err = err_file.read_text(errors="replace")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rc = proc.returncode
    reason = "" if rc == 0 else _first_error(err) or f"exit code {rc}"
    return Proc(rc == 0, seconds, peak, rc, out, err, reason)


def _first_error(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if "Error" in ln or "error" in ln or "Fehler" in ln:
            return ln[:200]
    return lines[-1][:200] if lines else ""


def klappt_cmd() -> list[str] | None:
    exe = Path(PY).parent / "klappt"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("klappt")
    return [found] if found else [PY, "-m", "klappt"]


def cli_available() -> tuple[bool, str]:
    cmd = klappt_cmd()
    p = run_proc([*cmd, "--help"], timeout=120)
    if not p.ok:
        return False, p.reason or "klappt --help failed"
    return True, ""


def median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    if x < 0.01:
        return f"{x * 1000:.1f} ms"
    if x < 1:
        return f"{x * 1000:.0f} ms"
    return f"{x:.2f} s"


def fmt_mib(x: float | None) -> str:
    return "–" if x is None else f"{x:,.0f} MiB"


def fmt_us(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f} µs"


def status(ok: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a"}[ok]


def sh(cmd: str) -> str:
    try:
        return subprocess.run(
            cmd, shell=True, capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except Exception:  # machine facts are a courtesy
        return ""


def machine() -> dict[str, str]:
    cpu = sh("lscpu | sed -n 's/^Model name: *//p' | head -1") or platform.processor()
    versions = sh(
        f"{shlex.quote(PY)} -c 'import sys, polars, pandas, pyarrow, numpy; "
        "print(sys.version.split()[0], polars.__version__, pandas.__version__, pyarrow.__version__, numpy.__version__)'"
    ).split()
    names = ("python", "polars", "pandas", "pyarrow", "numpy")
    return {
        "nproc": sh("nproc"),
        "cpu": cpu,
        "free -g": sh("free -g"),
        "kernel": platform.release(),
        "load": sh("cat /proc/loadavg"),
        **({n: v for n, v in zip(names, versions, strict=False)}),
        "klappt": sh(f"{shlex.quote(PY)} -c 'import klappt; print(klappt.__version__)'"),
        "commit": sh(f"git -C {shlex.quote(str(ROOT))} rev-parse --short HEAD 2>/dev/null")
        or "(no commit)",
        "postgres": "",
    }


def cpu_ticks() -> list[int] | None:
    """The machine's CPU time counters (/proc/stat), to tell how much of it the host took."""
    try:
        with open("/proc/stat") as f:
            return [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None


def steal_share(start: list[int] | None, end: list[int] | None) -> str:
    # on a virtual machine the hypervisor may run other guests on our cores ("steal"): every
    # wall time of the suite stretches by that share, whatever the load average says
    if not start or not end or len(start) < 8 or len(end) < 8:
        return "unknown"
    total = sum(e - s for e, s in zip(end[:8], start[:8], strict=True))
    return f"{100 * (end[7] - start[7]) / total:.0f} %" if total > 0 else "unknown"


# -- the suite --------------------------------------------------------------------------------


@dataclass
class Results:
    sizes: list[int]
    repeat: int
    e2e_repeat: int
    tab: dict[int, dict[str, Any]] = field(default_factory=dict)  # size -> measure.py output
    tab_errors: dict[int, str] = field(default_factory=dict)
    e2e: dict[tuple[int, str], dict[str, Any]] = field(
        default_factory=dict
    )  # (size, fmt) -> figures
    reference: dict[str, Any] | None = None
    startup: dict[str, Any] | None = None  # `klappt tabulate --help`, a whole process
    waves: dict[str, dict[str, Any]] = field(default_factory=dict)  # backend -> figures
    notes: list[str] = field(default_factory=list)
    load_repeat: int = 3
    timeout: float = 3600


def ensure_data(n: int, seed: int) -> None:
    folder = generate.wave_dir(n)
    stamp = folder / ".generated"
    want = f"n={n} seed={seed} stray={generate.DEFAULT_STRAY}"
    if (
        stamp.exists()
        and stamp.read_text() == want
        and all((folder / f).exists() for f in ("form.xlsx", "data.csv", "data.parquet"))
    ):
        return
    print(f"  generating {generate.size_label(n)} …", flush=True)
    p = run_proc(
        [PY, str(HERE / "generate.py"), "--seed", str(seed), generate.size_label(n)], timeout=1800
    )
    if not p.ok:
        raise SystemExit(f"generate.py failed: {p.reason}\n{p.stderr}")


def step_tabulation(res: Results, n: int) -> None:
    label = generate.size_label(n)
    print(f"[1] tabulation alone, {label} (klappt engine vs pandas baseline) …", flush=True)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tf:
        out = Path(tf.name)
    cmd = [
        PY,
        str(HERE / "measure.py"),
        "--size",
        label,
        "--repeat",
        str(res.repeat),
        "--json",
        str(out),
    ]
    cmd += ["--load-repeat", str(res.load_repeat)]
    p = run_proc(cmd, timeout=res.timeout * 4)
    if not p.ok:
        res.tab_errors[n] = p.reason or "failed"
        print(f"    not available: {res.tab_errors[n]}", flush=True)
        if p.stderr:
            print("    " + "\n    ".join(p.stderr.strip().splitlines()[-8:]), flush=True)
        return
    data = json.loads(out.read_text())
    out.unlink(missing_ok=True)
    data["process_peak_mib"] = p.peak_mib
    res.tab[n] = data
    k, b = data["klappt_tabulate"]["median"], data["pandas_tabulate"]["median"]
    print(
        f"    klappt {fmt_s(k)}  pandas {fmt_s(b)}  ratio {b / k:.1f}×  counts "
        f"{'OK' if data['check']['ok'] else 'MISMATCH'}",
        flush=True,
    )
    for name in ("polars", "duckdb"):
        e = data.get(f"{name}_tabulate")
        if e:
            chk = data.get(f"check_{name}") or []
            print(
                f"    {name} baseline {fmt_s(e['median'])}  ({e['median'] / k:.1f}× klappt)  "
                f"counts {'OK' if not chk else 'MISMATCH'}",
                flush=True,
            )


def _check_json(stdout: str, n: int) -> str:
    """Compare the CLI's JSON with the pandas toplines written by measure.py for this size."""
    try:
        got = json.loads(stdout)
    except json.JSONDecodeError:
        return "no JSON"
    ref_file = generate.wave_dir(n) / "pandas_toplines.json"
    data_file = generate.wave_dir(n) / "data.parquet"
    if not ref_file.exists() or ref_file.stat().st_mtime < data_file.stat().st_mtime:
        return "not checked"
    diffs = baseline_pandas.compare(got, json.loads(ref_file.read_text()))
    return "OK" if not diffs else "MISMATCH: " + "; ".join(diffs[:3])


def cli_series(
    res: Results, cmd: list[str], n: int | None, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """One run with an empty form cache (what a first command costs), then ``e2e_repeat`` runs.

    klappt keeps parsed forms in a cache (``KLAPPT_CACHE_DIR``); each series gets a fresh one so
    the first run is honest and the rest show the usual case.
    """
    env = dict(env if env is not None else os.environ)
    cache = Path(tempfile.mkdtemp(prefix="klappt-bench-cache-"))
    env["KLAPPT_CACHE_DIR"] = str(cache)
    entry: dict[str, Any] = {
        "cmd": " ".join(shlex.quote(c) for c in cmd),
        "reason": "",
        "check": "",
    }
    times: list[float] = []
    peaks: list[float] = []
    try:
        for i in range(res.e2e_repeat + 1):
            p = run_proc(cmd, env=env, timeout=res.timeout)
            if not p.ok:
                entry["reason"] = p.reason
                break
            if p.peak_mib is not None:
                peaks.append(p.peak_mib)
            if i == 0:
                entry["first"] = p.seconds
                if n is not None:
                    entry["check"] = _check_json(p.stdout, n)
            else:
                times.append(p.seconds)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    entry.update(
        median=median(times),
        min=min(times) if times else None,
        peak_mib=max(peaks) if peaks else None,
        runs=len(times),
    )
    return entry


def step_e2e(res: Results, n: int) -> None:
    label = generate.size_label(n)
    folder = generate.wave_dir(n)
    for fmt in ("parquet", "csv"):
        print(f"[2] klappt tabulate FORM DATA --json, {label}, {fmt} …", flush=True)
        form, data = str(folder / "form.xlsx"), str(folder / f"data.{fmt}")
        entry = cli_series(res, [*klappt_cmd(), "tabulate", form, data, "--json", "-"], n)
        res.e2e[(n, fmt)] = entry
        print(
            f"    {fmt_s(entry['median'])} (first run {fmt_s(entry.get('first'))})  "
            f"peak {fmt_mib(entry['peak_mib'])}  {entry['check'] or entry['reason']}",
            flush=True,
        )


def step_startup(res: Results) -> None:
    """What a process costs before it reads anything: `klappt tabulate --help`."""
    print("[2] start-up: klappt tabulate --help …", flush=True)
    res.startup = cli_series(res, [*klappt_cmd(), "tabulate", "--help"], None)
    print(f"    {fmt_s(res.startup['median'])}", flush=True)


def step_reference(res: Results) -> None:
    print("[2] klappt tabulate on the 40-return reference case …", flush=True)
    ref_dir = ROOT / "src" / "klappt" / "reference"
    form, data = ref_dir / "arbeitshilfe_2022.xlsx", ref_dir / "returns_2022.csv"
    if not (form.exists() and data.exists()):
        res.reference = {"reason": "reference files not present"}
        return
    cmd = [*klappt_cmd(), "tabulate", str(form), str(data), "--json", "-"]
    res.reference = cli_series(res, cmd, None)
    print(
        f"    {fmt_s(res.reference['median'])} (first run {fmt_s(res.reference.get('first'))})  "
        f"{res.reference['reason']}",
        flush=True,
    )


def _pg_admin(sql: list[str]) -> tuple[str | None, str]:
    """Run statements as the first role that can; returns (role, error)."""
    try:
        import psycopg
    except ImportError:
        return None, "psycopg not installed"
    last = ""
    for role in ("root", "postgres"):
        for db in ("postgres", "test", role):
            try:
                with psycopg.connect(
                    f"postgresql://{role}@127.0.0.1:5432/{db}", autocommit=True, connect_timeout=5
                ) as conn:
                    for stmt in sql:
                        conn.execute(stmt)
                return role, ""
            except Exception as exc:  # try the next role / database
                last = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None, last


def step_wave(res: Results, backend: str, n: int, pg_db: str) -> None:
    label = generate.size_label(n)
    folder = generate.wave_dir(n)
    print(f"[3] stored wave of {label} returns, {backend} …", flush=True)
    entry: dict[str, Any] = {"size": n}
    res.waves[backend] = entry
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.pop("KLAPPT_PROJECT", None)
    tmp = Path(tempfile.mkdtemp(prefix=f"klappt-bench-{backend}-"))
    env["KLAPPT_CACHE_DIR"] = str(tmp / "form-cache")  # the import parses the form and fills it
    role = None
    try:
        if backend == "postgresql":
            role, error = _pg_admin(
                [f'DROP DATABASE IF EXISTS "{pg_db}"', f'CREATE DATABASE "{pg_db}"']
            )
            if role is None:
                entry["reason"] = f"PostgreSQL not available: {error}"
                print(f"    not available: {entry['reason']}", flush=True)
                return
            env["DATABASE_URL"] = f"postgresql://{role}@127.0.0.1:5432/{pg_db}"
            entry["database_url"] = env["DATABASE_URL"]
        project = tmp / "project"
        kl = klappt_cmd()
        p = run_proc([*kl, "init", str(project)], env=env, timeout=600)
        if not p.ok:
            entry["reason"] = f"klappt init: {p.reason}"
            print(f"    not available: {entry['reason']}", flush=True)
            return
        # import from CSV (what people have); once: it is the slow, one-off step
        imp = [
            *kl,
            "import",
            "W1",
            str(folder / "form.xlsx"),
            str(folder / "data.csv"),
            "--project",
            str(project),
        ]
        p = run_proc(imp, env=env, timeout=res.timeout)
        entry["import_cmd"] = " ".join(shlex.quote(c) for c in imp)
        entry["import_s"], entry["import_peak_mib"] = p.seconds, p.peak_mib
        if not p.ok:
            entry["reason"] = f"klappt import: {p.reason}"
            print(f"    not available: {entry['reason']}", flush=True)
            return
        print(f"    import {fmt_s(p.seconds)}  peak {fmt_mib(p.peak_mib)}", flush=True)
        tab = [*kl, "tabulate", "--wave", "W1", "--json", "-", "--project", str(project)]
        entry["cmd"] = " ".join(shlex.quote(c) for c in tab)
        times, peaks, check = [], [], ""
        for _ in range(res.e2e_repeat):
            p = run_proc(tab, env=env, timeout=res.timeout)
            if not p.ok:
                entry["reason"] = f"klappt tabulate --wave: {p.reason}"
                break
            times.append(p.seconds)
            if p.peak_mib is not None:
                peaks.append(p.peak_mib)
            if not check:
                check = _check_json(p.stdout, n)
        entry.update(
            median=median(times),
            min=min(times) if times else None,
            peak_mib=max(peaks) if peaks else None,
            runs=len(times),
            check=check,
        )
        print(
            f"    tabulate --wave {fmt_s(entry['median'])}  peak {fmt_mib(entry['peak_mib'])}  {check}",
            flush=True,
        )
        # once more without the Parquet snapshot: the wave rebuilt from the database's records
        snapshots = project / ".klappt" / "snapshots"
        if times and snapshots.is_dir():
            shutil.rmtree(snapshots)
            p = run_proc(tab, env=env, timeout=res.timeout)
            entry["cold_s"] = p.seconds if p.ok else None
            entry["cold_peak_mib"] = p.peak_mib
            entry["cold_reason"] = p.reason
            print(
                f"    tabulate --wave without snapshot {fmt_s(entry['cold_s'])} {p.reason}",
                flush=True,
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if role is not None:
            _pg_admin([f'DROP DATABASE IF EXISTS "{pg_db}" WITH (FORCE)'])


# -- report -----------------------------------------------------------------------------------


def report(res: Results, info: dict[str, str], command: str, started: str, elapsed: float) -> str:
    sizes = res.sizes
    L: list[str] = []
    L.append("# klappt benchmark results\n")
    L.append(f"- Date: {started} (suite ran {elapsed / 60:.1f} min)")
    L.append(f"- Command: `{command}`")
    L.append(
        f"- Machine: {info['nproc']} cores ({info['cpu']}), kernel {info['kernel']}, "
        f"load average at start {info['load_start']}, at end {info['load_end']}; "
        f"CPU time taken by the hypervisor (steal) during the suite: {info.get('steal', '?')}"
    )
    L.append("- Memory (`free -g` at start):\n\n```\n" + info["free -g"] + "\n```")
    L.append(
        f"- Python {info.get('python')}, Polars {info.get('polars')}, pandas {info.get('pandas')}, "
        f"pyarrow {info.get('pyarrow')}, numpy {info.get('numpy')}; klappt {info.get('klappt')} "
        f"(commit {info.get('commit')})"
    )
    L.append(
        f"- Times are medians: {res.repeat} runs in one process for (1) after one warm-up run, "
        f"{res.e2e_repeat} whole processes for (2) and (3) after a first process with an empty "
        "form cache (shown apart). The machine is shared; see the load average.\n"
    )

    # 1
    L.append("## 1. Tabulation alone (toplines + every question by the 4-group banner)\n")
    L.append(
        'In one process, data already loaded. klappt: `tabulate(rs, by="region").to_dict()`; '
        "pandas: `bench/baseline_pandas.py` `tabulate()` on the prepared frame (value_counts, "
        "crosstab, groupby). Peak = growth of the resident set during the step.\n"
    )
    L.append(
        "| returns | klappt | (fastest) | pandas | (fastest) | pandas ÷ klappt | klappt peak | "
        "pandas peak | same counts |"
    )
    L.append("|---:|---:|---:|---:|---:|---:|---:|---:|:---|")
    for n in sizes:
        d = res.tab.get(n)
        if d is None:
            L.append(f"| {n:,} | not available: {res.tab_errors.get(n, '')} | | | | | | | |")
            continue
        k, b = d["klappt_tabulate"], d["pandas_tabulate"]
        chk = "OK" if d["check"]["ok"] else "MISMATCH: " + "; ".join(d["check"]["differences"][:3])
        L.append(
            f"| {n:,} | {fmt_s(k['median'])} | {fmt_s(k['min'])} | {fmt_s(b['median'])} | "
            f"{fmt_s(b['min'])} | {b['median'] / k['median']:.1f}× | "
            f"{fmt_mib(k['peak_mib'])} | {fmt_mib(b['peak_mib'])} | {chk} |"
        )
    L.append("")
    L.append(
        "The same tables by a hand-written Polars `group_by` and by DuckDB's SQL, on the same "
        "typed frame (`bench/baseline_engines.py`; DuckDB's copy of the frame made before the "
        "timing), each compared with klappt's counts:\n"
    )
    L.append(
        "| returns | klappt | klappt one core | Polars group_by | DuckDB SQL | Polars ÷ klappt | "
        "DuckDB ÷ klappt | same counts |"
    )
    L.append("|---:|---:|---:|---:|---:|---:|---:|:---|")
    for n in sizes:
        d = res.tab.get(n)
        if d is None or not d.get("polars_tabulate"):
            continue
        k = d["klappt_tabulate"]["median"]
        pol, duck = d["polars_tabulate"], d.get("duckdb_tabulate")
        diffs = (d.get("check_polars") or []) + (d.get("check_duckdb") or [])
        duck_ratio = f"{duck['median'] / k:.1f}×" if duck else "–"
        L.append(
            f"| {n:,} | {fmt_s(k)} | {fmt_s((d.get('klappt_tabulate_one_core') or {}).get('median'))} | "
            f"{fmt_s(pol['median'])} | "
            f"{fmt_s(duck['median']) if duck else 'not installed'} | {pol['median'] / k:.1f}× | "
            f"{duck_ratio} | "
            f"{'OK' if not diffs else 'MISMATCH: ' + '; '.join(diffs[:3])} |"
        )
    L.append("")
    L.append(
        "Where the time of `klappt tabulate FORM DATA --json -` goes (medians; start-up = a whole "
        "`klappt tabulate --help` process; the other steps measured in one process: reading "
        "the file, typing and checking the returns, counting, writing the JSON):\n"
    )
    L.append(
        "| returns | from | start-up | read | typing and checks | counting | JSON | sum | "
        "whole process | counting per return |"
    )
    L.append("|---:|:---|---:|---:|---:|---:|---:|---:|---:|---:|")
    start = (res.startup or {}).get("median")
    for n in sizes:
        d = res.tab.get(n)
        if d is None or "phases" not in d:
            continue
        for fmt, ph in d["phases"].items():
            total = sum(ph.values()) + (start or 0)
            e = res.e2e.get((n, fmt)) or {}
            L.append(
                f"| {n:,} | {fmt} | {fmt_s(start)} | {fmt_s(ph['read'])} | {fmt_s(ph['typing'])} | "
                f"{fmt_s(ph['counting'])} | {fmt_s(ph['json'])} | {fmt_s(total)} | "
                f"{fmt_s(e.get('median'))} | {fmt_us(ph['counting'] / n * 1e6)} |"
            )
    L.append("")
    L.append("Loading, for context (not part of the tabulation target):\n")
    L.append(
        "| returns | klappt read+load Parquet | klappt read+load CSV | validation issues | typed frame | "
        "RSS loaded | pandas read Parquet | pandas prepare | klappt toplines only |"
    )
    L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        d = res.tab.get(n)
        if d is None:
            continue
        csv_ = d.get("klappt_load_csv", {})
        L.append(
            f"| {n:,} | {fmt_s(d['klappt_load_parquet']['median'])} | {fmt_s(csv_.get('median'))} | "
            f"{d['klappt_load_parquet']['issues']:,} | {d['frame_mib']:,.0f} MiB | {fmt_mib(d['loaded_rss_mib'])} | "
            f"{fmt_s(d['pandas_read_parquet']['median'])} | {fmt_s(d['pandas_prepare']['median'])} | "
            f"{fmt_s(d['klappt_tabulate_topline']['median'])} |"
        )
    L.append("")

    # 2
    L.append("## 2. `klappt tabulate FORM DATA --json -` end to end (whole process)\n")
    L.append(
        "Wall time of the process (start-up, form, read, validation, tabulation, JSON); peak = "
        "maximum resident set from `/usr/bin/time -v` (over all runs). Check = the JSON's counts "
        "against the pandas baseline. klappt caches parsed forms: the first run parses the XLSForm "
        "with pyxform, the others read the cache.\n"
    )
    L.append(
        "| returns | from | median | min | first run (empty form cache) | peak memory | check |"
    )
    L.append("|---:|:---|---:|---:|---:|---:|:---|")
    for n in sizes:
        for fmt in ("parquet", "csv"):
            e = res.e2e.get((n, fmt))
            if e is None:
                continue
            if e["median"] is None:
                L.append(f"| {n:,} | {fmt} | not available: {e['reason']} | | | | |")
            else:
                L.append(
                    f"| {n:,} | {fmt} | {fmt_s(e['median'])} | {fmt_s(e['min'])} | "
                    f"{fmt_s(e.get('first'))} | {fmt_mib(e['peak_mib'])} | {e['check']} |"
                )
    if res.reference is not None:
        r = res.reference
        if r.get("median") is None:
            L.append(f"| 40 (reference) | csv | not available: {r.get('reason')} | | | | |")
        else:
            L.append(
                f"| 40 (reference 2022) | csv | {fmt_s(r['median'])} | {fmt_s(r['min'])} | "
                f"{fmt_s(r.get('first'))} | {fmt_mib(r['peak_mib'])} | – |"
            )
    L.append("")

    # 3
    L.append("## 3. A stored wave: `klappt tabulate --wave W --json -`\n")
    L.append(
        "A temporary project (`klappt init`), the wave imported once from CSV (`klappt import W1 FORM "
        "data.csv`), then `tabulate --wave W1`. *Without snapshot*: one run after deleting "
        "`.klappt/snapshots/`, so the returns are rebuilt from the database records.\n"
    )
    L.append(
        "| database | returns | import (1 run) | import peak | tabulate --wave | min | peak memory | "
        "without snapshot (1 run) | its peak | check |"
    )
    L.append("|:---|---:|---:|---:|---:|---:|---:|---:|---:|:---|")
    if not res.waves:
        L.append("| – | | skipped (--skip-db) | | | | | | | |")
    for backend, w in res.waves.items():
        if w.get("median") is None:
            imp = fmt_s(w.get("import_s")) if w.get("import_s") else ""
            L.append(
                f"| {backend} | {w['size']:,} | {imp} | | not available: {w.get('reason', '')} "
                "| | | | | |"
            )
            continue
        cold = fmt_s(w.get("cold_s")) if w.get("cold_s") is not None else w.get("cold_reason", "–")
        L.append(
            f"| {backend} | {w['size']:,} | {fmt_s(w.get('import_s'))} | "
            f"{fmt_mib(w.get('import_peak_mib'))} | {fmt_s(w['median'])} | {fmt_s(w.get('min'))} | "
            f"{fmt_mib(w['peak_mib'])} | {cold or '–'} | {fmt_mib(w.get('cold_peak_mib'))} | "
            f"{w.get('check', '')} |"
        )
    L.append("")

    # 4
    L.append("## 4. Cost per return\n")
    L.append(
        "| returns | tabulation alone | klappt load Parquet | e2e Parquet | e2e CSV | pandas tabulate |"
    )
    L.append("|---:|---:|---:|---:|---:|---:|")
    per: dict[str, dict[int, float]] = {
        "tab": {},
        "load": {},
        "e2e_pq": {},
        "e2e_csv": {},
        "pd": {},
    }
    for n in sizes:
        d = res.tab.get(n) or {}
        if d:
            per["tab"][n] = d["klappt_tabulate"]["median"] / n * 1e6
            per["load"][n] = d["klappt_load_parquet"]["median"] / n * 1e6
            per["pd"][n] = d["pandas_tabulate"]["median"] / n * 1e6
        for key, fmt in (("e2e_pq", "parquet"), ("e2e_csv", "csv")):
            e = res.e2e.get((n, fmt))
            if e and e["median"] is not None:
                per[key][n] = e["median"] / n * 1e6
        L.append(
            f"| {n:,} | {fmt_us(per['tab'].get(n))} | {fmt_us(per['load'].get(n))} | "
            f"{fmt_us(per['e2e_pq'].get(n))} | {fmt_us(per['e2e_csv'].get(n))} | {fmt_us(per['pd'].get(n))} |"
        )
    L.append("")
    growth = {}
    for key in per:
        vals = per[key]
        if len(vals) >= 2:
            ns = sorted(vals)
            # the largest rise of the cost per return from any size to any larger one
            rise = max(vals[b] / vals[a] for i, a in enumerate(ns) for b in ns[i + 1 :])
            growth[key] = (rise, max(vals.values()) / min(vals.values()))
    if growth:
        L.append(
            "Growth = the largest rise of the cost per return from a size to any larger one (above 1 "
            "means a larger wave costs more per return); spread = highest ÷ lowest cost per return "
            "over all sizes (fixed costs such as start-up or building the aggregation make small "
            "waves dearer per return).\n"
        )
        names = {
            "tab": "tabulation alone",
            "load": "klappt load Parquet",
            "e2e_pq": "e2e Parquet",
            "e2e_csv": "e2e CSV",
            "pd": "pandas tabulate",
        }
        for key, (g, s) in growth.items():
            L.append(f"- {names[key]}: growth {g:.2f}×, spread {s:.2f}×")
        L.append("")

    # targets
    L.append("## Targets\n")
    L.append("| target | measured | status |")
    L.append("|:---|:---|:---|")
    big = max(sizes)
    d = res.tab.get(big)
    big_label = f"{big:,} returns" + ("" if big == 1_000_000 else " (1M not run)")
    if d:
        k = d["klappt_tabulate"]
        L.append(
            f"| tabulation alone ≤ {T_TAB_S} s ({big_label}) | {fmt_s(k['median'])} | "
            f"{status(k['median'] <= T_TAB_S if big == 1_000_000 else None)} |"
        )
        ratio = d["pandas_tabulate"]["median"] / k["median"]
        L.append(
            f"| ≥ {T_TAB_RATIO:.0f}× faster than pandas, same run ({big_label}) | {ratio:.1f}× | "
            f"{status(ratio >= T_TAB_RATIO if big == 1_000_000 else None)} |"
        )
        L.append(
            f"| tabulation peak ≤ {T_TAB_MEM:.0f} MiB beyond the loaded data ({big_label}) | "
            f"{fmt_mib(k['peak_mib'])} | "
            f"{status(None if k['peak_mib'] is None or big != 1_000_000 else k['peak_mib'] <= T_TAB_MEM)} |"
        )
        for name, label in (("polars", "a hand-written Polars group_by"), ("duckdb", "DuckDB SQL")):
            e = d.get(f"{name}_tabulate")
            if e:
                ok = k["median"] < e["median"] and not d.get(f"check_{name}")
                L.append(
                    f"| faster than {label}, same run, same counts ({big_label}) | "
                    f"{fmt_s(k['median'])} against {fmt_s(e['median'])} "
                    f"({e['median'] / k['median']:.1f}×) | "
                    f"{status(ok if big == 1_000_000 else None)} |"
                )
            else:
                L.append(f"| faster than {label} | not available (not installed) | n/a |")
        all_ok = all(res.tab[n]["check"]["ok"] for n in res.tab)
        L.append(
            f"| klappt and pandas give identical counts (all sizes) | "
            f"{'identical' if all_ok else 'MISMATCH'} | {status(all_ok)} |"
        )
    else:
        L.append(f"| tabulation alone ({big_label}) | not available | n/a |")
    for fmt, limit in (("parquet", T_E2E_PARQUET), ("csv", T_E2E_CSV)):
        e = res.e2e.get((big, fmt))
        if e and e["median"] is not None:
            ok = e["median"] <= limit if big == 1_000_000 else None
            L.append(
                f"| e2e from {fmt} ≤ {limit:g} s ({big_label}) | {fmt_s(e['median'])} | {status(ok)} |"
            )
            okm = (
                e["peak_mib"] <= T_E2E_MEM
                if (e["peak_mib"] is not None and big == 1_000_000)
                else None
            )
            L.append(
                f"| e2e from {fmt}: peak ≤ {T_E2E_MEM / 1024:g} GiB ({big_label}) | "
                f"{fmt_mib(e['peak_mib'])} | {status(okm)} |"
            )
        else:
            L.append(
                f"| e2e from {fmt} ({big_label}) | not available{': ' + e['reason'] if e else ''} | n/a |"
            )
    for backend in ("sqlite", "postgresql"):
        w = res.waves.get(backend)
        if w and w.get("median") is not None:
            ok = w["median"] <= T_WAVE_S if w["size"] == 1_000_000 else None
            L.append(
                f"| tabulate --wave ≤ {T_WAVE_S:.1f} s, {backend} ({w['size']:,} returns) | "
                f"{fmt_s(w['median'])} | {status(ok)} |"
            )
            ok = w["import_s"] <= T_IMPORT_S[backend] if w["size"] == 1_000_000 else None
            L.append(
                f"| klappt import ≤ {T_IMPORT_S[backend]:.0f} s, {backend} ({w['size']:,} "
                f"returns, 1 run) | {fmt_s(w['import_s'])} | {status(ok)} |"
            )
        else:
            why = (w or {}).get("reason", "skipped")
            L.append(f"| tabulate --wave, {backend} | not available: {why} | n/a |")
    if "tab" in growth:
        g, s = growth["tab"]
        L.append(
            f"| tabulation cost per return flat within {T_FLAT}× ({generate.size_label(min(sizes))}→"
            f"{generate.size_label(big)}) | growth {g:.2f}×, spread {s:.2f}× | "
            f"{status(g <= T_FLAT)} (growth); spread {'within' if s <= T_FLAT else 'beyond'} {T_FLAT}× |"
        )
    if res.reference is not None:
        r = res.reference
        ok = None if r.get("median") is None else r["median"] < T_REFERENCE
        L.append(
            f"| 40-return reference, `klappt tabulate` < {T_REFERENCE:.0f} s whole process | "
            f"{fmt_s(r.get('median')) if r.get('median') is not None else 'not available'} | {status(ok)} |"
        )
    L.append("")
    if res.notes:
        L.append("## Notes\n")
        L.extend(f"- {x}" for x in res.notes)
        L.append("")
    return "\n".join(L)


def main(argv: list[str] | None = None) -> int:
    global MEM_LIMIT_MIB
    ap = argparse.ArgumentParser(
        prog="bench/run", description="klappt benchmark suite (see bench/README.md)"
    )
    ap.add_argument(
        "--sizes", default="10k,100k,1m", help="comma-separated wave sizes (default 10k,100k,1m)"
    )
    ap.add_argument(
        "--repeat", type=int, default=5, help="runs per in-process measurement (median)"
    )
    ap.add_argument(
        "--e2e-repeat",
        type=int,
        default=None,
        help="whole-process runs per CLI measurement (default: --repeat, at most 5)",
    )
    ap.add_argument("--skip-db", action="store_true", help="skip the stored-wave measurements (3)")
    ap.add_argument(
        "--skip-e2e", action="store_true", help="skip the end-to-end CLI measurements (2)"
    )
    ap.add_argument("--skip-postgres", action="store_true", help="stored wave on SQLite only")
    ap.add_argument(
        "--db-size", default=None, help="size of the stored wave (default: the largest size)"
    )
    ap.add_argument(
        "--pg-db", default="klappt_bench", help="PostgreSQL database to create and drop"
    )
    ap.add_argument(
        "--load-repeat", type=int, default=3, help="runs of the in-process load steps (median)"
    )
    ap.add_argument(
        "--timeout", type=float, default=3600, help="seconds before a single step is given up"
    )
    ap.add_argument(
        "--mem-limit",
        type=float,
        default=MEM_LIMIT_MIB / 1024,
        help="GiB: a measured command whose resident set passes this is stopped (default 8)",
    )
    ap.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    ap.add_argument(
        "--results", type=Path, default=HERE / "RESULTS.md", help="where to write the results"
    )
    ap.add_argument("--no-write", action="store_true", help="print only, do not write RESULTS.md")
    args = ap.parse_args(argv)

    sizes = sorted({generate.parse_size(s) for s in args.sizes.split(",") if s.strip()})
    e2e_repeat = args.e2e_repeat or min(args.repeat, 5)
    res = Results(sizes=sizes, repeat=args.repeat, e2e_repeat=e2e_repeat)
    res.load_repeat, res.timeout = args.load_repeat, args.timeout
    MEM_LIMIT_MIB = args.mem_limit * 1024
    command = "bench/run " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    started = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    info = machine()
    info["load_start"] = info["load"]
    info["cpu_ticks_start"] = cpu_ticks()
    t_start = time.perf_counter()

    print(
        f"klappt benchmark: sizes {', '.join(generate.size_label(n) for n in sizes)}, repeat {args.repeat}",
        flush=True,
    )
    for n in sizes:
        ensure_data(n, args.seed)

    cli_ok, cli_reason = cli_available()
    if not cli_ok:
        res.notes.append(f"klappt CLI not available ({cli_reason}): rows 2 and 3 not measured.")

    for n in sizes:
        step_tabulation(res, n)
        if not args.skip_e2e:
            if cli_ok:
                step_e2e(res, n)
            else:
                for fmt in ("parquet", "csv"):
                    res.e2e[(n, fmt)] = {
                        "median": None,
                        "reason": f"CLI not available ({cli_reason})",
                    }
    if not args.skip_e2e:
        if cli_ok:
            step_reference(res)
            step_startup(res)
        else:
            res.reference = {"reason": f"CLI not available ({cli_reason})"}

    if not args.skip_db:
        db_n = generate.parse_size(args.db_size) if args.db_size else max(sizes)
        ensure_data(db_n, args.seed)
        backends = ["sqlite"] + ([] if args.skip_postgres else ["postgresql"])
        for backend in backends:
            if cli_ok:
                step_wave(res, backend, db_n, args.pg_db)
            else:
                res.waves[backend] = {"size": db_n, "reason": f"CLI not available ({cli_reason})"}

    info["load_end"] = sh("cat /proc/loadavg")
    info["steal"] = steal_share(info.pop("cpu_ticks_start", None), cpu_ticks())
    text = report(res, info, command, started, time.perf_counter() - t_start)
    print()
    print(text)
    if not args.no_write:
        args.results.write_text(text + "\n", encoding="utf-8")
        raw = {
            "info": info,
            "command": command,
            "started": started,
            "tab": {str(n): d for n, d in res.tab.items()},
            "tab_errors": {str(n): e for n, e in res.tab_errors.items()},
            "e2e": {f"{n}/{fmt}": e for (n, fmt), e in res.e2e.items()},
            "reference": res.reference,
            "startup": res.startup,
            "waves": res.waves,
        }
        raw_file = HERE / "data" / "last_run.json"
        raw_file.parent.mkdir(parents=True, exist_ok=True)
        raw_file.write_text(json.dumps(raw, indent=1, ensure_ascii=False, default=str))
        print(f"\nwritten: {args.results} (raw figures: {raw_file})")
    mismatch = any(not d["check"]["ok"] for d in res.tab.values())
    return 1 if mismatch else 0


if __name__ == "__main__":
    sys.exit(main())
