"""The catalogue's recurring parts: the ``{reason}`` or ``{message}`` a message of
:class:`klappt.errors.ErrorCode` is filled with, in German and English.

A reason written in one language leaked into messages of the other ("Cannot read x: ein Ordner,
keine Datei"), so every reason a module passes is either a member of :class:`Reason` or a
:class:`klappt.errors.Text` written in place with both wordings (German first, then English).
``tests/test_message_catalogue_language.py`` renders every member in both languages.

Example
-------
>>> from klappt.errors import ErrorCode, KlapptError
>>> KlapptError(ErrorCode.FILE_003, path="x", reason=Reason.IS_FOLDER()).message("en")
'Cannot read x: a folder, not a file'
"""

from __future__ import annotations

from enum import Enum

from klappt.errors import Text


class Reason(Enum):
    """A reason with its German and English wording; call a member to fill its ``{fields}``."""

    IS_FOLDER = Text("ein Ordner, keine Datei", "a folder, not a file")
    NOT_FOUND = Text("Datei nicht gefunden", "file not found")
    FOLDER_MISSING = Text(
        "der Ordner {folder} existiert nicht", "the folder {folder} does not exist"
    )
    NOT_WRITABLE = Text("keine Schreibrechte", "no permission to write")
    NOT_IMPORTED = Text("{name} wird nicht importiert", "{name} is not imported")
    BYTES_NULL = Text("Binärdaten (Nullbytes) gefunden", "binary data (null bytes) found")
    BYTES_NEITHER = Text(
        "weder UTF-8 noch Windows-1252 (Byte {position})",
        "neither UTF-8 nor Windows-1252 (byte {position})",
    )
    BYTES_BROKEN = Text(
        "{encoding}, Byte {position}: {detail}", "{encoding}, byte {position}: {detail}"
    )
    BYTES_CONTROL = Text(
        "Steuerzeichen gefunden, keine Textdatei", "control characters found, not a text file"
    )
    NO_SLIDE_SIZE = Text("keine Foliengröße", "no slide size")
    YAML_ONLY = Text("erwartet wird YAML (.yaml, .yml)", "YAML (.yaml, .yml) is expected")
    UPLOAD_TOO_LARGE = Text(
        "größer als KLAPPT_MAX_UPLOAD_MB erlaubt", "larger than KLAPPT_MAX_UPLOAD_MB allows"
    )
    ZIP_DAMAGED = Text("ein beschädigtes Zip-Archiv", "a damaged zip archive")
    ZIP_OTHER = Text("ein Zip-Archiv mit {members}", "a zip archive holding {members}")
    XML_OTHER = Text(
        "XML, aber keine LimeSurvey- oder REDCap-Datei", "XML, but no LimeSurvey or REDCap file"
    )
    CONTENT_UNKNOWN = Text("unbekannter Inhalt ({container})", "unknown content ({container})")
    NOT_XLSFORM = Text(
        "keine XLSForm: es fehlt das Blatt 'survey' mit den Spalten type, name und label "
        "(Fragebogen und Daten vertauscht?)",
        "no XLSForm: the sheet 'survey' with the columns type, name and label is missing "
        "(form and data swapped?)",
    )
    COLUMN_MISSING = Text(
        "Spalte '{column}' fehlt (gefundene Spalten: {columns})",
        "column '{column}' is missing (columns found: {columns})",
    )
    NO_ID = Text("keine Kennung in Spalte '{column}'", "no id in column '{column}'")
    ID_TWICE = Text(
        "die Kennung '{site_id}' steht schon in Zeile {first}",
        "the id '{site_id}' is already in row {first}",
    )
    NO_NAME = Text("kein Name in Spalte '{column}'", "no name in column '{column}'")
    NONE = Text("(keine)", "(none)")

    def __call__(self, **params: object) -> Text:
        """The reason with its fields filled, still in both languages."""
        return self.value.format(**params)
