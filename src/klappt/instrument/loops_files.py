"""Two XLSForm features read for what they mean: the old ``begin loop over LIST`` and the
choices of ``select_one_from_file`` from their CSV beside the form.

A loop is unrolled as pyxform writes its XForm: one group per choice of the list, each with the
loop's questions, named ``loop_choice_question`` (an export's ``loop/choice/question`` column
is read as it, see :mod:`klappt.interop.dialects`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from klappt.instrument.model import DEFAULT_LANG_KEY, Choice

__all__ = ["file_choices", "from_file", "unrolled"]


def unrolled(loop: dict[str, Any]) -> dict[str, Any]:
    """A ``loop`` as pyxform builds its XForm: a group holding one group per choice of the list
    it loops over, each with the loop's questions. A question is named ``loop_choice_name``
    (one name per question, as klappt needs; an export's ``loop/choice/name`` column is read
    as it, see :mod:`klappt.interop.dialects`)."""
    name = str(loop.get("name") or "")
    parts = []
    for column in loop.get("columns") or []:
        col = str(column.get("name") or "")
        children = [
            {
                **child,
                "name": f"{name}_{col}_{child.get('name', '')}",
                "label": _looped(child.get("label"), column.get("label") or col),
            }
            for child in loop.get("children") or []
        ]
        parts.append(
            {"type": "group", "name": col, "label": column.get("label"), "children": children}
        )
    return {"type": "group", "name": name, "label": loop.get("label"), "children": parts}


def from_file(list_name: Any) -> bool:
    """``select_one_from_file orte.csv``: the choices are in a CSV file beside the form."""
    return isinstance(list_name, str) and list_name.lower().endswith(".csv")


def file_choices(form: Path, name: str, warnings_: list[str]) -> tuple[Choice, ...]:
    """The choices of a ``select_one_from_file`` from its CSV beside the form (``name`` and
    the first ``label`` column), so that answers are checked and counted as choices. Without
    the file, the question has no choices, and the warning says why its answers are unknown."""
    import csv

    from klappt.limits import check_file

    file = form.parent / Path(name).name
    if not file.is_file():
        warnings_.append(
            f"{name}: the choices file of select_one_from_file is not beside the form; "
            "its answers cannot be checked or counted"
        )
        return ()
    check_file(file, "data")
    with file.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or "name" not in rows[0]:
        warnings_.append(f"{name}: no 'name' column, so no choices")
        return ()
    label = next((k for k in rows[0] if k and k.lower().startswith("label")), "name")
    seen: dict[str, Choice] = {}
    for r in rows:
        key = (r.get("name") or "").strip()
        if key and key not in seen:
            seen[key] = Choice(name=key, labels={DEFAULT_LANG_KEY: (r.get(label) or key).strip()})
    return tuple(seen.values())


def _looped(label: Any, choice: Any) -> Any:
    """A looped question's label naming the choice it is asked for: ``Count (ja)``."""
    if isinstance(label, dict):
        return {
            k: f"{v} ({choice.get(k, next(iter(choice.values()), '')) if isinstance(choice, dict) else choice})"
            for k, v in label.items()
        }
    if isinstance(choice, dict):
        choice = next(iter(choice.values()), "")
    return f"{label} ({choice})" if label else label
