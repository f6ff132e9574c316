"""What the wave's deck, report and results page do not count, and why (issue 16: "nothing
dropped silently").

After the questionnaire was replaced, a submitted return keeps the version it was made with
(``_form_version`` in the data). The counts, though, are made against the current form: an
answer whose choice the new form removed, whose question it no longer asks, or whose type it
changed cannot be counted there. Decided: such answers are not counted under the old version
(a chart mixing two versions' choices would compare unlike things), they stay unchanged in the
data downloads, and every published output says what was left out: the deck and HTML report
get a slide "Nicht gezählte Antworten" listing them per question (continued on a further
slide beyond seven questions), the overview page a notice
above its downloads. Choice codes are named (they are the form's words); a free text or number
given is never shown, only how many.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from klappt.instrument import Instrument
from klappt.responses.report import ValidationReport

#: problems of an answer that leave it out of the counts (an empty required answer is no
#: answer left out; a duplicate return is a whole return, not an answer)
LEFT_OUT = frozenset(
    {"unknown_choice", "not_a_number", "not_an_integer", "not_a_date", "not_a_flag", "constraint"}
)
#: the question is no longer in the form
REMOVED = "removed"


@dataclass(frozen=True)
class NotCounted:
    """Answers to one question that are not counted, for one reason."""

    question: str
    label: str
    problem: str  # a code of :data:`LEFT_OUT`, or :data:`REMOVED`
    answers: int  # how many returns' answers
    choices: tuple[str, ...] = ()  # the choice codes not counted (``unknown_choice`` only)
    forms: tuple[int, ...] = ()  # the questionnaire versions these answers were made with


def left_out(
    report: ValidationReport,
    columns: Sequence[str],
    rows: Sequence[Sequence[str | None]],
    form: Instrument,
    older: Sequence[Instrument] = (),
    lang: str | None = None,
) -> list[NotCounted]:
    """The answers of ``rows`` (the export's table, as loaded into ``report``) that the counts
    against ``form`` leave out, per question and reason, in the form's order (removed
    questions last). ``older``: the wave's earlier forms, for the labels of removed questions."""
    from klappt.web.returns import FORM_COLUMN

    at = {c: i for i, c in enumerate(columns)}

    def version(row: int) -> int | None:
        i = row - 2  # the report's rows are spreadsheet rows: header 1, first return 2
        if FORM_COLUMN not in at or not 0 <= i < len(rows):
            return None
        text = rows[i][at[FORM_COLUMN]]
        return int(text) if text and text.isdigit() else None

    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    codes: dict[tuple[str, str], set[str]] = defaultdict(set)
    forms: dict[tuple[str, str], set[int]] = defaultdict(set)
    for issue in report.problems:
        if issue.code not in LEFT_OUT or issue.row is None or not issue.question:
            continue
        key = (issue.question, issue.code)
        seen[key].add(issue.row)
        if issue.code == "unknown_choice" and issue.value:
            codes[key].update(str(issue.value).split())
        v = version(issue.row)
        if v is not None:
            forms[key].add(v)
    for issue in report.issues:
        column = issue.column or ""
        if issue.code != "unknown_column" or not column or column.startswith("_"):
            continue
        key = (column, REMOVED)
        for i, row in enumerate(rows):
            if column in at and (row[at[column]] or "").strip():
                seen[key].add(i + 2)
                v = version(i + 2)
                if v is not None:
                    forms[key].add(v)
    order = {q.name: i for i, q in enumerate(form.questions)}

    def label(name: str) -> str:
        for f in (form, *reversed(older)):
            q = f.question(name)
            if q is not None:
                return q.label(lang, f.default_language) or name
        return name

    out = [
        NotCounted(
            question,
            label(question),
            problem,
            len(found),
            tuple(sorted(codes[(question, problem)])),
            tuple(sorted(forms[(question, problem)])),
        )
        for (question, problem), found in seen.items()
        if found
    ]
    return sorted(out, key=lambda n: (order.get(n.question, len(order)), n.question, n.problem))


# --- in the deck and the HTML report ---------------------------------------------------------

_TEXTS = {
    "de": {
        "title": "Nicht gezählte Antworten",
        "line": "„{label}“ ({question}): {n} {answers} nicht gezählt – {why}{forms}",
        "answer": "Antwort",
        "answers": "Antworten",
        "forms": " (Fragebogen-Fassung {forms})",
        REMOVED: "die Frage steht nicht mehr im Fragebogen",
        "unknown_choice": "Antwortmöglichkeit nicht mehr im Fragebogen: {choices}",
        "changed": "passt nicht zur geänderten Frage",
        "note": "Fragebogen ersetzt (jetzt Fassung {current}); die Daten (Spalte "
        "_form_version) enthalten diese Antworten unverändert.",
        "more": "Nicht gezählte Antworten (Fortsetzung)",
    },
    "en": {
        "title": "Answers not counted",
        "line": "“{label}” ({question}): {n} {answers} not counted – {why}{forms}",
        "answer": "answer",
        "answers": "answers",
        "forms": " (questionnaire version {forms})",
        REMOVED: "the question is no longer in the questionnaire",
        "unknown_choice": "choice no longer in the questionnaire: {choices}",
        "changed": "does not fit the changed question",
        "note": "Questionnaire replaced (now version {current}); the data (column "
        "_form_version) keep these answers unchanged.",
        "more": "Answers not counted (continued)",
    },
}


def _words(lang: str) -> dict[str, str]:
    return _TEXTS["en" if lang.startswith("en") else "de"]


def line(item: NotCounted, lang: str) -> str:
    """One question's answers not counted, in ``lang`` (``de``/``en``)."""
    w = _words(lang)
    if item.problem == REMOVED:
        why = w[REMOVED]
    elif item.problem == "unknown_choice":
        why = w["unknown_choice"].format(choices=", ".join(item.choices))
    else:
        why = w["changed"]
    forms = w["forms"].format(forms=", ".join(map(str, item.forms))) if item.forms else ""
    return w["line"].format(
        label=item.label,
        question=item.question,
        n=item.answers,
        answers=w["answer"] if item.answers == 1 else w["answers"],
        why=why,
        forms=forms,
    )


#: lines per slide: more go on a continuation slide, so that nothing is cut
PER_SLIDE = 7


def add_slide(spec: Any, items: Sequence[NotCounted], lang: str, current: int) -> Any:
    """The report's storyline with slides listing ``items`` (seven a slide) before its closing
    slide (at its end when it has none); unchanged when nothing was left out."""
    from klappt.report.spec import ClosingSlide, Text, TextSlide

    if not items:
        return spec
    w = _words(lang)
    note = (Text(w["note"].format(current=current)),)
    new = [
        TextSlide(
            w["title"] if start == 0 else w["more"],
            bullets=tuple(Text(line(i, lang)) for i in items[start : start + PER_SLIDE]),
            footnotes=note,
        )
        for start in range(0, len(items), PER_SLIDE)
    ]
    slides = list(spec.slides)
    at = len(slides)
    if slides and isinstance(slides[-1], ClosingSlide):
        at -= 1
    slides[at:at] = new
    return replace(spec, slides=tuple(slides))
