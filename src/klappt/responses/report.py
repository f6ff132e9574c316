"""The validation report: every problem found in a data file, named by row, column and value."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from klappt.language import Text, rendered

#: Problem codes with their message in German and English. ``{detail}`` is filled per issue.
PROBLEMS: dict[str, tuple[str, str]] = {
    "unknown_choice": ("unbekannter Auswahlcode", "unknown choice code"),
    "not_a_number": ("keine Zahl", "not a number"),
    "not_an_integer": ("keine ganze Zahl", "not a whole number"),
    "not_a_date": (
        "kein Datum (erwartet JJJJ-MM-TT oder TT.MM.JJJJ)",
        "not a date (expected YYYY-MM-DD or DD.MM.YYYY)",
    ),
    "not_a_flag": (
        "kein Ja/Nein-Wert (erwartet 1/0 oder TRUE/FALSE)",
        "not a yes/no value (expected 1/0 or TRUE/FALSE)",
    ),
    "constraint": ("verletzt die Bedingung", "violates the constraint"),
    "required_missing": ("Pflichtangabe fehlt", "required answer missing"),
    "not_relevant": (
        "Antwort auf eine Frage, die für diesen Rücklauf nicht gestellt wird",
        "answer to a question that does not apply to this return",
    ),
    "duplicate_id": (
        "doppelte Rücklauf-ID; nur der erste Rücklauf wird gezählt",
        "duplicate return id; only the first return is counted",
    ),
    "duplicate_column": (
        "zweite Spalte für dieselbe Frage; nicht verwendet",
        "second column for the same question; not used",
    ),
    "unknown_column": (
        "Spalte passt zu keiner Frage des Fragebogens; nicht verwendet",
        "column matches no question of the form; not used",
    ),
    "expression_unsupported": (
        "Bedingung nicht auswertbar; nicht geprüft",
        "condition cannot be evaluated; not checked",
    ),
    "missing_kind": (
        "fehlend dieser Art (nicht gezählt); Rückläufe",
        "missing of this kind (not counted); returns",
    ),
    "dialect_read": (
        "so gelesen, wie das exportierende Werkzeug es meinte",
        "read as the exporting tool meant it",
    ),
    "not_answered_marker": (
        "vom Export für „nicht beantwortet“ geschrieben, als nicht beantwortet gelesen; Zellen",
        "written by the export for 'not answered', read as not answered; cells",
    ),
}

#: Codes that describe the form rather than the data; they do not make a report fail.
NOTE_CODES = frozenset(
    {"expression_unsupported", "not_answered_marker", "missing_kind", "dialect_read"}
)
#: Metadata columns ``_missing_<question>``: which kind of missing each empty answer was (an
#: SPSS user-missing code, a Stata ``.a``-``.z``), as an import from those files keeps it.
MISSING_PREFIX = "_missing_"


@dataclass(frozen=True)
class Issue:
    """One problem. ``row`` is the spreadsheet row (header = 1); None for a whole column."""

    code: str
    row: int | None
    column: str | None
    value: str | Text | None = None  # a Text: an export dialect's name (dialect_read)
    question: str | None = None
    #: e.g. the constraint message or the unknown code; a Text where klappt says what it did
    #: (an export dialect's column read as its tool meant it)
    detail: str | Text | None = None

    def message(self, lang: str = "de") -> str:
        de, en = PROBLEMS.get(self.code, (self.code, self.code))
        text = en if lang == "en" else de
        return f"{text}: {rendered(self.detail, lang)}" if self.detail else text

    def to_dict(self, lang: str = "de") -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": rendered(self.value, lang) if self.value is not None else None,
            "code": self.code,
            "question": self.question,
            "detail": rendered(self.detail, lang) if self.detail is not None else None,
            "message": self.message(lang),
        }


@dataclass(frozen=True)
class ValidationReport:
    source: str
    responses: int  # returns counted (duplicates removed)
    rows: int  # data rows read
    issues: tuple[Issue, ...] = ()
    detected: str = ""  # what the reader detected: format, encoding, separator
    meta_columns: tuple[str, ...] = field(default=())

    @property
    def problems(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.code not in NOTE_CODES)

    @property
    def notes(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.code in NOTE_CODES)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        return dict(Counter(i.code for i in self.problems))

    def missing_kinds(self) -> dict[str, dict[str, int]]:
        """Per question, how many answers were missing of each kind (see ``MISSING_PREFIX``)."""
        out: dict[str, dict[str, int]] = {}
        for i in self.notes:
            if i.code == "missing_kind" and i.question and i.value is not None:
                out.setdefault(i.question, {})[str(i.value)] = int(str(i.detail or 0))
        return out

    def to_dict(self, lang: str = "de") -> dict[str, Any]:
        return {
            "source": self.source,
            "detected": self.detected,
            "rows": self.rows,
            "responses": self.responses,
            "ok": self.ok,
            "counts": self.counts(),
            "missing_kinds": self.missing_kinds(),
            "meta_columns": list(self.meta_columns),
            "problems": [i.to_dict(lang) for i in self.problems],
            "notes": [i.to_dict(lang) for i in self.notes],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationReport:
        issues = tuple(
            Issue(
                code=d["code"],
                row=d.get("row"),
                column=d.get("column"),
                value=d.get("value"),
                question=d.get("question"),
                detail=d.get("detail"),
            )
            for d in [*data.get("problems", []), *data.get("notes", [])]
        )
        return cls(
            source=data.get("source", ""),
            responses=int(data.get("responses", 0)),
            rows=int(data.get("rows", 0)),
            issues=issues,
            detected=data.get("detected", ""),
            meta_columns=tuple(data.get("meta_columns", ())),
        )
