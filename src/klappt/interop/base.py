"""What every importer shares: the form it builds, the summary it returns, names and texts.

Importers do not build :class:`~klappt.instrument.Instrument` objects by hand. They describe
an XLSForm (:class:`XLSFormSpec`: survey rows, choices, settings), the XLSForm writer turns it
into a workbook, and :func:`klappt.instrument.read_instrument` reads that workbook back. So an
imported questionnaire is always one that pyxform accepts, and the user can open, check and
edit exactly what klappt uses.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klappt.errors import KlapptError, Text
from klappt.language import counted, rendered

if TYPE_CHECKING:
    from klappt.instrument.model import Instrument
    from klappt.responses.dataset import ResponseSet
    from klappt.responses.io import RawTable
    from klappt.responses.report import ValidationReport

#: XLSForm names are XML names; we keep to the portable subset.
_NAME_OK = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_NAME_BAD_CHARS = re.compile(r"[^A-Za-z0-9_]+")
_CHOICE_BAD_CHARS = re.compile(r"[^A-Za-z0-9_.\-]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A tag cannot hold "<": without it, a text of many "<" and no ">" costs one pass, not one
# pass per "<" (70,000 of them took seconds).
_TAG_BLOCK_START = re.compile(r"<(script|style)\b", re.IGNORECASE)
_TAG_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr)\b[^<>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]+>")
_SPACES = re.compile(r"[ \t\u00a0]+")
_MAX_CELL = 32000  # an XLSX cell holds 32,767 characters

#: Language names for XLSForm label columns (``label::Deutsch (de)``), in their own language.
LANGUAGE_NAMES = {
    "ar": "العربية",
    "bg": "Български",
    "ca": "Català",
    "cs": "Čeština",
    "da": "Dansk",
    "de": "Deutsch",
    "de-informal": "Deutsch Du",
    "de-easy": "Deutsch einfach",
    "el": "Ελληνικά",
    "en": "English",
    "es": "Español",
    "et": "Eesti",
    "fi": "Suomi",
    "fr": "Français",
    "hr": "Hrvatski",
    "hu": "Magyar",
    "it": "Italiano",
    "ja": "日本語",
    "lt": "Lietuvių",
    "lv": "Latviešu",
    "nl": "Nederlands",
    "nl-informal": "Nederlands informeel",
    "no": "Norsk",
    "pl": "Polski",
    "pt": "Português",
    "pt-BR": "Português (Brasil)",
    "ro": "Română",
    "ru": "Русский",
    "sk": "Slovenčina",
    "sl": "Slovenščina",
    "sq": "Shqip",
    "sr": "Srpski",
    "sv": "Svenska",
    "tr": "Türkçe",
    "uk": "Українська",
    "zh-Hans": "简体中文",
    "af": "Afrikaans",
}


def language_key(code: str) -> str:
    """``"de"`` -> ``"Deutsch (de)"``: the form ODK and klappt expect in XLSForm column names."""
    name = LANGUAGE_NAMES.get(code) or LANGUAGE_NAMES.get(code.split("-")[0]) or code
    name = name.replace("(", "").replace(")", "").strip()
    return f"{name} ({code})"


def plain_text(value: str | None) -> str:
    """HTML as LimeSurvey and REDCap store it -> the plain text an XLSForm label holds."""
    if not value:
        return ""
    text = _drop_blocks(value)
    text = _TAG_BREAK.sub("\n", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    text = "\n".join(out).strip()
    # pyxform reads ${name} in a label as a reference and rejects unknown names
    text = text.replace("${", "$ {")
    return text[:_MAX_CELL]


def _drop_blocks(text: str) -> str:
    """Remove ``<script>…</script>`` and ``<style>…</style>`` in one pass over the text."""
    out: list[str] = []
    pos = 0
    lower = text.lower()
    while True:
        m = _TAG_BLOCK_START.search(text, pos)
        if m is None:
            break
        end = lower.find(f"</{m.group(1).lower()}", m.end())
        close = lower.find(">", end) if end >= 0 else -1
        if close < 0:
            break  # no end tag: no later block has one either, keep the rest as text
        out.append(text[pos : m.start()])
        pos = close + 1
    out.append(text[pos:])
    return "".join(out)


def cell_text(value: str | None) -> str:
    """A value for a workbook cell: no control characters, within Excel's length limit."""
    if not value:
        return ""
    return _CONTROL.sub("", value)[:_MAX_CELL]


def ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def safe_name(raw: str, fallback: str = "q") -> str:
    """A valid XLSForm name close to ``raw``: ASCII letters, digits and ``_``, starting with a letter."""
    name = _NAME_BAD_CHARS.sub("_", ascii_fold(raw or "")).strip("_")
    if not name:
        name = fallback
    if not name[0].isalpha():
        name = f"{fallback}{name}"
    return name


def safe_choice(raw: str) -> str:
    """A choice name without spaces (select_multiple answers are space-separated)."""
    name = _CHOICE_BAD_CHARS.sub("_", ascii_fold(raw or "").strip())
    return name or "_"


class Names:
    """Hands out unique names (case-insensitive, as pyxform compares them) and remembers renames."""

    def __init__(self) -> None:
        self._used: set[str] = set()
        self.renamed: dict[str, str] = {}

    def reserve(self, name: str) -> None:
        self._used.add(name.lower())

    def taken(self, name: str) -> bool:
        return name.lower() in self._used

    def unique(self, wanted: str, original: str | None = None, fallback: str = "q") -> str:
        base = safe_name(wanted, fallback)
        name, n = base, 1
        while name.lower() in self._used:
            n += 1
            name = f"{base}_{n}"
        self._used.add(name.lower())
        source = original if original is not None else wanted
        if name != source:
            self.renamed[source] = name
        return name


@dataclass
class XLSFormSpec:
    """An XLSForm as rows: what the writer puts on the ``survey``, ``choices`` and ``settings`` sheets.

    Row dicts use XLSForm column names (``type``, ``name``, ``label::English (en)``, ``relevant`` …).
    Columns that pyxform does not know (``ls_relevance`` …) are kept for the reader's eyes only.
    """

    title: str
    form_id: str
    languages: tuple[str, ...] = ()  # language keys, e.g. "Deutsch (de)"; the first is the default
    survey: list[dict[str, str]] = field(default_factory=list)
    choices: list[dict[str, str]] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)

    def add(self, **row: str | None) -> dict[str, str]:
        clean = {k: v for k, v in row.items() if v not in (None, "")}
        self.survey.append(clean)
        return clean

    def labels(self, column: str, texts: dict[str, str]) -> dict[str, str]:
        """``{"English (en)": "Hi"}`` -> ``{"label::English (en)": "Hi"}``; the key ``""`` gives plain ``label``."""
        return {
            (f"{column}::{key}" if key else column): text for key, text in texts.items() if text
        }

    def add_choice(self, list_name: str, name: str, labels: dict[str, str], **extra: str) -> None:
        row = {"list_name": list_name, "name": name, **self.labels("label", labels)}
        row.update({k: v for k, v in extra.items() if v})
        self.choices.append(row)


#: a line of an import summary: a :class:`Text` in both languages, or a string without words
#: (an expression and its translation, a file name)
Note = str | Text


@dataclass(frozen=True)
class ImportSummary:
    """What an import did, in a few lines: counts, languages, and every liberty taken.

    ``translated`` lists conditions rewritten into XLSForm syntax (``old -> new``), ``verbatim``
    those kept as written because we could not translate them (they are in an ``ls_*`` column of
    the written XLSForm and are not checked), ``skipped`` what was left out and why. Their items
    are :data:`Note` s: the importers say everything in both languages, and :meth:`lines` picks
    the user's.
    """

    source: str
    format: str
    questions: int = 0
    returns: int | None = None
    languages: tuple[str, ...] = ()
    translated: tuple[Note, ...] = ()
    verbatim: tuple[Note, ...] = ()
    skipped: tuple[Note, ...] = ()
    renamed: dict[str, str] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    report: ValidationReport | None = None

    def with_report(self, report: ValidationReport, returns: int) -> ImportSummary:
        from dataclasses import replace

        return replace(self, report=report, returns=returns)

    def lines(self, lang: str | None = None) -> list[str]:
        """The summary as short lines in ``lang`` (else the language of the command running)."""
        out = [f"{self.source}: {self.format}"]
        parts = [counted(self.questions, _QUESTION, _QUESTIONS)]
        if self.returns is not None:
            parts.append(counted(self.returns, _RETURN, _RETURNS))
        if self.languages:
            parts.append(_LANGUAGES.format(languages=", ".join(self.languages)))
        out.append(", ".join(rendered(p, lang) for p in parts))
        for title, items in (
            (_TRANSLATED, self.translated),
            (_VERBATIM, self.verbatim),
            (_SKIPPED, self.skipped),
            (_NOTE, self.notes),
        ):
            out.extend(f"{rendered(title, lang)}: {rendered(item, lang)}" for item in items)
        if self.renamed:
            shown = ", ".join(f"{a} -> {b}" for a, b in list(self.renamed.items())[:20])
            more = f" (+{len(self.renamed) - 20})" if len(self.renamed) > 20 else ""
            out.append(f"{rendered(_RENAMED, lang)}: {shown}{more}")
        if self.report is not None:
            r = self.report
            counts = [
                counted(r.responses, _RETURN, _RETURNS),
                counted(len(r.problems), _PROBLEM, _PROBLEMS),
                counted(len(r.notes), _NOTE, _NOTES),
            ]
            out.append(
                f"{rendered(_VALIDATION, lang)}: " + ", ".join(rendered(c, lang) for c in counts)
            )
        return out

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """The summary for ``--json``: its texts in ``lang``, English unless asked (a program
        reading it should not depend on the user's language)."""

        def texts(items: tuple[Note, ...]) -> list[str]:
            return [rendered(i, lang) for i in items]

        return {
            "source": self.source,
            "format": self.format,
            "questions": self.questions,
            "returns": self.returns,
            "languages": list(self.languages),
            "translated": texts(self.translated),
            "verbatim": texts(self.verbatim),
            "skipped": texts(self.skipped),
            "renamed": dict(self.renamed),
            "notes": texts(self.notes),
            "report": self.report.to_dict(lang) if self.report is not None else None,
        }


