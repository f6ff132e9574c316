r"""LimeSurvey's question attributes that show items or check answers, as XLSForm.

- ``array_filter`` / ``array_filter_exclude``: an item (subquestion) of an array is shown only
  when (not) the box of the same code was ticked in another multiple-choice question. Each item
  row gets ``selected(${other}, 'code')`` (or ``not(…)``) in its ``relevant``.
- ``em_validation_q``: the question's validation equation becomes its ``constraint``; a
  reference to the question itself becomes ``.``. A validation over all its items
  (``sum(that.Q1.NAOK) == 100``) goes on the last item, where every item has been answered.
- ``preg`` (a validation regex ``/^\d{5}$/``): ``regex(., '^\d{5}$')`` on the question, or on
  each of its items.

What is not translated stays in the ``ls_*`` column of the written XLSForm and is listed as
"kept verbatim (not checked)" in the import summary, which says how many remain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from klappt.interop.limesurvey.expressions import Untranslatable, Var, reason, translate
from klappt.language import Text

if TYPE_CHECKING:
    from klappt.interop.limesurvey.form import _Builder
    from klappt.interop.limesurvey.structure import LsQuestion

__all__ = ["Check", "apply_checks", "items_of"]


@dataclass(frozen=True)
class Check:
    """An attribute of a question still to translate once every question has its name."""

    question: LsQuestion
    name: str  # the question's name in the XLSForm
    attr: str  # array_filter | array_filter_exclude | em_validation_q | preg
    value: str
    where: Text


def items_of(b: _Builder, code: str) -> list[tuple[str, dict[str, str]]]:
    """The item rows of question ``code`` (subquestion code, row), in form order."""
    prefix = f"{code}["
    return [
        (row["ls_code"][len(prefix) : -1], row)
        for row in b.spec.survey
        if row.get("ls_code", "").startswith(prefix) and row["ls_code"].endswith("]")
    ]


def that(b: _Builder, code: str) -> list[Var] | None:
    """``that.Q1``: the answers of question ``Q1``'s items, for sum() and count()."""
    out = []
    for sub, row in items_of(b, code):
        ref = b.refs.get(f"{code}_{sub}")
        out.append(ref if isinstance(ref, Var) else Var(row["name"], "number"))
    return out or None


def _and(row: dict[str, str], column: str, condition: str) -> None:
    old = row.get(column)
    row[column] = f"({old}) and {condition}" if old else condition


def _array_filter(b: _Builder, c: Check) -> None:
    source = b.resolve(c.value)
    if not isinstance(source, Var) or source.kind != "select_multiple":
        raise Untranslatable(
            Text(
                f"{c.value} ist keine Mehrfachauswahl-Frage der Umfrage",
                f"{c.value} is no multiple-choice question of the survey",
            )
        )
    items = items_of(b, c.question.code)
    if not items:
        raise Untranslatable(
            Text(
                "die gefilterte Frage hat keine eigenen Teilfragen",
                "the filtered question has no items of its own",
            )
        )
    for sub, row in items:
        choice = source.codes.get(sub)
        if choice is None:
            continue  # an item without a box of its code is always shown, as in LimeSurvey
        condition = f"selected(${{{source.name}}}, '{choice}')"
        _and(row, "relevant", condition if c.attr == "array_filter" else f"not({condition})")


def _validation(b: _Builder, c: Check) -> None:
    constraint = translate(c.value, b.resolve)
    items = items_of(b, c.question.code)
    if items:
        row = items[-1][1]  # every item answered before the last one is checked
    else:
        row = next(r for r in b.spec.survey if r.get("name") == c.name)
        constraint = constraint.replace(f"${{{c.name}}}", ".")
    _and(row, "constraint", constraint)
    for r in b.spec.survey:  # the question's row kept the equation to read: it is checked now
        if r.get("name") == c.name:
            r.pop("ls_validation", None)


def _regex(b: _Builder, c: Check) -> None:
    text = c.value
    if len(text) < 2 or text[0] != "/" or text.rfind("/") == 0:
        raise Untranslatable(
            Text(
                "ein regulärer Ausdruck ohne seine Begrenzer /…/",
                "a regex without its /…/ delimiters",
            )
        )
    end = text.rfind("/")
    pattern, flags = text[1:end], text[end + 1 :]
    if flags.strip() or "'" in pattern:
        raise Untranslatable(
            Text(
                f"Regex-Schalter {flags!r} oder ein Anführungszeichen im Muster",
                f"regex flags {flags!r} or a quote in the pattern",
            )
        )
    rows = [row for _, row in items_of(b, c.question.code)] or [
        r for r in b.spec.survey if r.get("name") == c.name
    ]
    for row in rows:
        _and(row, "constraint", f"regex(., '{pattern}')")
        row.pop("ls_validation", None)


def apply_checks(b: _Builder, checks: list[Check]) -> None:
    """Translate each attribute, or keep it verbatim; the summary counts both."""
    kept = 0
    for c in checks:
        try:
            if c.attr == "em_validation_q":
                _validation(b, c)
            elif c.attr == "preg":
                _regex(b, c)
            else:
                _array_filter(b, c)
            b.form.translated.append(
                Text("{where}: {attr} {value}", "{where}: {attr} {value}").format(
                    where=c.where, attr=c.attr, value=c.value
                )
            )
        except Untranslatable as exc:
            kept += 1
            what = {
                "em_validation_q": Text("Prüfung", "validation"),
                "preg": Text("Prüf-Regex", "validation regex"),
            }.get(
                c.attr,
                Text(
                    "{attr} (Teilfragen gezeigt nach den Antworten einer anderen Frage)",
                    "{attr} (items shown by another question's answers)",
                ).format(attr=c.attr),
            )
            b.form.verbatim.append(
                Text(
                    "{where}: {what} {value} ({reason}; nicht geprüft)",
                    "{where}: {what} {value} ({reason}; not checked)",
                ).format(where=c.where, what=what, value=c.value, reason=reason(exc))
            )
    if checks:
        b.form.notes.append(
            Text(
                "Matrixfilter und Prüfungen: {done} von {all} übersetzt, {kept} wörtlich übernommen",
                "array filters and validations: {done} of {all} translated, {kept} kept verbatim",
            ).format(done=len(checks) - kept, all=len(checks), kept=kept)
        )
