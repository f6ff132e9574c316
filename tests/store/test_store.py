"""klappt.store on SQLite and PostgreSQL (see conftest.py for how each test runs on both).

Tests requesting ``store``/``project`` run once per backend in a child process; the others
(settings, lazy imports) run directly.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from klappt.errors import ErrorCode, KlapptError

FORM_MD = """\
| survey   |                   |            |                  |                      |
|          | type              | name       | label            | relevant             |
|          | text              | kommune    | Kommune          |                      |
|          | select_one yn     | lebenswelt | Lebensweltbezug? |                      |
|          | select_multiple z | ziel       | Ziele            | ${lebenswelt} = 'ja' |
|          | integer           | anzahl     | Anzahl           |                      |
|          | decimal           | quote      | Quote            |                      |
|          | date              | stichtag   | Stichtag         |                      |
| choices  |                   |            |                  |                      |
|          | list_name         | name       | label            |                      |
|          | yn                | ja         | ja               |                      |
|          | yn                | nein       | nein             |                      |
|          | z                 | a          | Ziel A           |                      |
|          | z                 | b          | Ziel B           |                      |
| settings |                   |            |                  |                      |
|          | form_title        | form_id    | version          |                      |
|          | Testbogen         | testbogen  | {version}        |                      |
"""

OTHER_FORM_MD = """\
| survey   |                 |          |          |
|          | type            | name     | label    |
|          | select_one ok   | frage_x  | Frage X  |
| choices  |                 |          |          |
|          | list_name       | name     | label    |
|          | ok              | ja       | ja       |
|          | ok              | nein     | nein     |
"""

BROKEN_FORM_MD = """\
| survey   |                  |          |          |
|          | type             | name     | label    |
|          | select_one nolist| frage    | Frage    |
"""

DATA_2022 = """\
_uuid,_submission_time,kommune,lebenswelt,ziel,anzahl,quote,stichtag
u1,2022-03-01T10:00:00,K01,ja,a b,3,"1,5",2022-01-31
u2,2022-03-02T11:30:00,K02,nein,,0,2.25,
u3,,K03,ja,b,,,31.12.2021
u4,2022-03-04T09:15:00+01:00,K01,,,7,,
"""

DATA_2022_CHANGED = """\
_uuid,_submission_time,kommune,lebenswelt,ziel,anzahl,quote,stichtag
v1,2022-04-01T10:00:00,K02,ja,a,1,,
v2,2022-04-02T10:00:00,K03,ja,a b,2,0.5,2022-02-28
"""

DATA_2023 = """\
_uuid,kommune,lebenswelt,ziel,anzahl
w1,K01,ja,a,1
w2,K02,nein,,2
w3,K03,ja,vielleicht,x
"""

REGISTER = """\
site_id,name,typ,einwohner
K01,Altstadt,kreisfreie_stadt,120000
K02,Bergheim,kreis,45000
K03,Dorfen,kreis,
"""

REGISTER_DUPLICATE = """\
site_id,name,typ
K01,Altstadt,kreisfreie_stadt
K02,Bergheim,kreis
K01,Altstadt nochmal,kreis
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    d = tmp_path / "dateien"
    d.mkdir()
    return {
        "form": write(d, "testbogen.md", FORM_MD.replace("{version}", "1")),
        "form_v2": write(d, "testbogen_v2.md", FORM_MD.replace("{version}", "2")),
        "other_form": write(d, "anderer.md", OTHER_FORM_MD),
        "broken_form": write(d, "kaputt.md", BROKEN_FORM_MD),
        "data": write(d, "ruecklauf_2022.csv", DATA_2022),
        "data_changed": write(d, "ruecklauf_2022_neu.csv", DATA_2022_CHANGED),
        "data_2023": write(d, "ruecklauf_2023.csv", DATA_2023),
        "register": write(d, "standorte.csv", REGISTER),
        "register_duplicate": write(d, "standorte_doppelt.csv", REGISTER_DUPLICATE),
    }


