"""The project folder and the database behind it: init, find, migrate, and Django set up on use.

The helpers here that other store modules share (:func:`activate`, :func:`get_program`,
:func:`project_program`) configure Django for a project and name its program.
Nothing in this module imports Django at import time.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from klappt.errors import ErrorCode, KlapptError
from klappt.store import private

MARKER = "klappt-project.toml"
STATE_DIR = ".klappt"
DEFAULT_PROGRAM = "default"


def init_project(path: Path) -> Path:
    """Make ``path`` a klappt project: ``.klappt/``, the database (migrated), the default program.

    Idempotent: an existing project keeps its program and data. Returns the project folder.
    """
    root = Path(path).expanduser().resolve()
    try:
        root.mkdir(parents=True, exist_ok=True)
        private.make_dir(root / STATE_DIR)  # for the owner alone (see klappt.store.private)
    except OSError as exc:
        raise KlapptError(ErrorCode.FILE_006, path=root, reason=exc.strerror or str(exc)) from None
    ignore = root / STATE_DIR / ".gitignore"
    if not ignore.exists():
        private.make_file(ignore)
        ignore.write_text(
            "# database and snapshots of klappt: not for version control\n*\n", encoding="utf-8"
        )
    marker = root / MARKER
    program = _read_marker(marker) if marker.is_file() else DEFAULT_PROGRAM
    activate(root)
    get_program(program)
    if not marker.is_file():  # written last: a failed init leaves no marker behind
        _atomic_write_text(
            marker,
            "# klappt project: this file marks the project folder.\n"
            "# The database is .klappt/klappt.sqlite3, or the one DATABASE_URL names.\n"
            f'program = "{_toml_escape(program)}"\n'
            "\n"
            "# Published figures of a group rest on at least this many sites; smaller groups are\n"
            "# withheld (README: disclosure control).\n"
            "[disclosure]\n"
            "min_cell = 3\n",
        )
    return root


def find_project(start: Path | None = None) -> Path:
    """The project folder containing ``start`` (default: ``KLAPPT_PROJECT`` or the current dir).

    Walks up the folders to the first one with a ``klappt-project.toml``.
    Raises ``KlapptError(STORE_001)`` when there is none.
    """
    if start is None:
        env = os.environ.get("KLAPPT_PROJECT")
        start = Path(env) if env else Path.cwd()
    here = Path(start).expanduser().resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return folder
    raise KlapptError(ErrorCode.STORE_001, path=here)


def migrate(project: Path | None = None) -> None:
    """Bring the database schema up to date (``manage.py migrate``).

    Without ``project``: the database of ``DATABASE_URL``, else that of the project found
    from ``KLAPPT_PROJECT`` or the current folder (``STORE_001`` when there is none).
    """
    if project is not None:
        root = Path(project).expanduser().resolve()
    elif os.environ.get("DATABASE_URL", "").strip():
        root = _default_project()  # the database is elsewhere; the folder only holds snapshots
    else:
        root = find_project()
    activate(root, migrate_now=True)


# --- Django plumbing ---------------------------------------------------------------------

_SCHEMA_CHECKED: set[tuple[str, str]] = set()


def _default_project() -> Path:
    env = os.environ.get("KLAPPT_PROJECT")
    return Path(env).expanduser().resolve() if env else Path.cwd().resolve()


def activate(root: Path, migrate_now: bool = False) -> None:
    """Configure Django for the project, point SQLite at its file, bring the schema up to date."""
    from klappt.store import settings as store_settings

    url = os.environ.get("DATABASE_URL", "").strip()
    try:
        store_settings.configure(root)
    except ValueError as exc:  # a DATABASE_URL we cannot read
        raise KlapptError(
            ErrorCode.STORE_003, url=store_settings.redact_url(url), reason=str(exc)
        ) from None
    from django.db import DatabaseError, connection

    if connection.vendor == "sqlite" and not url:
        wanted = str(store_settings.sqlite_path(root))
        current = str(connection.settings_dict.get("NAME") or "")
        suffix = os.sep + os.path.join(store_settings.STATE_DIR, store_settings.SQLITE_NAME)
        if current != wanted and current.endswith(suffix):
            # one process, several projects (tests, notebooks): follow the project's own file
            connection.close()
            connection.settings_dict["NAME"] = wanted
        private.make_dir(Path(wanted).parent)
        private.make_file(Path(wanted))  # SQLite gives -wal and -shm the database's mode
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        shown = store_settings.redact_url(url) if url else str(connection.settings_dict.get("NAME"))
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise KlapptError(ErrorCode.STORE_003, url=shown, reason=reason) from None
    key = (connection.vendor, str(connection.settings_dict.get("NAME")))
    if key not in _SCHEMA_CHECKED:  # once per process: an older project is tightened
        private.tighten_with_note(root / STATE_DIR)
    if migrate_now or key not in _SCHEMA_CHECKED:
        _migrate_if_needed(force=migrate_now)
        _SCHEMA_CHECKED.add(key)


def _migrate_if_needed(force: bool = False) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if not force:
        executor = MigrationExecutor(connection)
        if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
            return
    call_command("migrate", interactive=False, verbosity=0)


def get_program(name: str) -> Any:
    from django.utils.text import slugify

    from klappt.store.models import Program

    slug = slugify(name) or DEFAULT_PROGRAM
    program, _ = Program.objects.get_or_create(slug=slug, defaults={"name": name})
    return program


def project_program(root: Path) -> str:
    marker = root / MARKER
    if not marker.is_file():
        raise KlapptError(ErrorCode.STORE_001, path=root)
    return _read_marker(marker)


def _read_marker(marker: Path) -> str:
    try:
        data = tomllib.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KlapptError(ErrorCode.FILE_003, path=marker, reason=str(exc)) from None
    program = data.get("program")
    return str(program).strip() if program else DEFAULT_PROGRAM


def project_min_cell(root: Path) -> int:
    """The project's minimum cell size (``[disclosure] min_cell`` in the marker file; default 3)."""
    from klappt.analysis.disclosure import MIN_CELL, check_min_cell

    marker = root / MARKER
    try:
        data = tomllib.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KlapptError(ErrorCode.FILE_003, path=marker, reason=str(exc)) from None
    section = data.get("disclosure")
    value = section.get("min_cell", MIN_CELL) if isinstance(section, dict) else MIN_CELL
    return check_min_cell(value, f"{marker}, [disclosure] min_cell")


def _toml_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _umask_mode() -> int:
    """0o666 less the process umask (what ``open(..., "w")`` gives); mkstemp would give 0o600."""
    try:  # reading the umask via os.umask() would briefly change it for every thread
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o644


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        os.chmod(tmp, _umask_mode())
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
