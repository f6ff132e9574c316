"""The plain pandas baseline: the tables of ``klappt tabulate`` the way one would write them by hand.

Deliberately independent of klappt: it reads the XLSForm itself (``pandas.read_excel``), understands
only what the benchmark waves use (select_one, select_multiple, integer, decimal, text and
relevance conditions of the form ``${q} = 'c'``) and produces the same structure as the JSON
contract of ``klappt tabulate --json`` (docs/ARCHITECTURE.md) so the two can be compared.

Three steps, timed separately by ``bench/measure.py``:

``read_data(path)``
    CSV or Parquet into a pandas frame of strings (empty cell -> missing).
``prepare(raw, form)``
    What ``klappt.responses.dataset.load_responses`` does for these waves: values outside the
    choice list and unparsable numbers become missing, follow-up answers are masked where their
    condition is false (in form order, so a masked question masks its own follow-ups), a
    select_multiple becomes one boolean column per choice (``str.contains`` on the space-joined
    answer).
``tabulate(prep, form, by)``
    ``value_counts`` per select_one, column sums per select_multiple, ``describe`` per number,
    ``pd.crosstab`` / ``groupby`` against the banner.

Usage::

    python bench/baseline_pandas.py bench/data/10k/form.xlsx bench/data/10k/data.parquet --by region
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

_REL = re.compile(r"^\s*\$\{(\w+)\}\s*=\s*'([^']*)'\s*$")
_TRUE = ("yes", "true", "true()", "1", "ja", "y")


@dataclass(frozen=True)
class BQuestion:
    name: str
    type: str  # select_one | select_multiple | integer | decimal | text | date | ...
    label: str
    choices: tuple[tuple[str, str], ...]  # (name, label)
    scale: bool
    condition: tuple[str, str] | None  # (question, choice) from ``${q} = 'c'``


@dataclass(frozen=True)
class BForm:
    questions: tuple[BQuestion, ...]

    def question(self, name: str) -> BQuestion:
        return next(q for q in self.questions if q.name == name)


def _cell(v: object) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v).strip()


def read_form(path: str | Path) -> BForm:
    """The survey and choices sheets of an XLSForm, read with pandas."""
    sheets = pd.read_excel(path, sheet_name=None, dtype=str)
    survey = sheets["survey"]
    choices = sheets.get("choices", pd.DataFrame(columns=["list_name", "name", "label"]))
    label_col = next((c for c in survey.columns if str(c).startswith("label")), None)
    clabel_col = next((c for c in choices.columns if str(c).startswith("label")), None)
    lists: dict[str, list[tuple[str, str]]] = {}
    ordered_lists: set[str] = set()
    for _, row in choices.iterrows():
        ln, name = _cell(row.get("list_name")), _cell(row.get("name"))
        if ln and name:
            lists.setdefault(ln, []).append((name, _cell(row.get(clabel_col)) or name))
            if _cell(row.get("ordered")).lower() in _TRUE:
                ordered_lists.add(ln)
    out: list[BQuestion] = []
    for _, row in survey.iterrows():
        t, name = _cell(row.get("type")), _cell(row.get("name"))
        if not t or not name or t.startswith(("begin", "end")):
            continue
        parts = t.split()
        kind = parts[0]
        list_name = parts[1] if len(parts) > 1 else None
        kind = {"select_one": "select_one", "select_multiple": "select_multiple"}.get(kind, kind)
        rel = _cell(row.get("relevant"))
        cond = None
        if rel:
            m = _REL.match(rel)
            if not m:
                raise ValueError(
                    f"the pandas baseline only understands ${{q}} = 'c' conditions, not {rel!r}"
                )
            cond = (m.group(1), m.group(2))
        appearance = _cell(row.get("appearance"))
        qchoices = tuple(lists.get(list_name, [])) if list_name else ()
        scale = kind == "select_one" and ("likert" in appearance or list_name in ordered_lists)
        out.append(BQuestion(name, kind, _cell(row.get(label_col)) or name, qchoices, scale, cond))
    return BForm(tuple(out))


def read_data(path: str | Path) -> pd.DataFrame:
    """The raw returns as strings; empty cells are missing."""
    p = Path(path)
    if p.suffix.lower() == ".parquet":
        df = pd.read_parquet(p)
    else:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    return df


@dataclass
class Prepared:
    frame: pd.DataFrame  # select_one/text: str, numbers: float, select_multiple: bool columns "q/c"
    multi: dict[str, list[str]]  # question -> its boolean column names
    answered_multi: dict[str, pd.Series]  # question -> answered (at least one choice)
    n: int


def prepare(raw: pd.DataFrame, form: BForm) -> Prepared:
    """Type and check the answers, split select_multiple answers, then apply relevance.

    Relevance is applied in form order on the cleaned answers: a follow-up is masked where its
    condition is false — unless the answer the condition refers to failed a check (then the
    condition cannot be decided and the follow-up is kept, as klappt does).
    """
    cols: dict[str, pd.Series] = {}
    multi: dict[str, list[str]] = {}
    answered_multi: dict[str, pd.Series] = {}
    invalid: dict[str, pd.Series] = {}
    n = len(raw)
    for q in form.questions:
        if q.name not in raw.columns:
            continue
        s = raw[q.name]
        s = s.str.strip()
        s = s.mask(s.eq(""))
        present = s.notna()
        if q.type == "select_one":
            names = [c for c, _ in q.choices]
            s = s.where(s.isin(names))
            answered = s.notna()
        elif q.type == "select_multiple":
            names = [c for c, _ in q.choices]
            padded = " " + s.fillna("").str.replace(r"[\s,;]+", " ", regex=True) + " "
            bools = {
                f"{q.name}/{c}": padded.str.contains(f" {c} ", regex=False)
                .fillna(False)
                .astype(bool)
                for c in names
            }
            answered = (
                pd.concat(list(bools.values()), axis=1).any(axis=1) if bools else present & False
            )
        elif q.type in ("integer", "decimal"):
            num = pd.to_numeric(s, errors="coerce")
            if q.type == "integer":
                num = num.where(num.isna() | (num == np.floor(num.fillna(0))))
            s = num.astype("float64")
            answered = s.notna()
        else:
            answered = present
        invalid[q.name] = present & ~answered
        if q.condition is not None:
            parent, choice = q.condition
            if parent in multi:  # ``${m} = 'c'`` on a select_multiple: exactly that one choice
                selected = pd.concat([cols[c] for c in multi[parent]], axis=1).sum(axis=1)
                key = f"{parent}/{choice}"
                keep = (
                    (selected == 1) & cols[key]
                    if key in cols
                    else pd.Series(False, index=raw.index)
                )
            elif parent in cols:
                keep = cols[parent].eq(choice).fillna(False).astype(bool)
            else:
                keep = pd.Series(False, index=raw.index)
            if parent in invalid:
                keep = keep | invalid[parent]
            answered = answered & keep
            if q.type == "select_multiple":
                bools = {k: v & keep for k, v in bools.items()}
            else:
                s = s.where(keep)
        if q.type == "select_multiple":
            cols.update(bools)
            multi[q.name] = list(bools)
            answered_multi[q.name] = answered
        else:
            cols[q.name] = s
    frame = pd.DataFrame(cols, index=raw.index)
    return Prepared(frame, multi, answered_multi, n)


# ---------------------------------------------------------------------------------------------
# tabulation


def pct(count: int, base: int) -> float | None:
    """Percent with one decimal, rounded half-up from the exact counts; none of a zero base."""
    if base <= 0:
        return None
    return ((2000 * int(count) + int(base)) // (2 * int(base))) / 10


def _round(x: float, nd: int = 2) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return float(round(x, nd))


def _select_one_rows(counts: pd.Series, q: BQuestion, base: int) -> list[dict]:
    return [
        {
            "choice": c,
            "label": lab,
            "count": int(counts.get(c, 0)),
            "percent": pct(int(counts.get(c, 0)), base),
        }
        for c, lab in q.choices
    ]


def _scale_stats(counts: pd.Series, q: BQuestion, base: int) -> dict:
    if base == 0:
        return {"mean": None, "top2": None}
    pos = {c: i + 1 for i, (c, _) in enumerate(q.choices)}
    total = sum(pos[c] * int(counts.get(c, 0)) for c in pos)
    top = sum(int(counts.get(c, 0)) for c, _ in q.choices[:2])
    return {"mean": _round(total / base), "top2": pct(top, base)}


def _multi_rows(sums: pd.Series, q: BQuestion, base: int, mentions: int) -> list[dict]:
    out = []
    for c, lab in q.choices:
        k = int(sums.get(f"{q.name}/{c}", 0))
        out.append(
            {
                "choice": c,
                "label": lab,
                "count": k,
                "percent": pct(k, base),
                "percent_of_mentions": pct(k, mentions),
            }
        )
    return out


def _num_stats(s: pd.Series) -> dict:
    d = s.describe()
    n = int(d["count"])
    if n == 0:
        return {"n": 0, "mean": None, "median": None, "min": None, "max": None, "sum": None}
    return {
        "n": n,
        "mean": float(d["mean"]),
        "median": float(d["50%"]),
        "min": float(d["min"]),
        "max": float(d["max"]),
        "sum": float(s.sum()),
    }


def tabulate(prep: Prepared, form: BForm, by: str | None = None) -> dict:
    """Toplines for every question, and each crossed by ``by``, as the JSON contract."""
    df = prep.frame
    banner = df[by] if by else None
    groups: list[tuple[str, str]] = list(form.question(by).choices) if by else []
    tables = []
    for q in form.questions:
        if q.type not in ("select_one", "select_multiple", "integer", "decimal", "text", "date"):
            continue
        if q.type != "select_multiple" and q.name not in df.columns:
            continue
        if q.type == "select_multiple" and q.name not in prep.multi:
            continue
        t: dict = {"question": q.name, "type": q.type, "label": q.label}
        if q.type == "select_one":
            s = df[q.name]
            counts = s.value_counts()
            base = int(counts.sum())
            t.update(base=base, rows=_select_one_rows(counts, q, base))
            if q.scale:
                t["scale"] = True
                t.update(_scale_stats(counts, q, base))
            if by:
                xt = pd.crosstab(s, banner)
                gl = []
                for g, glab in groups:
                    gc = xt[g] if g in xt.columns else pd.Series(dtype="int64")
                    gb = int(gc.sum())
                    entry = {
                        "choice": g,
                        "label": glab,
                        "base": gb,
                        "rows": _select_one_rows(gc, q, gb),
                    }
                    if q.scale:
                        entry.update(_scale_stats(gc, q, gb))
                    gl.append(entry)
                t["by"] = {"question": by, "groups": gl}
        elif q.type == "select_multiple":
            cols = prep.multi[q.name]
            answered = prep.answered_multi[q.name]
            bools = df[cols]
            sums = bools.sum()
            base = int(answered.sum())
            mentions = int(sums.sum())
            t.update(base=base, mentions=mentions, rows=_multi_rows(sums, q, base, mentions))
            if by:
                gsums = bools.groupby(banner).sum()
                gbase = answered.groupby(banner).sum()
                gl = []
                for g, glab in groups:
                    gs = gsums.loc[g] if g in gsums.index else pd.Series(dtype="int64")
                    gb = int(gbase.get(g, 0))
                    gm = int(gs.sum())
                    gl.append(
                        {
                            "choice": g,
                            "label": glab,
                            "base": gb,
                            "mentions": gm,
                            "rows": _multi_rows(gs, q, gb, gm),
                        }
                    )
                t["by"] = {"question": by, "groups": gl}
        elif q.type in ("integer", "decimal"):
            s = df[q.name]
            stats = _num_stats(s)
            t.update(base=stats["n"], rows=[], stats=stats)
            if by:
                gl = []
                grouped = dict(list(s.groupby(banner)))
                for g, glab in groups:
                    gst = _num_stats(grouped.get(g, pd.Series(dtype="float64")))
                    gl.append(
                        {"choice": g, "label": glab, "base": gst["n"], "rows": [], "stats": gst}
                    )
                t["by"] = {"question": by, "groups": gl}
        else:  # text, date: the base only
            s = df[q.name]
            base = int(s.notna().sum())
            t.update(base=base, rows=[])
            if by:
                gcount = s.notna().groupby(banner).sum()
                gl = [
                    {"choice": g, "label": glab, "base": int(gcount.get(g, 0)), "rows": []}
                    for g, glab in groups
                ]
                t["by"] = {"question": by, "groups": gl}
        tables.append(t)
    return {"responses": prep.n, "tables": tables}


def run(form_path: str | Path, data_path: str | Path, by: str | None = None) -> dict:
    form = read_form(form_path)
    return tabulate(prepare(read_data(data_path), form), form, by)


# ---------------------------------------------------------------------------------------------
# comparison with klappt's output


def _num_close(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return a == b
    # klappt rounds statistics for display; accept a difference within its last shown digit
    return abs(fa - fb) <= 0.051 + 1e-9 * max(abs(fa), abs(fb))


def compare(engine: dict, baseline: dict, check_stats: bool = True, limit: int = 20) -> list[str]:
    """Differences in responses, bases, counts, mentions, percents (and statistics) as messages.

    Only what both sides report is compared; a table or group that one side lacks is a difference.
    """
    diffs: list[str] = []

    def add(msg: str) -> None:
        if len(diffs) < limit:
            diffs.append(msg)

    if engine.get("responses") != baseline.get("responses"):
        add(f"responses: klappt {engine.get('responses')} vs pandas {baseline.get('responses')}")
    e_tables = {t["question"]: t for t in engine.get("tables", [])}
    b_tables = {t["question"]: t for t in baseline.get("tables", [])}
    for name in b_tables.keys() - e_tables.keys():
        add(f"{name}: no table from klappt")
    for name in e_tables.keys() - b_tables.keys():
        add(f"{name}: no table from pandas")

    def cmp_block(where: str, e: dict, b: dict) -> None:
        for key in ("base", "mentions"):
            if key in e and key in b and e[key] != b[key]:
                add(f"{where}: {key} klappt {e[key]} vs pandas {b[key]}")
        e_rows = {r["choice"]: r for r in e.get("rows", [])}
        b_rows = {r["choice"]: r for r in b.get("rows", [])}
        for c in b_rows.keys() | e_rows.keys():
            er, br = e_rows.get(c), b_rows.get(c)
            if er is None or br is None:
                # a choice nobody picked may be left out by one side: then the other must say 0
                other = er or br
                if other.get("count", 0) != 0:
                    add(f"{where}/{c}: row only on one side (count {other.get('count')})")
                continue
            for key in ("count", "percent", "percent_of_mentions"):
                if key in er and key in br and er[key] != br[key]:
                    add(f"{where}/{c}: {key} klappt {er[key]} vs pandas {br[key]}")
        if check_stats:
            for key in ("mean", "top2"):
                if key in e and key in b and not _num_close(e[key], b[key]):
                    add(f"{where}: {key} klappt {e[key]} vs pandas {b[key]}")
            es, bs = e.get("stats"), b.get("stats")
            if isinstance(es, dict) and isinstance(bs, dict):
                for key in bs.keys() & es.keys():
                    if key == "n":
                        if es[key] != bs[key]:
                            add(f"{where}: stats.n klappt {es[key]} vs pandas {bs[key]}")
                    elif not _num_close(es[key], bs[key]):
                        add(f"{where}: stats.{key} klappt {es[key]} vs pandas {bs[key]}")

    for name in sorted(b_tables.keys() & e_tables.keys()):
        e, b = e_tables[name], b_tables[name]
        cmp_block(name, e, b)
        if "by" in b or "by" in e:
            if "by" not in e or "by" not in b:
                add(f"{name}: banner only on one side")
                continue
            e_groups = {g["choice"]: g for g in e["by"].get("groups", [])}
            b_groups = {g["choice"]: g for g in b["by"].get("groups", [])}
            for g in b_groups.keys() | e_groups.keys():
                if g not in e_groups or g not in b_groups:
                    add(f"{name} by {g}: group only on one side")
                    continue
                cmp_block(f"{name}[{g}]", e_groups[g], b_groups[g])
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="plain pandas tabulation (the benchmark baseline)")
    ap.add_argument("form")
    ap.add_argument("data")
    ap.add_argument("--by", default=None)
    args = ap.parse_args(argv)
    json.dump(run(args.form, args.data, args.by), sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
