"""The fast tabulation path against a straightforward implementation, on random small waves.

Each case builds a random XLSForm (select_one, select_multiple, Likert, integer, decimal, text,
a banner, follow-ups with ``${q} = 'c'`` / ``selected(${m}, 'c')`` conditions, some chained) and a
CSV of 30–200 returns with the usual dirt: empty and blank cells, unknown codes, unknown tokens in
a select_multiple, numbers that are no numbers or no whole numbers, stray answers to follow-ups
that were not asked, a banner left empty, duplicate return ids. The CSV goes through
``read_table`` + ``load_responses`` + ``tabulate`` and, separately, through the reference below:
a loop over the rows with the ``csv`` module that counts by hand. Bases, counts, mentions,
percents and statistics must be equal, with and without a banner.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import random
import re
import statistics
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl")
tab_mod = pytest.importorskip("klappt.analysis.tabulate")

from klappt.instrument import read_instrument  # noqa: E402
from klappt.responses.dataset import load_responses  # noqa: E402
from klappt.responses.io import read_table  # noqa: E402

tabulate = tab_mod.tabulate

ROOT = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------------------------------------
# random forms and waves


@dataclass
class Q:
    name: str
    type: str  # select_one | select_multiple | integer | decimal | text
    label: str
    list_name: str | None = None
    choices: tuple[tuple[str, str], ...] = ()  # (name, label)
    likert: bool = False
    cond: tuple[str, str, str] | None = None  # ("eq", q, c) or ("selected", q, c)

    @property
    def relevant(self) -> str:
        if self.cond is None:
            return ""
        kind, q, c = self.cond
        return f"${{{q}}} = '{c}'" if kind == "eq" else f"selected(${{{q}}}, '{c}')"


CHOICE_STYLES = (
    lambda k: [(f"c{i}", f"Antwort {i}") for i in range(1, k + 1)],
    lambda k: [(str(i), f"Stufe {i}") for i in range(1, k + 1)],  # numeric-looking codes
    lambda k: [
        (n, n.capitalize())
        for n in ("ja", "nein", "weiss_nicht", "vielleicht", "selten", "oft")[:k]
    ],
)
LIKERT = (
    ("1", "trifft voll zu"),
    ("2", "trifft eher zu"),
    ("3", "teils, teils"),
    ("4", "trifft eher nicht zu"),
    ("5", "trifft gar nicht zu"),
)


def random_form(rnd: random.Random) -> list[Q]:
    qs: list[Q] = []
    k = rnd.randint(2, 4)
    qs.append(
        Q(
            "site",
            "select_one",
            "Einrichtung",
            "sites",
            tuple((f"e{i}", f"Einrichtung {i}") for i in range(1, k + 1)),
        )
    )
    kinds = (
        ["select_one"] * rnd.randint(1, 4)
        + ["select_multiple"] * rnd.randint(1, 3)
        + ["likert"] * rnd.randint(0, 2)
        + ["integer"] * rnd.randint(0, 2)
        + ["decimal"] * rnd.randint(0, 1)
        + ["text"] * rnd.randint(0, 1)
    )
    rnd.shuffle(kinds)
    for i, kind in enumerate(kinds, start=1):
        name = f"q{i:02d}"
        label = f"Frage {i}"
        if kind == "select_one":
            style = rnd.choice(CHOICE_STYLES)
            q = Q(name, "select_one", label, f"l{i}", tuple(style(rnd.randint(2, 5))))
        elif kind == "select_multiple":
            style = rnd.choice(CHOICE_STYLES)
            q = Q(name, "select_multiple", label, f"l{i}", tuple(style(rnd.randint(2, 5))))
        elif kind == "likert":
            q = Q(name, "select_one", label, f"l{i}", LIKERT[: rnd.choice((4, 5))], likert=True)
        else:
            q = Q(name, kind, label)
        # a follow-up of an earlier select question (which may itself be a follow-up)
        parents = [p for p in qs if p.type in ("select_one", "select_multiple")]
        if parents and rnd.random() < 0.4:
            p = rnd.choice(parents)
            c = rnd.choice(p.choices)[0]
            q.cond = ("selected" if p.type == "select_multiple" else "eq", p.name, c)
        qs.append(q)
    return qs


def write_form(qs: list[Q], path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label", "relevant", "appearance"])
    for q in qs:
        t = f"{q.type} {q.list_name}" if q.list_name else q.type
        ws.append([t, q.name, q.label, q.relevant, "likert" if q.likert else ""])
    ch = wb.create_sheet("choices")
    ch.append(["list_name", "name", "label"])
    for q in qs:
        for name, label in q.choices:
            ch.append([q.list_name, name, label])
    st = wb.create_sheet("settings")
    st.append(["form_title", "form_id", "version"])
    st.append(["Zufallswelle", "zufall", "1"])
    wb.save(path)


def _true_value(q: Q, rnd: random.Random) -> str:
    """A clean answer as it would be written in the file."""
    names = [c for c, _ in q.choices]
    if q.type == "select_one":
        return rnd.choice(names)
    if q.type == "select_multiple":
        picked = [c for c in names if rnd.random() < 0.4] or [rnd.choice(names)]
        return " ".join(picked)
    if q.type == "integer":
        return str(rnd.randint(0, 30))
    if q.type == "decimal":
        return f"{rnd.randint(0, 999) / 10:.1f}"
    return rnd.choice(("gut", "mehr Zeit", "zu laut, zu voll", "nichts", "Raum; Team"))


def _dirty(q: Q, value: str, rnd: random.Random) -> str:
    """Sometimes damage an answer the way real files do."""
    r = rnd.random()
    if r > 0.12:
        return value
    if q.type == "select_one":
        return rnd.choice(("zz", "99", f" {value} ", value.upper() if value.isalpha() else "x"))
    if q.type == "select_multiple":
        return rnd.choice(
            (f"{value} zz", f"  {value.replace(' ', '  ')} ", "zz", value.replace(" ", ","))
        )
    if q.type == "integer":
        return rnd.choice(("abc", "2.5", " 7 ", "3,5", "1e2"))
    if q.type == "decimal":
        return rnd.choice(("x", "4,25", " 12.5 ", "-3"))
    return rnd.choice(("   ", value))


def random_wave(qs: list[Q], n: int, rnd: random.Random) -> list[list[str]]:
    """Rows of the CSV (header first)."""
    rows = [["_id", *[q.name for q in qs]]]
    p_answer = {q.name: rnd.uniform(0.6, 0.97) for q in qs}
    ids = list(range(1, n + 1))
    for i in range(n):
        truth: dict[str, str | None] = {}
        cells = []
        for q in qs:
            asked = True
            if q.cond is not None:
                kind, p, c = q.cond
                pv = truth.get(p)
                asked = pv is not None and (pv == c if kind == "eq" else c in pv.split())
            answered = rnd.random() < p_answer[q.name]
            stray = not asked and rnd.random() < 0.08
            v = _true_value(q, rnd) if (asked and answered) or stray else None
            truth[q.name] = v if asked else None
            cells.append("" if v is None else _dirty(q, v, rnd))
        rid = ids[i] if rnd.random() > 0.03 or i == 0 else rnd.choice(ids[:i])  # duplicate ids
        rows.append([str(rid), *cells])
    return rows


def write_csv(rows: list[list[str]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


# ---------------------------------------------------------------------------------------------
# the straightforward implementation


def pct(count: int, base: int) -> float | None:
    """Percent with one decimal, half-up, from the exact counts; no percent of nothing."""
    if base == 0:
        return None
    return _half_up(Fraction(100 * count, base))


def _half_up(x: Fraction, digits: int = 1) -> float:
    scale = 10**digits
    return math.floor(x * scale + Fraction(1, 2)) / scale


def parse_number(text: str) -> float | None:
    s = re.sub(r"[\s\u00a0\u202f']", "", text)
    if "," in s and "." not in s:
        s = s.replace(",", ".", 1)
    try:
        v = float(s)
    except ValueError:
        return None
    return None if math.isnan(v) or math.isinf(v) else v


def typed_rows(qs: list[Q], csv_path: Path) -> list[dict[str, object]]:
    """Every return as {question: value}, validated and with relevance applied, row by row.

    Relevance: a follow-up's answer is dropped when its condition, evaluated on the cleaned
    (and already relevance-masked) earlier answers, is false — unless the question the condition
    refers to had an answer that failed validation: then the condition cannot be decided and the
    follow-up's answer is kept (klappt neither reports nor removes it).
    """
    with csv_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        records = list(reader)
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    for rec in records:
        cells = {h: (v.strip() or None) for h, v in zip(header, rec, strict=True)}
        rid = cells["_id"]
        if rid is not None:
            if rid in seen:
                continue  # a duplicate return id: only the first return counts
            seen.add(rid)
        row: dict[str, object] = {}
        invalid: dict[str, bool] = {}
        for q in qs:
            raw = cells.get(q.name)
            names = [c for c, _ in q.choices]
            value: object = None
            if raw is not None:
                if q.type == "select_one":
                    value = raw if raw in names else None
                elif q.type == "select_multiple":
                    tokens = [t for t in re.split(r"[\s,;]+", raw) if t]
                    known = {t for t in tokens if t in names}
                    value = known or None  # nothing known selected = not answered
                elif q.type in ("integer", "decimal"):
                    num = parse_number(raw)
                    if q.type == "integer" and num is not None:
                        num = int(num) if num == int(num) else None
                    value = num
                else:
                    value = raw
            # an answer the checks threw out: a condition on it cannot be decided
            invalid[q.name] = raw is not None and value is None
            if q.cond is not None:  # relevance on the cleaned values, earlier questions first
                kind, p, c = q.cond
                pv = row.get(p)
                asked = pv is not None and (pv == c if kind == "eq" else c in pv)
                if not asked and not invalid[p]:
                    value = None
            row[q.name] = value
        out.append(row)
    return out


def _stats(values: list[float]) -> dict[str, object]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "mean": statistics.fmean(values),
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "sum": math.fsum(values),
    }


def _block(q: Q, rows: list[dict[str, object]]) -> dict[str, object]:
    vals = [r[q.name] for r in rows if r[q.name] is not None]
    block: dict[str, object] = {"base": len(vals)}
    if q.type == "select_one":
        counts = {c: sum(1 for v in vals if v == c) for c, _ in q.choices}
        block["rows"] = [
            {"choice": c, "label": lab, "count": counts[c], "percent": pct(counts[c], len(vals))}
            for c, lab in q.choices
        ]
        if q.likert:
            block["scale_counts"] = [counts[c] for c, _ in q.choices]
    elif q.type == "select_multiple":
        counts = {c: sum(1 for v in vals if c in v) for c, _ in q.choices}
        mentions = sum(counts.values())
        block["mentions"] = mentions
        block["rows"] = [
            {
                "choice": c,
                "label": lab,
                "count": counts[c],
                "percent": pct(counts[c], len(vals)),
                "percent_of_mentions": pct(counts[c], mentions),
            }
            for c, lab in q.choices
        ]
    elif q.type in ("integer", "decimal"):
        block["rows"] = []
        block["stats"] = _stats([float(v) for v in vals])
    else:
        block["rows"] = []
    return block


def reference(qs: list[Q], csv_path: Path, by: str | None = None) -> dict[str, object]:
    rows = typed_rows(qs, csv_path)
    tables = []
    for q in qs:
        t = {"question": q.name, "type": q.type, "label": q.label, **_block(q, rows)}
        if by is not None:
            banner = next(b for b in qs if b.name == by)
            groups = [
                {"choice": g, "label": glab, **_block(q, [r for r in rows if r[by] == g])}
                for g, glab in banner.choices
            ]
            # returns without a banner answer form a group of their own
            if any(r[by] is None for r in rows):
                groups.append(
                    {
                        "choice": None,
                        "label": "keine Angabe",
                        **_block(q, [r for r in rows if r[by] is None]),
                    }
                )
            t["by"] = {"question": by, "groups": groups}
        tables.append(t)
    return {"responses": len(rows), "tables": tables}


# ---------------------------------------------------------------------------------------------
# comparison


def _close(engine_value: object, exact: float) -> bool:
    """klappt may round statistics for display; allow the last shown digit (two decimals)."""
    if engine_value is None:
        return False
    return abs(float(engine_value) - exact) <= 0.005 + 1e-9 + 1e-12 * abs(exact)


def _scale_checks(where: str, e: dict, scale_counts: list[int], base: int) -> list[str]:
    """Mean of the scale positions (1 = first choice) and the share of the two first choices."""
    out = []
    if base == 0:
        return out
    if "mean" in e and e["mean"] is not None:
        mean = sum((i + 1) * k for i, k in enumerate(scale_counts)) / base
        if not _close(e["mean"], mean):
            out.append(f"{where}: mean {e['mean']} != {mean}")
    if "top2" in e and e["top2"] is not None and e["top2"] != pct(sum(scale_counts[:2]), base):
        out.append(f"{where}: top2 {e['top2']} != {pct(sum(scale_counts[:2]), base)}")
    return out


def diff_block(where: str, e: dict, r: dict) -> list[str]:
    out = []
    if e.get("base") != r["base"]:
        out.append(f"{where}: base {e.get('base')} != {r['base']}")
    if "mentions" in r and e.get("mentions") != r["mentions"]:
        out.append(f"{where}: mentions {e.get('mentions')} != {r['mentions']}")
    e_rows = {row["choice"]: row for row in e.get("rows", [])}
    for rr in r["rows"]:
        er = e_rows.get(rr["choice"])
        if er is None:
            out.append(f"{where}/{rr['choice']}: missing row")
            continue
        for key in ("label", "count", "percent", "percent_of_mentions"):
            if key in rr and er.get(key) != rr[key]:
                out.append(f"{where}/{rr['choice']}: {key} {er.get(key)!r} != {rr[key]!r}")
    extra = set(e_rows) - {rr["choice"] for rr in r["rows"]}
    if extra:
        out.append(f"{where}: unexpected rows {sorted(extra)}")
    if "scale_counts" in r:
        out.extend(_scale_checks(where, e, r["scale_counts"], r["base"]))
    if "stats" in r:
        es, rs = e.get("stats") or {}, r["stats"]
        if es.get("n", 0) != rs["n"]:
            out.append(f"{where}: stats.n {es.get('n')} != {rs['n']}")
        elif rs["n"]:
            for key in ("mean", "median", "min", "max", "sum"):
                if key in es and not _close(es[key], rs[key]):
                    out.append(f"{where}: stats.{key} {es[key]} != {rs[key]}")
    return out


def diff(engine: dict, ref: dict) -> list[str]:
    out = []
    if engine["responses"] != ref["responses"]:
        out.append(f"responses {engine['responses']} != {ref['responses']}")
    e_tables = {t["question"]: t for t in engine["tables"]}
    for rt in ref["tables"]:
        name = rt["question"]
        et = e_tables.get(name)
        if et is None:
            out.append(f"{name}: no table")
            continue
        if et.get("type") != rt["type"]:
            out.append(f"{name}: type {et.get('type')} != {rt['type']}")
        out.extend(diff_block(name, et, rt))
        if "by" in rt:
            eb = et.get("by")
            if not eb or eb.get("question") != rt["by"]["question"]:
                out.append(f"{name}: no banner")
                continue
            e_groups = {g["choice"]: g for g in eb["groups"]}
            extra = set(e_groups) - {rg["choice"] for rg in rt["by"]["groups"]}
            if extra:
                out.append(f"{name}: unexpected groups {sorted(extra, key=str)}")
            for rg in rt["by"]["groups"]:
                eg = e_groups.get(rg["choice"])
                if eg is None:
                    out.append(f"{name}[{rg['choice']}]: missing group")
                    continue
                if eg.get("label") != rg["label"]:
                    out.append(
                        f"{name}[{rg['choice']}]: label {eg.get('label')!r} != {rg['label']!r}"
                    )
                out.extend(diff_block(f"{name}[{rg['choice']}]", eg, rg))
    return out


# ---------------------------------------------------------------------------------------------
# the tests


def _case(seed: int, tmp_path: Path, form_seed: int | None = None) -> tuple[list[Q], Path, Path]:
    """A random form (from ``form_seed``, default ``seed``) and a random wave for it."""
    form_seed = seed if form_seed is None else form_seed
    qs = random_form(random.Random(form_seed))
    rnd = random.Random(seed * 7919 + 1)
    n = rnd.randint(30, 200)
    form = tmp_path / f"form_{form_seed}.xlsx"
    data = tmp_path / f"data_{seed}.csv"
    if not form.exists():
        write_form(qs, form)
    write_csv(random_wave(qs, n, rnd), data)
    return qs, form, data


@pytest.mark.parametrize("counter", ["polars", "numpy"])
@pytest.mark.parametrize("chunk", range(5))
def test_random_waves_match_reference(
    chunk: int, counter: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """50 seeded waves (10 per chunk) on 25 random forms, with and without the banner; counted
    both ways the engine counts (Polars for small waves, numpy from ``_NUMPY_FROM`` returns).
    The numpy runs read the choice columns as categories, as ``klappt tabulate`` does."""
    from klappt.responses.columns import category_headers

    monkeypatch.setattr(tab_mod, "_NUMPY_FROM", 0 if counter == "numpy" else 10**9)
    forms: dict[Path, object] = {}
    for seed in range(chunk * 10, chunk * 10 + 10):
        qs, form_path, data_path = _case(seed, tmp_path, form_seed=seed // 2)
        if form_path not in forms:
            forms[form_path] = read_instrument(form_path)
        form = forms[form_path]
        categories = (lambda h, f=form: category_headers(f, h)) if counter == "numpy" else None
        rs, _report = load_responses(form, read_table(data_path, categories=categories))
        for by in (None, "site"):
            got = tabulate(rs, by=by).to_dict()
            want = reference(qs, data_path, by=by)
            problems = diff(got, want)
            assert not problems, f"seed {seed}, by={by}: " + "; ".join(problems[:15])


def test_empty_follow_up_and_empty_group(tmp_path: Path) -> None:
    """A follow-up nobody was asked and a banner group nobody is in: bases 0, counts 0, no crash."""
    qs = [
        Q(
            "site",
            "select_one",
            "Einrichtung",
            "sites",
            (("e1", "Eins"), ("e2", "Zwei"), ("e3", "Drei")),
        ),
        Q("q01", "select_one", "Frage 1", "yn", (("ja", "Ja"), ("nein", "Nein"))),
        Q(
            "q02",
            "select_multiple",
            "Frage 2",
            "m",
            (("a", "A"), ("b", "B")),
            cond=("eq", "q01", "ja"),
        ),
        Q("q03", "integer", "Frage 3", cond=("eq", "q01", "ja")),
        Q("q04", "select_one", "Frage 4", "lik", LIKERT[:4], likert=True, cond=("eq", "q01", "ja")),
    ]
    rows = [["_id", "site", "q01", "q02", "q03", "q04"]]
    rows += [
        [
            str(i),
            "e1" if i % 2 else "e2",
            "nein",
            "a b" if i % 3 == 0 else "",
            "5" if i % 4 == 0 else "",
            "2",
        ]
        for i in range(1, 31)
    ]
    form_path, data_path = tmp_path / "form.xlsx", tmp_path / "data.csv"
    write_form(qs, form_path)
    write_csv(rows, data_path)
    rs, _ = load_responses(read_instrument(form_path), read_table(data_path))
    got = tabulate(rs, by="site").to_dict()
    problems = diff(got, reference(qs, data_path, by="site"))
    assert not problems, "; ".join(problems[:15])
    tables = {t["question"]: t for t in got["tables"]}
    assert tables["q02"]["base"] == 0 and tables["q03"]["base"] == 0 and tables["q04"]["base"] == 0


def test_parquet_and_csv_give_the_same_tables(tmp_path: Path) -> None:
    """The same raw table from CSV and from Parquet tabulates the same."""
    _qs, form_path, data_path = _case(4242, tmp_path)
    form = read_instrument(form_path)
    pq_path = tmp_path / "data.parquet"
    read_table(data_path).frame.write_parquet(pq_path)
    a = tabulate(load_responses(form, read_table(data_path))[0], by="site").to_dict()
    b = tabulate(load_responses(form, read_table(pq_path))[0], by="site").to_dict()
    assert a == b


def _bench_module(name: str):  # a module loaded from bench/ (no package)
    path = ROOT / "bench" / f"{name}.py"
    if not path.exists():
        pytest.skip(f"bench/{name}.py not present")
    spec = importlib.util.spec_from_file_location(f"klappt_bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_benchmark_wave_matches_pandas_baseline(tmp_path: Path) -> None:
    """A small benchmark wave (bench/generate.py): klappt and the pandas baseline count the same."""
    pytest.importorskip("pandas")
    gen = _bench_module("generate")
    base = _bench_module("baseline_pandas")
    out = gen.generate(1000, out=tmp_path / "wave", seed=11, stray=0.03, force=True)
    form = read_instrument(out / "form.xlsx")
    rs, _ = load_responses(form, read_table(out / "data.parquet"))
    got = tabulate(rs, by="region").to_dict()
    bform = base.read_form(out / "form.xlsx")
    want = base.tabulate(
        base.prepare(base.read_data(out / "data.parquet"), bform), bform, by="region"
    )
    problems = base.compare(got, want)
    assert not problems, "; ".join(problems)
    assert want["responses"] == 1000 and len(want["tables"]) == 59
