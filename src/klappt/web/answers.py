"""One return's answers as the web form handles them, without a database: read from a POST,
first values (defaults, the register), normalised and cleaned for saving.

Values map question names to the text entered (select_multiple: choice names separated by
spaces); each repeat's entries are a list under the repeat's name (:mod:`klappt.web.repeats`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import ChainMap
from collections.abc import Mapping
from typing import Any

from klappt.instrument import Instrument
from klappt.instrument.conditions.evaluate import parse_date, parse_number
from klappt.instrument.model import SELECT_MULTIPLE, SELECT_ONE, Question
from klappt.responses.one_return import Rules
from klappt.safetext import scrub
from klappt.web.repeats import Action, entries_from_post

#: Metadata columns of every exported return, before the questions.
META_COLUMNS = ("_id", "_submission_time", "_site_id", "_site_name", "_version")
#: Longest answer we keep (characters); a longer text is cut, never refused.
MAX_TEXT = 20000
#: Question names that hold the site itself (as in the store's linking of returns).
SITE_QUESTIONS = ("site_id", "site", "kommune", "gemeinde", "standort", "ags", "kreis", "stadt")
TYPE_QUESTIONS = ("typ", "gebietstyp", "type")


def answer_questions(form: Instrument) -> list[Any]:
    """The questions of the main table: everything but notes and the questions of repeats."""
    return [q for q in form.questions if q.type != "note" and not q.in_repeat]


def export_columns(form: Instrument) -> list[str]:
    """The header of a wave's data: metadata, then the questions in form order."""
    return [*META_COLUMNS, *(q.name for q in answer_questions(form))]


def _read(q: Question, post: Any, name: str) -> str | None:
    """One answer in a POST (select_multiple: choice names joined by spaces, in list order)."""
    if q.type == SELECT_MULTIPLE:
        picked = [v for v in post.getlist(name) if v]
        known = [c.name for c in q.choices if c.name in picked]
        unknown = [v for v in picked if q.choice(v) is None]
        return scrub(" ".join(known + unknown))[:MAX_TEXT] or None
    raw = post.get(name)
    # control characters (NUL: PostgreSQL refuses it) go, the answer stays
    text = None if raw is None else scrub(str(raw)).replace("\r\n", "\n").strip()
    return text[:MAX_TEXT] if text else None


def values_from_post(rules: Rules, post: Any, remove: Action | None = None) -> dict[str, Any]:
    """The answers in a POST by question name, each repeat's entries under the repeat's name."""
    out: dict[str, Any] = {}
    for q in answer_questions(rules.form):
        if q.type != "calculate":
            out[q.name] = _read(q, post, q.name)
    out.update(entries_from_post(rules, post, _read, remove))
    return out


def prefill(form: Instrument, site: Any) -> dict[str, str | None]:
    """Answers we know from the register (``site``: a store Site): the site's own code, its type,
    its attributes."""
    out: dict[str, str | None] = {}
    attrs = {str(k).strip().lower(): v for k, v in (site.attributes or {}).items()}
    for q in answer_questions(form):
        name = q.name.lower()
        value: str | None = None
        if name in SITE_QUESTIONS:
            value = site.site_id
        elif name in TYPE_QUESTIONS and site.typ:
            value = site.typ
        elif name in attrs and attrs[name] not in (None, ""):
            value = str(attrs[name])
        if value is None:
            continue
        if q.type == SELECT_ONE and q.choice(value) is None:
            continue
        if q.type in ("select_one", "select_multiple", "text") or q.type == "integer":
            out[q.name] = value
    return out


def _default(q: Question, text: str) -> str | None:
    """A ``default`` as the form's first answer: a literal, or ``today()`` for a date.
    Other expressions (ODK's dynamic defaults) are not evaluated."""
    text = text.strip()
    if text.replace(" ", "") == "today()":
        return dt.date.today().isoformat() if q.type in ("date", "datetime") else None
    if "${" in text or "(" in text:
        return None
    if q.type == SELECT_ONE and q.choice(text) is None:
        return None
    if q.type == SELECT_MULTIPLE:
        text = " ".join(t for t in text.split() if q.choice(t) is not None)
    return text or None


