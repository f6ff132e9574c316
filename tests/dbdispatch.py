"""Run a folder's database tests once per backend (SQLite, PostgreSQL), each in a child pytest.

Django can be configured only once per process, and the store and the web app must be tested
on two database backends. So the tests of a folder that request its backend fixture (``backend``
in tests/store, ``web_backend`` in tests/web; directly or through another fixture) run in two
child pytest processes, one per backend, each with Django configured for its database:

* the **outer** run (plain ``pytest tests/store``) parametrizes every such test with the backend
  fixture = ``sqlite`` / ``postgres``, starts one child ``pytest`` per backend (both at once, on
  first use) with the folder's backend variable set (``KLAPPT_STORE_BACKEND``,
  ``KLAPPT_WEB_BACKEND``), and reports each child result as the result of the matching outer
  test, ``test_x[sqlite]`` and ``test_x[postgres]``. The test body is not executed in the outer
  process, which therefore never imports Django.
* the **inner** run (the backend variable set) runs the tests for real and writes their
  outcomes to the file the outer run names.

A folder's conftest makes one :class:`Dispatch` with what differs between the folders (the
fixture name, the variables, the child's environment and plugins, the PostgreSQL database) and
installs its hooks in the conftest (:meth:`Dispatch.install`). The PostgreSQL helpers of both
folders live here too.

PostgreSQL is looked for at 127.0.0.1:5432 as ``PGUSER``, ``root`` or ``postgres`` (trust
auth), maintenance database ``test`` or ``postgres``;
``KLAPPT_TEST_PG=postgresql://user@host:port/db`` names another one. When it is unreachable the PostgreSQL variants are skipped with a message
saying so, unless ``KLAPPT_REQUIRE_POSTGRES=1`` (CI), which makes them fail instead.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

BACKENDS = ("sqlite", "postgres")
#: the pytest hooks a conftest gets from its :class:`Dispatch`
HOOKS = (
    "pytest_generate_tests",
    "pytest_pyfunc_call",
    "pytest_collection_modifyitems",
    "pytest_runtest_logreport",
    "pytest_collectreport",
    "pytest_sessionfinish",
)

# --- PostgreSQL: find the server, make and drop databases of our own -----------------------


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


def pg_admin() -> tuple[str, Any]:
    """A connection to the server's maintenance database: (url, autocommit connection)."""
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


def unique_name(prefix: str) -> str:
    """A database name no parallel run uses: ``<prefix>_<pid>_<random>``."""
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def drop_database(name: str) -> None:
    """Drop the database ``name`` if it is there (connections to it are ended)."""
    from psycopg import sql

    _url, conn = pg_admin()
    with conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def create_pg_database(prefix: str) -> tuple[str, Callable[[], None]]:
    """A fresh, uniquely named database (or schema, if the role may not create databases)
    → (DATABASE_URL, drop function)."""
    import psycopg
    from psycopg import sql

    admin_url, conn = pg_admin()
    name = unique_name(prefix)
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
    return urlunsplit(parts._replace(path=f"/{name}", query="")), lambda: drop_database(name)


def pg_database_url(prefix: str) -> tuple[str, Callable[[], None]]:
    """A DATABASE_URL for a database that does not exist yet, for a child under pytest-django
    (which creates and drops ``test_<name>``) → (url, drop function for what a killed child
    leaves behind)."""
    url, conn = pg_admin()
    conn.close()
    name = unique_name(prefix)

    def drop_test_database() -> None:
        with contextlib.suppress(PostgresUnavailable):
            drop_database(f"test_{name}")

    return urlunsplit(urlsplit(url)._replace(path=f"/{name}", query="")), drop_test_database


# --- the dispatcher ------------------------------------------------------------------------


