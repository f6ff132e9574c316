"""Writing a wave: the wave row and all its returns in one transaction, linked to the sites.

Each return keeps its raw record ``{header: text or null}`` exactly as read from the file;
the wave keeps the form file's bytes and the headers in file order.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from klappt.coding.segments import SITE_COLUMNS  # the columns that name a return's site
from klappt.safetext import CONTROL

if TYPE_CHECKING:
    import polars as pl

    from klappt.instrument import Instrument
    from klappt.responses.dataset import ResponseSet
    from klappt.responses.report import ValidationReport

BATCH_SIZE = 50_000
#: Data columns holding the submission time (raw text), most specific first.
SUBMITTED_COLUMNS = ("_submission_time", "SubmissionDate", "submission_time", "end")
#: Stored return id of a return whose id cell is empty: the prefix and its file row.
NO_ID_PREFIX = "#row-"


def write_wave(
    program: Any,
    wave: str,
    form: Instrument,
    form_filename: str,
    form_bytes: bytes,
    form_sha: str,
    data_filename: str,
    data_sha: str,
    raw: Any,
    rs: ResponseSet,
    report: ValidationReport,
) -> tuple[str, int, str | None]:
    """Create or replace the wave and all its returns in one transaction."""
    from django.db import transaction
    from django.utils import timezone

    from klappt.store.models import Return, Site, Wave

    with transaction.atomic():
        site_ids = dict(Site.objects.filter(program=program).values_list("site_id", "pk"))
        site_column = _site_column(raw, form, site_ids)
        w = Wave.objects.select_for_update().filter(program=program, name=wave).first()
        status = "created" if w is None else "replaced"
        if w is None:
            w = Wave(program=program, name=wave)
        w.form_file = form_bytes
        w.form_filename = form_filename
        w.form_sha256 = form_sha
        w.form_title = form.title or ""
        w.form_id = form.form_id or ""
        w.form_version = form.version or ""
        w.data_filename = data_filename
        w.data_sha256 = data_sha
        w.columns = list(raw.columns)
        w.data_format = {
            "format": raw.format,
            "encoding": raw.encoding,
            "separator": raw.separator,
            "decimal_comma": bool(raw.decimal_comma),
        }
        w.responses = rs.meta.height
        w.report = report_to_json(report)
        w.site_column = site_column or ""
        w.imported_at = timezone.now()
        w.save()
        if status == "replaced":
            Return.objects.filter(wave=w).delete()
        linked = _insert_returns(w.pk, _returns_frame(raw, rs, site_column, site_ids), raw)
    _truncate_wal()
    return status, linked, site_column


def _truncate_wal() -> None:
    """Empty SQLite's write-ahead log once the import is committed (best effort).

    The commit copied the returns into the database file (the automatic checkpoint), but the
    log file keeps its size: after a million returns about 880 MB, which every later process
    that opens the project first reads through (its index is rebuilt on the first open), about
    2.4 s of a ``klappt tabulate --wave`` on a loaded machine. A ``TRUNCATE`` checkpoint cuts it
    to zero. It waits for no reader: with a web app reading it gives up at once (the log is
    then reset by a later write) and the import is done all the same.
    """
    from django.db import DatabaseError, connection

    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return  # inside a caller's transaction there is nothing committed to move yet
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (timeout,) = cursor.fetchone()
        try:
            cursor.execute("PRAGMA busy_timeout = 0")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except DatabaseError:  # pragma: no cover - a busy log is left for a later write
            pass
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {int(timeout)}")


#: Columns of the return table written by :func:`_insert_returns`, in this order.
_RETURN_COLUMNS = ("wave_id", "return_id", "row", "site_id", "values", "submitted_at")


def _returns_frame(
    raw: Any, rs: ResponseSet, site_column: str | None, site_ids: dict[str, int]
) -> pl.DataFrame:
    """One row per return of the response set: id, file row, site, time, and where its raw
    record is in the data file's table (the record itself is encoded batch by batch)."""
    import polars as pl

    columns = list(raw.columns)
    file_rows = raw.file_rows if raw.file_rows is not None else range(2, raw.height + 2)
    if site_column:
        site = (
            pl.col(site_column)
            .str.strip_chars()
            .replace_strict(site_ids, default=None, return_dtype=pl.Int64)
        )
    else:
        site = pl.lit(None, dtype=pl.Int64)
    submitted_col = next((c for c in SUBMITTED_COLUMNS if c in columns), None)
    submitted = pl.col(submitted_col) if submitted_col else pl.lit(None, dtype=pl.String)
    src = raw.frame.select(
        pl.int_range(0, pl.len(), dtype=pl.Int64).alias("\x00at"),
        site.alias("\x00site"),
        submitted.alias("\x00submitted"),
    ).with_columns(pl.Series("\x00row", list(file_rows), dtype=pl.Int64))
    meta = rs.meta.select(
        pl.col("row").cast(pl.Int64).alias("\x00row"),
        pl.col("return_id").cast(pl.String).alias("\x00rid"),
    )
    if meta.get_column("\x00rid").null_count():
        meta = meta.with_columns(_fill_ids(meta.get_column("\x00rid"), meta.get_column("\x00row")))
    joined = meta.join(src, on="\x00row", how="left", maintain_order="left")
    return joined.select(
        pl.col("\x00rid").alias("return_id"),
        pl.col("\x00row").alias("row"),
        pl.col("\x00site").alias("site_id"),
        pl.col("\x00submitted").alias("submitted"),
        pl.col("\x00at").alias("at"),
    )


