"""Code suggestions stored for a wave: proposals for a person to accept or reject, never codes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from klappt.coding import check_codings, parse_answer_id
from klappt.store.codebooks import codebook_of, require_version
from klappt.store.codings import stored_codings

if TYPE_CHECKING:
    from klappt.responses.dataset import ResponseSet
    from klappt.store.models import Wave


# --- suggestions -------------------------------------------------------------------------


def refresh_suggestions(
    wave: Wave, question: str, rs: ResponseSet, top_k: int = 3, min_confidence: float = 0.2
) -> int:
    """Train on what is coded so far and store suggestions for every answer part not coded yet.

    The stored suggestions are proposals only; they replace the earlier ones. Returns how many
    answer parts got at least one.
    """
    pairs = store_suggestions(wave, question, rs, top_k, min_confidence)
    return sum(1 for _, s in pairs if s)


def store_suggestions(
    wave: Wave, question: str, rs: ResponseSet, top_k: int = 3, min_confidence: float = 0.2
) -> list[tuple[Any, list[Any]]]:
    """:func:`refresh_suggestions`, returning each uncoded answer part with its suggestions."""
    from django.db import transaction

    from klappt.coding import suggest_uncoded
    from klappt.store.coding_models import CodeSuggestion

    version = require_version(wave, question)
    book = codebook_of(version)
    codings = check_codings(rs, book, stored_codings(wave, question)).usable
    pairs = suggest_uncoded(rs, book, codings, top_k=top_k, min_confidence=min_confidence)
    rows = [
        CodeSuggestion(
            wave=wave,
            question=question,
            return_id=seg.return_id,
            segment=seg.index,
            code=s.code,
            confidence=round(s.confidence, 3),
            source=s.source,
            rank=rank,
            codebook=version,
        )
        for seg, suggestions in pairs
        for rank, s in enumerate(suggestions, start=1)
    ]
    with transaction.atomic():
        CodeSuggestion.objects.filter(wave=wave, question=question).delete()
        CodeSuggestion.objects.bulk_create(rows, batch_size=1000)
    return pairs


def open_suggestions(wave: Wave, question: str, answer: str, coder: str) -> list[Any]:
    """The suggestions for one answer part that ``coder`` has neither given nor rejected."""
    from klappt.store.coding_models import AnswerCoding, CodeSuggestion, SuggestionRejection

    rid, seg = parse_answer_id(answer)
    unit = {"wave": wave, "question": question, "return_id": rid, "segment": seg}
    given = set(
        AnswerCoding.objects.filter(coder=coder, final=False, **unit).values_list("code", flat=True)
    )
    rejected = set(
        SuggestionRejection.objects.filter(coder=coder, **unit).values_list("code", flat=True)
    )
    return [
        s
        for s in CodeSuggestion.objects.filter(**unit).order_by("rank")
        if s.code not in given and s.code not in rejected
    ]


def reject_suggestion(wave: Wave, question: str, answer: str, code: str, coder: str) -> None:
    """``coder`` says no to the suggested ``code``: it is not offered to them again."""
    from klappt.store.coding_models import SuggestionRejection

    rid, seg = parse_answer_id(answer)
    SuggestionRejection.objects.get_or_create(
        wave=wave, question=question, return_id=rid, segment=seg, code=code, coder=coder[:150]
    )
