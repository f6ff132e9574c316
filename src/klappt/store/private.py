"""The project's ``.klappt/`` folder is for its owner alone: the folder 0700, its files 0600.

It holds the SQLite database with its ``-wal``/``-shm`` files (every answer of every site), the
web app's secret key (it derives the sites' links and signs sessions) and the Parquet snapshots.
A new folder and database are created that way; an older project whose folder or files other
local users could read is tightened when it is opened, with a note on standard error.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path

from klappt.errors import current_language

DIR_MODE = 0o700
FILE_MODE = 0o600


def make_dir(path: Path) -> None:
    """``path`` and missing parents inside it as 0700 (an existing folder is tightened)."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _chmod(path, DIR_MODE)


def make_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (before SQLite creates it 0644)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def tighten(state: Path) -> list[Path]:
    """Take the group's and others' rights from ``state`` and everything in it (no symlinks
    followed); returns what was changed."""
    changed: list[Path] = []
    if not state.is_dir() or state.is_symlink():
        return changed
    if _chmod(state, DIR_MODE):
        changed.append(state)
    for folder, dirs, files in os.walk(state):
        for name in dirs + files:
            p = Path(folder) / name
            if p.is_symlink():
                continue
            if _chmod(p, DIR_MODE if p.is_dir() else FILE_MODE):
                changed.append(p)
    return changed


def tighten_with_note(state: Path) -> None:
    """:func:`tighten`, and say so when an older project was readable by others."""
    changed = tighten(state)
    if not changed:
        return
    if current_language() == "en":
        text = (
            f"Note: {state} was readable by other users of this computer; "
            f"{len(changed)} entries are now for the owner only (folder 0700, files 0600)."
        )
    else:
        text = (
            f"Hinweis: {state} war für andere Benutzer dieses Rechners lesbar; "
            f"{len(changed)} Einträge sind jetzt nur noch für den Besitzer (Ordner 0700, Dateien 0600)."
        )
    print(text, file=sys.stderr)


def _chmod(path: Path, mode: int) -> bool:
    """Drop the group/other bits (and set the owner's ``mode``); True when something changed."""
    try:
        st = path.lstat()
    except OSError:
        return False
    if not (st.st_mode & 0o077) and (stat.S_IMODE(st.st_mode) & mode) == mode:
        return False
    try:
        os.chmod(path, (stat.S_IMODE(st.st_mode) & ~0o077) | mode)
    except OSError:  # not ours (a shared folder): leave it, nothing to do here
        return False
    return True
