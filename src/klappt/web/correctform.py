"""The correction page's answers (issue 16): the main table's questions and every repeat's
entries, as shown and as posted back.

A repeat's entries post as the site's form posts them (:mod:`klappt.web.repeats`): entry ``i``
of ``projekte`` as ``projekte[i]/titel`` with the marker ``projekte[]=i``. The page adds and
removes entries with buttons (``action=add:projekte``, ``action=remove:projekte:2``) that show
the page again with one entry more or less and save nothing; only "Save correction" does.
"""

from __future__ import annotations

from typing import Any

from klappt.instrument.model import SELECT_MULTIPLE, SELECT_ONE
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
    # a browser sends a textarea's line breaks as CRLF; the site's form keeps LF
    text = scrub(post.get(name) or "").replace("\r\n", "\n").strip()
    return text[:MAX_TEXT] or None


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
