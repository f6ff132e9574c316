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


def _many(count: int) -> str:
    """A data file of ``count`` returns, more than one SQLite statement takes (500 a statement)."""
    lines = ["_uuid,kommune,lebenswelt,ziel"]
    for i in range(count):
        lines.append(f"r{i:05d},K0{i % 3 + 1},{'ja' if i % 2 else 'nein'},{'a b' if i % 5 else ''}")
    return "\n".join(lines) + "\n"


def test_many_returns_go_in_by_statements_of_many_rows_and_in_file_order(
    store: Any, project: Path, backend: str, tmp_path: Path, files: dict[str, Path]
) -> None:
    """Returns inserted many to a statement (and the rest one by one): a refusal in the middle
    of a statement rolls everything back; stored, every record is its row's cells, keys in the
    file's order, and the returns are in the file's order."""
    from klappt.store.models import Return

    count = 1234
    data = write(tmp_path, "viele.csv", _many(count))
    store.import_register(project, files["register"])
    store.import_wave(project, "2022", files["form"], files["data"])
    before = dump(project)
    _refuse_return(backend, "r00777")  # inside the second statement of 500
    with pytest.raises(KlapptError) as err:
        store.import_wave(project, "2022", files["form"], data)
    assert err.value.code is ErrorCode.STORE_005
    assert dump(project) == before
    _drop_refusal(backend)

    done = store.import_wave(project, "2022", files["form"], data)
    assert done.status == "replaced" and done.responses == count and done.linked == count
    stored = list(Return.objects.order_by("pk").values_list("return_id", "row", "values"))
    assert [r[0] for r in stored] == [f"r{i:05d}" for i in range(count)]
    assert [r[1] for r in stored] == list(range(2, count + 2))
    for i in (0, 499, 500, 777, 999, 1000, 1233):
        record = stored[i][2]
        assert list(record) == ["_uuid", "kommune", "lebenswelt", "ziel"]
        assert record == {
            "_uuid": f"r{i:05d}",
            "kommune": f"K0{i % 3 + 1}",
            "lebenswelt": "ja" if i % 2 else "nein",
            "ziel": "a b" if i % 5 else None,
        }
    after = dump(project)
    again = store.import_wave(project, "2022", files["form"], data)
    assert again.status == "unchanged" and dump(project) == after


def test_records_written_by_the_web_read_back_and_relink_by_key(
    store: Any, project: Path, backend: str, files: dict[str, Path]
) -> None:
    """The records' column (``json`` on PostgreSQL, text on SQLite) takes a record saved through
    the ORM, as the web app saves a return, and ``relink`` still finds a site by one key."""
    from django.db import connection

    from klappt.store.models import Return, Wave
    from klappt.store.wave_writer import relink

    store.import_wave(project, "2022", files["form"], files["data"])
    if backend == "postgres":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'klappt_store_return' AND column_name = 'values'"
            )
            assert cursor.fetchone()[0] == "json"
    wave = Wave.objects.get(name="2022")
    record = {"_uuid": "w1", "kommune": "K02", "ziel": None, "liste": [1, {"ü": "x"}]}
    Return.objects.create(wave=wave, return_id="w1", row=9, values=record)
    assert Return.objects.get(return_id="w1").values == record
    assert Return.objects.filter(site__isnull=False).count() == 0

    store.import_register(project, files["register"])  # links the wave's returns by kommune
    relink(Wave.objects.get(name="2022"))
    linked = dict(Return.objects.values_list("return_id", "site__site_id"))
    assert linked == {"u1": "K01", "u2": "K02", "u3": "K03", "w1": "K02"}
