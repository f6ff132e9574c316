"""Waves, sites and returns in a database (Django ORM + migrations).

A klappt project is a folder with a ``klappt-project.toml`` marker and a ``.klappt/``
directory. It holds one program with its register of sites and its waves (an instrument
plus its returns). The database is SQLite in WAL mode at ``.klappt/klappt.sqlite3``, or the
PostgreSQL database named by ``DATABASE_URL``. What the analysis reads is kept beside the
database as a Parquet snapshot per wave (``.klappt/snapshots/``), keyed by the content it was
built from, so ``tabulate`` never decodes a million rows of JSON.

Importing this package does not import Django: the functions in :mod:`klappt.store.api`
configure it on first use. The names below are re-exported lazily.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "WaveImport",
    "WaveInfo",
    "find_project",
    "import_register",
    "import_wave",
    "init_project",
    "list_waves",
    "load_wave",
    "migrate",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from klappt.store import api

        return getattr(api, name)
    raise AttributeError(f"module 'klappt.store' has no attribute {name!r}")
