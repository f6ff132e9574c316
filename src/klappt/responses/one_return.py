"""The checks of one return, compiled once per form: types, ``constraint``, ``required``,
``choice_filter``, relevance and calculations, for the main form and every entry of a repeat.

These are the rules of :func:`klappt.responses.dataset.load_responses` (which checks whole waves
with Polars), applied to a single return in plain Python: loading one row through Polars costs
some 20 ms of fixed overhead (planning every expression of the form), these checks well under a
millisecond. ``tests/web/test_checks.py`` holds both to the same answers on generated returns.
The web form checks each return with these before it saves it; the same trees go to the browser
(``klappt/web/static/klappt_web/form.js``), which shows the problems live; the server decides.

Codes are those of the validation report (``unknown_choice``, ``not_a_number``,
``not_an_integer``, ``not_a_date``, ``constraint``, ``required_missing``) plus
``choice_filtered``: a choice that the question's ``choice_filter`` does not offer for the
earlier answers (the core does not evaluate choice filters).
"""

from __future__ import annotations

import math
import re
from collections import ChainMap
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from klappt.instrument.conditions.evaluate import Evaluator, parse_date, parse_number
from klappt.instrument.conditions.parse import Node, compile_choice_filter, compile_condition
from klappt.instrument.extras import FormExtras
from klappt.instrument.model import NUMERIC_TYPES, SELECT_MULTIPLE, SELECT_ONE, Instrument, Question

#: how the validation splits a select_multiple answer
_SPLIT = re.compile(r"[\s,;]+")
_FALSE = ("no", "false", "false()", "nein")
#: most entries one repeat keeps (a form posted by hand cannot grow a return without bound)
MAX_ENTRIES = 200


@dataclass(frozen=True)
class QuestionRules:
    """One question's compiled conditions (a missing tree: outside the subset, not checked)."""

    question: Question
    chain: tuple[Node | None, ...]  # relevance: the groups' conditions and its own
    required: bool  # required at all (always or by an expression)
    required_tree: Node | None  # the expression; None with ``required`` means always
    constraint: Node | None
    choice_filter: Node | None
    calculation: Node | None

    @property
    def name(self) -> str:
        return self.question.name


def fillable_repeats(form: Instrument) -> list[str]:
    """The repeats the web form lets a site fill: those not inside another repeat."""
    out = []
    for g in form.groups:
        if g.kind != "repeat":
            continue
        outer = [form.group(n) for n in g.path[:-1]]
        if not any(o is not None and o.kind == "repeat" for o in outer):
            out.append(g.name)
    return out


def repeat_of(form: Instrument, q: Question) -> str | None:
    """The innermost repeat around ``q`` (None outside any repeat)."""
    for name in reversed(q.group_path):
        g = form.group(name)
        if g is not None and g.kind == "repeat":
            return name
    return None


