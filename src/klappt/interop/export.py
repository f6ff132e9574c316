"""Export a wave: SPSS, Stata, Parquet, and CSV/XLSX in klappt's own conventions.

The CSV and XLSX exports are what ``klappt tabulate FORM DATA`` reads: one column per
question named as in the form, select_one as the choice name, select_multiple as the chosen
names separated by spaces, numbers with a decimal point, dates as ``YYYY-MM-DD``, the return
id in ``_id``. Exported together with the form (``--format xlsform``) they give the same tables.
Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or carriage return) get a leading apostrophe.
"""

from __future__ import annotations

import datetime as dt
import io

import polars as pl

from klappt.errors import ErrorCode, KlapptError
from klappt.instrument.model import SELECT_MULTIPLE, Instrument
from klappt.responses.dataset import ResponseSet
from klappt.responses.io import RawTable
from klappt.spreadsheet import FORMULA_START

EXPORT_FORMATS = ("sav", "zsav", "dta", "parquet", "csv", "xlsx", "xlsform")
SUFFIXES = {
    "sav": ".sav",
    "zsav": ".zsav",
    "dta": ".dta",
    "parquet": ".parquet",
    "csv": ".csv",
    "xlsx": ".xlsx",
    "xlsform": ".xlsx",
}


def neutralise(expr: pl.Expr) -> pl.Expr:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe (the characters
    of :data:`klappt.spreadsheet.FORMULA_START`, full-width forms included), column-wise."""
    starts = pl.lit(False)
    for ch in FORMULA_START:
        starts = starts | expr.str.starts_with(ch)
    return pl.when(starts).then(pl.lit("'") + expr).otherwise(expr)


def wave_table(instrument: Instrument, rs: ResponseSet) -> pl.DataFrame:
    """The wave in klappt's file conventions: typed columns, select_multiple joined by spaces."""
    cols: list[pl.Expr] = []
    frame = pl.concat([rs.meta, rs.frame], how="horizontal")
    cols.append(pl.col("return_id").cast(pl.String).alias("_id"))
    for name in rs.meta.columns:
        if name not in ("return_id", "row", "_id"):
            cols.append(pl.col(name))
    for q in instrument.questions:
        if q.type == "note":
            continue
        if q.type == SELECT_MULTIPLE:
            parts = [pl.when(pl.col(f"{q.name}/{c.name}")).then(pl.lit(c.name)) for c in q.choices]
            joined = (
                pl.concat_str(parts, separator=" ", ignore_nulls=True)
                if parts
                else pl.lit(None, pl.String)
            )
            cols.append(pl.when(joined == "").then(None).otherwise(joined).alias(q.name))
        elif q.name in frame.columns:
            cols.append(pl.col(q.name))
    table = frame.select(cols)
    return table.with_columns(
        neutralise(pl.col(c)).alias(c) for c, t in table.schema.items() if t == pl.String
    )


def _csv(table: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    table.write_csv(buf, date_format="%Y-%m-%d", datetime_format="%Y-%m-%d %H:%M:%S")
    return b"\xef\xbb\xbf" + buf.getvalue()


def _xlsx(table: pl.DataFrame) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("data")
    ws.append(list(table.columns))
    for row in table.iter_rows():
        ws.append(
            [
                v.isoformat() if isinstance(v, dt.date) and not isinstance(v, dt.datetime) else v
                for v in row
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _parquet(rs: ResponseSet) -> bytes:
    buf = io.BytesIO()
    pl.concat([rs.meta, rs.frame], how="horizontal").write_parquet(buf)
    return buf.getvalue()


def export_wave(
    instrument: Instrument, rs: ResponseSet, fmt: str, lang: str | None = None
) -> bytes:
    """The wave as a file of format ``fmt``.

    Parameters
    ----------
    instrument, rs:
        The wave, as :func:`klappt.store.api.load_wave` returns it.
    fmt:
        ``sav``, ``zsav``, ``dta``, ``parquet``, ``csv``, ``xlsx`` or ``xlsform`` (the form).
    lang:
        Language of variable and value labels (``sav``/``dta``); the form's default otherwise.

    Returns
    -------
    bytes
        The file's content; :data:`SUFFIXES` gives its usual suffix.

    Raises
    ------
    KlapptError
        ``INTEROP_013`` for an unknown format.

    Example
    -------
    >>> from klappt.instrument import read_instrument
    >>> from klappt.responses.dataset import load_responses
    >>> from klappt.responses.io import read_table
    >>> from klappt.reference import reference_path
    >>> form = read_instrument(reference_path("arbeitshilfe_2022.xlsx"))
    >>> rs, _ = load_responses(form, read_table(reference_path("returns_2022.csv")))
    >>> export_wave(form, rs, "sav")[:4]
    b'$FL2'
    """
    key = (fmt or "").lower().lstrip(".")
    if key == "sav":
        from klappt.interop.spss.write import to_sav

        return to_sav(instrument, rs, lang)
    if key == "zsav":
        from klappt.interop.spss.write import to_sav

        return to_sav(instrument, rs, lang, compress=True)
    if key == "dta":
        from klappt.interop.spss.write import to_dta

        return to_dta(instrument, rs, lang)
    if key == "parquet":
        return _parquet(rs)
    if key == "csv":
        return _csv(wave_table(instrument, rs))
    if key == "xlsx":
        return _xlsx(wave_table(instrument, rs))
    if key == "xlsform":
        from klappt.interop.xlsform_writer import instrument_to_xlsform

        return instrument_to_xlsform(instrument)
    raise KlapptError(ErrorCode.INTEROP_013, fmt=fmt, expected=", ".join(EXPORT_FORMATS))


def returns_csv(raw: RawTable) -> bytes:
    """An imported table of returns as a CSV that :func:`klappt.responses.io.read_table` reads back
    to the same columns and values (UTF-8 with BOM, comma, quoted where needed).

    This is how an import reaches the store's ``import_wave(project, wave, form_path, data_path)``:
    write ``result.xlsform`` and ``returns_csv(result.raw)`` to files and pass their paths.
    """
    buf = io.BytesIO()
    raw.frame.write_csv(buf)
    return b"\xef\xbb\xbf" + buf.getvalue()
