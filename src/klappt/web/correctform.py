"""The correction page's answers (issue 16): the main table's questions and every repeat's
entries, as shown and as posted back.

A repeat's entries post as the site's form posts them (:mod:`klappt.web.repeats`): entry ``i``
of ``projekte`` as ``projekte[i]/titel`` with the marker ``projekte[]=i``. The page adds and
removes entries with buttons (``action=add:projekte``, ``action=remove:projekte:2``) that show
the page again with one entry more or less and save nothing; only "Save correction" does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from klappt.errors import ErrorCode, KlapptError
from klappt.instrument.model import SELECT_MULTIPLE, SELECT_ONE
from klappt.language import Text
from klappt.responses.one_return import MAX_ENTRIES, Rules
from klappt.safetext import scrub
from klappt.web import repeats
from klappt.web.answers import MAX_TEXT, text_of
from klappt.web.corrections import main_questions


def entry_questions(rules: Rules, repeat: str) -> list[Any]:
    return [
        r.question for r in rules.entries[repeat] if r.question.type not in ("calculate", "note")
    ]


def read(q: Any, post: Any, name: str) -> str | None:
    """One answer as posted: the codes of a multiple choice space-separated, a text without the
    browser's CRLF and control characters."""
    if q.type == SELECT_MULTIPLE:
        return " ".join(post.getlist(name)) or None
    return text(post.get(name))


def text(value: str | None) -> str | None:
    """One answer as typed: without control characters, bounded; empty → no answer."""
    # a browser sends a textarea's line breaks as CRLF; the site's form keeps LF
    return scrub(value or "").replace("\r\n", "\n").strip()[:MAX_TEXT] or None


def answers_from_post(rules: Rules, post: Any) -> tuple[dict[str, Any], repeats.Action | None]:
    """The posted answers (main questions and every repeat's entries) and the add/remove
    button pressed, if one was."""
    action = repeats.parse_action(post.get("action"), rules)
    answers: dict[str, Any] = {q.name: read(q, post, q.name) for q in main_questions(rules)}
    remove = action if action is not None and action.verb == "remove" else None
    answers.update(repeats.entries_from_post(rules, post, read, remove))
    if action is not None and action.verb == "add":
        entries = answers[action.repeat]
        if len(entries) < MAX_ENTRIES:
            entries.append({q.name: None for q in entry_questions(rules, action.repeat)})
    return answers, action


def answers_from_edits(
    rules: Rules,
    base: dict[str, Any],
    sets: list[tuple[str, str | None]],
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
) -> dict[str, Any]:
    """The answers a correction posts, from edits by name (the command line's ``--set``,
    ``--add``, ``--remove``) on the submitted values ``base``: ``(question, text)`` for a main
    question, ``(projekte[2]/titel, text)`` for an entry's (the entry after the last is a new
    one), a repeat's name to add an empty entry, ``projekte[2]`` to remove that entry (numbers
    as in ``base``). A repeat not named keeps its entries. An unknown name or entry →
    :class:`KlapptError`; the answers themselves are checked by :func:`corrections.correct`."""
    main = [q.name for q in main_questions(rules)]
    answers: dict[str, Any] = {}
    entries: dict[str, list[dict[str, Any]]] = {}

    def of(repeat: str, name: str) -> list[dict[str, Any]]:
        if repeat not in rules.repeats:
            known = ", ".join(rules.repeats) or "–"
            raise KlapptError(ErrorCode.RETURN_009, name=name, repeat=repeat, known=known)
        if repeat not in entries:
            kept = base.get(repeat) if isinstance(base.get(repeat), list) else []
            entries[repeat] = [dict(e) if isinstance(e, dict) else {} for e in kept or []]
        return entries[repeat]

    def out_of_range(name: str, repeat: str, n: int) -> KlapptError:
        return KlapptError(ErrorCode.RETURN_010, name=name, repeat=repeat, n=n, next=n + 1)

    def blank(repeat: str) -> dict[str, Any]:
        return {q.name: None for q in entry_questions(rules, repeat)}

    for name in add:
        listed = of(name.strip(), name)
        if len(listed) >= MAX_ENTRIES:
            raise out_of_range(name, name.strip(), len(listed))
        listed.append(blank(name.strip()))
    inside = []
    for name, value in sets:
        place = repeats.parse_field(name)
        if place is None:
            if name not in main:
                known = ", ".join(main[:15]) + (", …" if len(main) > 15 else "")
                where = Text("des Hauptteils", "of the main part")
                raise KlapptError(
                    ErrorCode.RETURN_011, name=name, question=name, where=where, known=known
                )
            answers[name] = value
        else:
            inside.append((place, name, value))
    # by number, so that entries 3 and 4 of a repeat with 2 are added in either order
    for (repeat, index, question), name, value in sorted(inside, key=lambda x: x[0][:2]):
        listed = of(repeat, name)
        if index == len(listed) + 1 and index <= MAX_ENTRIES:
            listed.append(blank(repeat))
        if not 1 <= index <= len(listed):
            raise out_of_range(name, repeat, len(listed))
        own = [q.name for q in entry_questions(rules, repeat)]
        if question not in own:
            where = Text(f"in {repeat}", f"in {repeat}")
            raise KlapptError(
                ErrorCode.RETURN_011,
                name=name,
                question=question or "–",
                where=where,
                known=", ".join(own),
            )
        listed[index - 1][question] = value
    gone: dict[str, set[int]] = {}
    for name in remove:
        place = repeats.parse_field(name)
        repeat, index = (place[0], place[1]) if place and place[2] is None else (name, 0)
        listed = of(repeat, name)
        if not 1 <= index <= len(listed):
            raise out_of_range(name, repeat, len(listed))
        gone.setdefault(repeat, set()).add(index)
    for repeat, numbers in gone.items():
        entries[repeat] = [e for i, e in enumerate(entries[repeat], start=1) if i not in numbers]
    answers.update(entries)
    return answers


