"""The SQL klappt hands over (one GROUP BY per question) gives klappt's counts on DuckDB."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

duckdb = pytest.importorskip("duckdb")

from klappt.analysis.tabulate import tabulate  # noqa: E402
from klappt.instrument import read_instrument  # noqa: E402
from klappt.responses.dataset import load_responses  # noqa: E402
from klappt.responses.io import read_table  # noqa: E402
from klappt.store.handover import tabulation_sql  # noqa: E402
from klappt.store.snapshots import write_snapshot_quietly  # noqa: E402

FORM_MD = """\
| survey  |                   |        |            |                  |
|         | type              | name   | label      | relevant         |
|         | select_one reg    | region | Region     |                  |
|         | select_one yn     | aktiv  | Aktiv?     |                  |
|         | select_multiple z | ziel   | Ziele      | ${aktiv} = 'ja'  |
|         | select_multiple w | weit   | Viele      |                  |
|         | select_one yn     | leer   | Nie belegt |                  |
|         | integer           | anzahl | Anzahl     |                  |
|         | decimal           | quote  | Quote      |                  |
|         | text              | notiz  | Notiz      |                  |
| choices |                   |        |            |                  |
|         | list_name         | name   | label      |                  |
|         | reg               | nord   | Nord       |                  |
|         | reg               | sued   | Süd        |                  |
|         | reg               | insel  | Insel      |                  |
|         | yn                | ja     | ja         |                  |
|         | yn                | nein   | nein       |                  |
|         | z                 | a      | A          |                  |
|         | z                 | b      | B          |                  |
|         | z                 | nie    | nie gewählt|                  |
"""
WIDE = [f"w{i}" for i in range(11)]  # more choices than one byte holds


def _wave(tmp: Path, seed: int, rows: int) -> tuple[Any, Path]:
    rnd = random.Random(seed)
    form_md = FORM_MD + "".join(f"|         | w | {w} | {w} | |\n" for w in WIDE)
    (tmp / "form.md").write_text(form_md, encoding="utf-8")
    lines = ["_id,region,aktiv,ziel,weit,leer,anzahl,quote,notiz"]
    for i in range(rows):
        aktiv = rnd.choice(["ja", "nein", ""])
        ziel = " ".join(rnd.sample(["a", "b"], rnd.randint(1, 2))) if aktiv == "ja" else ""
        weit = " ".join(rnd.sample(WIDE, rnd.randint(0, 4)))
        region = rnd.choice(["nord", "sued", ""])  # "insel": a group without returns
        anzahl = rnd.choice(["", str(rnd.randint(0, 99))])
        quote = rnd.choice(["", f"{rnd.random():.3f}"])
        notiz = rnd.choice(["", "gut", "naja"])
        lines.append(f"r{i},{region},{aktiv},{ziel},{weit},,{anzahl},{quote},{notiz}")
    (tmp / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    form = read_instrument(tmp / "form.md")
    rs, _report = load_responses(form, read_table(tmp / "data.csv"))
    path = write_snapshot_quietly(tmp / "project", "p", "W1", "f" * 64, "d" * 64, rs)
    assert path is not None
    return rs, path


def _figures(cell: Any, numeric: bool) -> dict[str, Any]:
    if numeric:
        stats = cell.stats
        return {"base": cell.base, **{k: stats[k] for k in ("n", "min", "max", "sum")}}
    return {"base": cell.base, **{r.choice: r.count for r in cell.rows}}


@pytest.mark.parametrize(("seed", "rows"), [(2, 1), (3, 200), (4, 1500)])
def test_sql_on_duckdb_gives_klappts_counts(tmp_path: Path, seed: int, rows: int) -> None:
    rs, snapshot = _wave(tmp_path, seed, rows)
    tab = tabulate(rs, by="region")
    statements = tabulation_sql(snapshot, by="region")
    assert set(statements) == {t.question for t in tab.tables}
    con = duckdb.connect()
    for table in tab.tables:
        numeric = table.type in ("integer", "decimal")
        result = con.execute(statements[table.question])
        names = [d[0] for d in result.description]
        got = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        total = [r for r in got if r["total"] == 1]
        groups = {r["grp"]: r for r in got if r["total"] == 0}  # None: no banner answer
        for r in got:  # SUM over no rows is NULL in SQL, a count of 0 in klappt
            for k, v in r.items():
                if v is None and k not in ("grp", "min", "max", "sum"):
                    r[k] = 0
        want = _figures(table.cell, numeric)
        near = 0.0051 if table.type == "decimal" else 0  # klappt shows decimals to 2 places
        assert len(total) == 1
        assert {k: total[0][k] for k in want} == pytest.approx(want, abs=near), table.question
        for g in table.groups:
            expect = _figures(g.cell, numeric)
            row = groups.get(g.choice)
            if row is None:  # no return in this group: every count 0 in klappt
                assert expect["base"] == 0, (table.question, g.choice)
                continue
            got_group = {k: row[k] for k in expect}
            assert got_group == pytest.approx(expect, abs=near), (table.question, g.choice)


def test_sql_names_where_the_file_lies(tmp_path: Path) -> None:
    _rs, snapshot = _wave(tmp_path, 5, 10)
    remote = tabulation_sql(snapshot, source="read_parquet('s3://bucket/p/W1.parquet')")
    assert all("FROM read_parquet('s3://bucket/p/W1.parquet')" in s for s in remote.values())
    assert "GROUP BY" not in remote["aktiv"]  # no banner: one row for all returns
    with pytest.raises(ValueError, match="banner"):
        tabulation_sql(snapshot, by="ziel")
