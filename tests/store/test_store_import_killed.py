"""An import killed in the middle of writing leaves the database as it was (SQLite and PostgreSQL).

A real ``klappt import`` process is stopped with SIGKILL while it writes the returns (no
exception handler, no rollback code of ours runs): the database itself must drop the open
transaction. The moment is read from outside: on SQLite the project's write-ahead log grows
while the rows go in, on PostgreSQL the server lists the import's ``COPY`` as running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROWS = 200_000
FORM_MD = """\
| survey   |                   |            |            |
|          | type              | name       | label      |
|          | text              | kommune    | Kommune    |
|          | select_one yn     | lebenswelt | Lebenswelt |
|          | select_multiple z | ziel       | Ziele      |
|          | integer           | anzahl     | Anzahl     |
| choices  |                   |            |            |
|          | list_name         | name       | label      |
|          | yn                | ja         | ja         |
|          | yn                | nein       | nein       |
|          | z                 | a          | Ziel A     |
|          | z                 | b          | Ziel B     |
| settings |                   |            |            |
|          | form_title        | version    |            |
|          | Testbogen         | {version}  |            |
"""
SMALL = "_uuid,kommune,lebenswelt,ziel,anzahl\nu1,K01,ja,a b,3\nu2,K02,nein,,0\n"
REGISTER = "site_id,name\nK01,Altstadt\nK02,Bergheim\nK03,Dorfen\n"


def dump() -> dict[str, Any]:
    """Every row of the store's tables (the state to compare)."""
    from klappt.store.models import Program, Return, Site, Wave

    def rows(model: Any) -> list[dict[str, Any]]:
        return [
            {k: (bytes(v) if isinstance(v, memoryview) else v) for k, v in row.items()}
            for row in model.objects.order_by("pk").values()
        ]

    return {m.__name__: rows(m) for m in (Program, Site, Wave, Return)}


def _big_csv(folder: Path) -> Path:
    path = folder / "gross.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("_uuid,kommune,lebenswelt,ziel,anzahl\n")
        for i in range(ROWS):
            out.write(
                f"x{i},K0{i % 3 + 1},{'ja' if i % 2 else 'nein'},{'a b' if i % 2 else ''},{i % 50}\n"
            )
    return path


def _writing(project: Path, backend: str, wal_before: int) -> bool:
    """Whether the import's rows are going into the database right now."""
    if backend == "sqlite":
        wal = project / ".klappt" / "klappt.sqlite3-wal"
        return wal.exists() and wal.stat().st_size > wal_before + (1 << 20)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'active' AND query LIKE 'COPY%%klappt_store_return%%'"
        )
        return bool(cursor.fetchone()[0])


def test_import_killed_while_writing_leaves_the_database_as_it_was(
    store: Any, project: Path, backend: str, tmp_path: Path
) -> None:
    form_v1, form_v2 = tmp_path / "bogen_v1.md", tmp_path / "bogen_v2.md"
    form_v1.write_text(FORM_MD.replace("{version}", "1"), encoding="utf-8")
    form_v2.write_text(FORM_MD.replace("{version}", "2"), encoding="utf-8")
    (tmp_path / "klein.csv").write_text(SMALL, encoding="utf-8")
    (tmp_path / "register.csv").write_text(REGISTER, encoding="utf-8")
    store.import_register(project, tmp_path / "register.csv")
    store.import_wave(project, "2022", form_v1, tmp_path / "klein.csv")
    before = dump()
    snapshots = sorted((project / ".klappt" / "snapshots").rglob("*"))
    data = _big_csv(tmp_path)
    wal = project / ".klappt" / "klappt.sqlite3-wal"
    wal_before = wal.stat().st_size if wal.exists() else 0

    cmd = [sys.executable, "-m", "klappt", "import", "2022", str(form_v2), str(data)]
    proc = subprocess.Popen(
        [*cmd, "--project", str(project)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    )
    try:
        deadline = time.monotonic() + 300
        while not _writing(project, backend, wal_before):
            assert proc.poll() is None, (
                f"the import ended before it was seen writing: {proc.stderr}"
            )
            assert time.monotonic() < deadline, "the import was never seen writing"
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        assert proc.stderr is not None
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    from django.db import connection

    connection.close()  # a fresh connection, as the next command would open
    assert dump() == before
    assert sorted((project / ".klappt" / "snapshots").rglob("*")) == snapshots

    # and the project goes on: the same import, not killed, replaces the wave in full
    result = store.import_wave(project, "2022", form_v2, data)
    assert result.status == "replaced" and result.responses == ROWS
    from klappt.store.models import Return, Wave

    assert Wave.objects.get(name="2022").form_version == "2"
    assert Return.objects.filter(wave__name="2022").count() == ROWS
