"""Damaged files: what the parsers we call raise for bytes they cannot read, as one clear error.

The readers hand files users bring to openpyxl, xlrd, lxml and ElementTree, pyarrow, zipfile
and zlib. For a damaged file these raise their own exception classes and, for some damage,
plain ones from deep inside (``struct.error``, ``IndexError``, ``TypeError`` of a half-read
record). A reader wraps the call of the parser, and nothing of its own, in :func:`reading`:
those exceptions become :class:`KlapptError` ``FILE_003`` naming the file, its format and the
parser's own words (the same in every language), and a ``RecursionError`` of a nested structure
becomes ``PARSE_001``.
Exceptions of our own code stay what they are: a bug must show, not hide behind "damaged".
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from klappt.errors import ErrorCode, KlapptError

#: format names for the messages; the same in German and English
XLSX = "Excel (.xlsx)"
XLS = "Excel 97-2003 (.xls)"
XLSFORM = "XLSForm"
PARQUET = "Parquet"
XML = "XML"
ZIP = "Zip"

#: what zipfile and zlib raise for a damaged archive or member
ZIP_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,  # a compression method zipfile does not know
)


def xml_errors() -> tuple[type[BaseException], ...]:
    """What the XML parsers raise for malformed XML or an encoding they do not know."""
    found: list[type[BaseException]] = [ParseError, LookupError, UnicodeError]
    try:
        from lxml import etree

        found.append(etree.LxmlError)
    except ImportError:  # pragma: no cover - lxml comes with openpyxl's fast path
        pass
    return tuple(found)


def xlsx_errors() -> tuple[type[BaseException], ...]:
    """What openpyxl lets through for a damaged workbook: zip, XML, and half-read records."""
    from openpyxl.utils.exceptions import InvalidFileException

    return (
        *ZIP_ERRORS,
        *xml_errors(),
        InvalidFileException,
        KeyError,  # a part the workbook's index names is missing
        ValueError,
        TypeError,
        IndexError,
        AttributeError,
        OverflowError,  # a date serial far out of range
        AssertionError,
        struct.error,
        OSError,
    )


def xls_errors() -> tuple[type[BaseException], ...]:
    """What xlrd lets through for a damaged Excel 97-2003 file."""
    import xlrd
    from xlrd.compdoc import CompDocError

    return (
        xlrd.XLRDError,
        CompDocError,
        struct.error,
        IndexError,
        KeyError,
        ValueError,
        TypeError,
        AssertionError,
        OverflowError,
        ZeroDivisionError,
        UnicodeError,
        AttributeError,
        OSError,
    )


def detail(exc: BaseException) -> str:
    """The parser's own words, one line: the exception's name and the first line of its text."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    if len(first) > 160:
        first = first[:157] + "…"
    name = type(exc).__name__
    return f"{name}: {first}" if first else name


def damaged(path: str | Path, kind: str, exc: BaseException) -> KlapptError:
    """``FILE_003`` for ``path``: the file is damaged or not of the format ``kind``.

    Example
    -------
    >>> print(damaged("a.xlsx", XLSX, KeyError("xl/workbook.xml")).message("en"))
    Cannot read a.xlsx: Excel (.xlsx), KeyError: 'xl/workbook.xml'
    """
    return KlapptError(ErrorCode.FILE_003, path=path, reason=f"{kind}, {detail(exc)}")


@contextmanager
def reading(path: str | Path, kind: str, errors: tuple[type[BaseException], ...]) -> Iterator[None]:
    """Run a parser on ``path``; its ``errors`` and a RecursionError become a clear error.

    Example
    -------
    >>> with reading("x.xlsx", XLSX, (ValueError,)):
    ...     int("not a number")
    Traceback (most recent call last):
    klappt.errors.KlapptError: ...
    """
    try:
        yield
    except KlapptError:
        raise
    except RecursionError:
        raise KlapptError(ErrorCode.PARSE_001, path=path, kind=kind) from None
    except errors as exc:
        raise damaged(path, kind, exc) from None


@dataclass(frozen=True)
class SheetRows:
    """One worksheet's title and cell values, read in full (quacks like openpyxl's sheet)."""

    title: str
    rows: tuple[tuple[Any, ...], ...]

    def iter_rows(self, values_only: bool = True, max_row: int | None = None) -> Iterator[Any]:
        return iter(self.rows[:max_row] if max_row is not None else self.rows)


@dataclass(frozen=True)
class WorkbookRows:
    """Every sheet of a small workbook, read inside the guard (quacks like openpyxl's book)."""

    worksheets: tuple[SheetRows, ...]

    def close(self) -> None:
        """Nothing is left open."""


def read_xlsx_rows(path: str | Path) -> WorkbookRows:
    """Read every sheet of a small ``.xlsx`` (code books, codings) with the parser guarded.

    openpyxl reads a read-only workbook lazily, so a damaged sheet would only fail while our
    own code walks its rows; reading them all here keeps the guard around the parser alone.
    """
    import openpyxl

    with reading(path, XLSX, xlsx_errors()):
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return WorkbookRows(
                tuple(
                    SheetRows(
                        str(ws.title), tuple(tuple(r) for r in ws.iter_rows(values_only=True))
                    )
                    for ws in wb.worksheets
                )
            )
        finally:
            wb.close()