_QUESTION, _QUESTIONS = Text("Frage", "question"), Text("Fragen", "questions")
_RETURN, _RETURNS = Text("Rücklauf", "return"), Text("Rückläufe", "returns")
_PROBLEM, _PROBLEMS = Text("Problem", "problem"), Text("Probleme", "problems")
_NOTE, _NOTES = Text("Hinweis", "note"), Text("Hinweise", "notes")
_LANGUAGES = Text("Sprachen: {languages}", "languages: {languages}")
_TRANSLATED = Text("übersetzt", "translated")
_VERBATIM = Text("wörtlich übernommen (nicht geprüft)", "kept verbatim (not checked)")
_SKIPPED = Text("ausgelassen", "skipped")
_RENAMED = Text("umbenannt", "renamed")
_VALIDATION = Text("Prüfung", "validation")


@dataclass(frozen=True)
class ConvertedFile:
    """An imported questionnaire and/or its returns, with the XLSForm we wrote for it.

    ``instrument`` is None for a data file without a structure (then ``raw`` alone goes through
    the usual form + data path). ``xlsform`` holds the workbook bytes for ``klappt convert`` and
    for storing the wave. ``participants`` is a LimeSurvey archive's participant table (personal
    data: it is never mixed into the returns).
    """

    format: str
    instrument: Instrument | None
    raw: RawTable | None
    summary: ImportSummary
    xlsform: bytes | None = None
    participants: RawTable | None = None
    responses: ResponseSet | None = (
        None  # the returns typed against the instrument (when both exist)
    )

    def __iter__(self):
        return iter((self.instrument, self.raw))


def naming_user_files(error: KlapptError, files: Mapping[Path, str | Path]) -> KlapptError:
    """``error`` naming the files the user gave where it names the temporary files an import
    wrote for them (the XLSForm and the table of returns converted from another tool's file)."""

    def swap(text: str) -> str:
        for temporary, given in files.items():
            text = text.replace(str(temporary), str(given))
        return text

    params: dict[str, object] = {}
    for key, value in error.params.items():
        if isinstance(value, Text):
            params[key] = Text(swap(value.de), swap(value.en))
        elif isinstance(value, str | Path):
            params[key] = swap(str(value))
        else:
            params[key] = value
    return KlapptError(error.code, **params)


def literal_label(text: str) -> str:
    """A label taken as written (SPSS, Stata): ``${name}`` would be a reference to pyxform."""
    return cell_text(text).replace("${", "$ {")


#: how the summary names each question type, in the order it lists them
_READ_AS = (
    (("integer",), Text("Ganzzahl", "whole number"), Text("Ganzzahlen", "whole numbers")),
    (
        ("decimal", "range"),
        Text("Dezimalzahl", "decimal number"),
        Text("Dezimalzahlen", "decimal numbers"),
    ),
    (
        ("select_one",),
        Text("Einfachauswahl", "single choice"),
        Text("Einfachauswahlen", "single choices"),
    ),
    (
        ("select_multiple",),
        Text("Mehrfachauswahl", "multiple choice"),
        Text("Mehrfachauswahlen", "multiple choices"),
    ),
    (("rank",), Text("Rangfolge", "ranking"), Text("Rangfolgen", "rankings")),
    (
        ("date", "dateTime", "time"),
        Text("Datum oder Uhrzeit", "date or time"),
        Text("Datums- und Zeitangaben", "dates and times"),
    ),
    (("text",), Text("Text", "text"), Text("Texte", "texts")),
    (("calculate",), Text("Berechnung", "calculation"), Text("Berechnungen", "calculations")),
)


