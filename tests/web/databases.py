"""Databases for the web tests: the PostgreSQL server's admin connection, fresh databases."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit


class PostgresUnavailable(Exception):
    pass


def pg_admin() -> tuple[str, Any]:
    """A connection to the server's maintenance database: (url, connection)."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover
        raise PostgresUnavailable(str(exc)) from None
    explicit = os.environ.get("KLAPPT_TEST_PG")
    users = [u for u in (os.environ.get("PGUSER"), "root", "postgres") if u]
    urls = (
        [explicit]
        if explicit
        else [
            f"postgresql://{u}@127.0.0.1:5432/{db}"
            for u in dict.fromkeys(users)
            for db in ("postgres", "test")
        ]
    )
    reasons = []
    for url in urls:
        try:
            return url, psycopg.connect(url, autocommit=True, connect_timeout=5)
        except psycopg.Error as exc:
            reasons.append(
                f"{url}: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}"
            )
    raise PostgresUnavailable("; ".join(reasons))


def pg_database_url(prefix: str) -> str:
    """A DATABASE_URL on the server for a database that does not exist yet (Django creates test_<name>)."""
    url, conn = pg_admin()
    conn.close()
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}", query=""))


@contextlib.contextmanager
def real_database(backend: str, folder: Path) -> Iterator[dict[str, str]]:
    """A fresh database for a real server process: env vars (KLAPPT_PROJECT, DATABASE_URL)."""
    from psycopg import sql

    folder.mkdir(parents=True, exist_ok=True)
    env = {"KLAPPT_PROJECT": str(folder)}
    if backend == "sqlite":
        yield env
        return
    url, conn = pg_admin()
    name = f"klappt_websrv_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()
    env["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{name}", query=""))
    try:
        yield env
    finally:
        _url, conn = pg_admin()
        with conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def drop_test_database(url: str) -> None:
    """Drop Django's ``test_<name>`` of a DATABASE_URL if it is still there (a killed child)."""
    from psycopg import sql

    name = "test_" + urlsplit(url).path.lstrip("/")
    try:
        _admin, conn = pg_admin()
    except PostgresUnavailable:
        return
    with conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
