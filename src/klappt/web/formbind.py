"""One return on the web form: the form's spec (:mod:`klappt.web.formspec`) bound to its
answers, problems and visibility, as the templates show it.

:func:`bind` makes one bound copy of a repeat's questions per entry (and a blank one the browser
copies when a site adds an entry); ``${q}`` in a label becomes a span with the answer it names
(:class:`_Refs`), shown as a reader expects it (:func:`show_value`).
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape

from klappt.instrument.conditions.evaluate import Evaluator, parse_date
from klappt.web.formspec import (
    TEMPLATE_INDEX,
    FieldSpec,
    GridSpec,
    SectionSpec,
    WebFormSpec,
)

_REF = re.compile(r"\$\{([A-Za-z_][\w.\-]*)\}")


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
