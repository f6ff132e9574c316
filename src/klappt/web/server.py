"""``klappt serve``, ``klappt migrate``, ``klappt createuser`` and ``klappt password``: the web app
in a project folder.

The server is gunicorn (threaded workers) with the app's static files served by WhiteNoise;
the database is the project's (SQLite in WAL mode, or ``DATABASE_URL``), brought up to date
before the first request. Django is configured here, not at import.
"""

from __future__ import annotations

import contextlib
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from klappt.errors import ErrorCode, KlapptError

SETTINGS = "klappt.web.settings"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def _setup(project: Path | None = None, hosts: tuple[str, ...] = ()) -> Path:
    """Point Django at the project's web settings and set it up (once per process)."""
    from klappt.store.api import find_project

    root = find_project(project)
    os.environ["KLAPPT_PROJECT"] = str(root)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    if hosts and "KLAPPT_ALLOWED_HOSTS" not in os.environ:
        os.environ["KLAPPT_ALLOWED_HOSTS"] = ",".join(dict.fromkeys([*LOOPBACK, *hosts]))
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    return root


def migrate(project: Path | None = None) -> list[str]:
    """Bring the project's database up to date (store and web tables); returns what was applied."""
    root = _setup(project)
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from klappt.store.api import init_project

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", interactive=False, verbosity=0)
    init_project(root)  # the project's own program exists for the web app too
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]


@dataclass(frozen=True)
class UserResult:
    username: str
    created: bool
    role: str
    program: str | None


def createuser(
    username: str,
    password: str,
    role: str = "coordinator",
    program: str | None = None,
    email: str = "",
    project: Path | None = None,
    lang: str = "de",
) -> UserResult:
    """Create (or update the password and role of) an account.

    Without ``program`` the role holds for every program; a coordinator for every program may
    also create programs. A bad role or unknown program, or a password the policy refuses
    (:mod:`klappt.web.passwords`, messages in ``lang``) raises ``KlapptError`` (ACCOUNT_001-005).
    """
    migrate(project)
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from klappt.store.models import Program
    from klappt.web.models import Membership, Role

    if role not in Role.values:
        raise KlapptError(ErrorCode.ACCOUNT_001, role=role, known=", ".join(Role.values))
    name = username.strip()
    if not name:
        raise KlapptError(ErrorCode.ACCOUNT_002)
    users = get_user_model()
    from klappt.web.passwords import problems

    wrong = problems(password, users(username=name, email=email or ""), lang)
    if wrong:
        raise KlapptError(ErrorCode.ACCOUNT_005, problems=" ".join(wrong))
    target = None
    if program:
        target = Program.objects.filter(slug=program).first()
        if target is None:
            known = ", ".join(Program.objects.values_list("slug", flat=True))
            raise KlapptError(ErrorCode.ACCOUNT_003, program=program, known=known)
    with transaction.atomic():
        user = users.objects.filter(username=name).first()
        created = user is None
        if created:
            user = users.objects.create_user(username=name, email=email or "", password=password)
        else:
            user.set_password(password)
            if email:
                user.email = email
            user.save()
        Membership.objects.update_or_create(user=user, program=target, defaults={"role": role})
    return UserResult(name, created, role, target.slug if target else None)


def password_problems(
    username: str, password: str, email: str = "", project: Path | None = None, lang: str = "de"
) -> list[str]:
    """What the password policy says about ``password`` for this account (empty: accepted);
    Django is set up for it, the database is not touched."""
    _setup(project)
    from django.contrib.auth import get_user_model

    from klappt.web.passwords import problems

    return problems(password, get_user_model()(username=username.strip(), email=email), lang)


def set_password(
    username: str, password: str, project: Path | None = None, lang: str = "de"
) -> str:
    """Give an existing account a new password (its sessions end with the old one); its roles
    stay as they are. Raises ``KlapptError`` for an unknown account or a password the policy
    refuses (messages in ``lang``)."""
    migrate(project)
    from django.contrib.auth import get_user_model

    from klappt.web.passwords import problems

    name = username.strip()
    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        raise KlapptError(ErrorCode.ACCOUNT_004, name=name)
    wrong = problems(password, user, lang)
    if wrong:
        raise KlapptError(ErrorCode.ACCOUNT_005, problems=" ".join(wrong))
    user.set_password(password)
    user.save(update_fields=["password"])
    return name


def default_workers() -> int:
    """One worker per core (at least 2, at most 8); each has ``threads`` threads for waiting on I/O."""
    return max(2, min(8, os.cpu_count() or 1))


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    bind = f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"
    opts: dict[str, Any] = {
        "bind": bind,
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 20,
        "keepalive": 5,
        # off by default; when on, the links' tokens are masked (logmask.py)
        "accesslog": os.environ.get("KLAPPT_ACCESS_LOG") or None,
        "errorlog": "-",
        # tokens of the sites' links masked in the error and access log
        "logger_class": "klappt.web.logmask.GunicornLogger",
        "loglevel": "warning",
        "proc_name": "klappt",
        "max_requests": 5000,
        "max_requests_jitter": 500,
        "forwarded_allow_ips": os.environ.get("KLAPPT_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        "preload_app": False,
    }
    if Path("/dev/shm").is_dir():
        opts["worker_tmp_dir"] = "/dev/shm"
    return opts


def _hosts_for(host: str) -> tuple[str, ...]:
    if host in ("0.0.0.0", "::", "[::]", ""):
        names = [socket.gethostname(), socket.getfqdn()]
        with contextlib.suppress(OSError):
            names += [socket.gethostbyname(socket.gethostname())]
        return tuple(n for n in names if n)
    return (host,)


def serve(
    project: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
    threads: int = 4,
    on_ready: Any = None,
) -> None:
    """Migrate, then run gunicorn in the foreground until it is stopped (Ctrl+C)."""
    # a request checks one return: Polars' thread pool costs more than it gains on one row,
    # and several workers would oversubscribe the cores (set before the workers import Polars)
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
    _setup(project, _hosts_for(host))
    migrate(project)
    from django.db import connections

    connections.close_all()  # the workers open their own
    opts = gunicorn_options(host, port, workers or default_workers(), threads)
    if on_ready is not None:
        on_ready(opts)
    from klappt.web import mailworker  # the outbox's sender beside gunicorn (issue 16)

    sender = mailworker.start(Path(os.environ["KLAPPT_PROJECT"]))
    try:
        _Gunicorn(opts).run()
    finally:
        mailworker.stop(sender)


def _application() -> Any:
    from klappt.web.wsgi import application

    return application


try:
    from gunicorn.app.base import BaseApplication
except ImportError:  # pragma: no cover - gunicorn is a dependency; Windows has none
    BaseApplication = object  # type: ignore[assignment,misc]


class _Gunicorn(BaseApplication):  # type: ignore[misc,valid-type]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        return _application()
