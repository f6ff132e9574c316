"""Seeded synthetic waves in klappt's own conventions, for the benchmark suite.

For every size it writes ``bench/data/<size>/``:

``form.xlsx``
    An XLSForm (``survey``, ``choices``, ``settings``): the banner ``region`` (select_one, 4 sites),
    20 ``select_one`` questions ``s01``..``s20`` (6 choices), 20 ``select_multiple`` questions
    ``m01``..``m20`` (8 choices), 10 Likert items ``l01``..``l10`` (appearance ``likert``, 5 points),
    5 numeric questions ``n01``..``n05`` (3 integer, 2 decimal), 3 text questions ``t01``..``t03``.
    Choices are named ``c1``, ``c2``, ...; a few follow-ups carry ``relevant`` (``${s01} = 'c1'``).
``data.csv``
    One return per row; header = ``_id`` then the question names in form order; a select_multiple
    answer is the space-separated choice names in one column; an empty cell is "unanswered".
``data.parquet``
    The same raw table, every column String (null = empty cell).

Answers: select_one 5 % unanswered, select_multiple 5 % skipped (an answered one has at least one
choice), Likert 3 %, numbers 5 %, text 40 %. Follow-ups are empty where their condition is false,
except for a small share of stray answers (``--stray``, default 0.1 %) that the relevance rule has
to throw away. Same seed, same size -> byte-identical data.

Usage::

    python bench/generate.py 10k 100k 1m          # sizes: 10k, 100k, 1m or plain numbers
    python bench/generate.py --seed 7 --force 10k
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
DEFAULT_SEED = 20261125
DEFAULT_STRAY = 0.001

N_SELECT_ONE = 20
N_SELECT_MULTIPLE = 20
N_LIKERT = 10
N_SINGLE_CHOICES = 6
N_MULTI_CHOICES = 8
N_LIKERT_CHOICES = 5
REGIONS = ("nord", "ost", "sued", "west")

P_MISSING_ONE = 0.05
P_MISSING_MULTI = 0.05
P_MISSING_LIKERT = 0.03
P_MISSING_NUMBER = 0.05
P_MISSING_TEXT = 0.40


@dataclass(frozen=True)
class Spec:
    """One question of the synthetic form."""

    name: str
    type: str  # select_one | select_multiple | integer | decimal | text
    list_name: str | None = None
    choices: tuple[str, ...] = ()
    label: str = ""
    appearance: str | None = None
    relevant: str | None = None  # XLSForm expression, always ``${q} = 'c'``
    condition: tuple[str, str] | None = None  # the same as (question, choice)
    extra: dict = field(default_factory=dict, hash=False, compare=False)


# Follow-ups: question -> (condition question, choice). All single conditions of the form
# ``${q} = 'c'`` so that every implementation (engine, pandas baseline, tests) reads them the same way.
FOLLOW_UPS: dict[str, tuple[str, str]] = {
    "s17": ("s01", "c1"),
    "s18": ("s01", "c1"),
    "s19": ("s02", "c2"),
    "s20": ("s03", "c1"),
    "m19": ("s04", "c1"),
    "m20": ("s05", "c3"),
    "l10": ("s06", "c2"),
    "n05": ("s07", "c1"),
    "t03": ("s08", "c1"),
}


def single_choices() -> tuple[str, ...]:
    return tuple(f"c{i}" for i in range(1, N_SINGLE_CHOICES + 1))


def multi_choices() -> tuple[str, ...]:
    return tuple(f"c{i}" for i in range(1, N_MULTI_CHOICES + 1))


def likert_choices() -> tuple[str, ...]:
    return tuple(f"c{i}" for i in range(1, N_LIKERT_CHOICES + 1))


def form_spec() -> list[Spec]:
    """The questions in form order."""
    specs: list[Spec] = [
        Spec("region", "select_one", "regions", REGIONS, "Standort (Region)", None, None),
    ]

    def cond(name: str) -> tuple[str | None, tuple[str, str] | None]:
        if name in FOLLOW_UPS:
            q, c = FOLLOW_UPS[name]
            return f"${{{q}}} = '{c}'", (q, c)
        return None, None

    for i in range(1, N_SELECT_ONE + 1):
        name = f"s{i:02d}"
        rel, c = cond(name)
        specs.append(
            Spec(name, "select_one", "six", single_choices(), f"Einfachauswahl {i}", None, rel, c)
        )
    for i in range(1, N_SELECT_MULTIPLE + 1):
        name = f"m{i:02d}"
        rel, c = cond(name)
        specs.append(
            Spec(
                name,
                "select_multiple",
                "eight",
                multi_choices(),
                f"Mehrfachauswahl {i}",
                None,
                rel,
                c,
            )
        )
    for i in range(1, N_LIKERT + 1):
        name = f"l{i:02d}"
        rel, c = cond(name)
        specs.append(
            Spec(name, "select_one", "agree5", likert_choices(), f"Aussage {i}", "likert", rel, c)
        )
    for i, qtype in enumerate(("integer", "integer", "integer", "decimal", "decimal"), start=1):
        name = f"n{i:02d}"
        rel, c = cond(name)
        specs.append(Spec(name, qtype, None, (), f"Zahl {i}", None, rel, c))
    for i in range(1, 4):
        name = f"t{i:02d}"
        rel, c = cond(name)
        specs.append(Spec(name, "text", None, (), f"Freitext {i}", None, rel, c))
    return specs


CHOICE_LABELS = {
    "regions": {"nord": "Nord", "ost": "Ost", "sued": "Süd", "west": "West"},
    "six": {f"c{i}": f"Antwort {i}" for i in range(1, N_SINGLE_CHOICES + 1)},
    "eight": {f"c{i}": f"Option {i}" for i in range(1, N_MULTI_CHOICES + 1)},
    "agree5": {
        "c1": "trifft voll zu",
        "c2": "trifft eher zu",
        "c3": "teils, teils",
        "c4": "trifft eher nicht zu",
        "c5": "trifft gar nicht zu",
    },
}


def write_form(path: Path, specs: list[Spec] | None = None) -> None:
    """Write the XLSForm with openpyxl."""
    from openpyxl import Workbook

    specs = specs or form_spec()
    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "relevant", "appearance"])
    for s in specs:
        if s.type == "select_one":
            t = f"select_one {s.list_name}"
        elif s.type == "select_multiple":
            t = f"select_multiple {s.list_name}"
        else:
            t = s.type
        survey.append([t, s.name, s.label, s.relevant or "", s.appearance or ""])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    for list_name, items in CHOICE_LABELS.items():
        for name, label in items.items():
            choices.append([list_name, name, label])
    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append(["klappt Benchmark-Welle", "klappt_bench", "1", "default"])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


# ---------------------------------------------------------------------------------------------
# data


def _codes(rng: np.random.Generator, n: int, probs: np.ndarray, p_missing: float) -> np.ndarray:
    """Choice indices 0..k-1 drawn with ``probs``; -1 = unanswered."""
    codes = rng.choice(len(probs), size=n, p=probs).astype(np.int32)
    codes[rng.random(n) < p_missing] = -1
    return codes


def _gather(values: list[str], codes: np.ndarray) -> pl.Series:
    """``values[code]`` as a String Series, null where code < 0 (vectorised, no Python loop)."""
    lookup = pl.Series("v", values, dtype=pl.String)
    idx = pl.Series("i", codes, dtype=pl.Int32)
    idx = pl.select(pl.when(idx >= 0).then(idx)).to_series()
    return lookup.gather(idx)


def _probs(rng: np.random.Generator, k: int) -> np.ndarray:
    w = rng.gamma(2.0, 1.0, size=k) + 0.2
    return w / w.sum()


def _multi_table() -> list[str]:
    """Space-joined answer for every non-empty subset bitmask 1..255 (index 0 unused)."""
    names = multi_choices()
    out = [""]
    for mask in range(1, 1 << len(names)):
        out.append(" ".join(n for b, n in enumerate(names) if mask >> b & 1))
    return out


WORDS = (
    "gut",
    "schlecht",
    "mehr",
    "weniger",
    "Angebot",
    "Zeit",
    "Raum",
    "Team",
    "Jugend",
    "Eltern",
    "Schule",
    "Freizeit",
    "Beratung",
    "Sport",
    "Musik",
    "Kunst",
    "Ausflug",
    "Essen",
    "Geld",
    "Personal",
    "Öffnung",
    "Abend",
    "Wochenende",
    "Sommer",
    "Winter",
    "Fahrrad",
    "Bus",
    "Internet",
    "Handy",
    "Spiel",
    "Treffpunkt",
    "Ruhe",
    "Lärm",
    "Freunde",
    "Hilfe",
    "Projekt",
)


def _text_pool(rng: np.random.Generator, size: int = 512) -> list[str]:
    pool = []
    for _ in range(size):
        k = int(rng.integers(1, 7))
        pool.append(" ".join(rng.choice(WORDS, size=k)))
    # a few awkward texts: comma, quote, semicolon, line break, umlauts
    pool[:4] = ["mehr Zeit, bitte", 'sie sagte "toll"', "Raum; Team", "zwei\nZeilen"]
    return pool


def generate_frame(n: int, seed: int = DEFAULT_SEED, stray: float = DEFAULT_STRAY) -> pl.DataFrame:
    """The raw table (every column String) of a wave of ``n`` returns."""
    rng = np.random.default_rng(seed)
    specs = form_spec()
    cols: dict[str, pl.Series] = {}
    codes_of: dict[str, np.ndarray] = {}
    cols["_id"] = pl.Series("_id", np.arange(1, n + 1), dtype=pl.Int64).cast(pl.String)
    multi_lookup = _multi_table()
    text_pool = _text_pool(rng)

    for s in specs:
        if s.type == "select_one":
            p_missing = (
                0.0 if s.name == "region" else (P_MISSING_LIKERT if s.appearance else P_MISSING_ONE)
            )
            codes = _codes(rng, n, _probs(rng, len(s.choices)), p_missing)
        elif s.type == "select_multiple":
            p_sel = rng.uniform(0.1, 0.5, size=N_MULTI_CHOICES)
            bits = rng.random((n, N_MULTI_CHOICES)) < p_sel
            mask = (bits * (1 << np.arange(N_MULTI_CHOICES))).sum(axis=1).astype(np.int32)
            # an answered select_multiple has at least one choice: an empty draw picks one choice
            empty = mask == 0
            mask[empty] = 1 << rng.integers(0, N_MULTI_CHOICES, size=int(empty.sum()))
            mask[rng.random(n) < P_MISSING_MULTI] = -1
            codes = mask
        elif s.type == "integer":
            vals = rng.poisson(4.0 + 3 * (int(s.name[1:]) - 1), size=n).astype(np.int64)
            codes = np.where(rng.random(n) < P_MISSING_NUMBER, -1, 0).astype(np.int32)
        elif s.type == "decimal":
            vals = np.round(rng.gamma(2.0, 12.5, size=n), 1)
            codes = np.where(rng.random(n) < P_MISSING_NUMBER, -1, 0).astype(np.int32)
        else:  # text
            codes = rng.integers(0, len(text_pool), size=n).astype(np.int32)
            codes[rng.random(n) < P_MISSING_TEXT] = -1

        if s.condition is not None:
            cq, cc = s.condition
            parent = codes_of[cq]
            ci = next(i for i, name in enumerate(_spec(specs, cq).choices) if name == cc)
            relevant = parent == ci
            keep_stray = rng.random(n) < stray
            codes = np.where(relevant | keep_stray, codes, -1).astype(np.int32)
        codes_of[s.name] = codes

        if s.type == "select_one":
            cols[s.name] = _gather(list(s.choices), codes).alias(s.name)
        elif s.type == "select_multiple":
            cols[s.name] = _gather(multi_lookup, codes).alias(s.name)
        elif s.type in ("integer", "decimal"):
            num = pl.Series(s.name, vals)
            strs = num.cast(pl.String)
            cols[s.name] = (
                pl.select(pl.when(pl.Series(codes) >= 0).then(strs)).to_series().alias(s.name)
            )
        else:
            cols[s.name] = _gather(text_pool, codes).alias(s.name)
    return pl.DataFrame(list(cols.values()))


def _spec(specs: list[Spec], name: str) -> Spec:
    return next(s for s in specs if s.name == name)


def parse_size(text: str) -> int:
    t = text.strip().lower().replace("_", "")
    mult = 1
    if t.endswith("k"):
        mult, t = 1_000, t[:-1]
    elif t.endswith("m"):
        mult, t = 1_000_000, t[:-1]
    return int(float(t) * mult)


def size_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def wave_dir(n: int, root: Path = DATA) -> Path:
    return root / size_label(n)


def generate(
    n: int,
    out: Path | None = None,
    seed: int = DEFAULT_SEED,
    stray: float = DEFAULT_STRAY,
    force: bool = False,
) -> Path:
    """Write form.xlsx, data.csv and data.parquet for ``n`` returns; returns the folder."""
    out = out or wave_dir(n)
    files = [out / "form.xlsx", out / "data.csv", out / "data.parquet"]
    stamp = out / ".generated"
    want = f"n={n} seed={seed} stray={stray}"
    if (
        not force
        and all(f.exists() for f in files)
        and stamp.exists()
        and stamp.read_text() == want
    ):
        return out
    out.mkdir(parents=True, exist_ok=True)
    write_form(out / "form.xlsx")
    df = generate_frame(n, seed, stray)
    df.write_csv(out / "data.csv", null_value="")
    df.write_parquet(out / "data.parquet", compression="zstd", statistics=False)
    stamp.write_text(want)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", default=["10k", "100k", "1m"])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument(
        "--stray",
        type=float,
        default=DEFAULT_STRAY,
        help="share of answers to non-relevant follow-ups",
    )
    ap.add_argument("--out", type=Path, default=None, help="folder (only with a single size)")
    ap.add_argument("--force", action="store_true", help="write even if the files exist")
    args = ap.parse_args(argv)
    for text in args.sizes:
        n = parse_size(text)
        t0 = time.perf_counter()
        out = generate(
            n, args.out if len(args.sizes) == 1 else None, args.seed, args.stray, args.force
        )
        mib = sum(f.stat().st_size for f in out.iterdir() if f.is_file()) / 2**20
        print(f"{size_label(n):>6}: {out}  ({mib:,.1f} MiB, {time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
