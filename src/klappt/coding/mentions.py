"""Mentions: the parts of open answers, tidied, with near-duplicates merged, counted across returns.

"Sprachcafé; Sportverein" names two things. We cut answers into segments (as for coding,
:func:`klappt.coding.segments.split_segments`), fold each for comparing (case, Unicode form,
quotes, spaces, end punctuation: :func:`klappt.coding.segments.normalize_text`) and merge
spellings that are nearly the same (rapidfuzz ratio ≥ ``similarity``, 90 by default:
"Sportverein" / "Sportvereine" / "Sportverien"), but never two that differ in a number
("Sprachkurs A1" / "Sprachkurs A2"). A mention counts each return once, however often the
return names it. The text shown is the spelling used most often.

The most frequent single mention ("Sprachcafé (n=14)") is ``mentions(rs, q)[0]``; a mention
cloud takes the whole list.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from klappt.coding.segments import _QUOTES, answers, normalize_text, split_segments
from klappt.responses.dataset import ResponseSet

_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Mention:
    """One thing named in the answers: the usual spelling, in how many returns, and which."""

    text: str
    count: int  # returns that name it
    returns: tuple[str, ...]  # their ids, in file order
    spellings: tuple[str, ...] = ()  # every spelling merged into it, most used first

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "count": self.count,
            "returns": list(self.returns),
            "spellings": list(self.spellings),
        }


def count_mentions(
    items: Iterable[tuple[str, str]], similarity: float = 90.0, split: bool = True
) -> list[Mention]:
    """Mentions in ``(return_id, answer)`` pairs, most frequent first, then alphabetically.

    Parameters
    ----------
    items:
        Return ids with their answer text.
    similarity:
        rapidfuzz ``ratio`` (0–100) from which two folded spellings are the same mention;
        100 merges only spellings that fold to the same text.
    split:
        Cut answers into segments; False counts whole answers.

    Example
    -------
    >>> ms = count_mentions([("1", "Sportverein; Kochen"), ("2", "sportverein"), ("3", "Sportvereine"),
    ...                      ("4", "Kochen\\nKochen")])
    >>> [(m.text, m.count) for m in ms]
    [('Sportverein', 3), ('Kochen', 2)]
    """
    from rapidfuzz import fuzz, process

    spelled: dict[str, Counter[str]] = {}
    order: dict[str, int] = {}  # first appearance of each spelling, for ties
    returns: dict[str, dict[str, None]] = {}
    for rid, text in items:
        for part in (
            split_segments(text)
            if split
            else ([" ".join(text.split())] if text and text.strip() else [])
        ):
            key = normalize_text(part)
            part = part.strip(_QUOTES + " ")  # shown without the quotes around it
            if not key or not part:
                continue
            spelled.setdefault(key, Counter())[part] += 1
            order.setdefault(part, len(order))
            returns.setdefault(key, {})[rid] = None

    keys = sorted(returns, key=lambda k: (-len(returns[k]), min(order[s] for s in spelled[k])))
    reps: list[str] = []
    members: dict[str, list[str]] = {}
    for key in keys:
        home = None
        if similarity < 100 and reps:
            digits = _DIGITS.findall(key)
            for rep, _, _ in process.extract(
                key, reps, scorer=fuzz.ratio, score_cutoff=similarity, limit=5
            ):
                if _DIGITS.findall(rep) == digits:
                    home = rep
                    break
        if home is None:
            reps.append(key)
            members[key] = [key]
        else:
            members[home].append(key)

    out = []
    for rep in reps:
        ids: dict[str, None] = {}
        spellings: Counter[str] = Counter()
        for key in members[rep]:
            ids.update(returns[key])
            spellings.update(spelled[key])
        ranked = sorted(spellings, key=lambda s: (-spellings[s], order[s]))
        out.append(Mention(ranked[0], len(ids), tuple(ids), tuple(ranked)))
    out.sort(key=lambda m: (-m.count, m.text.casefold()))
    return out


def mentions(
    rs: ResponseSet, question: str, similarity: float = 90.0, split: bool = True
) -> list[Mention]:
    """The mentions in the answers to a text question, most frequent first.

    Parameters
    ----------
    rs:
        Typed returns.
    question:
        Name of a ``text`` question.
    similarity:
        See :func:`count_mentions`.
    split:
        Cut answers into segments (line breaks, semicolons, bullets); False counts whole answers.

    Returns
    -------
    list[Mention]
        ``[0]`` is the most frequent single mention; ``.count`` its number of returns.

    Example
    -------
    >>> top = mentions(rs, "angebote")[0]          # doctest: +SKIP
    >>> f"{top.text} (n={top.count})"              # doctest: +SKIP
    'Sprachcafé (n=14)'
    """
    return count_mentions(
        ((rid, text) for rid, text, _, _ in answers(rs, question)), similarity, split
    )
