"""Tell file formats apart by their content, and read any of them with one call.

:func:`detect_format` looks at the bytes (magic numbers, zip members, XML document types,
CSV headings), not only at the suffix: a LimeSurvey archive renamed ``.zip``, an XLSForm
saved as ``.xls`` or a REDCap dictionary called ``data.csv`` are still recognised.
:func:`read_any` then dispatches to the right importer.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from klappt.damaged import ZIP_ERRORS
from klappt.errors import ErrorCode, KlapptError
from klappt.interop.base import ImportResult, ImportSummary, complete_import

#: Format keys and what the CLI calls them.
FORMAT_NAMES = {
    "limesurvey-lss": "LimeSurvey survey structure (.lss)",
    "limesurvey-lsa": "LimeSurvey survey archive (.lsa)",
    "limesurvey-lsr": "LimeSurvey responses (.lsr)",
    "limesurvey-lst": "LimeSurvey participants (.lst)",
    "limesurvey-lsg": "LimeSurvey question group (.lsg)",
    "limesurvey-lsq": "LimeSurvey question (.lsq)",
    "limesurvey-tsv": "LimeSurvey tab-separated survey structure (.txt)",
    "limesurvey-responses": "LimeSurvey response export (CSV)",
    "spss-sav": "SPSS data file (.sav)",
    "spss-zsav": "SPSS compressed data file (.zsav)",
    "stata-dta": "Stata data file (.dta)",
    "parquet": "Parquet table",
    "xlsform": "XLSForm questionnaire",
    "redcap-dictionary": "REDCap data dictionary (CSV)",
    "redcap-records": "REDCap records export (CSV)",
    "redcap-odm": "REDCap project (CDISC ODM XML)",
    "kobo-export": "KoboToolbox export",
    "odk-central-export": "ODK Central export",
    "data-csv": "table of returns (CSV)",
    "data-xlsx": "table of returns (Excel)",
    "data-xls": "table of returns (Excel 97-2003)",
}
#: Formats :func:`read_any` imports (the others are recognised, to name them in a message).
READABLE = (
    "limesurvey-lss",
    "limesurvey-lsa",
    "limesurvey-responses",
    "spss-sav",
    "spss-zsav",
    "stata-dta",
    "parquet",
    "xlsform",
    "redcap-dictionary",
    "redcap-records",
    "kobo-export",
    "odk-central-export",
    "data-csv",
    "data-xlsx",
    "data-xls",
)
_LS_META = {"id", "submitdate", "lastpage", "startlanguage"}
_LS_META_TEXT = {"response id", "date submitted", "last page", "start language"}
_SGQA = re.compile(r"^\d+X\d+X\d+")
_CODE_HEADING = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\[[^\]]+\])+$")


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


def _classify_headers(headers: list[str]) -> str:
    from klappt.interop.redcap import is_dictionary

    low = {h.lower() for h in headers}
    if is_dictionary(headers):
        return "redcap-dictionary"
    if (
        low >= _LS_META
        or low >= _LS_META_TEXT
        or (
            "id" in low
            and sum(1 for h in headers if _SGQA.match(h) or _CODE_HEADING.match(h))
            >= max(1, len(headers) // 4)
        )
    ):
        return "limesurvey-responses"
    if (
        any("___" in h for h in headers) and any(h.endswith("_complete") for h in headers)
    ) or "redcap_repeat_instrument" in low:
        return "redcap-records"
    if headers and headers[0] == "record_id" and any(h.endswith("_complete") for h in headers):
        return "redcap-records"
    if "_uuid" in low or "_submission_time" in low:
        return "kobo-export"
    if "submissiondate" in low and (
        "key" in low or "meta-instanceid" in low or "meta/instanceid" in low
    ):
        return "odk-central-export"
    return ""


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


def detect_format(path: str | Path) -> str:
    """The format of a file, judged by its content (see :data:`FORMAT_NAMES` for the keys).

    Raises
    ------
    KlapptError
        ``FILE_001``/``FILE_002`` for a missing or empty file, ``INTEROP_010`` when the
        content is nothing we know.

    Example
    -------
    >>> detect_format("survey_archive_123.zip")  # doctest: +SKIP
    'limesurvey-lsa'
    """
    p = Path(path)
    if not p.exists():
        raise KlapptError(ErrorCode.FILE_001, path=p)
    if p.is_dir():
        raise KlapptError(ErrorCode.FILE_003, path=p, reason="ein Ordner, keine Datei")
    with p.open("rb") as fh:
        head = fh.read(65536)
    if not head.strip():
        raise KlapptError(ErrorCode.FILE_002, path=p)
    from klappt.limits import check_file

    check_file(p, "data")  # before openpyxl or xlrd look inside, to tell the format
    if head.startswith(b"$FL2"):
        return "spss-sav"
    if head.startswith(b"$FL3"):
        return "spss-zsav"
    if head.startswith(b"<stata_dta>") or (
        len(head) > 4
        and 104 <= head[0] <= 115
        and head[1] in (1, 2)
        and head[2] == 1
        and head[3] == 0
    ):
        return "stata-dta"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(p) as z:
                members = z.namelist()
        except (*ZIP_ERRORS, OSError, ValueError):  # type: ignore[misc]  # a tuple of classes
            if p.suffix.lower() == ".lsa":
                return "limesurvey-lsa"  # truncated: read_lsa names the damage
            raise KlapptError(
                ErrorCode.INTEROP_010,
                path=p,
                reason="ein beschädigtes Zip-Archiv",
                expected=_expected(),
            ) from None
        if any(m.lower().endswith(".lss") for m in members):
            return "limesurvey-lsa"
        if "[Content_Types].xml" in members and any(m.startswith("xl/") for m in members):
            if "survey" in [s.lower() for s in _sheet_names_xlsx(p)]:
                return "xlsform"
            return _classify_headers(_first_row_xlsx(p)) or "data-xlsx"
        raise KlapptError(
            ErrorCode.INTEROP_010,
            path=p,
            reason=f"ein Zip-Archiv mit {', '.join(members[:5])}",
            expected=_expected(),
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        # check_file above walked the sector chains: a looping one never reaches xlrd
        try:
            import xlrd

            book = xlrd.open_workbook(str(p), on_demand=True, logfile=io.StringIO())
            sheets = [s.lower() for s in book.sheet_names()]
        except Exception:
            sheets = []
        return "xlsform" if "survey" in sheets else "data-xls"
    text = _text_head(head)
    stripped = text.lstrip()
    if stripped.startswith("<"):
        doc = re.search(r"<LimeSurveyDocType>\s*(\w+)\s*</LimeSurveyDocType>", text)
        if doc:
            kind = {
                "Survey": "lss",
                "Responses": "lsr",
                "Tokens": "lst",
                "Group": "lsg",
                "Question": "lsq",
            }.get(doc.group(1))
            if kind:
                return f"limesurvey-{kind}"
        if re.search(r"<ODM\b", text):
            return "redcap-odm"
        if p.suffix.lower() == ".lss" or "<document" in text[:2000]:
            return "limesurvey-lss"  # broken or unusual: read_lss names the problem
        raise KlapptError(
            ErrorCode.INTEROP_010,
            path=p,
            reason="XML, aber keine LimeSurvey- oder REDCap-Datei",
            expected=_expected(),
        )
    first_line = stripped.splitlines()[0] if stripped else ""
    headers = _csv_headers(stripped)
    if re.match(r"^\|?\s*survey\s*\|", first_line, re.IGNORECASE) or (
        headers and headers[0].strip().lower() == "survey"
    ):
        return "xlsform"  # pyxform's markdown and CSV layouts: the sheet name comes first
    if {"class", "type/scale", "name"} <= {h.lower() for h in headers}:
        return "limesurvey-tsv"
    return _classify_headers(headers) or "data-csv"


def _expected() -> str:
    return ", ".join(FORMAT_NAMES[k] for k in READABLE[:9])


def _read_xlsform(path: Path, data: Path | None) -> ImportResult:
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
    summary = ImportSummary(source=str(path), format="xlsform", languages=instrument.languages)
    return complete_import("xlsform", instrument, raw, summary, xlsform)


def read_any(path: str | Path, companion: str | Path | None = None) -> ImportResult:
    """Import a file of any supported format; ``instrument, raw = read_any(path)`` also works.

    Parameters
    ----------
    path:
        The file. Structure files (``.lss``, ``.lsa``, XLSForm, REDCap dictionary, ``.sav``)
        give an instrument; data exports give returns.
    companion:
        The other half when one file is not enough: the structure file for a LimeSurvey
        response export, the dictionary for REDCap records (or the records for a dictionary),
        the XLSForm for a data table.

    Returns
    -------
    ImportResult
        ``format`` says what was detected, ``summary.lines()`` what was done.

    Raises
    ------
    KlapptError
        ``INTEROP_010`` for an unknown format or one we recognise but do not import,
        ``INTEROP_012`` when a response export comes without its structure file, and the
        errors of the importer in charge.

    Example
    -------
    >>> instrument, raw = read_any("survey_archive_123.lsa")  # doctest: +SKIP
    """
    p = Path(path)
    fmt = detect_format(p)
    other = Path(companion) if companion is not None else None
    if fmt == "limesurvey-lss":
        from klappt.interop.lsa import read_limesurvey_responses, read_lss

        return read_limesurvey_responses(p, other) if other is not None else read_lss(p)
    if fmt == "limesurvey-lsa":
        from klappt.interop.lsa import read_limesurvey_responses, read_lsa

        return read_limesurvey_responses(p, other) if other is not None else read_lsa(p)
    if fmt == "limesurvey-responses":
        if other is None:
            raise KlapptError(
                ErrorCode.INTEROP_012, path=p, format=FORMAT_NAMES[fmt], structure=".lss / .lsa"
            )
        from klappt.interop.lsa import read_limesurvey_responses

        return read_limesurvey_responses(other, p)
    if fmt in ("spss-sav", "spss-zsav", "stata-dta"):
        from klappt.interop.spssread import read_spss

        return read_spss(p)
    if fmt == "redcap-dictionary":
        from klappt.interop.redcap import read_redcap

        return read_redcap(p, other)
    if fmt == "redcap-records":
        if other is None:
            raise KlapptError(
                ErrorCode.INTEROP_012,
                path=p,
                format=FORMAT_NAMES[fmt],
                structure="REDCap data dictionary",
            )
        from klappt.interop.redcap import read_redcap

        return read_redcap(other, p)
    if fmt == "xlsform":
        return _read_xlsform(p, other)
    if fmt in ("kobo-export", "odk-central-export", "data-csv", "data-xlsx", "data-xls", "parquet"):
        if other is not None and detect_format(other) == "xlsform":
            return _read_xlsform(other, p)
        from klappt.responses.io import read_table

        raw = read_table(p)
        summary = ImportSummary(
            source=str(p),
            format=fmt,
            notes=("returns only: give the XLSForm to check and count them",),
        )
        return complete_import(fmt, None, raw, summary)
    raise KlapptError(
        ErrorCode.INTEROP_010,
        path=p,
        reason=f"{FORMAT_NAMES.get(fmt, fmt)} wird nicht importiert",
        expected=_expected(),
    )
