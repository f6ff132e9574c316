"""The questionnaire as the web form shows it: steps (top-level groups), sections, repeats,
fields, grids.

:func:`form_spec` turns an :class:`~klappt.instrument.Instrument` into plain objects in one
language, and the trees of its conditions (:mod:`klappt.instrument.conditions.parse`) for the
browser; :func:`klappt.web.formbind.bind` adds one return's values, problems and visibility for
a template. The spec is cached per wave and language by :mod:`klappt.web.instruments`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils.html import json_script
from django.utils.safestring import SafeString

from klappt.instrument.conditions.parse import Node, compile_condition
from klappt.instrument.model import SELECT_MULTIPLE, SELECT_ONE, Group, Instrument, Question
from klappt.responses.one_return import MAX_ENTRIES, Rules, repeat_of

#: select_one lists longer than this become a drop-down instead of radio buttons
DROPDOWN_FROM = 15
#: question types that hold no answer typed by the respondent
NO_INPUT = ("note", "calculate")
#: the index of the blank entry a browser copies when a site adds one
TEMPLATE_INDEX = "__i__"
_WIDGETS = {
    "integer": "integer",
    "decimal": "decimal",
    "range": "decimal",
    "date": "date",
    "time": "time",
    "datetime": "datetime",
    "acknowledge": "acknowledge",
}
#: a question's problem texts in the page's language: (question, code) -> message
Messages = Callable[[Question, str], str]


@dataclass
class FieldSpec:
    name: str
    type: str
    widget: str  # radio likert dropdown checkbox text textarea integer decimal date time ...
    label: str
    hint: str = ""
    required: bool = False  # always required (a conditional one is checked on submit)
    choices: list[tuple[str, str]] = field(default_factory=list)
    other_for: str | None = None  # the "please specify" text of this select's "other"
    repeat: str | None = None  # the repeat whose entries hold this question
    kind: str = "field"

    @property
    def id(self) -> str:
        return f"q-{self.name}"


@dataclass
class GridSpec:
    """Several selects of one list shown as a table: a Likert or matrix question."""

    name: str
    label: str
    hint: str
    choices: list[tuple[str, str]]
    rows: list[FieldSpec]
    multiple: bool
    kind: str = "grid"

    @property
    def id(self) -> str:
        return f"g-{self.name}"


@dataclass
class SectionSpec:
    """A group; ``kind == "repeat"`` for a repeat a site fills entry by entry."""

    name: str
    label: str
    items: list[Any] = field(default_factory=list)  # FieldSpec | GridSpec | SectionSpec
    level: int = 1
    repeat: bool = False  # a begin_repeat (one that cannot be filled online keeps kind section)
    kind: str = "section"

    @property
    def id(self) -> str:
        return f"s-{self.name}"


@dataclass
class WebFormSpec:
    title: str
    lang: str | None
    steps: list[SectionSpec]
    logic: dict[str, Any]
    fields: dict[str, FieldSpec]
    chains: dict[str, list[Node | None]]  # question -> trees of its relevance chain
    group_chains: dict[str, list[Node | None]]
    rules: Rules

    @cached_property
    def logic_script(self) -> SafeString:
        """The conditions for form.js as a ``<script type="application/json">``, made once per
        spec (serialising and escaping them cost more than the rest of the page's logic)."""
        return json_script(self.logic, "klappt-logic")


#: the problem codes whose texts the browser needs
CHECK_CODES = (
    "required_missing",
    "constraint",
    "not_a_number",
    "not_an_integer",
    "not_a_date",
    "choice_filtered",
)


def _widget(q: Question) -> str:
    appearance = (q.appearance or "").lower()
    if q.type == SELECT_ONE:
        if "likert" in appearance:
            return "likert"
        if "minimal" in appearance or "autocomplete" in appearance:
            return "dropdown"
        return "dropdown" if len(q.choices) > DROPDOWN_FROM else "radio"
    if q.type == SELECT_MULTIPLE:
        return "checkbox"
    if q.type == "text":
        return "textarea" if "multiline" in appearance else "text"
    if q.type in ("note",):
        return "note"
    return _WIDGETS.get(q.type, "unsupported")


def _field(form: Instrument, q: Question, lang: str | None, rules: Rules) -> FieldSpec:
    other_for = None
    if q.name.endswith("_other"):
        base = form.question(q.name[: -len("_other")])
        if base is not None and base.or_other:
            other_for = base.name
    repeat = repeat_of(form, q) if q.in_repeat else None
    fillable = repeat is None or repeat in rules.repeats
    return FieldSpec(
        name=q.name,
        type=q.type,
        widget=_widget(q) if fillable else "unsupported",
        label=q.label(lang, form.default_language),
        hint=q.hint(lang, form.default_language),
        required=q.is_required_always,
        choices=[(c.name, c.label(lang, form.default_language)) for c in q.choices],
        other_for=other_for,
        repeat=repeat,
    )


def _grid(
    form: Instrument, g: Group, questions: list[Question], lang: str | None, rules: Rules
) -> GridSpec | None:
    """A field-list/table-list group of selects sharing one list, else None."""
    appearance = (g.appearance or "").lower()
    if "field-list" not in appearance and "table-list" not in appearance:
        return None
    rows = [q for q in questions if (q.appearance or "").lower() != "label"]
    if len(rows) < 2 or any(q.group_path[-1:] != (g.name,) for q in questions):
        return None
    types = {q.type for q in rows}
    lists = {q.list_name for q in rows}
    if len(types) != 1 or types - {SELECT_ONE, SELECT_MULTIPLE} or len(lists) != 1 or None in lists:
        return None
    if any(q.or_other or q.choice_filter for q in rows):
        return None
    first = rows[0]
    return GridSpec(
        name=g.name,
        label=g.label(lang, form.default_language),
        hint=g.hint(lang, form.default_language),
        choices=[(c.name, c.label(lang, form.default_language)) for c in first.choices],
        rows=[_field(form, q, lang, rules) for q in rows],
        multiple=first.type == SELECT_MULTIPLE,
    )


def form_spec(
    form: Instrument,
    lang: str | None,
    untitled: str = "",
    rules: Rules | None = None,
    messages: Messages | None = None,
) -> WebFormSpec:
    """The form in language ``lang`` (a code such as ``de``; None = the form's default).

    ``untitled`` names the step made of questions outside any group; ``rules`` are the form's
    compiled checks (made here when not given); ``messages`` gives the problem texts the
    browser shows next to a field (none without it).
    """
    rules = rules or Rules(form)
    fields: dict[str, FieldSpec] = {}
    steps: list[SectionSpec] = []
    sections: dict[tuple[str, ...], SectionSpec] = {}
    grids: dict[str, GridSpec | None] = {}
    by_group: dict[str, list[Question]] = {}
    for q in form.questions:
        if q.group_path:
            by_group.setdefault(q.group_path[-1], []).append(q)

    root: list[SectionSpec] = []  # the untitled step questions outside any group go to

    def section_for(path: tuple[str, ...]) -> SectionSpec:
        if not path:
            if not (steps and root and steps[-1] is root[-1]):
                # questions after a group start a new untitled step
                root.append(SectionSpec(name=f"_{len(steps)}", label=untitled or form.title))
                steps.append(root[-1])
            return root[-1]
        if path in sections:
            return sections[path]
        g = form.group(path[-1])
        is_repeat = bool(g and g.kind == "repeat")
        s = SectionSpec(
            name=path[-1],
            label=g.label(lang, form.default_language) if g else path[-1],
            level=len(path),
            repeat=is_repeat,
            kind="repeat" if is_repeat and path[-1] in rules.repeats else "section",
        )
        if len(path) == 1 and not is_repeat:
            steps.append(s)
        elif len(path) == 1:
            # a top-level repeat is a step of its own holding the repeat
            step = SectionSpec(name=f"{path[0]}__step", label=s.label)
            step.items.append(s)
            steps.append(step)
        else:
            section_for(path[:-1]).items.append(s)
        sections[path] = s
        return s

    for q in form.questions:
        if q.type == "calculate":
            continue
        path = q.group_path
        gname = path[-1] if path else None
        if gname is not None:
            if gname not in grids:
                g = form.group(gname)
                grid = (
                    _grid(form, g, by_group[gname], lang, rules)
                    if g and g.kind != "repeat"
                    else None
                )
                grids[gname] = grid
                if grid is not None:
                    # a top-level grid group is a step holding just the grid
                    section_for(path[:-1] or path).items.append(grid)
                    fields.update((row.name, row) for row in grid.rows)
            if grids[gname] is not None:
                continue
        f = _field(form, q, lang, rules)
        fields[q.name] = f
        section_for(path).items.append(f)

    chains = {
        q.name: list(rules.by_name[q.name].chain)
        if q.name in rules.by_name
        else [compile_condition(c, form) for c in form.relevance_chain(q)]
        for q in form.questions
    }
    group_chains: dict[str, list[Node | None]] = {}
    for g in form.groups:
        trees = []
        for name in g.path:
            outer = form.group(name)
            if outer is not None and outer.relevant:
                trees.append(compile_condition(outer.relevant, form))
        group_chains[g.name] = trees
    logic = {
        "order": [r.name for r in rules.main],
        "types": {q.name: _ref_kind(q) for q in form.questions},
        "chains": {k: v for k, v in chains.items() if v},
        "groups": {k: v for k, v in group_chains.items() if v},
        "repeats": {r: [x.name for x in rules.entries[r]] for r in rules.repeats},
        "counts": dict(rules.counts),
        "maxEntries": MAX_ENTRIES,
        "checks": _checks(rules, fields, messages),
        "filters": _filters(rules, fields),
        "messages": _messages(rules, messages),
    }
    return WebFormSpec(
        title=form.title,
        lang=lang,
        steps=steps,
        logic=logic,
        fields=fields,
        chains=chains,
        group_chains=group_chains,
        rules=rules,
    )


def _checked(rules: Rules, fields: Mapping[str, FieldSpec]) -> list[Any]:
    """The rules of the questions the browser checks (those with an input)."""
    out = []
    for r in rules.by_name.values():
        f = fields.get(r.name)
        if f is None or f.widget in ("unsupported", "note") or r.question.type == "calculate":
            continue
        out.append(r)
    return out


def _messages(rules: Rules, messages: Messages | None) -> dict[str, str]:
    """The problem texts every question shares (a question's own ones are with its checks)."""
    if messages is None or not rules.by_name:
        return {}
    plain = next(iter(rules.by_name.values())).question
    return {code: messages(_Plain(plain), code) for code in CHECK_CODES}


class _Plain:
    """A question without messages of its own: what the shared texts are made from."""

    def __init__(self, q: Question) -> None:
        self.name = ""
        self.type = q.type


def _checks(
    rules: Rules, fields: Mapping[str, FieldSpec], messages: Messages | None
) -> dict[str, Any]:
    """What the browser checks as a field is left: type, required, constraint, and the texts
    that differ from the shared ones (the form's constraint_message, required_message)."""
    shared = _messages(rules, messages)
    out: dict[str, Any] = {}
    for r in _checked(rules, fields):
        q = r.question
        entry: dict[str, Any] = {"type": q.type}
        if r.required:
            entry["req"] = True if r.required_tree is None else r.required_tree
        if r.constraint is not None:
            entry["con"] = r.constraint
        if messages is not None:
            own = {c: messages(q, c) for c in ("required_missing", "constraint")}
            own = {c: m for c, m in own.items() if m != shared.get(c)}
            if own:
                entry["msg"] = own
        out[q.name] = entry
    return out


def _filters(rules: Rules, fields: Mapping[str, FieldSpec]) -> dict[str, Any]:
    """The choice filters for the browser: the tree, and each choice's columns."""
    out: dict[str, Any] = {}
    for r in rules.by_name.values():
        if r.choice_filter is None or r.name not in fields:
            continue
        columns = rules.choice_columns(r.question)
        out[r.name] = {
            "tree": r.choice_filter,
            "choices": {
                c.name: {**columns.get(c.name, {}), "name": c.name} for c in r.question.choices
            },
        }
    return out


def _ref_kind(q: Question) -> str:
    if q.type == SELECT_MULTIPLE:
        return "multi"
    if q.type in ("integer", "decimal", "range"):
        return "num"
    if q.type == "date":
        return "date"
    return "str"