def dump(project: Path) -> dict[str, Any]:
    """Every row of the store's tables, and the snapshot files: the state to compare."""
    from klappt.store.models import Program, Return, Site, Wave

    def rows(model: Any) -> list[dict[str, Any]]:
        out = []
        for row in model.objects.order_by("pk").values():
            out.append({k: (bytes(v) if isinstance(v, memoryview) else v) for k, v in row.items()})
        return out

    snapshots = (
        sorted(
            str(p.relative_to(project))
            for p in (project / ".klappt" / "snapshots").rglob("*")
            if p.is_file()
        )
        if (project / ".klappt" / "snapshots").exists()
        else []
    )
    return {m.__name__: rows(m) for m in (Program, Site, Wave, Return)} | {"snapshots": snapshots}


# --- settings and imports (no database; run directly) -------------------------------------


def test_database_url_parsing(tmp_path: Path) -> None:
    from klappt.store.settings import parse_database_url, redact_url

    pg = parse_database_url("postgres://anna:g%40heim@db.example.org:5433/klappt?sslmode=require")
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "klappt",
        "anna",
        "g@heim",
        "db.example.org",
        "5433",
    )
    assert pg["OPTIONS"] == {"sslmode": "require"}
    assert parse_database_url("postgresql://root@127.0.0.1/test")["USER"] == "root"
    schema = parse_database_url(
        "postgresql://root@127.0.0.1:5432/test?options=-csearch_path%3Dwelle"
    )
    assert schema["OPTIONS"] == {"options": "-csearch_path=welle"}

    rel = parse_database_url("sqlite:///daten/k.sqlite3", base=tmp_path)
    assert rel["ENGINE"] == "django.db.backends.sqlite3"
    assert rel["NAME"] == str(tmp_path / "daten" / "k.sqlite3")
    assert parse_database_url("sqlite:////var/lib/k.db")["NAME"] == "/var/lib/k.db"
    assert parse_database_url("sqlite://:memory:")["NAME"] == ":memory:"
    with pytest.raises(ValueError, match="mysql"):
        parse_database_url("mysql://x@y/z")
    assert redact_url("postgres://anna:geheim@h/db") == "postgres://anna:***@h/db"