def read_as(instrument: Instrument) -> Text:
    """``read as: 8 whole numbers, 3 single choices, …``: what the import made of the file's
    variables, so that no number read as a text goes unnoticed."""
    counts: dict[str, int] = {}
    for q in instrument.questions:
        counts[q.type] = counts.get(q.type, 0) + 1
    parts: list[Text] = []
    for types, one, many in _READ_AS:
        n = sum(counts.pop(t, 0) for t in types)
        if n:
            parts.append(counted(n, one, many))
    counts.pop("note", None)
    parts += [Text(f"{n} {t}", f"{n} {t}") for t, n in counts.items()]  # XLSForm type names
    if not parts:
        return Text("gelesen als: keine Fragen", "read as: no questions")
    return Text(
        "gelesen als: " + ", ".join(p.de for p in parts),
        "read as: " + ", ".join(p.en for p in parts),
    )


def complete_import(
    fmt: str,
    instrument: Instrument | None,
    raw: RawTable | None,
    summary: ImportSummary,
    xlsform: bytes | None = None,
    participants: RawTable | None = None,
) -> ConvertedFile:
    """Type the returns against the instrument (when there are both) and attach the validation report."""
    from dataclasses import replace

    responses = None
    if instrument is not None:
        summary = replace(
            summary,
            questions=summary.questions or sum(1 for q in instrument.questions if q.type != "note"),
            notes=(*summary.notes, read_as(instrument)),
        )
    if raw is not None:
        summary = replace(summary, returns=raw.height)
    if instrument is not None and raw is not None:
        from klappt.responses.dataset import load_responses

        responses, report = load_responses(instrument, raw)
        summary = summary.with_report(report, responses.height)
        marked = [i for i in report.notes if i.code == "not_answered_marker"]
        if marked:  # an export dialect's mark for "not answered" (Ona's n/a), read as such
            cells = sum(int(str(i.detail or 0)) for i in marked)
            summary = replace(
                summary,
                notes=(
                    *summary.notes,
                    Text(
                        "{tool}-Export: {cells} '{marker}' als nicht beantwortet gelesen "
                        "({columns})",
                        "{tool} export: {cells} '{marker}' read as not answered ({columns})",
                    ).format(
                        tool=report.detected.rsplit(", ", 1)[-1],
                        cells=counted(cells, Text("Zelle", "cell"), Text("Zellen", "cells")),
                        marker=marked[0].value,
                        columns=counted(
                            len(marked), Text("Spalte", "column"), Text("Spalten", "columns")
                        ),
                    ),
                ),
            )
        read = [i for i in report.notes if i.code == "dialect_read" and i.detail]
        if read:  # what a dialect recognised in the file was read as (klappt.interop.dialects)
            summary = replace(
                summary,
                notes=(
                    *summary.notes,
                    Text(
                        "Export-Dialekt erkannt: {name}", "export dialect recognised: {name}"
                    ).format(name=read[0].value),
                    *(i.detail for i in read if i.detail is not None),
                ),
            )
        kinds = report.missing_kinds()
        if kinds:  # SPSS user-missing codes, Stata's .a-.z: how many of each kind
            totals: dict[str, int] = {}
            for per_kind in kinds.values():
                for kind, n in per_kind.items():
                    totals[kind] = totals.get(kind, 0) + n
            shown = ", ".join(f"{k} {n}" for k, n in totals.items())
            summary = replace(
                summary,
                notes=(
                    *summary.notes,
                    Text(
                        "Arten von Fehlend in {questions}: {shown} (in Tabellen fehlend; "
                        "klappt tabulate --show-missing-kinds zeigt sie)",
                        "missing kinds in {questions}: {shown} "
                        "(missing in tables; klappt tabulate --show-missing-kinds shows them)",
                    ).format(questions=counted(len(kinds), _QUESTION, _QUESTIONS), shown=shown),
                ),
            )
    return ConvertedFile(
        format=fmt,
        instrument=instrument,
        raw=raw,
        summary=summary,
        xlsform=xlsform,
        participants=participants,
        responses=responses,
    )
