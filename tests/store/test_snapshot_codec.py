"""The snapshot's column layout (codes, packed Booleans) gives back exactly the typed frame."""

from __future__ import annotations

import json
import random
from pathlib import Path

import polars as pl
import pytest

from klappt.store import snapshot_codec


def _random_frame(seed: int, rows: int) -> pl.DataFrame:
    rnd = random.Random(seed)
    cols: dict[str, pl.Series] = {}
    for i in range(rnd.randint(0, 3)):
        cats = [f"k{j}" for j in range(rnd.choice([1, 2, 6, 300]))]  # 300: codes wider than a byte
        values = [rnd.choice([*cats, None]) for _ in range(rows)]
        cols[f"e{i}"] = pl.Series(values, dtype=pl.Enum(cats))
    for i in range(rnd.randint(0, 19)):  # more than two bytes' worth, and a remainder
        kind = rnd.choice(["mixed", "no nulls", "all null", "never chosen"])
        values = [
            None
            if kind == "all null" or (kind == "mixed" and rnd.random() < 0.2)
            else (False if kind == "never chosen" else rnd.random() < 0.5)
            for _ in range(rows)
        ]
        cols[f"q{i // 5}/c{i % 5}"] = pl.Series(values, dtype=pl.Boolean)
    cols["n"] = pl.Series([rnd.choice([1, 2, None]) for _ in range(rows)], dtype=pl.Int64)
    cols["t"] = pl.Series([rnd.choice(["a", "", None]) for _ in range(rows)], dtype=pl.String)
    names = list(cols)
    rnd.shuffle(names)  # the original order comes back, whatever the kinds' order
    return pl.DataFrame([cols[n].alias(n) for n in names])


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("rows", [0, 1, 57])
def test_round_trip_through_parquet(seed: int, rows: int, tmp_path: Path) -> None:
    frame = _random_frame(seed, rows)
    stored, layout = snapshot_codec.encode(frame)
    path = tmp_path / "s.parquet"
    stored.write_parquet(path)
    back = snapshot_codec.decode(pl.read_parquet(path), layout)
    assert back.schema == frame.schema
    assert back.equals(frame)
    booleans = [c for c, t in frame.schema.items() if t == pl.Boolean]
    # eight Booleans to a byte: the file holds no Boolean column at all
    assert pl.Boolean not in stored.schema.values()
    packed = [c for c in stored.columns if c.endswith(":v")]
    assert len(packed) == (len(booleans) + 7) // 8
    # choices as their codes: integers in the file, the categories in the layout
    enums = json.loads(layout)["enums"]
    assert all(stored.schema[f"c:{n}"].is_integer() for n in enums)
    assert enums == {c: list(t.categories) for c, t in frame.schema.items() if t == pl.Enum}


def test_nulls_byte_only_where_a_group_has_nulls() -> None:
    frame = pl.DataFrame(
        {
            "a/1": pl.Series([True, False], dtype=pl.Boolean),
            "a/2": pl.Series([False, True], dtype=pl.Boolean),
        }
    )
    stored, layout = snapshot_codec.encode(frame)
    assert stored.columns == ["b:0:v"] and stored.get_column("b:0:v").to_list() == [1, 2]
    with_null = frame.with_columns(pl.Series("a/2", [None, True], dtype=pl.Boolean))
    stored, layout = snapshot_codec.encode(with_null)
    assert stored.get_column("b:0:n").to_list() == [2, 0]
    assert snapshot_codec.decode(stored, layout).equals(with_null)