def _insert_returns(wave_pk: int, frame: pl.DataFrame, raw: Any) -> int:
    """Write the returns in batches through Django's connection (inside the caller's transaction).

    The ORM's ``bulk_create`` builds a model instance and encodes JSON per row: about four
    minutes for a million returns. Here the JSON comes ready from Polars and the rows go in
    with ``executemany`` (SQLite) or as CSV text through ``COPY`` (PostgreSQL), which Polars
    writes for a whole batch at once. Returns the number linked to a site.
    """
    from django.db import connection

    from klappt.store.models import Return

    ops = connection.ops
    table = ops.quote_name(Return._meta.db_table)
    names = ", ".join(ops.quote_name(c) for c in _RETURN_COLUMNS)
    postgres = connection.vendor == "postgresql"
    per = 1 if postgres else _rows_per_insert(connection)
    if postgres:
        statement = f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)"
    else:
        marks = "(" + ", ".join(["%s"] * len(_RETURN_COLUMNS)) + ")"
        statement = f"INSERT INTO {table} ({names}) VALUES {marks}"
        statements = (f"INSERT INTO {table} ({names}) VALUES {', '.join([marks] * per)}", statement)
    sites = frame.get_column("site_id")
    linked = sites.len() - sites.null_count()
    batches = _batches(wave_pk, frame, raw, postgres, ops, per)
    with connection.cursor() as cursor, _json_checked_by_polars(cursor, postgres):
        # the next batch is made (Polars, in a worker thread) while the database takes this one
        for rows in _ahead(batches):
            if postgres:
                _insert_batch(cursor, statement, rows, postgres)
                continue
            for one, params in zip(statements, rows, strict=True):
                if params:  # the statement of many rows first: the returns stay in file order
                    _insert_batch(cursor, one, params, postgres)
    return linked


@contextlib.contextmanager
def _json_checked_by_polars(cursor: Any, postgres: bool) -> Iterator[None]:
    """SQLite without its ``CHECK (JSON_VALID("values"))`` while the returns go in.

    Django's JSONField adds the check, and SQLite parses every ~770-byte record again to run
    it (about a fifth of the insert's CPU time, measured on 200k returns). The records come
    from Polars' JSON encoder, valid by construction; the table's only other check (``row >=
    0``) holds for file rows (from 2). The pragma is this connection's alone and is switched
    back on however the block ends, so a later write of the web app is checked as before.
    PostgreSQL's ``jsonb`` parses the text anyway: nothing to switch there.
    """
    if postgres:
        yield
        return
    cursor.execute("PRAGMA ignore_check_constraints = ON")
    try:
        yield
    finally:
        cursor.execute("PRAGMA ignore_check_constraints = OFF")


