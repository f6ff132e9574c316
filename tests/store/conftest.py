"""The store tests run twice: on SQLite and on PostgreSQL.

The tests in this folder that use the database (those requesting the ``backend`` fixture,
directly or through ``store``/``project``) run in one child pytest per backend
(``KLAPPT_STORE_BACKEND=sqlite|postgres``, without pytest-django: the store configures Django
itself); the outer run reports each child result as ``test_x[sqlite]`` / ``test_x[postgres]``
and never imports Django. The machinery, shared with tests/web, is :mod:`dbdispatch`.

In the child, SQLite: every test gets a fresh project folder with its own database file.
PostgreSQL: a database of its own per child run (``klappt_test_<pid>_<random>``, or a schema of
that name if the role may not create databases), created and dropped by the outer run, and
emptied before every test; parallel runs never share one. Where PostgreSQL is looked for, and
what happens when it is unreachable: see :mod:`dbdispatch`.

Tests that do not touch the database (settings parsing, lazy imports) run in the outer
process as usual. Run one backend directly, nothing else to set:
``KLAPPT_STORE_BACKEND=postgres python -m pytest tests/store`` (it then creates and drops its
own database) or ``KLAPPT_STORE_BACKEND=sqlite python -m pytest tests/store``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# tests/dbdispatch.py; appended: a folder's own helpers (a "conftest" of its own) come first
if str(Path(__file__).resolve().parents[1]) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parents[1]))

from dbdispatch import Dispatch, PostgresUnavailable, create_pg_database

PG_PREFIX = "klappt_test"
STORE_TABLES = (
    "klappt_store_return",
    "klappt_store_wave",
    "klappt_store_site",
    "klappt_store_program",
)

DISPATCH = Dispatch(
    folder=Path(__file__).resolve().parent,
    param="backend",
    backend_env="KLAPPT_STORE_BACKEND",
    results_env="KLAPPT_STORE_RESULTS",
    tmp_prefix="klappt-store-tests-",
    timeout=1200,
    pg_database=lambda: create_pg_database(PG_PREFIX),
    child_args=("-p", "no:django"),
)
DISPATCH.install(globals())
INNER = DISPATCH.inner


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
        url, drop = create_pg_database(PG_PREFIX)
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
