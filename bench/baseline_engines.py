"""Two more baselines for tabulation alone: a hand-written Polars ``group_by`` and DuckDB's SQL.

Both start where klappt's ``tabulate`` starts: the typed frame of ``load_responses`` (select_one
as ``Enum``, select_multiple as one Boolean column per choice, relevance applied), so the three
compare counting with counting. Each computes what klappt's tables hold, the way one would write
it for that engine:

- **Polars**: per select_one one ``group_by([banner, q]).len()``; per select_multiple and for the
  texts one ``group_by(banner)`` with a sum per choice and the base (any choice); the numbers'
  count, min, max, mean, median and sum per group and over all returns. All queries go to
  ``pl.collect_all`` at once, so Polars runs them on both cores as it sees fit.
- **DuckDB**: the frame is handed over as Arrow (no copy; outside the timing, as klappt's frame
  is loaded before its timing too); per select_one ``GROUP BY GROUPING SETS ((banner, q), (q))``,
  per select_multiple and texts one ``GROUP BY GROUPING SETS ((banner), ())`` with
  ``count_if(...)``, the numbers likewise. DuckDB uses its own threads.

The toplines of the Polars baseline are the sums of its groups (as klappt's are), the numbers'
overall statistics a query of their own. ``counts(...)`` turns the results and klappt's JSON
into one flat dict of integers (and the numbers' statistics) for ``compare``.
"""

from __future__ import annotations

from typing import Any

import polars as pl

NUMERIC = ("integer", "decimal")
ALL = "*"  # the "group" of the toplines


def _questions(form: Any) -> list[Any]:
    return [q for q in form.tabulated if q.type != "date"]


def polars_tables(frame: pl.DataFrame, form: Any, by: str) -> dict[tuple, Any]:
    """The tables by the Polars baseline, as flat ``counts``."""
    lf = frame.lazy()
    b = pl.col(by).alias("__by")  # an alias: the banner is also one of the questions
    queries: list[pl.LazyFrame] = []
    kinds: list[tuple[str, Any]] = []
    for q in _questions(form):
        if q.type == "select_one":
            queries.append(lf.group_by(b, q.name).len())
            kinds.append(("one", q))
        elif q.type == "select_multiple":
            cols = [f"{q.name}/{c.name}" for c in q.choices]
            aggs = [pl.col(c).sum().alias(c) for c in cols]
            aggs.append(pl.any_horizontal(cols).sum().alias("base"))
            queries.append(lf.group_by(b).agg(aggs))
            kinds.append(("multi", q))
        elif q.type in NUMERIC:
            c = pl.col(q.name)
            aggs = [
                c.count().alias("base"),
                c.min().alias("min"),
                c.max().alias("max"),
                c.mean().alias("mean"),
                c.median().alias("median"),
                c.sum().alias("sum"),
            ]
            queries.append(lf.group_by(b).agg(aggs))
            kinds.append(("num", q))
            queries.append(
                lf.select(aggs).with_columns(pl.lit(None, dtype=frame.schema[by]).alias("__by"))
            )
            kinds.append(("numall", q))
        else:
            queries.append(lf.group_by(b).agg(pl.col(q.name).is_not_null().sum().alias("base")))
            kinds.append(("text", q))
    queries.append(lf.group_by(b).len())
    kinds.append(("n", None))
    out: dict[tuple, Any] = {}
    for (kind, q), res in zip(kinds, pl.collect_all(queries), strict=True):
        for row in res.iter_rows(named=True):
            g = row["__by"]
            if kind == "one":
                v = row[q.name]
                if v is not None:
                    _add(out, (q.name, g, v), row["len"])
                    _add(out, (q.name, g, "base"), row["len"])
            elif kind == "multi":
                for c in q.choices:
                    _add(out, (q.name, g, c.name), row[f"{q.name}/{c.name}"])
                _add(out, (q.name, g, "base"), row["base"])
            elif kind == "text":
                _add(out, (q.name, g, "base"), row["base"])
            elif kind == "n":
                _add(out, ("", g, "n"), row["len"])
            else:
                target = ALL if kind == "numall" else g
                for stat in ("base", "min", "max", "mean", "median", "sum"):
                    out[(q.name, target, stat)] = row[stat]
    return out


