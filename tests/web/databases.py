"""Databases and served projects for the web tests' real servers; the PostgreSQL helpers are
:mod:`dbdispatch`'s."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from http_session import Server, klappt, set_up_wave
from reference_data import FORM, REGISTER

from dbdispatch import create_pg_database

#: the coordinator's password of every served project
PASSWORD = "koordinations-passwort-2022"
#: what the test process's own environment must not hand to the server it starts
CLEAN_ENV = ("DJANGO_SETTINGS_MODULE", "KLAPPT_PROJECT", "DATABASE_URL", "KLAPPT_ALLOWED_HOSTS")


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


@contextlib.contextmanager
def served_project(
    backend: str,
    tmp_path: Path,
    register: Path = REGISTER,
    form: Path = FORM,
    **settings: str,
) -> Iterator[dict[str, Any]]:
    """A project with a coordinator and an open wave (``register`` and ``form``, the reference
    form unless given, imported through the pages), served by ``klappt serve`` with
    ``settings`` in its environment."""
    project = tmp_path / "projekt"
    with real_database(backend, project) as extra:
        env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
        env.update(extra)
        env.update(settings)
        klappt(["init", str(project)], env)
        klappt(
            ["createuser", "koordination", "--password-stdin", "--project", str(project)],
            env,
            stdin=PASSWORD + "\n",
        )
        server = Server(project, env, tmp_path / "server.log")
        server.start()
        try:
            setup = set_up_wave(server, "koordination", PASSWORD, register, form)
            yield {"server": server, "env": env, "project": project, **setup}
        finally:
            server.stop()
