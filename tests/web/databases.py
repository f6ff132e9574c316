"""Databases for the web tests' real servers; the PostgreSQL helpers are :mod:`dbdispatch`'s."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from dbdispatch import create_pg_database


@contextlib.contextmanager
def real_database(backend: str, folder: Path) -> Iterator[dict[str, str]]:
    """A fresh database for a real server process: env vars (KLAPPT_PROJECT, DATABASE_URL)."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {"KLAPPT_PROJECT": str(folder)}
    if backend == "sqlite":
        yield env
        return
    env["DATABASE_URL"], drop = create_pg_database("klappt_websrv")
    try:
        yield env
    finally:
        drop()
