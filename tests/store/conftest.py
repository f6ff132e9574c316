"""The store tests run twice: on SQLite and on PostgreSQL.

Django can be configured only once per process, and the store must be tested on two
database backends. So the tests in this folder that use the database (those requesting the
``backend`` fixture, directly or through ``store``/``project``) run in two child pytest
processes, one per backend, each with Django configured for its database:

* the **outer** run (plain ``pytest tests/store``) parametrizes every such test with
  ``backend`` = ``sqlite`` / ``postgres``, starts one child ``pytest`` per backend (both at
  once, on first use) with ``KLAPPT_STORE_BACKEND`` set, and reports each child result as the
  result of the matching outer test, ``test_x[sqlite]`` and ``test_x[postgres]``. The test body
  is not executed in the outer process, which therefore never imports Django: no clash with
  other test modules (or pytest-django) that configure Django their own way.
* the **inner** run (``KLAPPT_STORE_BACKEND=sqlite|postgres``) runs the tests for real.
  SQLite: every test gets a fresh project folder with its own database file.
  PostgreSQL: a database of its own per child run (``klappt_test_<pid>_<random>``, or a
  schema of that name in ``test`` if the role may not create databases), created and dropped
  by the outer run, and emptied before every test; parallel runs never share one.

PostgreSQL is looked for at 127.0.0.1:5432 as ``root`` or ``postgres`` (trust auth), maintenance
database ``test`` or ``postgres``; ``KLAPPT_TEST_PG=postgresql://user@host:port/db`` names
another one. When it is unreachable the PostgreSQL variants are skipped with a message saying
so, unless ``KLAPPT_REQUIRE_POSTGRES=1`` (CI), which makes them fail instead.

Tests that do not touch the database (settings parsing, lazy imports) run in the outer
process as usual. You can also run one backend directly:
``KLAPPT_STORE_BACKEND=postgres python -m pytest tests/store`` (it then creates its own database).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

BACKENDS = ("sqlite", "postgres")
BACKEND_ENV = "KLAPPT_STORE_BACKEND"
RESULTS_ENV = "KLAPPT_STORE_RESULTS"
INNER = os.environ.get(BACKEND_ENV)
INNER_TIMEOUT = 1200  # seconds for one child run
STORE_TABLES = (
    "klappt_store_return",
    "klappt_store_wave",
    "klappt_store_site",
    "klappt_store_program",
)


# --- PostgreSQL: find the server, make and drop a database of our own ----------------------


class PostgresUnavailable(Exception):
    pass


def _admin_candidates() -> list[str]:
    explicit = os.environ.get("KLAPPT_TEST_PG")
    if explicit:
        return [explicit]
    users = [u for u in (os.environ.get("PGUSER"), "root", "postgres") if u]
    return [
        f"postgresql://{user}@127.0.0.1:5432/{db}"
        for user in dict.fromkeys(users)
        for db in ("test", "postgres")
    ]


def _admin_connect() -> tuple[str, Any]:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        raise PostgresUnavailable(f"psycopg is not installed ({exc})") from None
    reasons = []
    for url in _admin_candidates():
        try:
            return url, psycopg.connect(url, autocommit=True, connect_timeout=5)
        except psycopg.Error as exc:
            reasons.append(
                f"{url}: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}"
            )
    raise PostgresUnavailable("; ".join(reasons))


def create_pg_database() -> tuple[str, Callable[[], None]]:
    """A fresh, uniquely named database (or schema) → (DATABASE_URL, drop function)."""
    import psycopg
    from psycopg import sql

    admin_url, conn = _admin_connect()
    name = f"klappt_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    parts = urlsplit(admin_url)
    try:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.errors.InsufficientPrivilege:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        conn.close()
        url = urlunsplit(parts._replace(query=f"options=-csearch_path%3D{name}"))

        def drop_schema() -> None:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as c:
                c.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))

        return url, drop_schema
    conn.close()
    url = urlunsplit(parts._replace(path=f"/{name}", query=""))

    def drop_database() -> None:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as c:
            c.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    return url, drop_database


# --- outer run: dispatch the backend variants to child pytest processes ---------------------


_HERE = Path(__file__).resolve().parent


def _backend_of(item: pytest.Item) -> str | None:
    # only this folder's tests: another folder may have a "backend" parameter of its own
    if _HERE not in Path(str(item.fspath)).resolve().parents:
        return None
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("backend") if callspec is not None else None


def _case_key(item: pytest.Item) -> str:
    """Identifies a test across the runs: its name and its parameters other than the backend."""
    callspec = getattr(item, "callspec", None)
    params = {
        k: repr(v) for k, v in (callspec.params.items() if callspec else ()) if k != "backend"
    }
    return json.dumps([item.nodeid.split("[")[0], sorted(params.items())])


class _ChildRuns:
    """One child pytest per backend, started together on first use, results read back as JSON."""

    def __init__(self, session: pytest.Session) -> None:
        self.session = session
        self.tmp = Path(tempfile.mkdtemp(prefix="klappt-store-tests-"))
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.started: dict[str, float] = {}
        self.cleanup: dict[str, Callable[[], None]] = {}
        self.results: dict[str, dict[str, Any]] = {}
        self.skip_reason: dict[str, str] = {}

    def _nodeids(self, backend: str) -> list[str]:
        return sorted(
            {i.nodeid.split("[")[0] for i in self.session.items if _backend_of(i) == backend}
        )

    def start_all(self) -> None:
        for backend in BACKENDS:
            if (
                backend not in self.procs
                and backend not in self.skip_reason
                and backend not in self.results
            ):
                self._start(backend)

    def _start(self, backend: str) -> None:
        nodeids = self._nodeids(backend)
        if not nodeids:
            return
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "KLAPPT_PROJECT")
        }
        env[BACKEND_ENV] = backend
        env[RESULTS_ENV] = str(self.tmp / f"{backend}.json")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        if backend == "postgres":
            try:
                url, drop = create_pg_database()
            except PostgresUnavailable as exc:
                reason = f"PostgreSQL is not reachable ({exc})"
                if os.environ.get("KLAPPT_REQUIRE_POSTGRES"):
                    reason += "; KLAPPT_REQUIRE_POSTGRES is set, so this fails"
                    self.results[backend] = {"__run__": {"outcome": "failed", "longrepr": reason}}
                else:
                    self.skip_reason[backend] = reason + ": PostgreSQL variant skipped"
                return
            env["DATABASE_URL"] = url
            self.cleanup[backend] = drop
        config = self.session.config
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            *nodeids,
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:django",
        ]
        cmd += ["--rootdir", str(config.rootpath)]
        if config.inipath:
            cmd += ["-c", str(config.inipath)]
        cmd += ["--basetemp", str(self.tmp / f"{backend}-tmp")]
        log = (self.tmp / f"{backend}.log").open("wb")
        self.procs[backend] = subprocess.Popen(
            cmd, cwd=config.rootpath, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.started[backend] = time.monotonic()
        log.close()

    def _finish(self, backend: str) -> None:
        proc = self.procs.pop(backend)
        try:
            rc = proc.wait(
                timeout=max(1.0, INNER_TIMEOUT - (time.monotonic() - self.started[backend]))
            )
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc = None
        finally:
            drop = self.cleanup.pop(backend, None)
            if drop is not None:
                try:
                    drop()
                except Exception as exc:  # a leftover test database must not hide the results
                    print(
                        f"warning: could not drop the PostgreSQL test database: {exc}",
                        file=sys.stderr,
                    )
        log = (self.tmp / f"{backend}.log").read_text(encoding="utf-8", errors="replace")
        path = self.tmp / f"{backend}.json"
        results = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        if rc is None:
            results["__run__"] = {
                "outcome": "failed",
                "longrepr": f"child run timed out after {INNER_TIMEOUT} s\n{log[-4000:]}",
            }
        results["__log__"] = log
        self.results[backend] = results

    def result(self, backend: str, key: str) -> dict[str, Any]:
        self.start_all()
        if backend in self.skip_reason:
            return {"outcome": "skipped", "longrepr": self.skip_reason[backend]}
        if backend in self.procs:
            self._finish(backend)
        results = self.results.get(backend, {})
        if "__run__" in results:
            return results["__run__"]
        if key in results:
            return results[key]
        log = results.get("__log__", "")
        return {
            "outcome": "failed",
            "longrepr": f"the {backend} child run did not report this test:\n{log[-6000:]}",
        }

    def close(self) -> None:
        for backend in list(self.procs):
            self.procs[backend].kill()
            self.procs.pop(backend).wait()
        for drop in self.cleanup.values():
            with contextlib.suppress(Exception):
                drop()
        self.cleanup.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)


_RUNS: dict[int, _ChildRuns] = {}


def _runs(session: pytest.Session) -> _ChildRuns:
    if id(session) not in _RUNS:
        _RUNS[id(session)] = _ChildRuns(session)
    return _RUNS[id(session)]


if not INNER:

    def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
        if "backend" in metafunc.fixturenames:
            metafunc.parametrize(
                "backend",
                [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)],
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
        backend = _backend_of(pyfuncitem)
        if backend is None:
            return None  # a test without the database: runs here, as usual
        res = _runs(pyfuncitem.session).result(backend, _case_key(pyfuncitem))
        if res["outcome"] == "passed":
            return True
        if res["outcome"] == "skipped":
            pytest.skip(res.get("longrepr") or "skipped in the child run")
        pytest.fail(f"[{backend}] {res.get('longrepr', '')}", pytrace=False)
        return None  # pragma: no cover

    def pytest_sessionfinish(session: pytest.Session) -> None:
        runs = _RUNS.pop(id(session), None)
        if runs is not None:
            runs.close()


# --- inner run: record the results for the outer run ----------------------------------------

if INNER:
    _KEYS: dict[str, str] = {}
    _OUTCOMES: dict[str, dict[str, Any]] = {}

    def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
        for item in items:
            _KEYS[item.nodeid] = _case_key(item)

    def pytest_runtest_logreport(report: pytest.TestReport) -> None:
        key = _KEYS.get(report.nodeid)
        if key is None:
            return
        entry = _OUTCOMES.setdefault(key, {"outcome": "passed", "longrepr": ""})
        if report.failed and entry["outcome"] != "failed":
            entry["outcome"] = "failed"
            entry["longrepr"] = f"({report.when}) {report.longreprtext}"
        elif report.skipped and entry["outcome"] == "passed":
            entry["outcome"] = "skipped"
            longrepr = report.longrepr
            entry["longrepr"] = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)

    def pytest_collectreport(report: pytest.CollectReport) -> None:
        if report.failed:
            _OUTCOMES["__run__"] = {
                "outcome": "failed",
                "longrepr": f"collection failed: {report.longreprtext}",
            }

    def pytest_sessionfinish(session: pytest.Session) -> None:
        out = os.environ.get(RESULTS_ENV)
        if out:
            Path(out).write_text(json.dumps(_OUTCOMES), encoding="utf-8")


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _store_database() -> Iterator[str | None]:
    """Inner run: the DATABASE_URL of this backend (created here when run directly)."""
    if not INNER:
        yield None
        return
    if INNER == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        yield None
        return
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    try:
        url, drop = create_pg_database()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL is not reachable ({exc}): PostgreSQL variant skipped")
    os.environ["DATABASE_URL"] = url
    try:
        yield url
    finally:
        from django.db import connections

        connections.close_all()
        drop()


_MIGRATED: list[bool] = []


@pytest.fixture
def backend() -> str | None:
    """The database backend of the test (parametrized in the outer run, fixed in the inner)."""
    return INNER


@pytest.fixture
def store(
    backend: str | None, _store_database: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """The store API, with Django configured for the backend; the store tables are empty."""
    if not INNER:
        return None  # outer run: the test body runs in the child process
    from klappt.store import api

    if INNER == "postgres":
        if not _MIGRATED:
            api.migrate(tmp_path_factory.mktemp("pg-migrate"))
            _MIGRATED.append(True)
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE {', '.join(STORE_TABLES)} RESTART IDENTITY CASCADE")
    return api


@pytest.fixture
def project(store: Any, tmp_path: Path) -> Path | None:
    """A fresh klappt project (``klappt init``) in a folder of its own."""
    if store is None:
        return None
    return store.init_project(tmp_path / "projekt")
