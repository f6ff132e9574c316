"""How large a file klappt reads may be: one home for every resource limit.

Every reader (forms, returns, registers, LimeSurvey, REDCap, SPSS/Stata, code books, recipes;
command line and web app alike) calls these guards before it parses, so a small file cannot
make klappt allocate gigabytes or run for minutes. The guards look at what a file *is*, not at
its first bytes: a zip is found wherever Python's :mod:`zipfile` would find it (the central
directory at the end), an OLE2 document (``.xls``) has its sector chains walked before xlrd
sees it.

Each limit has a generous default and an environment variable to raise it (see
:data:`ENV`); exceeding one is a :class:`~klappt.errors.KlapptError` ``FILE_007`` naming the
file, the limit, the value found and the variable that raises it. This module never imports
Django.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import BinaryIO, Literal

from klappt.errors import ErrorCode, KlapptError, Text

#: What a file is read as: the kind decides which of the limits apply.
Kind = Literal["data", "form", "register", "codebook", "recipe"]

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The limits in force; :func:`current` reads them from the environment."""

    file_mb: int = 512  # returns, archives, SPSS/Stata, Parquet
    form_file_mb: int = 32  # forms, structure files, registers, code books, recipes
    unpacked_mb: int = 1024  # what a zip container of returns may unpack to
    form_unpacked_mb: int = 128  # ... of a form, register or code book
    zip_ratio: int = 100  # uncompressed : compressed, per member larger than 1 MiB
    zip_members: int = 10_000
    rows: int = 5_000_000
    register_rows: int = 20_000  # every German municipality is 11,000; a register is read whole
    columns: int = 10_000
    register_columns: int = 1_000
    cell: int = 32_767  # characters: Excel's own maximum
    nesting: int = 100  # brackets in a condition or calculation
    seconds: int = 600  # reading one spreadsheet row by row


#: The environment variable of each limit.
ENV = {
    "file_mb": "KLAPPT_MAX_FILE_MB",
    "form_file_mb": "KLAPPT_MAX_FORM_MB",
    "unpacked_mb": "KLAPPT_MAX_UNPACKED_MB",
    "form_unpacked_mb": "KLAPPT_MAX_FORM_UNPACKED_MB",
    "zip_ratio": "KLAPPT_MAX_ZIP_RATIO",
    "zip_members": "KLAPPT_MAX_ZIP_MEMBERS",
    "rows": "KLAPPT_MAX_ROWS",
    "register_rows": "KLAPPT_MAX_REGISTER_ROWS",
    "columns": "KLAPPT_MAX_COLUMNS",
    "register_columns": "KLAPPT_MAX_REGISTER_COLUMNS",
    "cell": "KLAPPT_MAX_CELL",
    "nesting": "KLAPPT_MAX_NESTING",
    "seconds": "KLAPPT_MAX_SECONDS",
}

#: The name of each limit in a message.
NAMES = {
    "file_mb": Text("Dateigröße (MiB)", "file size (MiB)"),
    "form_file_mb": Text("Dateigröße (MiB)", "file size (MiB)"),
    "unpacked_mb": Text("entpackte Größe (MiB)", "unpacked size (MiB)"),
    "form_unpacked_mb": Text("entpackte Größe (MiB)", "unpacked size (MiB)"),
    "zip_ratio": Text("Kompressionsverhältnis", "compression ratio"),
    "zip_members": Text("Dateien im Archiv", "members of the archive"),
    "rows": Text("Zeilen", "rows"),
    "register_rows": Text("Zeilen", "rows"),
    "columns": Text("Spalten", "columns"),
    "register_columns": Text("Spalten", "columns"),
    "cell": Text("Zeichen in einer Zelle", "characters in one cell"),
    "nesting": Text("Verschachtelungstiefe", "nesting depth"),
    "seconds": Text("Lesezeit (Sekunden)", "reading time (seconds)"),
}


def current() -> Limits:
    """The limits in force: the defaults, raised or lowered by the environment variables.

    Example
    -------
    >>> os.environ["KLAPPT_MAX_ROWS"] = "10"; current().rows
    10
    >>> del os.environ["KLAPPT_MAX_ROWS"]; current().rows
    5000000
    """
    values: dict[str, int] = {}
    for f in fields(Limits):
        raw = os.environ.get(ENV[f.name], "").strip().replace("_", "")
        if raw:
            try:
                number = int(float(raw))
            except ValueError:
                continue  # a typo must not switch a limit off
            if number > 0:
                values[f.name] = number
    return Limits(**values)


def exceeded(path: object, name: str, value: object, maximum: object) -> KlapptError:
    """The one message for a limit: file, limit, value, maximum and how to raise it."""
    env = ENV[name]
    return KlapptError(
        ErrorCode.FILE_007,
        path=path,
        limit=NAMES[name],
        value=value,
        max=maximum,
        env=env,
    )


def _small(kind: Kind) -> bool:
    return kind != "data"


def max_rows(kind: Kind, lim: Limits | None = None) -> tuple[str, int]:
    lim = lim or current()
    return ("register_rows", lim.register_rows) if kind == "register" else ("rows", lim.rows)


