"""What every workbook and CSV klappt writes does with untrusted text: one home for all writers.

* :func:`neutral` -- a spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or
  ``@`` (and, in some programs, a tab, a carriage return or a line feed before them) as a
  formula, and Excel reads the full-width forms ``＝ ＋ － ＠`` (U+FF1D, U+FF0B, U+FF0D, U+FF20)
  the same way. Such a text gets a leading apostrophe, so it is shown and never run. Used by the
  CSV and XLSX downloads of the web app, the tables workbook, the report's workbook and the
  workbooks embedded in the deck's charts.
* :func:`keep_as_text` -- workbooks that klappt reads back (the coding workbook, the code book
  as Excel) must give back the text exactly, so there a formula-like text is not prefixed but
  stored as a text cell: shown as written, never calculated.
* :func:`sheet_title` -- Excel refuses a sheet title with ``[ ] : * ? / \\``, longer than 31
  characters, empty, or starting or ending with an apostrophe, and two titles that differ only in
  case. Every workbook writer names its sheets through it.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["FORMULA_START", "keep_as_text", "neutral", "safe_cell", "sheet_title"]

#: the first characters that make a spreadsheet program read a text as a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")

_SHEET_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
SHEET_MAX = 31


def neutral(text: str) -> str:
    """``text`` as a spreadsheet shows it but never runs it.

    Example
    -------
    >>> neutral('=HYPERLINK("http://x","y")'), neutral("\\uff1d1+1"), neutral("ja")
    ('\\'=HYPERLINK("http://x","y")', "'\\uff1d1+1", 'ja')
    """
    return "'" + text if text.startswith(FORMULA_START) else text


def safe_cell(value: object) -> object:
    """A cell's value: text neutralised (:func:`neutral`), anything else as it is.

    Example
    -------
    >>> safe_cell("-5 Jahre"), safe_cell(-5)
    ("'-5 Jahre", -5)
    """
    return neutral(value) if isinstance(value, str) else value


def keep_as_text(workbook: Any) -> None:
    """Store every cell of an openpyxl ``workbook`` that would be a formula as text instead.

    openpyxl writes a text that starts with ``=`` as a formula; for workbooks that are read back
    word for word we keep the text and mark the cell as a string.

    Example
    -------
    >>> from openpyxl import Workbook
    >>> wb = Workbook(); wb.active.append(['=HYPERLINK("http://x")', "ja"])
    >>> keep_as_text(wb); [c.data_type for c in wb.active[1]]
    ['s', 's']
    """
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def sheet_title(name: str, used: set[str] | None = None, fallback: str = "Blatt") -> str:
    """``name`` as a sheet title Excel accepts, unique (ignoring case) among ``used``.

    Forbidden characters become ``_``, the title is cut to 31 characters, apostrophes at either
    end are dropped; a clash gets `` (2)``, `` (3)``, ... The chosen title is added to ``used``
    (in lower case).

    Example
    -------
    >>> used = set()
    >>> sheet_title("2023/24", used), sheet_title("2023:24", used), sheet_title("'x'", used)
    ('2023_24', '2023_24 (2)', 'x')
    """
    base = _SHEET_BAD.sub("_", name)[:SHEET_MAX].strip("'").strip() or fallback
    taken = used if used is not None else set()
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title = base[: SHEET_MAX - len(suffix)].rstrip("'") + suffix
        n += 1
    taken.add(title.lower())
    return title