def defaults(rules: Rules, repeat: str | None = None) -> dict[str, str | None]:
    """The ``default`` column's answers of the main form (or of a new entry of ``repeat``)."""
    questions = (
        [r.question for r in rules.entries.get(repeat, ())]
        if repeat is not None
        else answer_questions(rules.form)
    )
    out: dict[str, str | None] = {}
    for q in questions:
        text = rules.extras.defaults.get(q.name)
        if text and q.type not in ("calculate", "note"):
            value = _default(q, text)
            if value is not None:
                out[q.name] = value
    return out


def fit_counts(rules: Rules, values: dict[str, Any]) -> dict[str, Any]:
    """Each repeat with a ``repeat_count`` holds as many entries as the answers ask for: blank
    ones (with the form's defaults) added at the end, the last ones dropped (as ODK Collect
    does when the number goes down; the earlier version keeps them)."""
    if not rules.counts:
        return values
    _relevant, main = rules.relevant(values)
    for repeat in rules.counts:
        n = rules.entry_count(repeat, main)
        if n is None:
            continue
        entries = [e for e in values.get(repeat) or [] if isinstance(e, Mapping)][:n]
        entries.extend(defaults(rules, repeat) for _ in range(n - len(entries)))
        values[repeat] = entries
    return values


def first_values(rules: Rules, site: Any) -> dict[str, Any]:
    """A return nobody has saved yet: the form's defaults, then what the register knows."""
    return {**defaults(rules), **prefill(rules.form, site)}


def _normal(q: Any, text: str | None) -> str | None:
    """The answer as the data file holds it: ``1.5`` not ``1,5``, ISO dates, choices in list order."""
    if text is None or text == "":
        return None
    if q.type in ("integer", "decimal"):
        x = parse_number(text)
        if not math.isfinite(x):
            return text  # not a number: the check names it
        if x == math.floor(x) and abs(x) < 1e15:
            return str(int(x))
        return repr(x)
    if q.type == "date":
        d = parse_date(text)
        return d.isoformat() if d else text
    if q.type == SELECT_MULTIPLE:
        tokens = text.split()
        return " ".join(
            [c.name for c in q.choices if c.name in tokens]
            + [t for t in tokens if q.choice(t) is None]
        )
    return text


def text_of(value: Any) -> str | None:
    return None if value is None or isinstance(value, list | dict) else str(value)


def cleaned(rules: Rules, values: Mapping[str, Any]) -> dict[str, Any]:
    """Answers of the questions that apply, normalised, with calculations filled in; each
    repeat's entries likewise (the questions of an entry apply or not by the entry's answers)."""
    relevant, _seen = rules.relevant(values)
    out: dict[str, Any] = {}
    for r in rules.main:
        if r.question.type == "note":
            continue
        if r.question.type == "calculate":
            out[r.name] = rules.calculate(r, out)
            continue
        raw = text_of(values.get(r.name))
        out[r.name] = _normal(r.question, raw) if r.name in relevant else None
    _relevant, main = rules.relevant(out)
    for repeat in rules.repeats:
        entries = values.get(repeat)
        if not isinstance(entries, list):
            continue
        clean_entries = []
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            applies = rules.entry_relevant(repeat, entry, main)
            own: dict[str, str | None] = {}
            for r in rules.entries[repeat]:
                if r.question.type == "note":
                    continue
                if r.question.type == "calculate":
                    own[r.name] = rules.calculate(r, ChainMap(own, main))
                    continue
                raw = text_of(entry.get(r.name))
                own[r.name] = _normal(r.question, raw) if r.name in applies else None
            clean_entries.append(own)
        out[repeat] = clean_entries
    return out
