"""Repeat groups in the web form: the entries a site adds and removes, as posted and as stored.

A return's values hold a repeat under its name as a list of entries, each ``{question: text}``
like the main form's answers: ``{"anzahl": "2", "projekte": [{"titel": "A"}, {"titel": "B"}]}``.
On the page, entry ``i`` of ``projekte`` posts its answers as ``projekte[i]/titel`` and the marker
``projekte[]=i``; the markers' order is the entries' order. The browser adds and removes entries
itself (``form.js``); without JavaScript the buttons "add" (``action=add:projekte``) and "remove"
(``action=remove:projekte:i``) save a draft with one entry more or less.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from klappt.responses.one_return import MAX_ENTRIES, Rules

_ACTION = re.compile(r"^(?P<verb>add|remove):(?P<repeat>[A-Za-z_][\w.\-]*)(?::(?P<index>\d+))?$")


@dataclass(frozen=True)
class Action:
    """What a button asked for besides saving: add an entry, or remove one."""

    verb: str  # add | remove
    repeat: str
    index: int | None = None


def parse_action(text: str | None, rules: Rules) -> Action | None:
    m = _ACTION.match(text or "")
    if not m or m.group("repeat") not in rules.repeats:
        return None
    index = int(m.group("index")) if m.group("index") else None
    if m.group("verb") == "remove" and index is None:
        return None
    return Action(m.group("verb"), m.group("repeat"), index)


def field_name(repeat: str, index: int | str, question: str) -> str:
    return f"{repeat}[{index}]/{question}"


_FIELD = re.compile(r"^(?P<repeat>[A-Za-z_][\w.\-]*)\[(?P<index>\d+)\](?:/(?P<question>[^/]+))?$")


def parse_field(text: str) -> tuple[str, int, str | None] | None:
    """``projekte[2]/titel`` → ``("projekte", 2, "titel")``; ``projekte[2]`` → question ``None``;
    anything else (a main question's name) → ``None``. The inverse of :func:`field_name`."""
    m = _FIELD.match(text.strip())
    if m is None:
        return None
    return m.group("repeat"), int(m.group("index")), m.group("question")


def entries_from_post(
    rules: Rules, post: Any, read: Any, remove: Action | None = None
) -> dict[str, list[dict[str, str | None]]]:
    """Every repeat's entries in a POST, in page order (``read(q, post, name)`` reads one answer);
    the entry named by a ``remove`` action is left out."""
    out: dict[str, list[dict[str, str | None]]] = {}
    for repeat in rules.repeats:
        entries = []
        seen: set[str] = set()
        for index in post.getlist(f"{repeat}[]")[:MAX_ENTRIES]:
            index = str(index).strip()
            if not index.isdigit() or index in seen:
                continue
            seen.add(index)
            if remove is not None and remove.repeat == repeat and str(remove.index) == index:
                continue
            entry: dict[str, str | None] = {}
            for r in rules.entries[repeat]:
                if r.question.type in ("calculate", "note"):
                    continue
                entry[r.name] = read(r.question, post, field_name(repeat, index, r.name))
            entries.append(entry)
        out[repeat] = entries  # the page shows every entry: none posted means none kept
    return out
