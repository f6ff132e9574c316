"""CSV for people: the two dialects every CSV download and ``--dialect`` option offers.

* ``excel-de`` ("Excel (Deutschland)"): what a German Excel opens with a double click --
  semicolon between cells, decimal comma, dates ``TT.MM.JJJJ``, timestamps
  ``TT.MM.JJJJ hh:mm:ss``, UTF-8 with a byte order mark (without it Excel reads the umlauts as
  Windows-1252).
* ``standard``: comma, decimal point, ISO dates (``2024-03-05``) and timestamps with their
  offset (``2024-03-05T14:03:00+01:00``), UTF-8 without a byte order mark (R, pandas and Polars
  would keep it in the first column's name).

Timestamps are shown in one local time zone (the server's ``TIME_ZONE``), whatever zone they
were stored in, so no file mixes UTC with ``+01:00``. Every text cell goes through
:func:`klappt.spreadsheet.neutral`; a number keeps its sign (it was checked to be a number).

:func:`labelled` gives the "labels" variant Kobo and LimeSurvey offer: choice labels instead of
their codes and the question labels as a second header row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from klappt.spreadsheet import neutral

if TYPE_CHECKING:
    import polars as pl

    from klappt.instrument import Instrument

__all__ = [
    "DIALECTS",
    "META_LABELS",
    "Dialect",
    "Kind",
    "cell",
    "column_kinds",
    "frame_rows",
    "labelled",
    "parse_date",
    "parse_datetime",
    "write_csv",
]

Kind = Literal["text", "number", "date", "datetime"]


@dataclass(frozen=True)
class Dialect:
    key: str
    delimiter: str
    decimal: str
    date: str  # strftime pattern
    datetime: str | None  # strftime pattern; None: ISO 8601 with the offset
    bom: bool


EXCEL_DE = Dialect("excel-de", ";", ",", "%d.%m.%Y", "%d.%m.%Y %H:%M:%S", True)
STANDARD = Dialect("standard", ",", ".", "%Y-%m-%d", None, False)
DIALECTS: dict[str, Dialect] = {d.key: d for d in (EXCEL_DE, STANDARD)}

#: the export's meta columns in words (German, English), for the labels' header row
META_LABELS: dict[str, tuple[str, str]] = {
    "_id": ("ID", "ID"),
    "_submission_time": ("Abgesandt am", "Submitted at"),
    "_site_id": ("Standort-ID", "Site ID"),
    "_site_name": ("Standort", "Site"),
    "_version": ("Version", "Version"),
    "_form_version": ("Fragebogen-Version", "Form version"),
    "_parent_id": ("Gehört zu", "Belongs to"),
    "_index": ("Nr.", "No."),
}

_DATETIME_TYPES = {"datetime", "dateTime", "start", "end"}


def parse_date(text: str) -> dt.date | None:
    """``2024-03-05`` (also the date of ``2024-03-05T…``) as a date; anything else ``None``."""
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def parse_datetime(text: str, tz: dt.tzinfo | None = None) -> dt.datetime | None:
    """An ISO timestamp in the local zone ``tz`` (a naive one is taken as local already)."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if tz is not None:
        value = value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)
    return value


def _number(text: str, d: Dialect) -> str | None:
    t = text.strip()
    try:
        value = float(t)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return t.replace(".", d.decimal)


def cell(value: Any, kind: Kind, d: Dialect, tz: dt.tzinfo | None = None) -> str:
    """One cell as text in dialect ``d``; a value that does not fit its kind stays text."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        value = "1" if value else "0"
    if isinstance(value, dt.datetime):
        kind, value = "datetime", value.isoformat()
    elif isinstance(value, dt.date):
        kind, value = "date", value.isoformat()
    text = str(value)
    if kind == "number" or isinstance(value, (int, float)):
        shown = _number(text, d)
        if shown is not None:
            return shown
    elif kind == "date":
        day = parse_date(text) if len(text.strip()) == 10 else None
        if day is not None:
            return day.strftime(d.date)
    elif kind == "datetime":
        moment = parse_datetime(text, tz)
        if moment is not None:
            if d.datetime is None:
                return moment.isoformat(timespec="seconds")
            return moment.strftime(d.datetime)
    return neutral(text)


def write_csv(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    d: Dialect = STANDARD,
    kinds: Mapping[str, Kind] | None = None,
    tz: dt.tzinfo | None = None,
    label_row: Sequence[str] | None = None,
) -> bytes:
    """The table as CSV bytes in dialect ``d``; ``label_row`` becomes a second header row."""
    kinds = kinds or {}
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=d.delimiter, lineterminator="\r\n")
    w.writerow([neutral(c) for c in columns])
    if label_row is not None:
        w.writerow([neutral(x) for x in label_row])
    for row in rows:
        w.writerow([cell(v, kinds.get(columns[i], "text"), d, tz) for i, v in enumerate(row)])
    text = buf.getvalue()
    return (("\ufeff" if d.bom else "") + text).encode("utf-8")


def column_kinds(form: Instrument) -> dict[str, Kind]:
    """Which of the export's columns hold numbers, dates and timestamps."""
    kinds: dict[str, Kind] = {"_submission_time": "datetime"}
    for q in form.questions:
        if q.type in ("integer", "decimal", "range"):
            kinds[q.name] = "number"
        elif q.type == "date":
            kinds[q.name] = "date"
        elif q.type in _DATETIME_TYPES:
            kinds[q.name] = "datetime"
    return kinds


def labelled(
    form: Instrument,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    lang: str | None = None,
) -> tuple[list[str], list[list[Any]]]:
    """The question labels (a second header row) and the rows with choice labels for codes.

    A select_multiple answer becomes its labels separated by ``"; "``; a code the form does not
    know stays as it is. ``lang``: a language code (``de``), else the form's default language.
    """
    by_name = {q.name: q for q in form.questions}
    english = (lang or "").lower().startswith("en")
    header: list[str] = []
    for c in columns:
        q = by_name.get(c)
        if q is not None:
            header.append(q.label(lang, form.default_language))
        else:
            header.append(META_LABELS.get(c, (c, c))[1 if english else 0])
    maps: dict[int, tuple[bool, dict[str, str]]] = {}
    for i, c in enumerate(columns):
        q = by_name.get(c)
        if q is not None and q.is_select and q.choices:
            labels = {ch.name: ch.label(lang, form.default_language) for ch in q.choices}
            maps[i] = (q.type == "select_multiple", labels)
    out: list[list[Any]] = []
    for row in rows:
        new = list(row)
        for i, (multiple, labels) in maps.items():
            v = new[i]
            if v is None or v == "":
                continue
            if multiple:
                new[i] = "; ".join(labels.get(p, p) for p in str(v).split())
            else:
                new[i] = labels.get(str(v), v)
        out.append(new)
    return header, out


def frame_rows(frame: pl.DataFrame) -> tuple[list[str], list[list[Any]], dict[str, Kind]]:
    """A Polars table as columns, rows and kinds (from the column types) for :func:`write_csv`."""
    import polars as pl

    kinds: dict[str, Kind] = {}
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            kinds[name] = "date"
        elif isinstance(dtype, pl.Datetime) or dtype == pl.Datetime:
            kinds[name] = "datetime"
        elif dtype.is_numeric():
            kinds[name] = "number"
    return list(frame.columns), [list(r) for r in frame.iter_rows()], kinds
