"""Mutation fuzzing of every reader through the real ``klappt`` commands.

Each input is a seed file (``bench/fuzz_seeds.py``) damaged by one to three mutations
(``bench/fuzz_mutate.py``) and run through the command lines that read such a file
(``validate``, ``tabulate``, ``import`` into a fresh project, ``convert``, ``register``,
``report``) by calling :func:`klappt.cli.main` in a forked child of a process that has imported
everything once. The child gets an address-space limit (``--memory`` above what the warm
process already maps) and an alarm (``--timeout``); the parent reads its exit status, wall
time and peak resident memory. An exception that escapes ``main`` is a *traceback*: the child
writes it to a file, which is how it is told apart from a clear error (exit 2) or validation
problems (exit 1).

    python bench/fuzz.py --inputs 2000 --seed 1 --timeout 30 --memory 1GiB
    python bench/fuzz.py --budget 60 --seed 7 --json /tmp/fuzz.json     # about one minute
    python bench/fuzz.py --replay tests/data/crashers                     # the saved crashers

Prints the figures (inputs run, tracebacks by kind, runs over the time and memory limits) and
exits 1 when any traceback or limit was hit. ``--save DIR`` keeps each new kind of traceback as
a small crasher file with its command in ``DIR/crashers.json``.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import hashlib
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from fuzz_mutate import mutate  # noqa: E402
from fuzz_seeds import Seed, seeds  # noqa: E402

TRACEBACK_EXIT = 70
MEMORY_MARK = "out of memory"  # part of the catalogue's English message for a MemoryError
CRASHER_LIMIT = 64_000  # bytes; a larger crasher is reported but not saved


@dataclass
class Outcome:
    index: int
    seed: str
    group: str
    command: list[str]
    mutations: list[str]
    exit: int | None  # None: killed by a signal
    signal: int | None
    seconds: float
    max_rss: int  # bytes
    kind: str = ""  # the traceback's kind: ExceptionType@file:line
    over_time: bool = False
    over_memory: bool = False
    input_path: str = ""


def _parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]i?B?|B)?\s*", text, re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text}")
    unit = (m.group(2) or "B").upper()[0]
    return int(float(m.group(1)) * {"B": 1, "K": 1024, "M": 1024**2, "G": 1024**3}[unit])


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _warm_up(project: Path) -> None:
    """Import every reader once and make the template project; Polars' threads stay unstarted."""
    import klappt.cli  # noqa: F401
    from klappt.cli import main

    for module in (
        "klappt.instrument.readers",
        "klappt.responses.dataset",
        "klappt.analysis.tabulate",
        "klappt.interop.detect",
        "klappt.interop.limesurvey.read",
        "klappt.interop.redcap",
        "klappt.interop.spss.read",
        "klappt.coding.codebook",
        "klappt.report.recipe",
        "klappt.store.api",
        "pyxform.xls2xform",
        "pyxform.xls2json_backends",
        "openpyxl",
        "xlrd",
        "pyreadstat",
        "pyarrow.parquet",
        "defusedxml.ElementTree",
        "yaml",
    ):
        with contextlib.suppress(ImportError):
            __import__(module)
    with contextlib.suppress(SystemExit):
        main(["init", str(project)])
    from django.db import connections

    connections.close_all()  # each child opens its own connection to its own copy


