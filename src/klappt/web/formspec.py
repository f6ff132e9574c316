"""The questionnaire as the web form shows it: steps (top-level groups), sections, repeats,
fields, grids.

:func:`form_spec` turns an :class:`~klappt.instrument.Instrument` into plain objects in one
language, and the trees of its conditions (:mod:`klappt.instrument.conditions.parse`) for the
browser; :func:`bind` adds one return's values, problems and visibility for a template, with one bound
copy of a repeat's questions per entry. Both are cached per wave and language by
:mod:`klappt.web.instruments`.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils.html import escape, json_script
from django.utils.safestring import SafeString

from klappt.instrument.conditions.evaluate import Evaluator, parse_date
from klappt.instrument.conditions.parse import Node, compile_condition
from klappt.instrument.model import SELECT_MULTIPLE, SELECT_ONE, Group, Instrument, Question
from klappt.responses.one_return import MAX_ENTRIES, Rules, repeat_of

#: select_one lists longer than this become a drop-down instead of radio buttons
DROPDOWN_FROM = 15
#: question types that hold no answer typed by the respondent
NO_INPUT = ("note", "calculate")
#: the index of the blank entry a browser copies when a site adds one
TEMPLATE_INDEX = "__i__"
_REF = re.compile(r"\$\{([A-Za-z_][\w.\-]*)\}")
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


# --- one return's values on the form -----------------------------------------------------


def show_value(f: FieldSpec | None, raw: Any, lang: str) -> str:
    """An answer as a reader expects it: choice labels, ``01.02.2022``, ``1,5`` in German."""
    text = "" if raw is None or isinstance(raw, list | dict) else str(raw)
    if f is None or not text:
        return text
    if f.choices:
        labels = dict(f.choices)
        return ", ".join(labels.get(t, t) for t in text.split())
    if f.type == "date":
        d = parse_date(text)
        if d is not None:
            return d.strftime("%d.%m.%Y") if lang == "de" else d.isoformat()
    if f.type == "decimal" and lang == "de":
        return text.replace(".", ",")
    return text


class _Refs:
    """``${q}`` in a label or hint: the answer it names, in a span the browser keeps current."""

    def __init__(
        self, fields: Mapping[str, FieldSpec], values: Mapping[str, Any], lang: str
    ) -> None:
        self.fields = fields
        self.values = values
        self.lang = lang

    def html(self, text: str) -> str:
        escaped = str(escape(text))
        if "${" not in escaped:
            return escaped

        def one(m: re.Match[str]) -> str:
            name = m.group(1)
            shown = show_value(self.fields.get(name), self.values.get(name), self.lang)
            shown = " ".join(shown.split())  # one line: the label may be split into paragraphs
            return f'<span class="ref" data-ref="{escape(name)}">{escape(shown)}</span>'

        return _REF.sub(one, escaped)


@dataclass
class Bound:
    """A field with one return's value, its problems and whether it applies. ``name`` and
    ``id`` are those of the input: ``projekte[2]/name`` and ``q-projekte-2-name`` in a repeat."""

    spec: FieldSpec
    value: str
    selected: set[str]
    errors: list[str]
    hidden: bool
    lang: str = "de"
    name: str = ""
    id: str = ""
    label_html: str = ""
    hint_html: str = ""
    offered: set[str] | None = None  # the choices its choice_filter offers (None: all)

    def __getattr__(self, name: str) -> Any:
        if name == "spec":  # not set yet (copying): no recursion
            raise AttributeError(name)
        return getattr(self.spec, name)

    @property
    def options(self) -> list[dict[str, Any]]:
        """The choices; one the filter does not offer is hidden unless it is the answer."""
        return [
            {
                "name": n,
                "label": lbl,
                "id": f"{self.id}-{i}",
                "checked": n in self.selected,
                "hidden": self.offered is not None
                and n not in self.offered
                and n not in self.selected,
            }
            for i, (n, lbl) in enumerate(self.spec.choices)
        ]

    @property
    def display(self) -> str:
        """The answer as a reader expects it: ``01.02.2022``, ``1,5`` in German."""
        if self.spec.choices:
            return self.value
        return show_value(self.spec, self.value, self.lang)

    @property
    def describedby(self) -> str:
        ids = []
        if self.spec.hint:
            ids.append(f"{self.id}-hint")
        if self.errors:
            ids.append(f"{self.id}-error")
        return " ".join(ids)


@dataclass
class BoundGrid:
    spec: GridSpec
    rows: list[Bound]
    hidden: bool
    id: str = ""
    key: str = ""
    label_html: str = ""

    def __getattr__(self, name: str) -> Any:
        if name == "spec":
            raise AttributeError(name)
        return getattr(self.spec, name)

    @property
    def errors(self) -> list[str]:
        return [e for r in self.rows for e in r.errors]


@dataclass
class BoundSection:
    spec: SectionSpec
    items: list[Any]
    hidden: bool
    errors: int = 0
    id: str = ""
    key: str = ""  # data-g: the group's name, ``projekte[2]/gruppe`` inside an entry
    label_html: str = ""

    def __getattr__(self, name: str) -> Any:
        if name == "spec":
            raise AttributeError(name)
        return getattr(self.spec, name)


@dataclass
class BoundEntry:
    """One entry of a repeat: its number on the page (1, 2, …), its index in the posted names
    (``projekte[3]/…``; the same after a reload, possibly with gaps before it) and its fields."""

    repeat: str
    number: int | str
    index: int | str
    items: list[Any]
    errors: int = 0

    @property
    def id(self) -> str:
        return f"e-{self.repeat}-{self.index}"


@dataclass
class BoundRepeat:
    spec: SectionSpec
    entries: list[BoundEntry]
    template: BoundEntry  # the blank entry the browser copies
    hidden: bool
    errors: int = 0
    id: str = ""
    key: str = ""
    label_html: str = ""
    counted: bool = False  # the form's repeat_count sets the number of entries, not the site

    def __getattr__(self, name: str) -> Any:
        if name == "spec":
            raise AttributeError(name)
        return getattr(self.spec, name)

    @property
    def items(self) -> list[Any]:
        return [e for entry in self.entries for e in entry.items]

    @property
    def next_index(self) -> int:
        return len(self.entries) + 1

    @property
    def heading_id(self) -> str:
        """A top-level repeat is a step of its own: the step's heading names it."""
        return f"s-{self.spec.name}__step-h" if self.spec.level == 1 else f"{self.id}-h"


