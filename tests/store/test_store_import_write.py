"""How ``klappt import`` writes the returns: the shortcuts it takes while writing never outlive it.

On SQLite the import switches the ``JSON_VALID`` check of the records off for its own inserts
(Polars encodes them) and empties the write-ahead log after the commit. Both must leave the
project as a plain import would: the check on again for every later write, also after an
import that failed in the middle (a real database error, raised by a trigger), the database
as it was before that failed import, and the same import again changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from klappt.errors import ErrorCode, KlapptError

FORM_MD = """\
| survey   |                   |            |            |
|          | type              | name       | label      |
|          | text              | kommune    | Kommune    |
|          | select_one yn     | lebenswelt | Lebenswelt |
|          | select_multiple z | ziel       | Ziele      |
| choices  |                   |            |            |
|          | list_name         | name       | label      |
|          | yn                | ja         | ja         |
|          | yn                | nein       | nein       |
|          | z                 | a          | Ziel A     |
|          | z                 | b          | Ziel B     |
"""
DATA = "_uuid,kommune,lebenswelt,ziel\nu1,K01,ja,a b\nu2,K02,nein,\nu3,K03,ja,b\n"
DATA_CHANGED = "_uuid,kommune,lebenswelt,ziel\nv1,K02,ja,a\nv2,K03,ja,a b\n"
REGISTER = "site_id,name\nK01,Altstadt\nK02,Bergheim\nK03,Dorfen\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "form": write(tmp_path, "bogen.md", FORM_MD),
        "data": write(tmp_path, "ruecklauf.csv", DATA),
        "data_changed": write(tmp_path, "ruecklauf_neu.csv", DATA_CHANGED),
        "register": write(tmp_path, "standorte.csv", REGISTER),
    }


def dump(project: Path) -> dict[str, Any]:
    """Every row of the store's tables and the snapshot files: the state to compare."""
    from klappt.store.models import Program, Return, Site, Wave

    def rows(model: Any) -> list[dict[str, Any]]:
        return [
            {k: (bytes(v) if isinstance(v, memoryview) else v) for k, v in row.items()}
            for row in model.objects.order_by("pk").values()
        ]

    folder = project / ".klappt" / "snapshots"
    snapshots = sorted(str(p) for p in folder.rglob("*") if p.is_file())
    return {m.__name__: rows(m) for m in (Program, Site, Wave, Return)} | {"s": snapshots}


FAIL_AT = "v2"  # the return id whose insert the trigger refuses (the second of data_changed)


def _refuse_return(backend: str, return_id: str) -> None:
    """A trigger that makes the database itself refuse one return (no code of ours mocked)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if backend == "sqlite":
            cursor.execute(
                "CREATE TRIGGER klappt_test_refuse BEFORE INSERT ON klappt_store_return "
                f"WHEN NEW.return_id = '{return_id}' "
                "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION klappt_test_refuse() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.return_id = '{return_id}' THEN "
                "RAISE EXCEPTION 'refused by the test trigger'; END IF; RETURN NEW; END $$ "
                "LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER klappt_test_refuse BEFORE INSERT ON klappt_store_return "
                "FOR EACH ROW EXECUTE FUNCTION klappt_test_refuse()"
            )


def _drop_refusal(backend: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if backend == "sqlite":
            cursor.execute("DROP TRIGGER klappt_test_refuse")
        else:
            cursor.execute("DROP TRIGGER klappt_test_refuse ON klappt_store_return")
            cursor.execute("DROP FUNCTION klappt_test_refuse()")


def _invalid_json_is_refused(backend: str) -> bool:
    """Whether the database still refuses a return whose record is not JSON."""
    from django.db import DatabaseError, connection, transaction

    from klappt.store.models import Wave

    wave_pk = Wave.objects.values_list("pk", flat=True).first()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                'INSERT INTO klappt_store_return (wave_id, return_id, "row", "values") '
                "VALUES (%s, %s, %s, %s)",
                [wave_pk, "kein-json", 99, "{not json"],
            )
            if backend == "sqlite":
                cursor.execute("PRAGMA ignore_check_constraints")
                assert cursor.fetchone()[0] == 0
    except DatabaseError:
        return True
    return False


def test_a_failed_import_leaves_everything_as_it_was_and_the_checks_on(
    store: Any, project: Path, backend: str, files: dict[str, Path]
) -> None:
    store.import_register(project, files["register"])
    store.import_wave(project, "2022", files["form"], files["data"])
    assert _invalid_json_is_refused(backend)
    before = dump(project)

    _refuse_return(backend, FAIL_AT)
    with pytest.raises(KlapptError) as err:
        store.import_wave(project, "2022", files["form"], files["data_changed"])
    assert err.value.code is ErrorCode.STORE_005
    assert "refused by the test trigger" in err.value.message("en")
    assert dump(project) == before
    assert _invalid_json_is_refused(backend)  # the shortcut ended with the failed import

    _drop_refusal(backend)
    done = store.import_wave(project, "2022", files["form"], files["data_changed"])
    assert done.status == "replaced" and done.responses == 2
    assert _invalid_json_is_refused(backend)
    after = dump(project)
    again = store.import_wave(project, "2022", files["form"], files["data_changed"])
    assert again.status == "unchanged"
    assert dump(project) == after


def test_records_are_stored_as_valid_json(
    store: Any, project: Path, backend: str, tmp_path: Path, files: dict[str, Path]
) -> None:
    """Written without SQLite's check, every record still reads back as the file's cells."""
    from django.db import connection

    data = write(
        tmp_path,
        "sonderzeichen.csv",
        '_uuid,kommune,lebenswelt,ziel\nq1,"K0""1",ja,"a\\b"\nq2,K02,nein,"ü {x}: [y]"\n',
    )
    store.import_wave(project, "2022", files["form"], data)
    with connection.cursor() as cursor:
        if backend == "sqlite":
            cursor.execute('SELECT count(*) FROM klappt_store_return WHERE JSON_VALID("values")')
        else:
            cursor.execute('SELECT count(*) FROM klappt_store_return WHERE "values" IS NOT NULL')
        assert cursor.fetchone()[0] == 2
    from klappt.store.models import Return

    values = list(Return.objects.order_by("row").values_list("values", flat=True))
    assert values[0]["kommune"] == 'K0"1' and values[0]["ziel"] == "a\\b"
    assert values[1]["ziel"] == "ü {x}: [y]"


def test_sqlite_import_leaves_an_empty_write_ahead_log(
    store: Any, project: Path, backend: str, files: dict[str, Path]
) -> None:
    """The next process that opens the project need not read a log of the whole wave again."""
    if backend != "sqlite":
        pytest.skip("SQLite's write-ahead log")
    wal = project / ".klappt" / "klappt.sqlite3-wal"
    store.import_wave(project, "2022", files["form"], files["data"])
    assert not wal.exists() or wal.stat().st_size == 0
    store.import_wave(project, "2022", files["form"], files["data_changed"])
    assert not wal.exists() or wal.stat().st_size == 0
    _form, rs, _report = store.load_wave(project, "2022")
    assert rs.meta.get_column("return_id").to_list() == ["v1", "v2"]