def _kind(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/klappt/" in f.filename and "/bench/" not in f.filename]
    frame = (ours or frames or [None])[-1]
    where = f"{Path(frame.filename).name}:{frame.lineno}" if frame else "?"
    return f"{type(exc).__module__}.{type(exc).__qualname__}@{where}".removeprefix("builtins.")


def _child(argv: list[str], work: Path, timeout: int, memory: int) -> None:
    """Run one command in this forked process and leave by ``os._exit``; never returns."""
    code = TRACEBACK_EXIT
    try:
        fd = os.open(work / "output.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        limit = _vm_size() + memory
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        signal.alarm(timeout)  # the default action ends the process, even inside C code
        os.chdir(work)
        from klappt.cli import main

        try:
            main(argv)
            code = 0
        except SystemExit as done:
            c = done.code
            code = c if isinstance(c, int) else (0 if c is None else 1)
        except BaseException as exc:  # the very thing we are looking for
            (work / "traceback.txt").write_text(
                _kind(exc) + "\n" + "".join(traceback.format_exception(exc)), encoding="utf-8"
            )
            code = TRACEBACK_EXIT
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a broken stream must not keep the exit code
                stream.flush()
        os._exit(code)


class Runner:
    def __init__(self, timeout: int, memory: int, keep: Path) -> None:
        self.timeout = timeout
        self.memory = memory
        self.keep = keep
        self.template = keep / "template-project"
        _warm_up(self.template)

    def run(
        self, index: int, seed: Seed, command: tuple[str, ...], data: bytes, mutations: list[str]
    ) -> Outcome:
        work = Path(tempfile.mkdtemp(prefix=f"in{index:05d}-", dir=self.keep))
        if seed.siblings is not None:
            for other in seed.siblings.iterdir():
                if other.is_file() and other.name != seed.path.name:
                    (work / other.name).symlink_to(other)
        target = work / seed.path.name
        target.write_bytes(data)
        out = work / "out"
        out.mkdir()
        project = work / "project"
        if any("{project}" in part for part in command):
            shutil.copytree(self.template, project)
        argv = [
            p.replace("{input}", str(target))
            .replace("{out}", str(out))
            .replace("{project}", str(project))
            for p in command
        ]
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(argv, work, self.timeout, self.memory)
        _, status, usage = os.wait4(pid, 0)
        seconds = time.monotonic() - started
        outcome = Outcome(
            index=index,
            seed=str(seed.path),
            group=seed.group,
            command=list(command),
            mutations=mutations,
            exit=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            seconds=round(seconds, 3),
            max_rss=usage.ru_maxrss * 1024,
            input_path=str(target),
        )
        text = (work / "output.txt").read_text(encoding="utf-8", errors="replace")
        tb = work / "traceback.txt"
        if tb.exists():
            outcome.kind = tb.read_text(encoding="utf-8").splitlines()[0]
            if outcome.kind.startswith("MemoryError"):
                outcome.over_memory, outcome.kind = True, ""
        outcome.over_time = outcome.signal == signal.SIGALRM or seconds > self.timeout
        if MEMORY_MARK in text.lower() or outcome.max_rss > self.memory:
            outcome.over_memory = True
        if outcome.signal is not None and not outcome.over_time:
            outcome.kind = outcome.kind or f"signal {signal.Signals(outcome.signal).name}"
        if not (outcome.kind or outcome.over_time or outcome.over_memory):
            shutil.rmtree(work, ignore_errors=True)
        return outcome


def _pick(rng: random.Random, by_group: dict[str, list[Seed]]) -> tuple[Seed, tuple[str, ...]]:
    group = rng.choice(sorted(by_group))  # every reader gets its share, however many seeds
    seed = rng.choice(by_group[group])
    return seed, rng.choice(seed.commands)


def _generate(folder: Path) -> None:
    # in a process of its own: writing Parquet starts thread pools that must not be forked
    subprocess.run([sys.executable, str(HERE / "fuzz_seeds.py"), str(folder)], check=True)


def _save(outcome: Outcome, save: Path, saved_kinds: set[str], seeds_dir: Path) -> str | None:
    data = Path(outcome.input_path).read_bytes()
    if outcome.kind in saved_kinds or len(data) > CRASHER_LIMIT:
        return None
    seed = Path(outcome.seed)
    if not (seed.is_relative_to(ROOT) or seed.is_relative_to(seeds_dir)):
        return None  # a mutated third-party file stays out of the repository (licences)
    save.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:10]
    slug = re.sub(r"[^A-Za-z0-9]+", "-", outcome.kind.split("@")[0]).strip("-").lower()
    name = f"{slug}-{digest}{Path(outcome.input_path).suffix}"
    (save / name).write_bytes(data)
    manifest_path = save / "crashers.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else []
    rel = [_relative(p, seeds_dir) for p in outcome.command]
    entry = {
        "file": name,
        "command": rel,
        "kind": outcome.kind,
        "seed": _relative(str(seed), seeds_dir),
    }
    if outcome.group == "recipe":
        entry["siblings"] = True
    manifest.append(entry)
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    saved_kinds.add(outcome.kind)
    return name


def _relative(part: str, seeds_dir: Path) -> str:
    return part.replace(str(seeds_dir) + os.sep, "{seeds}/").replace(str(ROOT) + os.sep, "{root}/")


def _replay_inputs(folder: Path, seeds_dir: Path) -> list[tuple[Seed, tuple[str, ...], bytes]]:
    """The saved crashers with their commands; ``{root}`` is this checkout, ``{seeds}`` the
    generated seeds (written again for the replay)."""
    manifest = json.loads((folder / "crashers.json").read_text(encoding="utf-8"))
    out = []
    for entry in manifest:
        command = tuple(
            p.replace("{root}", str(ROOT)).replace("{seeds}", str(seeds_dir))
            for p in entry["command"]
        )
        path = folder / entry["file"]
        siblings = ROOT / "src" / "klappt" / "reference" if entry.get("siblings") else None
        out.append(
            (Seed(path, (command,), "crasher", siblings=siblings), command, path.read_bytes())
        )
    return out


def _mutated(n: int, seed: int, by_group: dict[str, list[Seed]]):
    """The inputs one by one (2,000 mutated files need not sit in memory at once)."""
    for i in range(n):
        rng = random.Random(f"{seed}:{i}")
        chosen, command = _pick(rng, by_group)
        data, mutations = mutate(chosen.path.read_bytes(), rng)
        yield chosen, command, data, mutations


def summarise(outcomes: list[Outcome], timeout: int, memory: int) -> dict:
    kinds = collections.Counter(o.kind for o in outcomes if o.kind)
    return {
        "inputs": len(outcomes),
        "tracebacks": sum(kinds.values()),
        "traceback_kinds": dict(kinds.most_common()),
        "over_time": [asdict(o) for o in outcomes if o.over_time],
        "over_memory": [asdict(o) for o in outcomes if o.over_memory],
        "exits": dict(collections.Counter(str(o.exit) for o in outcomes)),
        "by_group": dict(collections.Counter(o.group for o in outcomes)),
        "timeout_s": timeout,
        "memory_bytes": memory,
        "max_seconds": max((o.seconds for o in outcomes), default=0),
        "max_rss_bytes": max((o.max_rss for o in outcomes), default=0),
        "examples": {k: next(asdict(o) for o in outcomes if o.kind == k) for k in kinds},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--inputs", type=int, default=2000, help="how many mutated inputs (default 2000)"
    )
    ap.add_argument(
        "--budget", type=float, default=0, help="stop after this many seconds (0 = no limit)"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=30, help="seconds per run (default 30)")
    ap.add_argument(
        "--memory", type=_parse_size, default=_parse_size("1GiB"), help="per run (default 1GiB)"
    )
    ap.add_argument("--no-corpora", action="store_true", help="leave the third-party corpus out")
    ap.add_argument("--group", action="append", help="only seeds of this reader group (repeatable)")
    ap.add_argument("--replay", type=Path, help="run the crashers saved in this folder instead")
    ap.add_argument("--save", type=Path, help="save new kinds of traceback here, as crashers")
    ap.add_argument("--json", type=Path, help="write the figures and every finding as JSON")
    ap.add_argument("--keep", type=Path, help="work folder (kept; default: a temporary one)")
    args = ap.parse_args(argv)

    keep = args.keep or Path(tempfile.mkdtemp(prefix="klappt-fuzz-"))
    keep.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KLAPPT_CACHE_DIR", str(keep / "cache"))
    os.environ["KLAPPT_LANG"] = "en"
    os.environ["COLUMNS"] = "200"
    os.environ["NO_COLOR"] = "1"
    # rayon and Arrow size their pools by the cores; one thread per child is enough here
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))

    generated = keep / "seeds"
    _generate(generated)
    if args.replay:
        jobs = _replay_inputs(args.replay, generated)
    else:
        pool = [
            s
            for s in seeds(generated, corpora=not args.no_corpora)
            if not args.group or s.group in args.group
        ]
        by_group: dict[str, list[Seed]] = collections.defaultdict(list)
        for s in pool:
            by_group[s.group].append(s)
        jobs = _mutated(args.inputs, args.seed, by_group)

    runner = Runner(args.timeout, args.memory, keep)
    outcomes: list[Outcome] = []
    saved: list[str] = []
    known = set()
    if args.save and (args.save / "crashers.json").exists():
        known = {e["kind"] for e in json.loads((args.save / "crashers.json").read_text())}
    started = time.monotonic()
    for i, job in enumerate(jobs):
        if args.budget and time.monotonic() - started > args.budget:
            break
        seed, command, data, *rest = job
        mutations = rest[0] if rest else ["replay"]
        o = runner.run(i, seed, command, data, mutations)
        outcomes.append(o)
        if o.kind or o.over_time or o.over_memory:
            what = o.kind or ("over time" if o.over_time else "over memory")
            print(
                f"[{i}] {what}: {' '.join(command)} ({Path(o.seed).name}; {', '.join(mutations)}; {o.input_path})",
                flush=True,
            )
            if o.kind and args.save and (name := _save(o, args.save, known, generated)):
                saved.append(name)
    figures = summarise(outcomes, args.timeout, args.memory)
    figures["seconds"] = round(time.monotonic() - started, 1)
    figures["saved"] = saved
    figures["replay"] = [asdict(o) for o in outcomes] if args.replay else []
    _print(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, ensure_ascii=False, default=str))
    if not args.keep:
        shutil.rmtree(keep, ignore_errors=True)
    return 1 if figures["tracebacks"] or figures["over_time"] or figures["over_memory"] else 0


def _print(f: dict) -> None:
    gib = f["memory_bytes"] / 1024**3
    print(
        f"inputs run:        {f['inputs']} in {f['seconds']} s ({', '.join(f'{k} {v}' for k, v in sorted(f['by_group'].items()))})"
    )
    print(f"exit codes:        {', '.join(f'{k}: {v}' for k, v in sorted(f['exits'].items()))}")
    print(f"tracebacks:        {f['tracebacks']}")
    for kind, n in f["traceback_kinds"].items():
        print(f"  {n:5d}  {kind}")
    print(f"runs over {f['timeout_s']} s:   {len(f['over_time'])}")
    for o in f["over_time"]:
        print(f"         {o['seconds']} s  {' '.join(o['command'])}  {o['input_path']}")
    print(f"runs over {gib:g} GiB: {len(f['over_memory'])}")
    for o in f["over_memory"]:
        print(
            f"         {o['max_rss'] / 1024**2:.0f} MiB  {' '.join(o['command'])}  {o['input_path']}"
        )
    print(
        f"slowest run:       {f['max_seconds']} s; largest resident set: {f['max_rss_bytes'] / 1024**2:.0f} MiB"
    )


if __name__ == "__main__":
    sys.exit(main())
