"""What a file shows of itself before any importer reads it: its container and first lines.

A :class:`Sniff` reads the first 64 KiB once and learns the rest only when a recogniser of the
importers' table (:mod:`klappt.interop.importers`) asks: a zip's members, a workbook's sheet
names or first row, an XML file's LimeSurvey document type, the headings of a CSV. So telling
a CSV file apart never opens a workbook, and a workbook's first row is read only when no row of
the table before has claimed the file.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from functools import cached_property
from pathlib import Path
from typing import Literal

from klappt.damaged import ZIP_ERRORS
from klappt.errors import Text
from klappt.reasons import Reason

#: What the bytes are made of, before any tool's mark is looked for.
Container = Literal["sav", "zsav", "stata", "parquet", "zip", "ole", "xml", "text"]

_HEAD = 65536
#: the releases of Stata's binary format before the XML-like one of Stata 13 (``<stata_dta>``)
_OLD_STATA = frozenset((104, 105, 108, 110, 111, 112, 113, 114, 115))
_LS_DOCTYPE = re.compile(r"<LimeSurveyDocType>\s*(\w+)\s*</LimeSurveyDocType>")


def _container(head: bytes) -> Container:
    if head.startswith(b"$FL2"):
        return "sav"
    if head.startswith(b"$FL3"):
        return "zsav"
    if head.startswith(b"<stata_dta>") or _old_stata(head):
        return "stata"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    return "xml" if _text_head(head).lstrip().startswith("<") else "text"


def _old_stata(head: bytes) -> bool:
    """A Stata file of format 104-115: its release, its byte order and a count of variables.

    The file type and the unused byte after it are not looked at: pyreadstat does not either,
    and some writers fill the unused byte.
    """
    if len(head) < 6 or head[0] not in _OLD_STATA or head[1] not in (1, 2):
        return False
    return int.from_bytes(head[4:6], "big" if head[1] == 1 else "little") > 0


def _text_head(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            data[: exc.start].decode("utf-8")
            if exc.start > len(data) - 4
            else data.decode("cp1252", errors="replace")
        )


def _csv_headers(text: str) -> list[str]:
    first = text.splitlines()[0] if text.strip() else ""
    best: list[str] = []
    for sep in (",", ";", "\t", "|"):
        row = next(csv.reader(io.StringIO(first), delimiter=sep), [])
        if len(row) > len(best):
            best = row
    return [h.strip().lstrip("\ufeff") for h in best]


def _sheet_names_xlsx(path: Path) -> list[str]:
    import openpyxl

    try:
        # a file object: openpyxl refuses paths whose suffix it does not know
        with path.open("rb") as fh:
            wb = openpyxl.load_workbook(fh, read_only=True)
            try:
                return [ws.title for ws in wb.worksheets]
            finally:
                wb.close()
    except Exception:  # a damaged workbook: read_table names the problem later
        return []


def _first_row_xlsx(path: Path) -> list[str]:
    import openpyxl

    try:
        with path.open("rb") as fh:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
            try:
                row = next(wb.worksheets[0].iter_rows(max_row=1, values_only=True), ())
            finally:
                wb.close()
    except Exception:  # a damaged workbook: read_table names the problem later
        return []
    return [str(v) for v in row if v is not None]


def _sheet_names_xls(path: Path) -> list[str]:
    # limits.check_file walked the sector chains before: a looping one never reaches xlrd
    try:
        import xlrd

        book = xlrd.open_workbook(str(path), on_demand=True, logfile=io.StringIO())
        return list(book.sheet_names())
    except Exception:
        return []


class Sniff:
    """One file as the recognisers see it; every property is learned once, on first use."""

    def __init__(self, path: Path, head: bytes) -> None:
        self.path = path
        self.head = head
        self.suffix = path.suffix.lower()
        self.container: Container = _container(head)

    @classmethod
    def of(cls, path: Path) -> Sniff:
        """The file's first 64 KiB, read now."""
        with path.open("rb") as fh:
            return cls(path, fh.read(_HEAD))

    @cached_property
    def text(self) -> str:
        """The head as text, without a byte order mark and leading white space."""
        return _text_head(self.head).lstrip()

    @cached_property
    def members(self) -> list[str] | None:
        """A zip's member names; None for a zip that cannot be opened (or no zip)."""
        if self.container != "zip":
            return None
        try:
            with zipfile.ZipFile(self.path) as z:
                return z.namelist()
        except (*ZIP_ERRORS, OSError, ValueError):  # type: ignore[misc]  # a tuple of classes
            return None

    @property
    def damaged_zip(self) -> bool:
        return self.container == "zip" and self.members is None

    @cached_property
    def is_xlsx(self) -> bool:
        members = self.members or []
        return "[Content_Types].xml" in members and any(m.startswith("xl/") for m in members)

    @cached_property
    def sheets(self) -> list[str]:
        """A workbook's sheet names in lower case (XLSX or XLS; empty for anything else)."""
        if self.is_xlsx:
            return [s.lower() for s in _sheet_names_xlsx(self.path)]
        if self.container == "ole":
            return [s.lower() for s in _sheet_names_xls(self.path)]
        return []

    @cached_property
    def headers(self) -> list[str]:
        """The column headings of a table: a CSV's first line, an XLSX's first row."""
        if self.container == "text":
            return _csv_headers(self.text)
        if self.is_xlsx:
            return _first_row_xlsx(self.path)
        return []

    @cached_property
    def first_line(self) -> str:
        return self.text.splitlines()[0] if self.container == "text" and self.text else ""

    @cached_property
    def ls_doctype(self) -> str | None:
        """The ``<LimeSurveyDocType>`` of an XML file (``Survey``, ``Responses`` …)."""
        if self.container != "xml":
            return None
        found = _LS_DOCTYPE.search(_text_head(self.head))
        return found.group(1) if found else None

    def xml_has(self, pattern: str, within: int | None = None) -> bool:
        """Whether an XML file's head holds ``pattern`` (a regular expression)."""
        if self.container != "xml":
            return False
        text = _text_head(self.head)
        return re.search(pattern, text if within is None else text[:within]) is not None

    def unknown(self) -> Text:
        """Why no importer took the file, in the words of the message ``INTEROP_010``."""
        if self.damaged_zip:
            return Reason.ZIP_DAMAGED()
        if self.container == "zip":
            return Reason.ZIP_OTHER(members=", ".join((self.members or [])[:5]))
        if self.container == "xml":
            return Reason.XML_OTHER()
        return Reason.CONTENT_UNKNOWN(container=self.container)
