"""The tabulation as SQL over a wave's snapshot: what klappt hands over beyond one machine.

A stored wave's snapshot (:mod:`klappt.store.snapshots`) is one Parquet file that carries its
own description: the instrument and the column layout (:mod:`klappt.store.snapshot_codec`) are in
the file's metadata. :func:`tabulation_sql` turns that into one ``SELECT … GROUP BY`` per
question, in the SQL that DuckDB and Spark SQL both run as it is (``CASE``, ``SUM``, bit
operators on the stored codes, ``GROUPING SETS``), so the same counts can be had where the
snapshot lies on object storage and the returns no longer fit one machine (docs/SCALE.md).

Every statement gives one row for all returns (``total`` = 1, ``grp`` NULL) and, with a banner,
one row per banner group (``total`` = 0, ``grp`` = the group's choice name; the returns without
a banner answer form the row with ``grp`` NULL and ``total`` = 0, as klappt's group without a
choice). The
other columns are the question's ``base`` and then, for a choice question, one count per choice
named as the choice; for a number ``n``, ``min``, ``max`` and ``sum``. The counts are klappt's
(:func:`klappt.analysis.tabulate.tabulate`): a select_one counts its answered returns as its base,
a select_multiple the returns with at least one choice, a text its non-empty answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from klappt.instrument.model import SELECT_MULTIPLE, SELECT_ONE
from klappt.instrument.serialize import instrument_from_json
from klappt.store import snapshot_codec

#: question types that get a statement (dates, geopoints and the like do not)
NUMBERS = ("integer", "decimal")


def tabulation_sql(
    snapshot: Path | str, by: str | None = None, source: str | None = None
) -> dict[str, str]:
    """One SQL statement per question of the snapshot's wave, by question name.

    ``source`` is where the engine finds the file (``s3://bucket/wave.parquet``, a table
    name); by default ``read_parquet('<snapshot>')``, which DuckDB reads and Spark SQL reads as
    ``parquet.`<path>```. ``by`` names a select_one question as the banner.
    """
    import polars as pl

    metadata = pl.read_parquet_metadata(snapshot)
    form = instrument_from_json(metadata["klappt.instrument"])
    layout = json.loads(metadata[snapshot_codec.LAYOUT_KEY])
    where = source or f"read_parquet({_string(str(snapshot))})"
    bits = {
        name: (entry["values"], k)
        for entry in layout["bits"]
        for k, name in enumerate(entry["columns"])
    }
    group = "NULL"
    if by is not None:
        banner = form.question(by)
        if banner is None or banner.type != SELECT_ONE or by not in layout["enums"]:
            raise ValueError(f"the banner must be a select_one question of the wave: {by!r}")
        group = _case(_quote(snapshot_codec.CODES + by), layout["enums"][by])
    out: dict[str, str] = {}
    for q in form.tabulated:
        columns = _aggregates(q, layout, bits)
        if columns is None:
            continue
        select = [f"{group} AS grp", f"GROUPING({group}) AS total" if by else "1 AS total"]
        select += [f"{expr} AS {_quote(name)}" for name, expr in columns]
        grouping = f"\nGROUP BY GROUPING SETS (({group}), ())" if by else ""
        out[q.name] = "SELECT " + ",\n       ".join(select) + f"\nFROM {where}{grouping}"
    return out


def _aggregates(
    q: Any, layout: dict[str, Any], bits: dict[str, tuple[str, int]]
) -> list[tuple[str, str]] | None:
    """(result column, SQL expression) of a question, or None for a type without a statement."""
    if q.type == SELECT_ONE and q.name in layout["enums"]:
        code = _quote(snapshot_codec.CODES + q.name)
        index = {c: i for i, c in enumerate(layout["enums"][q.name])}
        counts = [(c.name, _sum(f"{code} = {index[c.name]}")) for c in q.choices]
        return [("base", f"COUNT({code})"), *counts]
    if q.type == SELECT_MULTIPLE:
        names = [f"{q.name}/{c.name}" for c in q.choices]
        if not all(n in bits for n in names):
            return None
        tests = [f"({_quote(bits[n][0])} & {1 << bits[n][1]}) <> 0" for n in names]
        counts = [(c.name, _sum(t)) for c, t in zip(q.choices, tests, strict=True)]
        return [("base", _sum(" OR ".join(tests) or "FALSE")), *counts]
    if q.type in NUMBERS and q.name in layout["plain"]:
        col = _quote(snapshot_codec.PLAIN + q.name)
        return [("base", f"COUNT({col})"), ("n", f"COUNT({col})"), ("min", f"MIN({col})"),
                ("max", f"MAX({col})"), ("sum", f"SUM({col})")]  # fmt: skip
    if q.type == "text" and q.name in layout["plain"]:
        return [("base", f"COUNT({_quote(snapshot_codec.PLAIN + q.name)})")]
    return None


def _sum(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _case(code: str, categories: list[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN {_string(c)}" for i, c in enumerate(categories))
    return f"CASE {code} {whens} END"


def _quote(name: str) -> str:
    """An identifier in double quotes (DuckDB; Spark SQL with ANSI quoting, or as backticks)."""
    return '"' + name.replace('"', '""') + '"'


def _string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
