"""Every file format klappt recognises, in one ordered table: how it is told, how it is read.

A row (:class:`Importer`) holds a format's key, the name the CLI shows, how it recognises a
file from its :class:`~klappt.interop.sniff.Sniff`, the reader that imports it and the other
file it takes (a response export's structure file, a dictionary's records …). The order
decides files that several rows would take: the first row that recognises a file names its
format. A row without a reader is a format we recognise only to name it in a message.

A reader is named ``"module:function"`` and imported when a file of its format is read, so that
telling a CSV file apart does not load the LimeSurvey, REDCap and SPSS readers. Every reader
has the signature of :class:`Reader`.

Adding a format: one module with its reader, one row here (see docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from klappt.interop.sniff import Sniff
from klappt.language import Text

if TYPE_CHECKING:
    from klappt.interop.base import ConvertedFile


class Reader(Protocol):
    """Imports ``path``, recognised as format ``key``, with its ``companion`` file if given."""

    def __call__(self, path: Path, companion: Path | None, key: str) -> ConvertedFile: ...


NO_COMPANION = Text("", "")


@dataclass(frozen=True)
class Importer:
    key: str
    name: Text  # what the CLI and the messages call it, in both languages
    recognises: Callable[[Sniff], bool]
    reader: str | None = None  # "module:function" (a Reader); None: recognised, not imported
    #: the other file it takes, as a message names it (empty: takes none)
    companion: Text = NO_COMPANION
    needs_companion: bool = False  # refused without it (a table of returns without its form)

    def read(self) -> Reader:
        """The reader function (imported now)."""
        if self.reader is None:
            raise LookupError(f"{self.key} is recognised, not imported")
        module, _, function = self.reader.partition(":")
        return cast(Reader, getattr(import_module(module), function))


# -- how each format is recognised --------------------------------------------------------

_LS_META = {"id", "submitdate", "lastpage", "startlanguage"}
_LS_META_TEXT = {"response id", "date submitted", "last page", "start language"}
_SGQA = re.compile(r"^\d+X\d+X\d+")
_CODE_HEADING = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\[[^\]]+\])+$")


def _doctype(kind: str) -> Callable[[Sniff], bool]:
    return lambda s: s.ls_doctype == kind


def _lss(s: Sniff) -> bool:
    if s.ls_doctype == "Survey":
        return True
    # broken or unusual, but no REDCap file: read_lss names the problem (the other LimeSurvey
    # documents are taken by the rows before)
    return (
        s.container == "xml"
        and not s.xml_has(r"<ODM\b")
        and (s.suffix == ".lss" or s.xml_has("<document", within=2000))
    )


def _lsa(s: Sniff) -> bool:
    if s.damaged_zip:
        return s.suffix == ".lsa"  # truncated: read_lsa names the damage
    return any(m.lower().endswith(".lss") for m in s.members or ())


def _xlsform(s: Sniff) -> bool:
    if s.is_xlsx or s.container == "ole":
        return "survey" in s.sheets
    if s.container != "text":
        return False
    # pyxform's markdown and CSV layouts: the sheet name comes first
    return bool(re.match(r"^\|?\s*survey\s*\|", s.first_line, re.IGNORECASE)) or bool(
        s.headers and s.headers[0].strip().lower() == "survey"
    )


def _ls_tsv(s: Sniff) -> bool:
    return s.container == "text" and {"class", "type/scale", "name"} <= {
        h.lower() for h in s.headers
    }


def _redcap_dictionary(s: Sniff) -> bool:
    if not s.headers:
        return False
    from klappt.interop.redcap import is_dictionary

    return is_dictionary(s.headers)


def _ls_responses(s: Sniff) -> bool:
    headers = s.headers
    low = {h.lower() for h in headers}
    return (
        low >= _LS_META
        or low >= _LS_META_TEXT
        or (
            "id" in low
            and sum(1 for h in headers if _SGQA.match(h) or _CODE_HEADING.match(h))
            >= max(1, len(headers) // 4)
        )
    )


def _redcap_records(s: Sniff) -> bool:
    headers = s.headers
    low = {h.lower() for h in headers}
    completes = any(h.endswith("_complete") for h in headers)
    return (
        (any("___" in h for h in headers) and completes)
        or "redcap_repeat_instrument" in low
        or bool(headers and headers[0] == "record_id" and completes)
    )


def _kobo(s: Sniff) -> bool:
    low = {h.lower() for h in s.headers}
    return "_uuid" in low or "_submission_time" in low


def _odk_central(s: Sniff) -> bool:
    low = {h.lower() for h in s.headers}
    return "submissiondate" in low and bool(low & {"key", "meta-instanceid", "meta/instanceid"})


def _container(*kinds: str) -> Callable[[Sniff], bool]:
    return lambda s: s.container in kinds


# -- the table ----------------------------------------------------------------------------

_LS = "klappt.interop.limesurvey.read"
_NATIVE = "klappt.interop.native"
_REDCAP = "klappt.interop.redcap"
_SPSS = "klappt.interop.spss.read"
_FORM = Text("XLSForm", "XLSForm")

#: Every format, in the order that decides a file several rows would take.
IMPORTERS: tuple[Importer, ...] = (
    Importer(
        "spss-sav",
        Text("SPSS-Datendatei (.sav)", "SPSS data file (.sav)"),
        _container("sav"),
        f"{_SPSS}:import_spss",
    ),
    Importer(
        "spss-zsav",
        Text("komprimierte SPSS-Datendatei (.zsav)", "SPSS compressed data file (.zsav)"),
        _container("zsav"),
        f"{_SPSS}:import_spss",
    ),
    Importer(
        "stata-dta",
        Text("Stata-Datendatei (.dta)", "Stata data file (.dta)"),
        _container("stata"),
        f"{_SPSS}:import_spss",
    ),
    Importer(
        "parquet",
        Text("Parquet-Tabelle", "Parquet table"),
        _container("parquet"),
        f"{_NATIVE}:import_returns",
        _FORM,
    ),
    Importer(
        "limesurvey-lsa",
        Text("LimeSurvey-Umfragearchiv (.lsa)", "LimeSurvey survey archive (.lsa)"),
        _lsa,
        f"{_LS}:import_archive",
        Text("LimeSurvey-Antwortexport", "LimeSurvey response export"),
    ),
    # before every table row: a workbook with a "survey" sheet is a form, whatever its headings
    Importer(
        "xlsform",
        Text("XLSForm-Fragebogen", "XLSForm questionnaire"),
        _xlsform,
        f"{_NATIVE}:import_xlsform",
        Text("Tabelle der Rückläufe", "table of returns"),
    ),
    Importer(
        "limesurvey-lsr",
        Text("LimeSurvey-Antworten (.lsr)", "LimeSurvey responses (.lsr)"),
        _doctype("Responses"),
    ),
    Importer(
        "limesurvey-lst",
        Text("LimeSurvey-Teilnehmende (.lst)", "LimeSurvey participants (.lst)"),
        _doctype("Tokens"),
    ),
    Importer(
        "limesurvey-lsg",
        Text("LimeSurvey-Fragegruppe (.lsg)", "LimeSurvey question group (.lsg)"),
        _doctype("Group"),
    ),
    Importer(
        "limesurvey-lsq",
        Text("LimeSurvey-Frage (.lsq)", "LimeSurvey question (.lsq)"),
        _doctype("Question"),
    ),
    Importer(
        "limesurvey-lss",
        Text("LimeSurvey-Umfragestruktur (.lss)", "LimeSurvey survey structure (.lss)"),
        _lss,
        f"{_LS}:import_structure",
        Text("LimeSurvey-Antwortexport", "LimeSurvey response export"),
    ),
    Importer(
        "redcap-odm",
        Text("REDCap-Projekt (CDISC ODM XML)", "REDCap project (CDISC ODM XML)"),
        lambda s: s.xml_has(r"<ODM\b"),
    ),
    Importer(
        "limesurvey-tsv",
        Text(
            "LimeSurvey-Umfragestruktur, tabulatorgetrennt (.txt)",
            "LimeSurvey tab-separated survey structure (.txt)",
        ),
        _ls_tsv,
    ),
    # the rows from here to "odk-central-export" read the headings of a CSV or a workbook
    Importer(
        "redcap-dictionary",
        Text("REDCap-Datenwörterbuch (CSV)", "REDCap data dictionary (CSV)"),
        _redcap_dictionary,
        f"{_REDCAP}:import_dictionary",
        Text("REDCap-Datensatzexport", "REDCap records export"),
    ),
    Importer(
        "limesurvey-responses",
        Text("LimeSurvey-Antwortexport (CSV)", "LimeSurvey response export (CSV)"),
        _ls_responses,
        f"{_LS}:import_responses",
        Text(".lss / .lsa", ".lss / .lsa"),
        needs_companion=True,
    ),
    Importer(
        "redcap-records",
        Text("REDCap-Datensatzexport (CSV)", "REDCap records export (CSV)"),
        _redcap_records,
        f"{_REDCAP}:import_records",
        Text("REDCap-Datenwörterbuch", "REDCap data dictionary"),
        needs_companion=True,
    ),
    Importer(
        "kobo-export",
        Text("KoboToolbox-Export", "KoboToolbox export"),
        _kobo,
        f"{_NATIVE}:import_returns",
        _FORM,
    ),
    Importer(
        "odk-central-export",
        Text("ODK-Central-Export", "ODK Central export"),
        _odk_central,
        f"{_NATIVE}:import_returns",
        _FORM,
    ),
    Importer(
        "data-xlsx",
        Text("Tabelle der Rückläufe (Excel)", "table of returns (Excel)"),
        lambda s: s.is_xlsx,
        f"{_NATIVE}:import_returns",
        _FORM,
    ),
    Importer(
        "data-xls",
        Text("Tabelle der Rückläufe (Excel 97-2003)", "table of returns (Excel 97-2003)"),
        _container("ole"),
        f"{_NATIVE}:import_returns",
        _FORM,
    ),
    Importer(
        "data-csv",
        Text("Tabelle der Rückläufe (CSV)", "table of returns (CSV)"),
        _container("text"),
        f"{_NATIVE}:import_returns",
        _FORM,
    ),
)

BY_KEY: dict[str, Importer] = {i.key: i for i in IMPORTERS}


def recognise(sniff: Sniff) -> Importer | None:
    """The first row of the table that recognises the file, or None."""
    return next((i for i in IMPORTERS if i.recognises(sniff)), None)
