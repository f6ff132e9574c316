"""The web app's tests run twice: on SQLite and on PostgreSQL, as the store's tests do.

Django is configured once per process, so every test that requests the ``web_backend`` fixture
runs in one child pytest process per backend (``KLAPPT_WEB_BACKEND=sqlite|postgres``), with
pytest-django and ``DJANGO_SETTINGS_MODULE=klappt.web.settings``; the outer run reports each
child result as ``test_x[sqlite]`` / ``test_x[postgres]`` and never imports Django itself.
Tests without ``web_backend`` (condition logic, form layout) run in the outer process. The
machinery, shared with tests/store, is :mod:`dbdispatch` (where PostgreSQL is looked for, and
what happens when it is unreachable).

In the child, every backend test gets ``django_db`` (a test database created by Django:
a file for SQLite, ``test_klappt_web_<pid>_<random>`` on the PostgreSQL server); tests marked
``web_live`` get a transactional database and may use ``live_server``. Tests that start real
servers (gunicorn) make their own database with :func:`databases.real_database`.

Run one backend directly, nothing else to set: ``KLAPPT_WEB_BACKEND=sqlite python -m pytest
tests/web`` (or ``=postgres``). This conftest then sets what the outer run gives a child
(``DJANGO_SETTINGS_MODULE``, a project folder, allowed hosts; for PostgreSQL a database URL),
unless the environment names them already.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "src" / "klappt" / "reference"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
if str(Path(__file__).parent) not in sys.path:  # the helpers next to this file
    sys.path.insert(0, str(Path(__file__).parent))
if str(Path(__file__).parent.parent) not in sys.path:  # tests/dbdispatch.py, after the others
    sys.path.append(str(Path(__file__).parent.parent))

from dbdispatch import Dispatch, pg_database_url  # noqa: E402 - after the path


def child_env(backend: str, tmp: Path) -> dict[str, str]:
    """What a child run needs besides its backend: the settings, a project folder, the hosts."""
    project = tmp / f"{backend}-project"
    (project / ".klappt").mkdir(parents=True, exist_ok=True)
    return {
        "DJANGO_SETTINGS_MODULE": "klappt.web.settings",
        "KLAPPT_PROJECT": str(project),
        "KLAPPT_ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
    }


def _mark_django_db(item: pytest.Item) -> None:
    if item.get_closest_marker("django_db") is None:
        live = item.get_closest_marker("web_live") is not None
        item.add_marker(pytest.mark.django_db(transaction=live))


DISPATCH = Dispatch(
    folder=Path(__file__).resolve().parent,
    #: not "backend", which tests/store's dispatcher claims
    param="web_backend",
    backend_env="KLAPPT_WEB_BACKEND",
    results_env="KLAPPT_WEB_RESULTS",
    tmp_prefix="klappt-web-tests-",
    timeout=1500,
    pg_database=lambda: pg_database_url("klappt_web"),
    child_env=child_env,
    not_inherited=("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "KLAPPT_PROJECT", "KLAPPT_SECRET_KEY"),
    mark_item=_mark_django_db,
)
DISPATCH.install(globals())
INNER = DISPATCH.inner


def _run_directly(backend: str) -> None:
    """A backend run started by hand: the environment a child of the outer run would get."""
    tmp = Path(tempfile.mkdtemp(prefix="klappt-web-tests-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    for name, value in child_env(backend, tmp).items():
        os.environ.setdefault(name, value)
    if backend == "postgres" and not os.environ.get("DATABASE_URL"):
        url, drop = pg_database_url("klappt_web")  # pytest-django creates test_<name>
        os.environ["DATABASE_URL"] = url
        atexit.register(drop)


RUN_DIRECTLY = bool(INNER) and not os.environ.get(DISPATCH.results_env)
if RUN_DIRECTLY:
    _run_directly(INNER or "")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "web_live: needs a transactional database (live server)")
    if RUN_DIRECTLY:
        # pytest-django read the environment before this conftest set it: the settings are
        # loaded here, so its own pytest_configure (which runs last) sets Django up
        from django.conf import settings

        assert settings.INSTALLED_APPS


if INNER:

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
