"""The questionnaire as the web form shows it: steps (top-level groups), sections, fields, grids.

:func:`form_spec` turns an :class:`~klappt.instrument.Instrument` into plain objects in one
language, and the trees of its conditions (:mod:`klappt.web.logic`) for the browser;
:func:`bind` adds one return's values, problems and initial visibility for a template.
Both are cached per wave and language by :mod:`klappt.web.instruments`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from klappt.instrument.model import SELECT_MULTIPLE, SELECT_ONE, Group, Instrument, Question
from klappt.web.logic import Node, compile_condition

#: select_one lists longer than this become a drop-down instead of radio buttons
DROPDOWN_FROM = 15
#: question types that hold no answer typed by the respondent
NO_INPUT = ("note", "calculate")
_WIDGETS = {
    "integer": "integer",
    "decimal": "decimal",
    "range": "decimal",
    "date": "date",
    "time": "time",
    "datetime": "datetime",
    "acknowledge": "acknowledge",
}


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
    name: str
    label: str
    items: list[Any] = field(default_factory=list)  # FieldSpec | GridSpec | SectionSpec
    level: int = 1
    repeat: bool = False
    kind: str = "section"

    @property
    def id(self) -> str:
        return f"s-{self.name}"


@dataclass
class FormSpec:
    title: str
    lang: str | None
    steps: list[SectionSpec]
    logic: dict[str, Any]
    fields: dict[str, FieldSpec]
    chains: dict[str, list[Node | None]]  # question -> trees of its relevance chain
    group_chains: dict[str, list[Node | None]]


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


def _field(form: Instrument, q: Question, lang: str | None) -> FieldSpec:
    other_for = None
    if q.name.endswith("_other"):
        base = form.question(q.name[: -len("_other")])
        if base is not None and base.or_other:
            other_for = base.name
    return FieldSpec(
        name=q.name,
        type=q.type,
        widget=_widget(q) if not q.in_repeat else "unsupported",
        label=q.label(lang, form.default_language),
        hint=q.hint(lang, form.default_language),
        required=q.is_required_always,
        choices=[(c.name, c.label(lang, form.default_language)) for c in q.choices],
        other_for=other_for,
    )


def _grid(
    form: Instrument, g: Group, questions: list[Question], lang: str | None
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
    if any(q.or_other for q in rows):
        return None
    first = rows[0]
    return GridSpec(
        name=g.name,
        label=g.label(lang, form.default_language),
        hint="",
        choices=[(c.name, c.label(lang, form.default_language)) for c in first.choices],
        rows=[_field(form, q, lang) for q in rows],
        multiple=first.type == SELECT_MULTIPLE,
    )


def form_spec(form: Instrument, lang: str | None, untitled: str = "") -> FormSpec:
    """The form in language ``lang`` (a code such as ``de``; None = the form's default).

    ``untitled`` names the step made of questions outside any group.
    """
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
        s = SectionSpec(
            name=path[-1],
            label=g.label(lang, form.default_language) if g else path[-1],
            level=len(path),
            repeat=bool(g and g.kind == "repeat"),
        )
        if len(path) == 1:
            steps.append(s)
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
                grid = _grid(form, g, by_group[gname], lang) if g else None
                grids[gname] = grid
                if grid is not None:
                    # a top-level grid group is a step holding just the grid
                    section_for(path[:-1] or path).items.append(grid)
                    fields.update((row.name, row) for row in grid.rows)
            if grids[gname] is not None:
                continue
        f = _field(form, q, lang)
        fields[q.name] = f
        section_for(path).items.append(f)

    chains = {
        q.name: [compile_condition(c, form) for c in form.relevance_chain(q)]
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
        "order": [q.name for q in form.questions],
        "types": {q.name: _ref_kind(q) for q in form.questions},
        "chains": {k: v for k, v in chains.items() if v},
        "groups": {k: v for k, v in group_chains.items() if v},
    }
    return FormSpec(
        title=form.title,
        lang=lang,
        steps=steps,
        logic=logic,
        fields=fields,
        chains=chains,
        group_chains=group_chains,
    )


def _ref_kind(q: Question) -> str:
    if q.type == SELECT_MULTIPLE:
        return "multi"
    if q.type in ("integer", "decimal", "range"):
        return "num"
    if q.type == "date":
        return "date"
    return "str"


# --- one return's values on the form -----------------------------------------------------


@dataclass
class Bound:
    """A field with one return's value, its problems and whether it applies."""

    spec: FieldSpec
    value: str
    selected: set[str]
    errors: list[str]
    hidden: bool
    lang: str = "de"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.spec, name)

    @property
    def options(self) -> list[dict[str, Any]]:
        return [
            {"name": n, "label": lbl, "id": f"{self.spec.id}-{i}", "checked": n in self.selected}
            for i, (n, lbl) in enumerate(self.spec.choices)
        ]

    @property
    def display(self) -> str:
        """The answer as a reader expects it: ``01.02.2022``, ``1,5`` in German."""
        from klappt.web.logic import parse_date

        if self.spec.type == "date":
            d = parse_date(self.value)
            if d is not None:
                return d.strftime("%d.%m.%Y") if self.lang == "de" else d.isoformat()
        if self.spec.type == "decimal" and self.lang == "de":
            return self.value.replace(".", ",")
        return self.value

    @property
    def describedby(self) -> str:
        ids = []
        if self.spec.hint:
            ids.append(f"{self.spec.id}-hint")
        if self.errors:
            ids.append(f"{self.spec.id}-error")
        return " ".join(ids)


@dataclass
class BoundGrid:
    spec: GridSpec
    rows: list[Bound]
    hidden: bool

    def __getattr__(self, name: str) -> Any:
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

    def __getattr__(self, name: str) -> Any:
        return getattr(self.spec, name)


def bind(
    spec: FormSpec,
    values: dict[str, str | None],
    errors: dict[str, list[str]],
    relevant: set[str],
    lang: str = "de",
) -> list[BoundSection]:
    """The steps with values, problems and visibility filled in (``lang``: how to show numbers)."""

    def bound_field(f: FieldSpec) -> Bound:
        raw = values.get(f.name) or ""
        return Bound(
            spec=f,
            value=str(raw),
            selected=set(str(raw).split()) if f.choices else set(),
            errors=errors.get(f.name, []),
            hidden=f.name not in relevant,
            lang=lang,
        )

    def walk(s: SectionSpec) -> BoundSection:
        items: list[Any] = []
        count = 0
        for item in s.items:
            if isinstance(item, FieldSpec):
                b = bound_field(item)
                count += len(b.errors)
                items.append(b)
            elif isinstance(item, GridSpec):
                rows = [bound_field(r) for r in item.rows]
                count += sum(len(r.errors) for r in rows)
                items.append(BoundGrid(item, rows, hidden=all(r.hidden for r in rows)))
            else:
                sub = walk(item)
                count += sub.errors
                items.append(sub)
        hidden = bool(items) and all(getattr(i, "hidden", False) for i in items)
        return BoundSection(spec=s, items=items, hidden=hidden, errors=count)

    return [walk(s) for s in spec.steps]