def _add(out: dict[tuple, Any], k: tuple, n: int) -> None:
    """Count ``n`` into its group and into the toplines."""
    out[k] = out.get(k, 0) + n
    top = (k[0], ALL, k[2])
    out[top] = out.get(top, 0) + n


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def duckdb_sql(form: Any, by: str, table: str = "t") -> list[tuple[str, str, list[Any]]]:
    """The SQL of the DuckDB baseline: one ``GROUP BY`` per select_one, and one query with every
    other question's aggregates by the banner and over all returns."""
    bi = _ident(by)
    out: list[tuple[str, str, list[Any]]] = []
    wide: list[str] = []
    rest: list[Any] = []
    for q in _questions(form):
        qi = _ident(q.name)
        p = f"q{len(rest)}_"  # the columns of one question in the wide query
        if q.type == "select_one":
            sql = (
                f"SELECT g, grouping(g) AS top, v, count(*) AS n "
                f"FROM (SELECT {bi} AS g, {qi} AS v FROM {table} WHERE {qi} IS NOT NULL) "
                "GROUP BY GROUPING SETS ((g, v), (v))"
            )
            out.append(("one", sql, [q]))
            continue
        rest.append(q)
        if q.type == "select_multiple":
            cols = [_ident(f"{q.name}/{c.name}") for c in q.choices]
            wide += [f"count_if({c}) AS {p}c{i}" for i, c in enumerate(cols)]
            wide.append(f"count_if({' OR '.join(cols)}) AS {p}base")
        elif q.type in NUMERIC:
            wide += [
                f"count({qi}) AS {p}base",
                f"min({qi}) AS {p}min",
                f"max({qi}) AS {p}max",
                f"avg({qi}) AS {p}mean",
                f"median({qi}) AS {p}median",
                f"sum({qi}) AS {p}sum",
            ]
        else:
            wide.append(f"count({qi}) AS {p}base")
    wide.append("count(*) AS n")
    sql = (
        f"SELECT {bi} AS g, grouping({bi}) AS top, {', '.join(wide)} FROM {table} "
        f"GROUP BY GROUPING SETS (({bi}), ())"
    )
    out.append(("wide", sql, rest))
    return out


def duckdb_connect(frame: pl.DataFrame) -> Any:
    """A DuckDB connection with the frame as its own table ``t`` (copied in once, outside the
    timing: klappt's frame is loaded before its timing too)."""
    import duckdb

    con = duckdb.connect()
    con.register("loaded", frame.to_arrow())
    # the choices as DuckDB's ENUM (small integers, like klappt's), not as text
    cols = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Enum):
            values = ", ".join("'" + c.replace("'", "''") + "'" for c in dtype.categories)
            cols.append(f"CAST({_ident(name)} AS ENUM({values})) AS {_ident(name)}")
        else:
            cols.append(_ident(name))
    con.execute(f"CREATE TABLE t AS SELECT {', '.join(cols)} FROM loaded")
    con.unregister("loaded")
    return con


def duckdb_tables(con: Any, form: Any, by: str) -> dict[tuple, Any]:
    """The tables by the DuckDB baseline, as flat ``counts``."""
    out: dict[tuple, Any] = {}
    for kind, sql, qs in duckdb_sql(form, by):
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        for values in cur.fetchall():
            row = dict(zip(names, values, strict=True))
            g = ALL if row["top"] else row["g"]
            if kind == "one":
                q = qs[0]
                out[(q.name, g, row["v"])] = row["n"]
                out[(q.name, g, "base")] = out.get((q.name, g, "base"), 0) + row["n"]
                continue
            out[("", g, "n")] = row["n"]
            for j, q in enumerate(qs):
                p = f"q{j}_"
                if q.type == "select_multiple":
                    for i, c in enumerate(q.choices):
                        out[(q.name, g, c.name)] = row[f"{p}c{i}"]
                    out[(q.name, g, "base")] = row[f"{p}base"]
                elif q.type in NUMERIC:
                    for stat in ("base", "min", "max", "mean", "median", "sum"):
                        out[(q.name, g, stat)] = row[p + stat]
                else:
                    out[(q.name, g, "base")] = row[f"{p}base"]
    return out


def counts(tab: dict[str, Any]) -> dict[tuple, Any]:
    """klappt's JSON (``tabulate(...).to_dict()`` with a banner) as flat ``counts``."""
    out: dict[tuple, Any] = {}
    for t in tab["tables"]:
        if t["type"] == "date":
            continue
        groups = (t.get("by") or {}).get("groups", [])
        cells = [(ALL, t)] + [(g["choice"], g) for g in groups]
        for g, cell in cells:
            if t["type"] in NUMERIC:
                stats = cell.get("stats") or {}
                out[(t["question"], g, "base")] = cell["base"]
                for stat in ("min", "max", "mean", "median", "sum"):
                    out[(t["question"], g, stat)] = stats.get(stat)
                continue
            out[(t["question"], g, "base")] = cell["base"]
            for r in cell["rows"]:
                out[(t["question"], g, r["choice"])] = r["count"]
    return out


def compare(engine: dict[tuple, Any], baseline: dict[tuple, Any], limit: int = 10) -> list[str]:
    """Differences between klappt's flat counts and a baseline's (zero counts may be absent;
    statistics to klappt's two decimals)."""
    diffs: list[str] = []
    for k in sorted(set(engine) | set(baseline), key=repr):
        if k[0] == "":
            continue  # the group sizes are not part of klappt's JSON
        a, b = engine.get(k), baseline.get(k)
        if k[2] in ("min", "max", "mean", "median", "sum"):
            if ((a is None) != (b is None) and not (k[2] == "sum" and not a and not b)) or (
                a is not None
                and b is not None
                and abs(float(a) - float(b)) > 0.0051 + 1e-9 * abs(float(b))
            ):
                diffs.append(f"{k}: klappt {a}, baseline {b}")
        elif (a or 0) != (b or 0):
            diffs.append(f"{k}: klappt {a}, baseline {b}")
        if len(diffs) >= limit:
            break
    return diffs