class Rules:
    """The compiled conditions of a form (the web app keeps one per form)."""

    def __init__(self, form: Instrument, extras: FormExtras | None = None) -> None:
        self.form = form
        self.extras = extras or FormExtras()
        self.repeats = fillable_repeats(form)
        self.main: list[QuestionRules] = []
        self.entries: dict[str, list[QuestionRules]] = {r: [] for r in self.repeats}
        for q in form.questions:  # notes too: they show and hide by their conditions
            rules = self._compile(q)
            if not q.in_repeat:
                self.main.append(rules)
            elif (r := repeat_of(form, q)) in self.entries:
                self.entries[r].append(rules)
        #: repeat -> its ``repeat_count``, for those the subset can evaluate
        self.counts: dict[str, Node] = {}
        for repeat, text in self.extras.repeat_counts.items():
            tree = compile_condition(text, form) if repeat in self.entries else None
            if tree is not None:
                self.counts[repeat] = tree
        self.by_name = {r.name: r for r in self.main}
        for rs in self.entries.values():
            self.by_name.update((r.name, r) for r in rs)

    def _compile(self, q: Question) -> QuestionRules:
        form = self.form
        text = (q.required or "").strip()
        required = bool(text) and text.lower() not in _FALSE
        tree = None
        if required and not q.is_required_always:
            tree = compile_condition(text, form)
            required = tree is not None  # outside the subset: not checked, as the core notes it
        return QuestionRules(
            question=q,
            chain=tuple(compile_condition(c, form) for c in form.relevance_chain(q)),
            required=required,
            required_tree=tree,
            constraint=compile_condition(q.constraint, form, q.name) if q.constraint else None,
            choice_filter=compile_choice_filter(q.choice_filter, form) if q.is_select else None,
            calculation=compile_condition(q.calculation, form) if q.calculation else None,
        )

    # -- what the form offers ---------------------------------------------------------------------

    def choice_columns(self, q: Question) -> dict[str, dict[str, str]]:
        return self.extras.choice_columns.get(q.list_name or "", {})

    def offered(self, rules: QuestionRules, values: Mapping[str, str | None]) -> set[str] | None:
        """The choices the filter offers for these answers (None: the question has no filter)."""
        if rules.choice_filter is None:
            return None
        q = rules.question
        columns = self.choice_columns(q)
        out = set()
        for c in q.choices:
            ev = Evaluator(self.form, values, {**columns.get(c.name, {}), "name": c.name})
            if ev.truth(rules.choice_filter):
                out.add(c.name)
        return out

    # -- relevance and calculations ----------------------------------------------------------

    def relevant(
        self, values: Mapping[str, Any], rules: Iterable[QuestionRules] | None = None
    ) -> tuple[set[str], dict[str, str | None]]:
        """The questions that apply, deciding in form order as ``load_responses`` does (the
        answer of a question that does not apply is empty for those after it), and the values
        as the later conditions saw them."""
        current: dict[str, str | None] = {
            k: v for k, v in values.items() if not isinstance(v, list)
        }
        out: set[str] = set()
        self._relevance(self.main if rules is None else rules, current, current, out)
        return out, current

    def entry_count(self, repeat: str, main: Mapping[str, str | None]) -> int | None:
        """How many entries ``repeat_count`` asks for with these answers (``main``: the form's
        values after relevance); None for a repeat whose entries the site adds itself. An
        answer that is no number yet asks for none."""
        tree = self.counts.get(repeat)
        if tree is None:
            return None
        n = Evaluator(self.form, main).number(tree)
        return 0 if not math.isfinite(n) else max(0, min(MAX_ENTRIES, math.floor(n)))

    def entry_relevant(
        self, repeat: str, entry: Mapping[str, Any], main: Mapping[str, str | None]
    ) -> set[str]:
        """The questions of one entry that apply (``main``: the form's values after relevance)."""
        own: dict[str, str | None] = {k: v for k, v in entry.items() if not isinstance(v, list)}
        out: set[str] = set()
        self._relevance(self.entries.get(repeat, ()), own, ChainMap(own, dict(main)), out)
        return out

    def _relevance(
        self,
        rules: Iterable[QuestionRules],
        own: MutableMapping[str, str | None],
        context: Mapping[str, str | None],
        out: set[str],
    ) -> None:
        ev = Evaluator(self.form, context)
        for r in rules:
            if all(ev.truth(t) for t in r.chain):
                out.add(r.name)
            else:
                own[r.name] = None

    def calculate(self, r: QuestionRules, values: Mapping[str, str | None]) -> str | None:
        if r.calculation is None:
            return None
        return Evaluator(self.form, values).text(r.calculation) or None

    # -- checks ----------------------------------------------------------------------------------

    def problems(self, record: Mapping[str, Any]) -> dict[str, list[str]]:
        """The problem codes of a cleaned return, by field: a question's name, or
        ``repeat[i]/question`` for the i-th entry (1-based) of a repeat."""
        out: dict[str, list[str]] = {}
        main_values = self._check_part(self.main, record, {}, "", out)
        for repeat in self.repeats:
            entries = record.get(repeat)
            if not isinstance(entries, list):
                continue
            for i, entry in enumerate(entries[:MAX_ENTRIES], start=1):
                if isinstance(entry, Mapping):
                    self._check_part(
                        self.entries[repeat], entry, main_values, f"{repeat}[{i}]/", out
                    )
        return out

    def _check_part(
        self,
        rules: list[QuestionRules],
        values: Mapping[str, Any],
        outer: Mapping[str, str | None],
        prefix: str,
        out: dict[str, list[str]],
    ) -> dict[str, str | None]:
        """Check one part (the main form, or one entry with ``outer`` the main form's values);
        returns the part's values as the conditions saw them."""
        typed: dict[str, str | None] = {}
        rules = [r for r in rules if r.question.type != "note"]
        for r in rules:
            if r.question.type == "calculate":
                typed[r.name] = _text(values.get(r.name))
                continue
            value, codes = typed_value(r.question, values.get(r.name))
            typed[r.name] = value
            for code in codes:
                out.setdefault(prefix + r.name, []).append(code)
        # every constraint sees the typed answers; violating answers are blanked afterwards
        context = ChainMap(typed, dict(outer)) if outer else typed
        ev = Evaluator(self.form, context)
        violated = [
            r.name
            for r in rules
            if r.constraint is not None
            and r.question.type != "calculate"
            and typed[r.name] is not None
            and not ev.truth(r.constraint)
        ]
        for name in violated:
            out.setdefault(prefix + name, []).append("constraint")
            typed[name] = None
        for r in rules:
            if not all(ev.truth(t) for t in r.chain):
                typed[r.name] = None
                continue
            q = r.question
            if q.type == "calculate":
                continue
            if (
                r.required
                and _raw_empty(values.get(r.name))
                and (r.required_tree is None or ev.truth(r.required_tree))
            ):
                out.setdefault(prefix + r.name, []).append("required_missing")
            value = typed[r.name]
            if value is not None and r.choice_filter is not None:
                offered = self.offered(r, context)
                if offered is not None and any(t not in offered for t in value.split()):
                    out.setdefault(prefix + r.name, []).append("choice_filtered")
        return typed


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, list | dict):
        return None
    text = str(value)
    return text if text.strip() else None


def _raw_empty(value: Any) -> bool:
    return _text(value) is None


def typed_value(q: Question, raw: Any) -> tuple[str | None, list[str]]:
    """The answer as the conditions see it (None when empty or invalid) and its type problems."""
    text = _text(raw)
    if text is None:
        return None, []
    if q.type == SELECT_ONE:
        clean = text.strip()
        return (clean, []) if q.choice(clean) is not None else (None, ["unknown_choice"])
    if q.type == SELECT_MULTIPLE:
        tokens = [t for t in _SPLIT.split(text.strip()) if t]
        known = [t for t in tokens if q.choice(t) is not None]
        codes = ["unknown_choice" for t in tokens if q.choice(t) is None]
        return (" ".join(known) or None), codes
    if q.type in NUMERIC_TYPES:
        x = parse_number(text)
        if x != x or x in (float("inf"), float("-inf")):
            return None, ["not_a_number"]
        if q.type == "integer" and x != int(x):
            return None, ["not_an_integer"]
        return text.strip(), []
    if q.type == "date":
        d = parse_date(text)
        return (d.isoformat(), []) if d is not None else (None, ["not_a_date"])
    return text.strip(), []