@dataclass
class _Scope:
    """Where fields are bound: the main form, or one entry of a repeat."""

    values: Mapping[str, Any]  # the answers of this part (an entry: its own)
    relevant: set[str]
    refs: _Refs
    context: Mapping[
        str, Any
    ]  # what conditions see: answers that apply, the form's around an entry
    entry: tuple[str, int | str] | None = None  # (repeat, index)

    def name(self, name: str) -> str:
        return f"{self.entry[0]}[{self.entry[1]}]/{name}" if self.entry else name

    def id(self, prefix: str, name: str) -> str:
        return (
            f"{prefix}-{self.entry[0]}-{self.entry[1]}-{name}" if self.entry else f"{prefix}-{name}"
        )


def bind(
    spec: WebFormSpec,
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]],
    lang: str = "de",
    entry_defaults: Mapping[str, Mapping[str, str | None]] | None = None,
) -> list[BoundSection]:
    """The steps with values, problems and visibility filled in (``lang``: how to show answers).

    ``errors`` are keyed by input name (``q``, ``projekte[2]/q``); ``entry_defaults`` (by
    repeat) fill the blank entry a site adds.
    """
    rules = spec.rules
    relevant, main = rules.relevant(values)
    main_scope = _Scope(values, relevant, _Refs(spec.fields, values, lang), main)
    ev = Evaluator(rules.form, main)

    def bound_field(f: FieldSpec, scope: _Scope) -> Bound:
        raw = scope.values.get(f.name)
        text = "" if raw is None or isinstance(raw, list | dict) else str(raw)
        name = scope.name(f.name)
        r = rules.by_name.get(f.name)
        return Bound(
            spec=f,
            value=text,
            selected=set(text.split()) if f.choices else set(),
            errors=list(errors.get(name, [])),
            hidden=f.name not in scope.relevant,
            lang=lang,
            name=name,
            id=scope.id("q", f.name),
            label_html=scope.refs.html(f.label),
            hint_html=scope.refs.html(f.hint) if f.hint else "",
            offered=rules.offered(r, scope.context) if r is not None else None,
        )

    def entry(s: SectionSpec, number: int | str, index: int | str, data: Mapping[str, Any]) -> Any:
        own = {k: v for k, v in data.items() if not isinstance(v, list)}
        applies = rules.entry_relevant(s.name, own, main)
        seen = {k: (v if k in applies else None) for k, v in own.items()}
        scope = _Scope(
            own,
            applies,
            _Refs(spec.fields, ChainMap(own, dict(values)), lang),
            ChainMap(seen, main),
            (s.name, index),
        )
        items, count = walk_items(s.items, scope)
        return BoundEntry(s.name, number, index, items, count)

    def walk_items(items_in: list[Any], scope: _Scope) -> tuple[list[Any], int]:
        items: list[Any] = []
        count = 0
        for item in items_in:
            if isinstance(item, FieldSpec):
                b = bound_field(item, scope)
                count += len(b.errors)
                items.append(b)
            elif isinstance(item, GridSpec):
                rows = [bound_field(r, scope) for r in item.rows]
                count += sum(len(r.errors) for r in rows)
                items.append(
                    BoundGrid(
                        item,
                        rows,
                        hidden=all(r.hidden for r in rows),
                        id=scope.id("g", item.name),
                        key=scope.name(item.name),
                        label_html=scope.refs.html(item.label),
                    )
                )
            else:
                sub = walk(item, scope)
                count += sub.errors
                items.append(sub)
        return items, count

    def walk(s: SectionSpec, scope: _Scope) -> Any:
        if s.kind == "repeat" and scope.entry is None:
            data = values.get(s.name)
            entries = [
                entry(s, i, i, e)
                for i, e in enumerate(data if isinstance(data, list) else [], start=1)
                if isinstance(e, Mapping)
            ]
            template = entry(
                s, "__n__", TEMPLATE_INDEX, dict((entry_defaults or {}).get(s.name, {}))
            )
            for field_ in _fields_of(template.items):
                field_.errors = []
            applies = all(ev.truth(t) for t in spec.group_chains.get(s.name, ()))
            return BoundRepeat(
                s,
                entries,
                template,
                hidden=not applies,
                errors=sum(e.errors for e in entries),
                id=f"s-{s.name}",
                key=s.name,
                label_html=scope.refs.html(s.label),
                counted=s.name in rules.counts,
            )
        items, count = walk_items(s.items, scope)
        hidden = bool(items) and all(getattr(i, "hidden", False) for i in items)
        return BoundSection(
            spec=s,
            items=items,
            hidden=hidden,
            errors=count,
            id=scope.id("s", s.name),
            key=scope.name(s.name),
            label_html=scope.refs.html(s.label),
        )

    return [walk(s, main_scope) for s in spec.steps]


def _fields_of(items: list[Any]) -> list[Bound]:
    out: list[Bound] = []
    for item in items:
        if isinstance(item, Bound):
            out.append(item)
        elif isinstance(item, BoundGrid):
            out.extend(item.rows)
        elif hasattr(item, "items"):
            out.extend(_fields_of(item.items))
    return out
