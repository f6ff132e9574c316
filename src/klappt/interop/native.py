"""klappt's own formats in the importers' table: an XLSForm, and a table of returns.

Both take the other as companion: an XLSForm with the table of its returns, a table of returns
(CSV, Excel, Parquet, a Kobo or ODK Central export) with the XLSForm it was collected with.
A table without its form is read as returns only.
"""

from __future__ import annotations

from pathlib import Path

from klappt.interop.base import ConvertedFile, ImportSummary, complete_import
from klappt.language import Text


def import_xlsform(path: Path, data: Path | None, key: str = "xlsform") -> ConvertedFile:
    """An XLSForm, and the returns in ``data`` typed against it."""
    from klappt.instrument import read_instrument
    from klappt.interop.xlsform_writer import instrument_to_xlsform

    instrument = read_instrument(path)
    raw = None
    if data is not None:
        from klappt.interop.labels import apply_label_headers
        from klappt.responses.io import read_table

        raw = apply_label_headers(instrument, read_table(data))
    xlsform = (
        path.read_bytes() if path.suffix.lower() == ".xlsx" else instrument_to_xlsform(instrument)
    )
    summary = ImportSummary(source=str(path), format=key, languages=instrument.languages)
    return complete_import(key, instrument, raw, summary, xlsform)


def import_returns(path: Path, form: Path | None, key: str) -> ConvertedFile:
    """A table of returns; typed against ``form`` when that is an XLSForm."""
    from klappt.interop.detect import detect_format

    if form is not None and detect_format(form) == "xlsform":
        return import_xlsform(form, path)
    from klappt.responses.io import read_table

    raw = read_table(path)
    summary = ImportSummary(
        source=str(path),
        format=key,
        notes=(
            Text(
                "nur Rückläufe: zum Prüfen und Zählen das XLSForm dazu angeben",
                "returns only: give the XLSForm to check and count them",
            ),
        ),
    )
    return complete_import(key, None, raw, summary)
