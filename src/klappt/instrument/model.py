"""The questionnaire as frozen data: what the rest of klappt needs to know about a form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

#: Question types we tabulate. Everything else is kept in the model but not counted.
SELECT_ONE = "select_one"
SELECT_MULTIPLE = "select_multiple"
#: ``range`` (a slider: a number between start and end) is a number like ``decimal``
NUMERIC_TYPES = ("integer", "decimal", "range")
#: ``rank``: the choices in the order a respondent put them (see klappt.analysis.ranks)
TABULATED_TYPES = (SELECT_ONE, SELECT_MULTIPLE, *NUMERIC_TYPES, "text", "date", "rank")

#: Types that hold no answer of the respondent (metadata or display only).
META_TYPES = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "subscriberid",
        "simserial",
        "phonenumber",
        "username",
        "email",
        "audit",
        "start-geopoint",
        "background-audio",
    }
)

_LANG_CODE = re.compile(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)\)\s*$")
DEFAULT_LANG_KEY = "default"


def language_code(key: str) -> str:
    """``"Deutsch (de)"`` -> ``"de"``; a key without a code is returned lower-cased."""
    m = _LANG_CODE.search(key)
    return m.group(1).lower() if m else key.strip().lower()


def pick_label(labels: dict[str, str], lang: str | None, default_language: str | None) -> str:
    """The label in ``lang`` (a code such as ``de`` or a full key), else the form's default, else any."""
    if not labels:
        return ""
    if lang:
        for key, text in labels.items():
            if key == lang or language_code(key) == lang.lower():
                return text
    for fallback in (default_language, DEFAULT_LANG_KEY):
        if fallback and fallback in labels:
            return labels[fallback]
    return next(iter(labels.values()))


@dataclass(frozen=True)
class Choice:
    name: str
    labels: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def label(self, lang: str | None = None, default_language: str | None = None) -> str:
        return pick_label(self.labels, lang, default_language) or self.name


@dataclass(frozen=True)
class Group:
    """A ``begin_group`` (a section) or a ``begin_repeat``."""

    name: str
    kind: str  # "group" or "repeat"
    path: tuple[str, ...]  # names of the enclosing groups, outermost first, including this one
    labels: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    relevant: str | None = None
    appearance: str | None = None
    #: The optional ``report_title`` column: how a report names the group's slide.
    report_titles: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    #: a hint for the whole group (the web form shows it with a grid, e.g. "several answers")
    hints: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def label(self, lang: str | None = None, default_language: str | None = None) -> str:
        return pick_label(self.labels, lang, default_language) or self.name

    def hint(self, lang: str | None = None, default_language: str | None = None) -> str:
        return pick_label(self.hints, lang, default_language)


@dataclass(frozen=True)
class Question:
    name: str
    type: str  # select_one, select_multiple, text, integer, decimal, date, note, calculate, ...
    labels: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    hints: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    choices: tuple[Choice, ...] = ()
    list_name: str | None = None
    group_path: tuple[str, ...] = ()  # enclosing groups, outermost first
    in_repeat: bool = False
    relevant: str | None = None  # this question's own condition (groups add theirs)
    required: str | None = None  # "yes"/"true()" or an expression
    constraint: str | None = None
    constraint_messages: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    appearance: str | None = None
    choice_filter: str | None = None
    calculation: str | None = None
    or_other: bool = False
    ordered: bool = False  # an ordered scale: likert appearance or a list marked ``ordered``
    row: int | None = None  # row on the survey sheet (1-based, header = row 1)
    #: The optional ``report_title`` column: a short statement a report uses as slide title
    #: instead of the question put to the respondent.
    report_titles: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def label(self, lang: str | None = None, default_language: str | None = None) -> str:
        return pick_label(self.labels, lang, default_language) or self.name

    def hint(self, lang: str | None = None, default_language: str | None = None) -> str:
        return pick_label(self.hints, lang, default_language)

    def constraint_message(
        self, lang: str | None = None, default_language: str | None = None
    ) -> str:
        return pick_label(self.constraint_messages, lang, default_language)

    @property
    def is_select(self) -> bool:
        return self.type in (SELECT_ONE, SELECT_MULTIPLE)

    @property
    def is_tabulated(self) -> bool:
        """Counted by ``klappt tabulate``: answer types outside repeats."""
        return self.type in TABULATED_TYPES and not self.in_repeat

    @property
    def is_required_always(self) -> bool:
        return (self.required or "").strip().lower() in ("yes", "true", "true()", "ja")

    def choice(self, name: str) -> Choice | None:
        for c in self.choices:
            if c.name == name:
                return c
        return None


@dataclass(frozen=True)
class Instrument:
    """A parsed XLSForm: questions in form order, groups, languages."""

    title: str
    form_id: str
    questions: tuple[Question, ...]
    groups: tuple[Group, ...] = ()
    languages: tuple[str, ...] = ()  # language keys as written, e.g. "Deutsch (de)"
    default_language: str | None = None
    version: str | None = None
    source: str = ""  # where it was read from, for messages
    warnings: tuple[str, ...] = ()

    @cached_property
    def _by_name(self) -> dict[str, Question]:
        # a repeat may reuse a name of the main form (pyxform allows it): the name then means
        # the main form's question, the one with a column in the table of returns
        out: dict[str, Question] = {}
        for q in self.questions:
            held = out.get(q.name)
            if held is None or (held.in_repeat and not q.in_repeat):
                out[q.name] = q
        return out

    @cached_property
    def _groups_by_name(self) -> dict[str, Group]:
        return {g.name: g for g in self.groups}

    def question(self, name: str) -> Question | None:
        return self._by_name.get(name)

    def group(self, name: str) -> Group | None:
        return self._groups_by_name.get(name)

    @property
    def tabulated(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.is_tabulated)

    @property
    def repeats(self) -> tuple[Group, ...]:
        return tuple(g for g in self.groups if g.kind == "repeat")

    @property
    def language_codes(self) -> tuple[str, ...]:
        return tuple(language_code(k) for k in self.languages)

    def relevance_chain(self, question: Question) -> tuple[str, ...]:
        """The conditions that must all hold for ``question`` to be asked: groups' and its own."""
        chain = [
            g.relevant for name in question.group_path if (g := self.group(name)) and g.relevant
        ]
        if question.relevant:
            chain.append(question.relevant)
        return tuple(chain)

    def sections(self) -> list[tuple[Group | None, list[Question]]]:
        """Top-level groups with their tabulated questions, in form order (None = outside any group)."""
        out: list[tuple[Group | None, list[Question]]] = []
        for q in self.tabulated:
            top = self.group(q.group_path[0]) if q.group_path else None
            if not out or out[-1][0] != top:
                out.append((top, []))
            out[-1][1].append(q)
        return out