def test_default_settings_are_sqlite_wal_in_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from klappt.store.settings import build

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("KLAPPT_PROJECT", str(tmp_path))
    s = build()
    db = s["DATABASES"]["default"]
    assert db["NAME"] == str(tmp_path.resolve() / ".klappt" / "klappt.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "klappt.store.apps.StoreConfig" in s["INSTALLED_APPS"]
    assert (s["USE_TZ"], s["TIME_ZONE"], s["LANGUAGE_CODE"]) == (True, "Europe/Berlin", "de")

    monkeypatch.setenv("DATABASE_URL", "postgresql://root@127.0.0.1:5432/test")
    assert build()["DATABASES"]["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_store_imports_do_not_load_django() -> None:
    code = (
        "import sys, klappt.store, klappt.store.settings, klappt.store.api;"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'));"
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --- project ---------------------------------------------------------------------------------


def test_runs_on_the_backend_it_says(store: Any, project: Path, backend: str) -> None:
    from django.db import connection

    assert connection.vendor == {"sqlite": "sqlite", "postgres": "postgresql"}[backend]
    if backend == "sqlite":
        assert Path(connection.settings_dict["NAME"]) == project / ".klappt" / "klappt.sqlite3"
        with connection.cursor() as cur:
            cur.execute("PRAGMA journal_mode")
            assert cur.fetchone()[0] == "wal"
    else:
        assert (
            os.environ["DATABASE_URL"].split("/")[-1].split("?")[0]
            == connection.settings_dict["NAME"]
        )


def test_init_is_idempotent(store: Any, project: Path) -> None:
    from klappt.store.models import Program

    marker = project / "klappt-project.toml"
    assert marker.is_file()
    assert 'program = "default"' in marker.read_text(encoding="utf-8")
    assert (project / ".klappt").is_dir()
    assert list(Program.objects.values_list("slug", flat=True)) == ["default"]
    before = dump(project)
    text = marker.read_text(encoding="utf-8")

    assert store.init_project(project) == project
    assert store.init_project(project / ".." / project.name) == project
    assert dump(project) == before
    assert marker.read_text(encoding="utf-8") == text


def test_init_keeps_data(store: Any, project: Path, files: dict[str, Path]) -> None:
    store.import_wave(project, "2022", files["form"], files["data"])
    before = dump(project)
    store.init_project(project)
    store.migrate(project)
    assert dump(project) == before


def test_find_project_walks_up(store: Any, project: Path, tmp_path: Path) -> None:
    deep = project / "auswertung" / "2022"
    deep.mkdir(parents=True)
    assert store.find_project(deep) == project
    assert store.find_project(project) == project
    outside = tmp_path / "anderswo"
    outside.mkdir()
    with pytest.raises(KlapptError) as err:
        store.find_project(outside)
    assert err.value.code is ErrorCode.STORE_001
    assert str(outside) in str(err.value)


# --- import ----------------------------------------------------------------------------------


def test_import_creates_the_wave_with_the_raw_records(
    store: Any, project: Path, files: dict[str, Path]
) -> None:
    from klappt.store.models import Return, Wave

    result = store.import_wave(project, "2022", files["form"], files["data"])
    assert (result.wave, result.status, result.responses) == ("2022", "created", 4)
    assert result.report.ok, result.report.to_dict()

    wave = Wave.objects.get(name="2022")
    assert bytes(wave.form_file) == files["form"].read_bytes()
    assert (wave.form_filename, wave.data_filename) == ("testbogen.md", "ruecklauf_2022.csv")
    assert (wave.form_title, wave.form_id, wave.form_version) == ("Testbogen", "testbogen", "1")
    assert wave.columns == [
        "_uuid",
        "_submission_time",
        "kommune",
        "lebenswelt",
        "ziel",
        "anzahl",
        "quote",
        "stichtag",
    ]
    assert wave.responses == 4
    assert wave.imported_at is not None

    returns = list(Return.objects.filter(wave=wave).order_by("row"))
    assert [(r.return_id, r.row) for r in returns] == [("u1", 2), ("u2", 3), ("u3", 4), ("u4", 5)]
    assert returns[0].values == {
        "_uuid": "u1",
        "_submission_time": "2022-03-01T10:00:00",
        "kommune": "K01",
        "lebenswelt": "ja",
        "ziel": "a b",
        "anzahl": "3",
        "quote": "1,5",
        "stichtag": "2022-01-31",
    }
    assert returns[1].values["ziel"] is None and returns[1].values["stichtag"] is None
    assert returns[0].submitted_at.isoformat() == "2022-03-01T10:00:00+00:00"
    assert returns[2].submitted_at is None
    assert returns[3].submitted_at.isoformat() == "2022-03-04T08:15:00+00:00"
    assert all(r.site_id is None for r in returns)  # no register yet
    assert result.snapshot is not None and result.snapshot.is_file()


def test_same_file_twice_changes_nothing(store: Any, project: Path, files: dict[str, Path]) -> None:
    first = store.import_wave(project, "2022", files["form"], files["data"])
    before = dump(project)
    again = store.import_wave(project, "2022", files["form"], files["data"])
    assert again.status == "unchanged"
    assert again.responses == first.responses == 4
    assert again.report == first.report
    assert dump(project) == before  # same row ids, same imported_at, same snapshot


def test_changed_file_replaces_the_returns(
    store: Any, project: Path, files: dict[str, Path]
) -> None:
    from klappt.store.models import Return, Wave

    first = store.import_wave(project, "2022", files["form"], files["data"])
    wave_pk = Wave.objects.get(name="2022").pk
    old_ids = set(Return.objects.values_list("pk", flat=True))

    result = store.import_wave(project, "2022", files["form"], files["data_changed"])
    assert (result.status, result.responses) == ("replaced", 2)
    assert Wave.objects.count() == 1 and Wave.objects.get().pk == wave_pk
    wave = Wave.objects.get()
    assert wave.data_filename == "ruecklauf_2022_neu.csv" and wave.responses == 2
    returns = list(Return.objects.order_by("row").values_list("return_id", "row", "values"))
    assert [(rid, row) for rid, row, _ in returns] == [("v1", 2), ("v2", 3)]
    assert all(v["_uuid"].startswith("v") for _, _, v in returns)
    assert not old_ids & set(Return.objects.values_list("pk", flat=True))
    # only the new snapshot is left
    assert not first.snapshot.exists() and result.snapshot.is_file()

    # a changed form with the same data replaces too
    again = store.import_wave(project, "2022", files["form_v2"], files["data_changed"])
    assert again.status == "replaced"
    assert Wave.objects.get().form_version == "2"
    assert again.snapshot != result.snapshot and not result.snapshot.exists()


@pytest.mark.parametrize(
    "failure", ["broken_form", "foreign_data", "missing_data", "empty_data", "database_error"]
)
def test_failed_import_leaves_the_database_as_it_was(
    store: Any,
    project: Path,
    files: dict[str, Path],
    failure: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    store.import_register(project, files["register"])
    store.import_wave(project, "2022", files["form"], files["data"])
    store.import_wave(project, "2023", files["form"], files["data_2023"])
    before = dump(project)

    if failure == "broken_form":
        with pytest.raises(KlapptError) as err:
            store.import_wave(project, "2022", files["broken_form"], files["data_changed"])
        assert err.value.code is ErrorCode.INSTRUMENT_001
    elif failure == "foreign_data":
        with pytest.raises(KlapptError) as err:
            store.import_wave(project, "2022", files["other_form"], files["data_changed"])
        assert err.value.code is ErrorCode.RESPONSES_002
    elif failure == "missing_data":
        with pytest.raises(KlapptError) as err:
            store.import_wave(project, "2024", files["form"], tmp_path / "gibt_es_nicht.csv")
        assert err.value.code is ErrorCode.FILE_001
    elif failure == "empty_data":
        header_only = write(tmp_path, "nur_kopf.csv", DATA_2022.splitlines()[0] + "\n")
        with pytest.raises(KlapptError) as err:
            store.import_wave(project, "2022", files["form"], header_only)
        assert err.value.code is ErrorCode.RESPONSES_001
    else:
        # the database fails in the middle of writing the new returns: after the wave row was
        # updated and the old returns deleted, with the first batch of new ones written
        from django.db import IntegrityError

        from klappt.store import wave_writer

        monkeypatch.setattr(wave_writer, "BATCH_SIZE", 1)
        real = wave_writer._insert_batch
        calls = []

        def failing_insert_batch(cursor: Any, statement: str, rows: list[Any], copy: bool) -> None:
            calls.append(statement)
            if len(calls) == 2:
                raise IntegrityError("simulated failure")
            real(cursor, statement, rows, copy)

        monkeypatch.setattr(wave_writer, "_insert_batch", failing_insert_batch)
        with pytest.raises(KlapptError) as err:
            store.import_wave(project, "2022", files["form"], files["data_changed"])
        assert err.value.code is ErrorCode.STORE_005
        assert "simulated failure" in err.value.message("de")
        assert len(calls) == 2

    assert dump(project) == before


def test_returns_without_id_get_unique_ids(
    store: Any, project: Path, tmp_path: Path, files: dict[str, Path]
) -> None:
    from klappt.store.models import Return

    data = write(
        tmp_path, "ohne_id.csv", "_uuid,kommune,lebenswelt\n#row-3,K01,ja\n,K02,nein\n,K03,ja\n"
    )
    result = store.import_wave(project, "2022", files["form"], data)
    assert result.responses == 3
    ids = list(Return.objects.order_by("row").values_list("return_id", flat=True))
    assert len(set(ids)) == 3 and ids[0] == "#row-3"
    _, rs, _ = store.load_wave(project, "2022")
    assert rs.meta.height == 3


def test_duplicate_ids_are_counted_once(
    store: Any, project: Path, tmp_path: Path, files: dict[str, Path]
) -> None:
    from klappt.store.models import Return

    data = write(
        tmp_path, "doppelt.csv", "_uuid,kommune,lebenswelt\nu1,K01,ja\nu1,K02,nein\nu2,K03,ja\n"
    )
    result = store.import_wave(project, "2022", files["form"], data)
    assert result.responses == 2
    assert result.report.counts() == {"duplicate_id": 1}
    assert list(Return.objects.order_by("row").values_list("return_id", "row")) == [
        ("u1", 2),
        ("u2", 4),
    ]
    _, rs, report = store.load_wave(project, "2022")
    assert rs.meta["return_id"].to_list() == ["u1", "u2"]
    assert report == result.report


# --- reading waves ---------------------------------------------------------------------------


def test_unknown_wave(store: Any, project: Path, files: dict[str, Path]) -> None:
    with pytest.raises(KlapptError) as err:
        store.load_wave(project, "2022")
    assert err.value.code is ErrorCode.STORE_002
    store.import_wave(project, "2022", files["form"], files["data"])
    store.import_wave(project, "2020", files["form"], files["data"])
    with pytest.raises(KlapptError) as err:
        store.load_wave(project, "2021")
    assert err.value.code is ErrorCode.STORE_002
    assert err.value.params == {"wave": "2021", "known": "2020, 2022"}
    assert "Unbekannte Welle '2021'" in err.value.message("de")
    assert "2020, 2022" in err.value.message("en")


def test_list_waves(store: Any, project: Path, files: dict[str, Path]) -> None:
    assert store.list_waves(project) == []
    store.import_wave(project, "2023", files["form"], files["data_2023"])
    store.import_wave(project, "2022", files["form"], files["data"])
    waves = store.list_waves(project)
    assert [(w.name, w.form_title, w.responses, w.data_filename) for w in waves] == [
        ("2022", "Testbogen", 4, "ruecklauf_2022.csv"),
        ("2023", "Testbogen", 3, "ruecklauf_2023.csv"),
    ]
    assert all(w.imported_at is not None for w in waves)
    assert str(waves[0].imported_at.tzinfo) == "Europe/Berlin"  # shown as local time
    assert waves[0].data_file == "ruecklauf_2022.csv"
    assert waves[0].problems == 0 and waves[1].problems == 2  # "vielleicht", "x"


def test_load_wave_from_snapshot_equals_load_from_records(
    store: Any, project: Path, files: dict[str, Path]
) -> None:
    from klappt.instrument import read_instrument
    from klappt.responses.dataset import load_responses
    from klappt.responses.io import read_table

    result = store.import_wave(project, "2023", files["form"], files["data_2023"])
    snapshot = result.snapshot
    assert snapshot.is_file()
    form, from_snapshot, report = store.load_wave(project, "2023")

    snapshot.unlink()
    form2, from_records, report2 = store.load_wave(project, "2023")
    assert snapshot.is_file(), "the snapshot is written again"
    assert from_snapshot.frame.equals(from_records.frame)
    assert from_snapshot.meta.equals(from_records.meta)
    assert from_snapshot.frame.schema == from_records.frame.schema
    assert report == report2 == result.report
    # the instrument from the snapshot's metadata is the one pyxform reads from the stored file
    assert dataclasses.asdict(form) == dataclasses.asdict(form2)
    assert form.title == "Testbogen" and form.source == "testbogen.md"
    assert from_snapshot.instrument == form

    direct, direct_report = load_responses(
        read_instrument(files["form"]), read_table(files["data_2023"])
    )
    assert from_snapshot.frame.equals(direct.frame)
    assert from_snapshot.meta.equals(direct.meta)
    assert direct_report.counts() == report.counts()
    assert from_snapshot.frame["ziel/a"].to_list() == [True, None, None]
    assert from_snapshot.frame["anzahl"].to_list() == [1, 2, None]


def test_damaged_or_stale_snapshot_is_never_read(
    store: Any, project: Path, files: dict[str, Path]
) -> None:
    result = store.import_wave(project, "2022", files["form"], files["data"])
    _, good, _ = store.load_wave(project, "2022")

    result.snapshot.write_bytes(b"not parquet at all")
    _, again, _ = store.load_wave(project, "2022")
    assert again.frame.equals(good.frame)
    assert result.snapshot.read_bytes()[:4] == b"PAR1", "the damaged snapshot was rebuilt"

    # a snapshot of other data for the same wave sits beside it: never the one that is read
    import shutil

    other = store.import_wave(project, "2022", files["form"], files["data_changed"])
    shutil.copy(other.snapshot, result.snapshot)  # stale content under the old key
    _, now, _ = store.load_wave(project, "2022")
    assert now.meta["return_id"].to_list() == ["v1", "v2"]


# --- site register -----------------------------------------------------------------------------


def test_register_and_linking(store: Any, project: Path, files: dict[str, Path]) -> None:
    from klappt.store.models import Return, Site

    # a wave imported before the register is linked when the register arrives
    store.import_wave(project, "2023", files["form"], files["data_2023"])
    assert store.import_register(project, files["register"]) == 3
    sites = list(Site.objects.values_list("site_id", "name", "typ", "attributes"))
    assert sites == [
        ("K01", "Altstadt", "kreisfreie_stadt", {"einwohner": "120000"}),
        ("K02", "Bergheim", "kreis", {"einwohner": "45000"}),
        ("K03", "Dorfen", "kreis", {"einwohner": None}),
    ]
    linked = dict(
        Return.objects.filter(wave__name="2023").values_list("return_id", "site__site_id")
    )
    assert linked == {"w1": "K01", "w2": "K02", "w3": "K03"}

    # a wave imported after the register is linked at import
    result = store.import_wave(project, "2022", files["form"], files["data"])
    assert (result.site_column, result.linked) == ("kommune", 4)
    linked = list(
        Return.objects.filter(wave__name="2022")
        .order_by("row")
        .values_list("site__site_id", flat=True)
    )
    assert linked == ["K01", "K02", "K03", "K01"]

    # importing the register again keeps the sites (and their links), updates names
    changed = write(
        files["register"].parent,
        "standorte_neu.csv",
        REGISTER.replace("Dorfen", "Dorfen am See").replace("K02,Bergheim,kreis,45000\n", ""),
    )
    assert store.import_register(project, changed) == 2
    assert list(Site.objects.values_list("site_id", "name")) == [
        ("K01", "Altstadt"),
        ("K03", "Dorfen am See"),
    ]
    linked = list(
        Return.objects.filter(wave__name="2022")
        .order_by("row")
        .values_list("site__site_id", flat=True)
    )
    assert linked == ["K01", None, "K03", "K01"]


def test_register_with_a_duplicate_id(
    store: Any, project: Path, files: dict[str, Path], tmp_path: Path
) -> None:
    store.import_register(project, files["register"])
    before = dump(project)
    with pytest.raises(KlapptError) as err:
        store.import_register(project, files["register_duplicate"])
    assert err.value.code is ErrorCode.STORE_004
    assert err.value.params["row"] == 4
    assert err.value.params["path"] == files["register_duplicate"]
    assert "K01" in str(err.value.params["message"]) and "Zeile 2" in str(
        err.value.params["message"]
    )
    assert "Zeile 4" in str(err.value)

    no_name = write(tmp_path, "ohne_name.csv", "site_id,name\nK01,Altstadt\nK02,\n")
    with pytest.raises(KlapptError) as err:
        store.import_register(project, no_name)
    assert (err.value.code, err.value.params["row"]) == (ErrorCode.STORE_004, 3)

    no_column = write(tmp_path, "ohne_spalte.csv", "kennziffer,name\nK01,Altstadt\n")
    with pytest.raises(KlapptError) as err:
        store.import_register(project, no_column)
    assert (err.value.code, err.value.params["row"]) == (ErrorCode.STORE_004, 1)
    assert "site_id" in str(err.value.params["message"])
    assert dump(project) == before


def test_reading_a_wave_from_its_snapshot_needs_no_pyxform(
    store: Any, project: Path, files: dict[str, Path]
) -> None:
    store.import_wave(project, "2022", files["form"], files["data"])
    code = (
        "import sys; from pathlib import Path; from klappt.store import api;"
        f"form, rs, report = api.load_wave(Path({str(project)!r}), '2022');"
        "print(rs.height, form.title, 'pyxform' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["4", "Testbogen", "False"]
