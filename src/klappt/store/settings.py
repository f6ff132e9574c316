"""Django settings for the klappt store, built from the environment.

Two ways to use them:

* As a settings module (``DJANGO_SETTINGS_MODULE=klappt.store.settings``, or
  ``from klappt.store.settings import *`` in the web app's settings): the module-level
  UPPER-CASE names are computed once at import from ``KLAPPT_PROJECT`` / ``DATABASE_URL``.
* Programmatically: :func:`configure` calls ``settings.configure(...)`` and
  ``django.setup()`` once per process, for a given project folder. This is what
  :mod:`klappt.store.api` (and so the CLI) does.

Database:

* ``DATABASE_URL`` set → that database. ``postgres://``, ``postgresql://`` (and ``pgsql://``)
  give PostgreSQL (psycopg 3); query parameters become connection options
  (``?sslmode=require``, ``?options=-csearch_path%3Dmy_schema``); ``sqlite:///relative.db``,
  ``sqlite:////absolute.db`` and ``sqlite://:memory:`` give SQLite.
* otherwise SQLite at ``<project>/.klappt/klappt.sqlite3`` in WAL mode with ``BEGIN IMMEDIATE``
  transactions (writers queue on the busy timeout instead of failing with "database is locked").

The project folder is ``KLAPPT_PROJECT`` or the current directory.

This module does not import Django at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = [
    "ALLOWED_HOSTS",
    "DATABASES",
    "DEBUG",
    "DEFAULT_AUTO_FIELD",
    "INSTALLED_APPS",
    "KLAPPT_PROJECT_DIR",
    "LANGUAGE_CODE",
    "SECRET_KEY",
    "TIME_ZONE",
    "USE_I18N",
    "USE_TZ",
]

STATE_DIR = ".klappt"
SQLITE_NAME = "klappt.sqlite3"
SQLITE_TIMEOUT = 30  # seconds a writer waits for the lock before "database is locked"
SQLITE_INIT = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"

_PG_SCHEMES = {"postgres", "postgresql", "pgsql"}
_INSECURE_KEY = "klappt-store-insecure-key-set-KLAPPT_SECRET_KEY-for-the-web-app"


def project_dir(project: Path | str | None = None) -> Path:
    """The project folder: the argument, else ``KLAPPT_PROJECT``, else the current directory."""
    if project is None:
        env = os.environ.get("KLAPPT_PROJECT")
        project = Path(env) if env else Path.cwd()
    return Path(project).expanduser().resolve()


def sqlite_path(project: Path | str | None = None) -> Path:
    """Where the default SQLite database of a project lives."""
    return project_dir(project) / STATE_DIR / SQLITE_NAME


def sqlite_database(path: Path | str) -> dict[str, Any]:
    """A ``DATABASES`` entry for SQLite at ``path``: WAL, immediate transactions, busy timeout."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "init_command": SQLITE_INIT,
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_TIMEOUT,
        },
    }


def parse_database_url(url: str, base: Path | None = None) -> dict[str, Any]:
    """A ``DATABASES`` entry from a URL (``postgres://user:pw@host:5432/db``, ``sqlite:///x.db``).

    Raises ``ValueError`` for a scheme we do not support.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    if scheme in _PG_SCHEMES:
        entry: dict[str, Any] = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            # a socket directory may be given percent-encoded as the host
            "HOST": unquote(parts.hostname or ""),
            "PORT": str(parts.port or ""),
        }
        conn_max_age = options.pop("conn_max_age", None)
        if conn_max_age is not None:
            entry["CONN_MAX_AGE"] = int(conn_max_age)
        if options:
            entry["OPTIONS"] = options
        return entry
    if scheme in ("sqlite", "sqlite3"):
        # sqlite:///relative.db  -> path "/relative.db" ; sqlite:////abs.db -> "//abs.db"
        raw = unquote(parts.path)
        if parts.netloc == ":memory:" or raw in ("", "/", "/:memory:"):
            name = ":memory:"
        else:
            rel = raw[1:] if raw.startswith("/") else raw
            p = Path(rel)
            if not p.is_absolute():
                p = (base or Path.cwd()) / p
            name = str(p)
        entry = sqlite_database(name)
        if name == ":memory:":
            entry["OPTIONS"].pop("init_command")
        return entry
    raise ValueError(f"DATABASE_URL: unsupported scheme {parts.scheme!r}")


def redact_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def database_config(project: Path | str | None = None) -> dict[str, Any]:
    """The ``default`` database: ``DATABASE_URL`` if set, else the project's SQLite file."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return parse_database_url(url, base=project_dir(project))
    return sqlite_database(sqlite_path(project))


def build(project: Path | str | None = None) -> dict[str, Any]:
    """All settings as a dict, for ``django.conf.settings.configure(**build(...))``."""
    root = project_dir(project)
    return {
        "DEBUG": False,
        "SECRET_KEY": os.environ.get("KLAPPT_SECRET_KEY") or _INSECURE_KEY,
        "ALLOWED_HOSTS": [],
        "INSTALLED_APPS": [
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "klappt.store.apps.StoreConfig",
        ],
        "DATABASES": {"default": database_config(root)},
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "USE_TZ": True,
        "TIME_ZONE": "Europe/Berlin",
        "LANGUAGE_CODE": "de",
        "USE_I18N": True,
        "KLAPPT_PROJECT_DIR": str(root),
    }


def configure(project_dir: Path | None = None) -> bool:
    """Configure Django with these settings and run ``django.setup()``, once per process.

    Does nothing when Django is already configured (by an earlier call, or by
    ``DJANGO_SETTINGS_MODULE`` such as the web app's). Returns True when this call configured it.
    """
    import django
    from django.apps import apps
    from django.conf import settings

    if settings.configured:
        if not apps.ready:
            django.setup()
        return False
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        # A settings module was chosen (the web app, pytest-django): let Django read it.
        django.setup()
        return False
    settings.configure(**build(project_dir))
    django.setup()
    return True


# Module-level settings, for DJANGO_SETTINGS_MODULE / star-import by the web app.
_built = build()
DEBUG: bool = _built["DEBUG"]
SECRET_KEY: str = _built["SECRET_KEY"]
ALLOWED_HOSTS: list[str] = _built["ALLOWED_HOSTS"]
INSTALLED_APPS: list[str] = _built["INSTALLED_APPS"]
DATABASES: dict[str, dict[str, Any]] = _built["DATABASES"]
DEFAULT_AUTO_FIELD: str = _built["DEFAULT_AUTO_FIELD"]
USE_TZ: bool = _built["USE_TZ"]
TIME_ZONE: str = _built["TIME_ZONE"]
LANGUAGE_CODE: str = _built["LANGUAGE_CODE"]
USE_I18N: bool = _built["USE_I18N"]
KLAPPT_PROJECT_DIR: str = _built["KLAPPT_PROJECT_DIR"]
del _built