def field(q: Any, name: str, value: Any, lang: str | None, default: str | None) -> dict[str, Any]:
    """One question as the page shows it: ``name`` is the input's name."""
    text = text_of(value) or ""
    kind = "text"
    if q.type == SELECT_ONE:
        kind = "select"
    elif q.type == SELECT_MULTIPLE:
        kind = "multiple"
    elif q.type == "text":
        kind = "textarea"
    picked = text.split()
    return {
        "name": name,
        "id": name.replace("[", "-").replace("]", "").replace("/", "-"),
        "question": q.name,
        "label": q.label(lang, default) or q.name,
        "kind": kind,
        "value": text,
        "choices": [
            (c.name, c.label(lang, default) or c.name, c.name in picked) for c in q.choices
        ],
        "unknown": [t for t in picked if q.choice(t) is None]
        if kind in ("select", "multiple")
        else [],
        "errors": [],
    }


def fields(rules: Rules, values: dict[str, Any], lang: str | None) -> list[dict[str, Any]]:
    default = rules.form.default_language
    return [field(q, q.name, values.get(q.name), lang, default) for q in main_questions(rules)]


def repeat_blocks(rules: Rules, values: dict[str, Any], lang: str | None) -> list[dict[str, Any]]:
    """Every repeat with its entries (numbered 1, 2, … as the checks name them)."""
    default = rules.form.default_language
    out = []
    for name in rules.repeats:
        group = rules.form.group(name)
        entries = values.get(name) if isinstance(values.get(name), list) else []
        shown = []
        for i, entry in enumerate(entries or [], start=1):
            entry = entry if isinstance(entry, dict) else {}
            shown.append(
                {
                    "index": i,
                    "fields": [
                        field(
                            q, repeats.field_name(name, i, q.name), entry.get(q.name), lang, default
                        )
                        for q in entry_questions(rules, name)
                    ],
                }
            )
        out.append(
            {
                "name": name,
                "label": (group.label(lang, default) if group else "") or name,
                "entries": shown,
                "full": len(shown) >= MAX_ENTRIES,
            }
        )
    return out


def mark_errors(
    main: list[dict[str, Any]], blocks: list[dict[str, Any]], errors: dict[str, list[str]]
) -> None:
    for f in main:
        f["errors"] = errors.get(f["name"], [])
    for block in blocks:
        for entry in block["entries"]:
            for f in entry["fields"]:
                f["errors"] = errors.get(f["name"], [])