def max_columns(kind: Kind, lim: Limits | None = None) -> tuple[str, int]:
    lim = lim or current()
    if kind == "register":
        return "register_columns", lim.register_columns
    return "columns", lim.columns


# --- files and containers -------------------------------------------------------------------


def check_file(path: str | Path, kind: Kind = "data") -> Limits:
    """Refuse a file too large for its kind, a zip bomb (whatever its first bytes) and an
    ``.xls`` whose sector chains loop; returns the limits in force for the caller's own checks.

    Example
    -------
    >>> from klappt.reference import reference_path
    >>> check_file(reference_path("returns_2022.csv")).rows
    5000000
    """
    lim = current()
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError:
        return lim  # missing or unreadable: the reader names that
    name, mb = ("form_file_mb", lim.form_file_mb) if _small(kind) else ("file_mb", lim.file_mb)
    if size > mb * MIB:
        raise exceeded(p, name, _mib(size), mb)
    if size == 0 or not p.is_file():
        return lim
    with p.open("rb") as fh:
        head = fh.read(8)
        if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            from klappt.ole import check_ole

            check_ole(fh, size, p)
            return lim
        fh.seek(0)
        check_zip(fh, p, kind, lim)
    return lim


def check_zip(
    data: bytes | BinaryIO | str | Path,
    path: object = None,
    kind: Kind = "data",
    lim: Limits | None = None,
) -> None:
    """Refuse a zip that unpacks too large, compresses too well or holds too many members.

    The archive is found as :mod:`zipfile` (and so openpyxl) finds it, from its end: junk
    before the ``PK`` signature does not hide it. Anything that is no zip passes.

    Example
    -------
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    ...     z.writestr("x.xml", b"0" * (2 * MIB))
    >>> check_zip(b"junk" + buf.getvalue(), "x.xlsx", "form")
    Traceback (most recent call last):
    ...
    klappt.errors.KlapptError: Die Datei x.xlsx:x.xml überschreitet die Grenze für Kompressionsverhältnis: ...:1 > 100:1. Anheben mit der Umgebungsvariablen KLAPPT_MAX_ZIP_RATIO.
    """
    lim = lim or current()
    if isinstance(data, (str, Path)):
        path = path if path is not None else data
        with open(data, "rb") as fh:
            return check_zip(fh, path, kind, lim)
    stream: BinaryIO = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if not zipfile.is_zipfile(stream):
        return None
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None  # not readable as a zip after all: the reader says what is wrong
    where = path if path is not None else "upload"
    if len(infos) > lim.zip_members:
        raise exceeded(where, "zip_members", len(infos), lim.zip_members)
    total = sum(max(0, i.file_size) for i in infos)
    name, mb = (
        ("form_unpacked_mb", lim.form_unpacked_mb)
        if _small(kind)
        else ("unpacked_mb", lim.unpacked_mb)
    )
    if total > mb * MIB:
        raise exceeded(where, name, _mib(total), mb)
    for info in infos:
        if info.file_size > MIB and info.file_size > lim.zip_ratio * max(1, info.compress_size):
            ratio = info.file_size // max(1, info.compress_size)
            raise exceeded(
                f"{where}:{info.filename}", "zip_ratio", f"{ratio}:1", f"{lim.zip_ratio}:1"
            )
    if size and total > MIB and total > lim.zip_ratio * size:
        raise exceeded(where, "zip_ratio", f"{total // size}:1", f"{lim.zip_ratio}:1")
    return None


def _mib(size: int) -> int:
    return -(-size // MIB)


# --- tables ---------------------------------------------------------------------------------


def check_table_shape(
    path: object, rows: int | None = None, columns: int | None = None, kind: Kind = "data"
) -> None:
    """Refuse a table with more rows or columns than its kind allows (counts may be upper
    bounds, e.g. the newlines of a CSV)."""
    lim = current()
    if rows is not None:
        name, most = max_rows(kind, lim)
        if rows > most:
            raise exceeded(path, name, rows, most)
    if columns is not None:
        name, most = max_columns(kind, lim)
        if columns > most:
            raise exceeded(path, name, columns, most)


def check_cell(path: object, length: int) -> None:
    """Refuse a cell longer than the cell limit (``length`` in characters)."""
    most = current().cell
    if length > most:
        raise exceeded(path, "cell", length, most)


class Deadline:
    """Stops a row-by-row read that runs longer than the time limit.

    Example
    -------
    >>> d = Deadline("x.xlsx"); d.check()  # far from the limit: nothing happens
    """

    def __init__(self, path: object, seconds: int | None = None) -> None:
        self.path = path
        self.seconds = seconds or current().seconds
        self.end = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise exceeded(self.path, "seconds", f"> {self.seconds}", self.seconds)


__all__ = [
    "ENV",
    "Deadline",
    "Kind",
    "Limits",
    "check_cell",
    "check_file",
    "check_table_shape",
    "check_zip",
    "current",
    "exceeded",
]