@dataclass
class Dispatch:
    """What differs between the folders whose tests run once per backend."""

    #: the folder whose tests are dispatched (another folder may use the same fixture name)
    folder: Path
    #: the backend fixture and parameter: ``backend`` (store), ``web_backend`` (web)
    param: str
    #: the variable naming the child's backend, and the one naming its results file
    backend_env: str
    results_env: str
    #: prefix of the outer run's temporary folder
    tmp_prefix: str
    #: seconds for one child run
    timeout: int
    #: makes a PostgreSQL database for a child → (DATABASE_URL, drop function)
    pg_database: Callable[[], tuple[str, Callable[[], None]]]
    #: further environment of a child (given its backend and the outer run's temporary folder)
    child_env: Callable[[str, Path], dict[str, str]] = lambda backend, tmp: {}
    #: further arguments of the child's pytest (``-p no:django``)
    child_args: tuple[str, ...] = ()
    #: variables of the outer environment a child does not inherit
    not_inherited: tuple[str, ...] = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "KLAPPT_PROJECT")
    #: called for every collected test of the inner run (pytest-django marks, say)
    mark_item: Callable[[pytest.Item], None] = lambda item: None
    _runs: dict[int, _ChildRuns] = field(default_factory=dict, init=False)
    _keys: dict[str, str] = field(default_factory=dict, init=False)
    _outcomes: dict[str, dict[str, Any]] = field(default_factory=dict, init=False)

    @property
    def inner(self) -> str | None:
        """The backend of this (child) run, None in the outer run."""
        return os.environ.get(self.backend_env) or None

    def backend_of(self, item: pytest.Item) -> str | None:
        """The backend variant of an outer test of this folder (None: runs here, as usual)."""
        callspec = getattr(item, "callspec", None)
        if callspec is None or self.folder not in Path(str(item.path)).resolve().parents:
            return None
        return callspec.params.get(self.param)

    def case_key(self, item: pytest.Item) -> str:
        """Identifies a test across the runs: its name and its parameters but the backend."""
        callspec = getattr(item, "callspec", None)
        params = callspec.params.items() if callspec else ()
        kept = {k: repr(v) for k, v in params if k != self.param}
        return json.dumps([item.nodeid.split("[")[0], sorted(kept.items())])

    def install(self, namespace: dict[str, Any]) -> None:
        """Make the dispatcher's hooks those of the conftest whose ``globals()`` is given."""
        for name in HOOKS:
            namespace[name] = getattr(self, name)

    # --- hooks (installed in the conftest by :meth:`install`) --------------------------------

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if not self.inner and self.param in metafunc.fixturenames:
            metafunc.parametrize(
                self.param,
                [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)],
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> bool | None:
        backend = None if self.inner else self.backend_of(pyfuncitem)
        if backend is None:
            return None  # a test without the database, or the child: runs here, as usual
        session = pyfuncitem.session
        runs = self._runs.setdefault(id(session), _ChildRuns(self, session))
        res = runs.result(backend, self.case_key(pyfuncitem))
        if res["outcome"] == "passed":
            return True
        if res["outcome"] == "skipped":
            pytest.skip(res.get("longrepr") or "skipped in the child run")
        pytest.fail(f"[{backend}] {res.get('longrepr', '')}", pytrace=False)
        return None  # pragma: no cover

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        if not self.inner:
            return
        for item in items:
            self._keys[item.nodeid] = self.case_key(item)
            if self.param in getattr(item, "fixturenames", ()):
                self.mark_item(item)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        key = self._keys.get(report.nodeid)
        if key is None:
            return
        entry = self._outcomes.setdefault(key, {"outcome": "passed", "longrepr": ""})
        if report.failed and entry["outcome"] != "failed":
            entry["outcome"] = "failed"
            entry["longrepr"] = f"({report.when}) {report.longreprtext}"
        elif report.skipped and entry["outcome"] == "passed":
            entry["outcome"] = "skipped"
            longrepr = report.longrepr
            entry["longrepr"] = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if self.inner and report.failed:
            self._outcomes["__run__"] = {
                "outcome": "failed",
                "longrepr": f"collection failed: {report.longreprtext}",
            }

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        runs = self._runs.pop(id(session), None)
        if runs is not None:
            runs.close()
        out = os.environ.get(self.results_env) if self.inner else None
        if out:
            Path(out).write_text(json.dumps(self._outcomes), encoding="utf-8")


class _ChildRuns:
    """One child pytest per backend, started together on first use, results read back as JSON."""

    def __init__(self, dispatch: Dispatch, session: pytest.Session) -> None:
        self.dispatch = dispatch
        self.session = session
        self.tmp = Path(tempfile.mkdtemp(prefix=dispatch.tmp_prefix))
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.started: dict[str, float] = {}
        self.cleanup: dict[str, Callable[[], None]] = {}
        self.results: dict[str, dict[str, Any]] = {}
        self.skip_reason: dict[str, str] = {}

    def _nodeids(self, backend: str) -> list[str]:
        of = self.dispatch.backend_of
        return sorted({i.nodeid.split("[")[0] for i in self.session.items if of(i) == backend})

    def start_all(self) -> None:
        for backend in BACKENDS:
            if (
                backend not in self.procs
                and backend not in self.skip_reason
                and backend not in self.results
            ):
                self._start(backend)

    def _start(self, backend: str) -> None:
        d = self.dispatch
        nodeids = self._nodeids(backend)
        if not nodeids:
            return
        env = {k: v for k, v in os.environ.items() if k not in d.not_inherited}
        env[d.backend_env] = backend
        env[d.results_env] = str(self.tmp / f"{backend}.json")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.update(d.child_env(backend, self.tmp))
        if backend == "postgres":
            try:
                url, drop = d.pg_database()
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
        cmd = [sys.executable, "-m", "pytest", *nodeids, "-q", "-p", "no:cacheprovider"]
        cmd += [*d.child_args, "--rootdir", str(config.rootpath)]
        if config.inipath:
            cmd += ["-c", str(config.inipath)]
        cmd += ["--basetemp", str(self.tmp / f"{backend}-tmp")]
        log = (self.tmp / f"{backend}.log").open("wb")
        self.procs[backend] = subprocess.Popen(
            cmd, cwd=config.rootpath, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.started[backend] = time.monotonic()
        log.close()

    def _drop(self, backend: str) -> None:
        drop = self.cleanup.pop(backend, None)
        if drop is None:
            return
        try:
            drop()
        except Exception as exc:  # a leftover test database must not hide the results
            print(f"warning: could not drop the PostgreSQL test database: {exc}", file=sys.stderr)

    def _finish(self, backend: str) -> None:
        timeout = self.dispatch.timeout
        proc = self.procs.pop(backend)
        try:
            rc = proc.wait(timeout=max(1.0, timeout - (time.monotonic() - self.started[backend])))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc = None
        finally:  # a child killed before its own teardown leaves its database behind
            self._drop(backend)
        log = (self.tmp / f"{backend}.log").read_text(encoding="utf-8", errors="replace")
        path = self.tmp / f"{backend}.json"
        results = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        if rc is None:
            results["__run__"] = {
                "outcome": "failed",
                "longrepr": f"child run timed out after {timeout} s\n{log[-4000:]}",
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
        for backend in list(self.cleanup):
            with contextlib.suppress(Exception):
                self.cleanup.pop(backend)()
        shutil.rmtree(self.tmp, ignore_errors=True)
