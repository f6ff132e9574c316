"""User-facing errors: one catalogue, one exception type.

Every mistake a user can make ends in a :class:`KlapptError` carrying an
:class:`ErrorCode`. The CLI prints its message (German by default, English on
request) and exits non-zero; tests assert on the code, not on the wording.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class Detail:
    name: str
    de: str
    en: str


class ErrorCode(Enum):
    # Files
    FILE_001 = Detail("file_not_found", "Datei nicht gefunden: {path}", "File not found: {path}")
    FILE_002 = Detail("file_empty", "Die Datei ist leer: {path}", "The file is empty: {path}")
    FILE_003 = Detail(
        "file_unreadable",
        "Die Datei {path} lässt sich nicht lesen: {reason}",
        "Cannot read {path}: {reason}",
    )
    FILE_004 = Detail(
        "file_format",
        "Unbekanntes Dateiformat {suffix} bei {path}; erwartet: {expected}",
        "Unknown file format {suffix} for {path}; expected: {expected}",
    )
    FILE_005 = Detail(
        "file_encoding",
        "{path}: Zeichenkodierung nicht erkannt ({reason}). Bitte als UTF-8 oder Windows-1252 speichern.",
        "{path}: cannot detect the text encoding ({reason}). Save it as UTF-8 or Windows-1252.",
    )
    FILE_006 = Detail(
        "file_not_writable",
        "In {path} kann nicht geschrieben werden: {reason}",
        "Cannot write {path}: {reason}",
    )
    # Instruments (XLSForm)
    INSTRUMENT_001 = Detail(
        "form_invalid",
        "Fehler im Fragebogen {path}: {where}{message}",
        "Error in the form {path}: {where}{message}",
    )
    INSTRUMENT_002 = Detail(
        "form_no_questions",
        "Der Fragebogen {path} enthält keine Fragen.",
        "The form {path} contains no questions.",
    )
    INSTRUMENT_003 = Detail(
        "unknown_question",
        "Unbekannte Frage '{name}' im Fragebogen {form}.",
        "Unknown question '{name}' in the form {form}.",
    )
    INSTRUMENT_004 = Detail(
        "by_not_select_one",
        "--by braucht eine Einfachauswahl (select_one); '{name}' ist {type}.",
        "--by needs a select_one question; '{name}' is {type}.",
    )
    # Responses
    RESPONSES_001 = Detail(
        "data_no_rows",
        "{path} enthält keine Rückläufe (nur eine Kopfzeile oder gar nichts).",
        "{path} contains no returns (only a header row, or nothing).",
    )
    RESPONSES_002 = Detail(
        "data_form_mismatch",
        "Die Daten {path} passen nicht zum Fragebogen {form}: keine Spalte entspricht einer Frage "
        "(gefundene Spalten: {columns}).",
        "The data {path} do not belong to the form {form}: no column matches a question "
        "(columns found: {columns}).",
    )
    RESPONSES_003 = Detail(
        "data_duplicate_header",
        "{path}: die Spalte '{column}' kommt mehrfach vor (Spalten {positions}).",
        "{path}: the column '{column}' occurs more than once (columns {positions}).",
    )
    # Store
    STORE_001 = Detail(
        "no_project",
        "Kein klappt-Projekt in {path}. Zuerst `klappt init` ausführen oder --project angeben.",
        "No klappt project in {path}. Run `klappt init` first or pass --project.",
    )
    STORE_002 = Detail(
        "unknown_wave",
        "Unbekannte Welle '{wave}'. Vorhandene Wellen: {known}",
        "Unknown wave '{wave}'. Existing waves: {known}",
    )
    STORE_003 = Detail(
        "database_unreachable",
        "Die Datenbank ist nicht erreichbar ({url}): {reason}",
        "The database cannot be reached ({url}): {reason}",
    )
    STORE_004 = Detail(
        "register_invalid",
        "Standortregister {path}, Zeile {row}: {message}",
        "Site register {path}, row {row}: {message}",
    )
    # Reports
    REPORT_001 = Detail(
        "recipe_invalid",
        "Rezept {path}, Zeile {line}: {message}",
        "Recipe {path}, line {line}: {message}",
    )
    REPORT_002 = Detail(
        "template_invalid",
        "Die Vorlage {path} ist keine lesbare PowerPoint-Datei: {reason}",
        "The template {path} is not a readable PowerPoint file: {reason}",
    )
    REPORT_003 = Detail(
        "output_format",
        "Unbekanntes Ausgabeformat {suffix} für {path}; möglich: {expected}",
        "Unknown output format {suffix} for {path}; possible: {expected}",
    )


def current_language() -> str:
    """The language for messages: ``KLAPPT_LANG`` (``de`` or ``en``), German by default."""
    lang = os.environ.get("KLAPPT_LANG", "de").lower()[:2]
    return lang if lang in ("de", "en") else "de"


class KlapptError(Exception):
    """A mistake the user can fix, with a catalogue code and the facts to name it."""

    def __init__(self, code: ErrorCode, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message())

    def message(self, lang: str | None = None) -> str:
        detail = self.code.value
        template = detail.en if (lang or current_language()) == "en" else detail.de
        try:
            return template.format(**self.params)
        except (KeyError, IndexError):  # a missing parameter must never hide the error itself
            return f"{template} {self.params}"

    def __str__(self) -> str:
        return self.message()
