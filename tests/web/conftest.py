"""The web app's tests run twice: on SQLite and on PostgreSQL, as the store's tests do.

Django is configured once per process, so every test that requests the ``web_backend`` fixture
runs in one child pytest process per backend (``KLAPPT_WEB_BACKEND=sqlite|postgres``), with
pytest-django and ``DJANGO_SETTINGS_MODULE=klappt.web.settings``; the outer run reports each
child result as ``test_x[sqlite]`` / ``test_x[postgres]`` and never imports Django itself.
Tests without ``web_backend`` (condition logic, form layout) run in the outer process.

In the child, every backend test gets ``django_db`` (a test database created by Django:
a file for SQLite, ``test_klappt_web_<pid>_<random>`` on the PostgreSQL server); tests marked
``web_live`` get a transactional database and may use ``live_server``. Tests that start real
servers (gunicorn) make their own database with :func:`real_database`.

PostgreSQL is looked for at 127.0.0.1:5432 as ``root`` or ``postgres`` (trust auth);
``KLAPPT_TEST_PG`` names another server. Unreachable: the PostgreSQL variants are skipped with
the reason, unless ``KLAPPT_REQUIRE_POSTGRES=1``.
Run one backend directly: ``KLAPPT_WEB_BACKEND=sqlite python -m pytest tests/web``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

BACKENDS = ("sqlite", "postgres")
BACKEND_ENV = "KLAPPT_WEB_BACKEND"
RESULTS_ENV = "KLAPPT_WEB_RESULTS"
INNER = os.environ.get(BACKEND_ENV)
INNER_TIMEOUT = 1500
REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "src" / "klappt" / "reference"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
if str(Path(__file__).parent) not in sys.path:  # the helpers next to this file
    sys.path.insert(0, str(Path(__file__).parent))

from databases import PostgresUnavailable, drop_test_database, pg_database_url  # noqa: E402 - after the path  # Playwright's sync API + live_server


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "web_live: needs a transactional database (live server)")


# --- outer run: dispatch the backend variants to child pytest processes ---------------------


HERE = Path(__file__).resolve().parent
#: the parameter's name: not "backend", which tests/store's dispatcher claims session-wide
PARAM = "web_backend"


def _backend_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None or HERE not in Path(str(item.path)).resolve().parents:
        return None
    return callspec.params.get(PARAM)


def _case_key(item: pytest.Item) -> str:
    callspec = getattr(item, "callspec", None)
    params = {k: repr(v) for k, v in (callspec.params.items() if callspec else ()) if k != PARAM}
    return json.dumps([item.nodeid.split("[")[0], sorted(params.items())])


class _ChildRuns:
    def __init__(self, session: pytest.Session) -> None:
        self.session = session
        self.tmp = Path(tempfile.mkdtemp(prefix="klappt-web-tests-"))
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.started: dict[str, float] = {}
        self.results: dict[str, dict[str, Any]] = {}
        self.skip_reason: dict[str, str] = {}
        self.databases: dict[str, str] = {}

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
            if k
            not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "KLAPPT_PROJECT", "KLAPPT_SECRET_KEY")
        }
        project = self.tmp / f"{backend}-project"
        (project / ".klappt").mkdir(parents=True)
        env.update(
            {
                BACKEND_ENV: backend,
                RESULTS_ENV: str(self.tmp / f"{backend}.json"),
                "PYTHONDONTWRITEBYTECODE": "1",
                "DJANGO_SETTINGS_MODULE": "klappt.web.settings",
                "KLAPPT_PROJECT": str(project),
                "KLAPPT_ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
                "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
            }
        )
        if backend == "postgres":
            try:
                env["DATABASE_URL"] = pg_database_url("klappt_web")
                self.databases[backend] = env["DATABASE_URL"]
            except PostgresUnavailable as exc:
                reason = f"PostgreSQL is not reachable at 127.0.0.1:5432, PostgreSQL variant skipped ({exc})"
                if os.environ.get("KLAPPT_REQUIRE_POSTGRES"):
                    self.results[backend] = {"__run__": {"outcome": "failed", "longrepr": reason}}
                else:
                    self.skip_reason[backend] = reason
                return
        config = self.session.config
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            *nodeids,
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(config.rootpath),
        ]
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
        url = self.databases.pop(backend, None)
        if url is not None:  # a child killed before Django's teardown leaves its test database
            drop_test_database(url)
        log = (self.tmp / f"{backend}.log").read_text(encoding="utf-8", errors="replace")
        path = self.tmp / f"{backend}.json"
        results = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        if rc is None:
            results["__run__"] = {
                "outcome": "failed",
                "longrepr": f"child run timed out\n{log[-4000:]}",
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
        for url in self.databases.values():
            drop_test_database(url)


_RUNS: dict[int, _ChildRuns] = {}


def _runs(session: pytest.Session) -> _ChildRuns:
    if id(session) not in _RUNS:
        _RUNS[id(session)] = _ChildRuns(session)
    return _RUNS[id(session)]


if not INNER:

    def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
        if PARAM in metafunc.fixturenames:
            metafunc.parametrize(
                PARAM,
                [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)],
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
        backend = _backend_of(pyfuncitem)
        if backend is None:
            return None
        res = _runs(pyfuncitem.session).result(backend, _case_key(pyfuncitem))
        if res["outcome"] == "passed":
            return True
        if res["outcome"] == "skipped":
            pytest.skip(res.get("longrepr") or "skipped in the child run")
        pytest.fail(f"[{backend}] {res.get('longrepr', '')}", pytrace=False)
        return None

    def pytest_sessionfinish(session: pytest.Session) -> None:
        runs = _RUNS.pop(id(session), None)
        if runs is not None:
            runs.close()


if INNER:
    _KEYS: dict[str, str] = {}
    _OUTCOMES: dict[str, dict[str, Any]] = {}

    def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
        for item in items:
            _KEYS[item.nodeid] = _case_key(item)
            if (
                PARAM in getattr(item, "fixturenames", ())
                and item.get_closest_marker("django_db") is None
            ):
                live = item.get_closest_marker("web_live") is not None
                item.add_marker(pytest.mark.django_db(transaction=live))

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

    @pytest.fixture(scope="session")
    def django_db_modify_db_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
        """SQLite: a test database in a file (WAL, several connections), not in memory."""
        from django.conf import settings

        # fast password hashing: tests log in often; real servers keep the strong default
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        db = settings.DATABASES["default"]
        db["CONN_MAX_AGE"] = 0  # no connection outlives a test: the test database can be dropped
        if db["ENGINE"].endswith("sqlite3"):
            db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


# --- fixtures (inner run; None in the outer run, where the test body does not execute) ------


@pytest.fixture
def web_backend() -> str | None:
    """The database backend of the test (parametrized in the outer run, fixed in the child)."""
    return INNER


@pytest.fixture
def web(web_backend: str | None, request: pytest.FixtureRequest) -> Any:
    """Helpers for a test: a program with the reference register and an open 2022 wave."""
    if not INNER:
        yield None
        return
    from web_helpers import Web

    w = Web(request)
    yield w
    w.close()


@pytest.fixture
def live(web_backend: str | None, request: pytest.FixtureRequest) -> Any:
    """pytest-django's live server (child run; the test must be marked ``web_live``)."""
    if not INNER:
        return None
    return request.getfixturevalue("live_server")
