"""How a typed frame is laid out in a snapshot's Parquet file, and back.

Reading a snapshot must cost next to nothing beyond the bytes: a stored wave is tabulated
straight from it. Two column kinds dominate the typed frame and decode slowly from Parquet as
they are (measured on the benchmark's million returns: about 1.5 s of a 2 s read went to 160
Boolean columns, 0.5 s to 31 Enum columns whose dictionary text Polars maps back to codes):

* an ``Enum`` column (a choice question) is stored as its codes, the physical integers, and its
  categories are kept in the file's metadata; reading takes the categories by the codes
  (a ``gather``), no text is compared;
* ``Boolean`` columns (the choices of a multiple-response question) are packed eight to a
  byte: one ``UInt8`` column holds the values, bit *k* for the *k*-th column of the group, and a
  second one, only where a column of the group has a null, the nulls. Reading unpacks them with
  one vectorised expression per column.

Every other column is stored as it is. The layout (which file column holds which frame column)
is JSON in the file's metadata under :data:`LAYOUT_KEY`; :func:`decode` returns the frame in
its original column order, equal to the one encoded (``DataFrame.equals``, same schema).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

LAYOUT_KEY = "klappt.layout"
#: Boolean columns per packed byte
PACK = 8
CODES = "c:"
BITS = "b:"
PLAIN = "f:"


def encode(frame: pl.DataFrame) -> tuple[pl.DataFrame, str]:
    """The frame as it is written (codes and packed bits), and its layout as JSON."""
    import polars as pl

    exprs: list[pl.Expr] = []
    layout: dict[str, Any] = {"columns": list(frame.columns), "enums": {}, "bits": [], "plain": []}
    booleans: list[str] = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Enum):
            layout["enums"][name] = list(dtype.categories)
            exprs.append(pl.col(name).to_physical().alias(CODES + name))
        elif dtype == pl.Boolean:
            booleans.append(name)
        else:
            layout["plain"].append(name)
            exprs.append(pl.col(name).alias(PLAIN + name))
    nulls = frame.select(pl.col(booleans).null_count()).row(0) if booleans else ()
    has_null = dict(zip(booleans, (n > 0 for n in nulls), strict=True))
    for g in range(0, len(booleans), PACK):
        group = booleans[g : g + PACK]
        values = f"{BITS}{g // PACK}:v"
        exprs.append(_pack([pl.col(c).fill_null(False) for c in group]).alias(values))
        entry: dict[str, Any] = {"columns": group, "values": values, "nulls": None}
        if any(has_null[c] for c in group):
            entry["nulls"] = f"{BITS}{g // PACK}:n"
            exprs.append(_pack([pl.col(c).is_null() for c in group]).alias(entry["nulls"]))
        layout["bits"].append(entry)
    return frame.select(exprs), json.dumps(layout, ensure_ascii=False)


def _pack(flags: list[pl.Expr]) -> pl.Expr:
    """Up to eight Boolean expressions as the bits of one byte (the first is bit 0)."""
    import polars as pl

    return pl.sum_horizontal([f.cast(pl.UInt8) * (1 << k) for k, f in enumerate(flags)]).cast(
        pl.UInt8
    )


def decode(stored: pl.DataFrame, layout_json: str) -> pl.DataFrame:
    """The typed frame from the stored columns and the layout :func:`encode` wrote."""
    import polars as pl

    layout = json.loads(layout_json)
    columns: dict[str, pl.Series | pl.Expr] = {}
    for name, categories in layout["enums"].items():
        dictionary = pl.Series(name, categories, dtype=pl.Enum(categories))
        columns[name] = dictionary.gather(stored.get_column(CODES + name))
    for name in layout["plain"]:
        columns[name] = stored.get_column(PLAIN + name).alias(name)
    for entry in layout["bits"]:
        values = pl.col(entry["values"])
        nulls = pl.col(entry["nulls"]) if entry["nulls"] else None
        for k, name in enumerate(entry["columns"]):
            bit = (values & (1 << k)) != 0
            columns[name] = (
                bit.alias(name)
                if nulls is None
                else pl.when((nulls & (1 << k)) != 0).then(None).otherwise(bit).alias(name)
            )
    exprs = [e for e in columns.values() if not isinstance(e, pl.Series)]
    unpacked = stored.select(exprs) if exprs else pl.DataFrame()
    series = [
        c if isinstance(c, pl.Series) else unpacked.get_column(n)
        for n, c in ((n, columns[n]) for n in layout["columns"])
    ]
    return pl.DataFrame(series)
