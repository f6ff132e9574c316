"""What the coding screen shows: the answer parts of a text question and one part in context.

The parts (segments) come from :func:`klappt.coding.segments` on the wave's stored returns, so
their ids are those of ``klappt code … --wave`` and ``klappt tabulate --wave``. Cutting a wave's
answers into parts reads every return; we keep the result per process, keyed by the wave's
form and data hashes, so a keystroke on the coding screen reads only its own rows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from klappt.coding import Segment, segments
from klappt.coding.workbook import answer_hint
from klappt.formatting import fmt_percent
from klappt.instrument import Instrument
from klappt.store.coding import (
    check_question,
    codebook_of,
    open_suggestions,
    responses_from_records,
    unit_codes,
)
from klappt.store.coding_models import AnswerCoding, CodebookVersion
from klappt.store.models import Return, Wave
from klappt.web import instruments

#: Keys that toggle codes, in code book order; j/k (and the arrows) move, 0 is "no code applies",
#: + and - accept and reject the first suggestion.
CODE_KEYS = "123456789abcdefghilmnopqrstuvwxyz"
NAV_NEXT = ("ArrowRight", "j")
NAV_PREV = ("ArrowLeft", "k")
_CACHE_SIZE = 16
_lock = threading.Lock()
_units: OrderedDict[tuple[Any, ...], dict[str, Units]] = OrderedDict()


@dataclass(frozen=True)
class Units:
    """The answer parts of one text question in a wave, in the order they are coded."""

    question: str
    label: str
    segments: tuple[Segment, ...]
    index: dict[str, int]  # answer id -> position (0-based)
    parts: dict[str, tuple[Segment, ...]]  # return id -> all parts of its answer
    sites: dict[str, str]  # return id -> site name (register), else the data's site column

    def __len__(self) -> int:
        return len(self.segments)

    def site(self, seg: Segment) -> str:
        return self.sites.get(seg.return_id) or seg.site or ""


def text_questions(form: Instrument) -> list[Any]:
    """The form's text questions outside repeats: the ones that can be coded."""
    return [q for q in form.questions if q.type == "text" and not q.in_repeat]


def units(wave: Wave, question: str, lang: str | None) -> Units:
    """The parts of ``question``'s answers (``KlapptError`` for a question that is not text)."""
    form = instruments.instrument(wave)
    check_question(form, question)
    return _all_units(wave, form, lang)[question]


def _all_units(wave: Wave, form: Instrument, lang: str | None) -> dict[str, Units]:
    """The parts of every text question, from one reading of the wave's returns."""
    key = (wave.pk, wave.form_sha256, wave.data_sha256, wave.responses, lang)
    with _lock:
        hit = _units.get(key)
        if hit is not None:
            _units.move_to_end(key)
            return hit
    if not wave.columns or not Return.objects.filter(wave=wave).exists():
        made = {q.name: _no_units(q, lang) for q in text_questions(form)}
        return made  # nothing to read, nothing worth keeping: the first return changes the key
    rs = responses_from_records(wave, form)
    names = dict(
        Return.objects.filter(wave=wave, site__isnull=False).values_list("return_id", "site__name")
    )
    made: dict[str, Units] = {}
    for q in text_questions(form):
        segs = tuple(segments(rs, q.name))
        parts: dict[str, list[Segment]] = {}
        for s in segs:
            parts.setdefault(s.return_id, []).append(s)
        made[q.name] = Units(
            question=q.name,
            label=q.label(lang),
            segments=segs,
            index={s.answer: i for i, s in enumerate(segs)},
            parts={k: tuple(v) for k, v in parts.items()},
            sites=names,
        )
    with _lock:
        _units[key] = made
        while len(_units) > _CACHE_SIZE:
            _units.popitem(last=False)
    return made


def _no_units(q: Any, lang: str | None) -> Units:
    """A text question of a wave that has no returns yet: no parts to code."""
    return Units(q.name, q.label(lang), (), {}, {}, {})


def coded_by(wave: Wave, question: str, coder: str) -> set[str]:
    """The answer ids ``coder`` has coded (codes or "no code applies")."""
    rows = AnswerCoding.objects.filter(wave=wave, question=question, coder=coder, final=False)
    pairs = rows.order_by().values_list("return_id", "segment").distinct()
    return {f"{rid}#{seg}" for rid, seg in pairs}


def coded_count(wave: Wave, question: str, coder: str) -> int:
    """How many answer parts ``coder`` has coded: one COUNT, not the list (a keystroke's progress)."""
    rows = AnswerCoding.objects.filter(wave=wave, question=question, coder=coder, final=False)
    return rows.order_by().values("return_id", "segment").distinct().count()


def first_open(u: Units, done: set[str], after: int = -1) -> int:
    """The position of the first part after ``after`` not in ``done`` (wrapping), else ``after``."""
    n = len(u)
    for step in range(1, n + 1):
        i = (after + step) % n
        if u.segments[i].answer not in done:
            return i
    return max(after, 0)


def unit_context(
    wave: Wave, version: CodebookVersion, u: Units, position: int, coder: str, lang: str
) -> dict[str, Any]:
    """Everything the template of one answer part needs."""
    seg = u.segments[position]
    book = codebook_of(version)
    mine = unit_codes(wave, u.question, seg.answer, coder)
    suggestions = open_suggestions(wave, u.question, seg.answer, coder)
    codes = []
    for i, c in enumerate(book.ordered()):
        row = mine.get(c.code)
        codes.append(
            {
                "code": c.code,
                "label": c.label(lang),
                "description": c.description,
                "examples": c.examples,
                "key": CODE_KEYS[i] if i < len(CODE_KEYS) else "",
                "child": c.parent is not None,
                "checked": row is not None,
                "suggested": bool(row is not None and row.suggested),
            }
        )
    labels = {c["code"]: c["label"] for c in codes}
    return {
        "seg": seg,
        "position": position,
        "number": position + 1,
        "total": len(u),
        "site": u.site(seg),
        "label": u.label,
        "parts": u.parts.get(seg.return_id, (seg,)),
        "hint": answer_hint(seg.text, lang),
        "codes": codes,
        "none_checked": "" in mine,
        "suggestions": [
            {
                "code": s.code,
                "label": labels.get(s.code, s.code),
                "confidence": fmt_percent(s.confidence * 100, lang, 0),
                "value": s.confidence,
                "source": s.source,
            }
            for s in suggestions
            if s.code in labels
        ],
        "prev": position - 1 if position > 0 else None,
        "next": position + 1 if position + 1 < len(u) else None,
        "version": version,
    }
