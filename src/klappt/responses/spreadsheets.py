"""Returns from a spreadsheet (XLSX, XLS): the first sheet's cells as text, bounded in rows,
columns and time while they are read; :func:`klappt.responses.io.read_table` calls these (and
imports them, with openpyxl and xlrd, only for a spreadsheet).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from klappt.errors import ErrorCode, KlapptError
from klappt.limits import Deadline, Kind, check_table_shape, current
from klappt.responses.io import RawTable, _check_headers

__all__ = ["bounded_rows", "read_xls", "read_xlsx"]


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _rows_to_table(rows: list[list[object]], path: Path, fmt: str) -> RawTable:
    if not rows:
        raise KlapptError(ErrorCode.FILE_002, path=path)
    headers = _check_headers([_cell_text(v) or "" for v in rows[0]], path)
    width = len(headers)
    body = [[_cell_text(v) for v in (list(r) + [None] * width)[:width]] for r in rows[1:]]
    table = RawTable.from_records(headers, body, source=str(path))
    return RawTable(frame=table.frame, columns=table.columns, source=str(path), format=fmt)


def bounded_rows(rows: Iterable[tuple[object, ...]], path: Path, kind: Kind) -> list[list[object]]:
    """The rows of a sheet, stopped with a clear message at the row, column or time limit."""
    lim = current()
    most_rows = lim.register_rows if kind == "register" else lim.rows
    most_cols = lim.register_columns if kind == "register" else lim.columns
    deadline = Deadline(path, lim.seconds)
    out: list[list[object]] = []
    for i, row in enumerate(rows):
        if len(row) > most_cols:
            # a sheet's trailing empty cells are not columns
            cells = list(row)
            while cells and cells[-1] is None:
                cells.pop()
            check_table_shape(path, columns=len(cells), kind=kind)
            row = tuple(cells)
        if i > most_rows:  # the header is row 0
            check_table_shape(path, rows=i, kind=kind)
        if not i % 1000:
            deadline.check()
        out.append(list(row))
    return out


def read_xlsx(path: Path, kind: Kind = "data") -> RawTable:
    import openpyxl

    from klappt.damaged import XLSX, reading, xlsx_errors

    # read-only workbooks parse lazily: the rows are read inside the guard as well
    with reading(path, XLSX, xlsx_errors()):
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            if not wb.worksheets:
                raise KlapptError(ErrorCode.FILE_002, path=path)
            ws = wb.worksheets[0]
            # the sheet's own claim of its size would pad every row to it: read the cells there are
            ws.reset_dimensions()
            rows = bounded_rows(ws.iter_rows(values_only=True), path, kind)
        finally:
            wb.close()
    return _rows_to_table(rows, path, "xlsx")


def read_xls(path: Path, kind: Kind = "data") -> RawTable:
    import xlrd

    from klappt.damaged import XLS, reading, xls_errors

    # check_file (read_table) walked the sector chains: a looping one never reaches xlrd
    with reading(path, XLS, xls_errors()):
        # ragged: a row holds its own cells, not the widest row's width of empty ones
        book = xlrd.open_workbook(str(path), ragged_rows=True, logfile=io.StringIO())
        if not book.nsheets:
            raise KlapptError(ErrorCode.FILE_002, path=path)
        sheet = book.sheet_by_index(0)
        check_table_shape(path, sheet.nrows, None, kind)
        deadline = Deadline(path)
        rows: list[list[object]] = []
        for r in range(sheet.nrows):
            if not r % 1000:
                deadline.check()
            row: list[object] = []
            for c in range(sheet.row_len(r)):
                cell = sheet.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_EMPTY:
                    row.append(None)
                elif cell.ctype == xlrd.XL_CELL_DATE:
                    row.append(_xls_date(xlrd, cell.value, book.datemode))
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    row.append(bool(cell.value))
                else:
                    row.append(cell.value)
            while row and row[-1] is None:
                row.pop()
            check_table_shape(path, None, len(row), kind)
            rows.append(row)
    return _rows_to_table(rows, path, "xls")


def _xls_date(xlrd: Any, value: float, datemode: int) -> object:
    """A date cell as a date; a serial no calendar has (1e30, -5) stays the number it is, and
    checking the returns then names it as no date."""
    try:
        return xlrd.xldate.xldate_as_datetime(value, datemode)
    except (ValueError, OverflowError):
        return value