def _rows_per_insert(connection: Any) -> int:
    """Returns per SQLite ``INSERT`` statement: as many as its limit of parameters allows, at
    most 500 (each statement executed has its own cost: about a fifth of the insert's CPU time
    one row at a time, measured on 200k returns)."""
    import sqlite3

    try:
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except (AttributeError, sqlite3.Error):  # pragma: no cover - Python before 3.11
        limit = 999
    return max(1, min(500, limit // len(_RETURN_COLUMNS)))


def _batches(
    wave_pk: int, frame: pl.DataFrame, raw: Any, postgres: bool, ops: Any, per: int = 1
) -> Iterator[Any]:
    """The rows of the return table batch by batch: CSV text (``COPY``), or for SQLite the
    parameters of ``per`` rows a statement (flat lists) and those of the rows left (tuples)."""
    import polars as pl

    columns = list(raw.columns)
    # the text without control characters (PostgreSQL refuses a NUL in JSON): one scan of the
    # whole table finds the columns that have any, and only those are cleaned batch by batch
    dirty = _columns_with_controls(raw.frame)
    to_json = pl.struct(pl.col(columns)).struct.json_encode()
    for chunk in frame.iter_slices(n_rows=BATCH_SIZE):
        submitted = chunk.get_column("submitted")
        if submitted.null_count() == submitted.len():
            times: list[Any] = [None] * chunk.height
        else:
            times = [
                ops.adapt_datetimefield_value(_parse_when(t)) if t else None
                for t in submitted.to_list()
            ]
        # the raw records {header: text or null} in file order, as JSON, by Polars
        at = chunk.get_column("at")
        first, last = at[0], at[-1]
        if last - first + 1 == chunk.height and at.is_sorted():  # no duplicate left out
            records = raw.frame.slice(first, chunk.height)
        else:
            records = raw.frame[at]
        if dirty:
            records = records.with_columns(pl.col(dirty).str.replace_all(CONTROL, ""))
        values = records.select(to_json).to_series()
        if postgres:
            stamps = [t.isoformat() if t else None for t in times]
            text = io.BytesIO()
            chunk.select(
                pl.lit(wave_pk, dtype=pl.Int64).alias("wave_id"),
                "return_id",
                "row",
                "site_id",
                values.alias("values"),
                pl.Series("submitted_at", stamps, dtype=pl.String),
            ).write_csv(text, include_header=False)
            rows: Any = text.getvalue()
        else:
            # columns turned into Python lists at once, not row by row
            tuples = list(
                zip(
                    itertools.repeat(wave_pk, chunk.height),
                    chunk.get_column("return_id").to_list(),
                    chunk.get_column("row").to_list(),
                    chunk.get_column("site_id").to_list(),
                    values.to_list(),
                    times,
                    strict=True,
                )
            )
            whole = len(tuples) - len(tuples) % per
            flat = list(itertools.chain.from_iterable(tuples[:whole]))
            step = per * len(_RETURN_COLUMNS)
            groups = [flat[i : i + step] for i in range(0, len(flat), step)]
            rows = (groups, tuples[whole:])
        yield rows


_END = object()


def _ahead(items: Iterator[Any]) -> Iterator[Any]:
    """The items of ``items``, each next one made in a worker thread while the caller is busy
    with the current one (Polars and the database drivers let go of the GIL meanwhile)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="klappt-import") as pool:
        coming = pool.submit(next, items, _END)
        while (item := coming.result()) is not _END:
            coming = pool.submit(next, items, _END)
            yield item


def _columns_with_controls(frame: pl.DataFrame) -> list[str]:
    """The text columns holding a control character anywhere (one vectorised pass)."""
    import polars as pl

    text = [c for c, t in frame.schema.items() if t == pl.String]
    if not text or frame.height == 0:
        return []
    found = frame.select(pl.col(text).str.contains(CONTROL).any()).row(0)
    return [c for c, hit in zip(text, found, strict=True) if hit]


def _insert_batch(cursor: Any, statement: str, rows: Any, copy: bool) -> None:
    """One batch: rows as tuples (``executemany``) or, for ``COPY``, CSV text."""
    if copy:
        # psycopg's copy goes past Django's cursor: its errors are made Django's here, so that a
        # refused row is the import's error message (STORE_005), not a traceback
        with cursor.db.wrap_database_errors, cursor.cursor.copy(statement) as out:
            out.write(rows)
    else:
        cursor.executemany(statement, rows)


def _fill_ids(ids: pl.Series, rows: pl.Series) -> pl.Series:
    """Return ids for returns whose id cell is empty: ``#row-<file row>``, unique in the wave."""
    import polars as pl

    taken = set(ids.drop_nulls().to_list())
    out = []
    for rid, row in zip(ids.to_list(), rows.to_list(), strict=True):
        if rid is None:
            rid = f"{NO_ID_PREFIX}{row}"
            while rid in taken:
                rid += "'"
            taken.add(rid)
        out.append(rid)
    return pl.Series(ids.name, out, dtype=pl.String)


def _parse_when(text: str | None) -> dt.datetime | None:
    """A submission time from an export; naive times are taken as UTC (Kobo, ODK Central)."""
    if not text:
        return None
    value = text.strip().replace(" ", "T", 1)
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when


def _site_column(raw: Any, form: Instrument, site_ids: dict[str, int]) -> str | None:
    """The data column naming the site: mostly register ids, preferred names first."""
    if not site_ids:
        return None
    numeric = {q.name for q in form.questions if q.type in ("integer", "decimal")}

    def short(c: str) -> str:
        return re.split(r"[/:\-.]", c)[-1].strip().lower()

    candidates = [c for c in raw.columns if short(c) in SITE_COLUMNS]
    candidates += [c for c in raw.columns if c not in candidates and short(c) not in numeric]
    ids = list(site_ids)
    for c in candidates:
        values = raw.frame.get_column(c).drop_nulls().str.strip_chars()
        if values.len() == 0 or values.len() * 2 < raw.height:
            continue
        distinct = values.unique()
        if distinct.len() > len(site_ids):
            continue
        share = values.is_in(ids).mean() or 0.0
        if share >= 0.9:
            return c
    return None


def relink(wave: Any) -> None:
    """Link the wave's returns to the (new) register, by the column they were linked by before."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.fields.json import KeyTextTransform

    from klappt.store.models import Return, Site

    candidates = [wave.site_column] if wave.site_column else []
    candidates += [
        c
        for c in wave.columns
        if c not in candidates and re.split(r"[/:\-.]", c)[-1].strip().lower() in SITE_COLUMNS
    ]
    returns = Return.objects.filter(wave=wave)
    for col in candidates or [None]:
        if col is None:
            returns.exclude(site=None).update(site=None)
            break
        match = Site.objects.filter(
            program_id=wave.program_id, site_id=KeyTextTransform(col, OuterRef("values"))
        )
        returns.update(site=Subquery(match.values("pk")[:1]))
        if returns.filter(site__isnull=False).exists():
            if wave.site_column != col:
                type(wave).objects.filter(pk=wave.pk).update(site_column=col)
            return
    if wave.site_column:
        type(wave).objects.filter(pk=wave.pk).update(site_column="")


def report_to_json(report: ValidationReport) -> dict[str, Any]:
    return report.to_dict("de")


def report_from_json(data: dict[str, Any]) -> ValidationReport:
    from klappt.responses.report import ValidationReport

    return ValidationReport.from_dict(data or {})
