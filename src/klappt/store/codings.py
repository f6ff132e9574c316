"""A wave's codings in the store: who gave which code to which answer part, when, and how.

See :mod:`klappt.store.coding` for the rules; this module reads and writes the rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from klappt.coding import (
    Codebook,
    Coding,
    CodingSet,
    CodingSummary,
    check_codings,
    parse_answer_id,
    summarize,
)
from klappt.coding._lang import t
from klappt.coding.codings import check_codes
from klappt.errors import ErrorCode, KlapptError
from klappt.store.codebooks import codebook_of, current_versions

if TYPE_CHECKING:
    from klappt.responses.dataset import ResponseSet
    from klappt.store.coding_models import CodebookVersion
    from klappt.store.models import Wave


# --- codings -----------------------------------------------------------------------------


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def _row_to_coding(row: Any) -> Coding:
    return Coding(
        answer=f"{row.return_id}#{row.segment}",
        coder=row.coder,
        code=row.code or None,
        question=row.question,
        text=row.text,
        coded_at=_iso(row.coded_at),
        suggested=row.suggested,
        confidence=row.confidence,
        final=row.final,
    )


def stored_codings(wave: Wave, question: str | None = None, coder: str | None = None) -> CodingSet:
    """The wave's codings (of one question, of one coder) as a :class:`~klappt.coding.CodingSet`."""
    from klappt.store.coding_models import AnswerCoding

    rows = AnswerCoding.objects.filter(wave=wave)
    if question is not None:
        rows = rows.filter(question=question)
    if coder is not None:
        rows = rows.filter(coder=coder)
    source = t(f"Welle {wave.name}", f"wave {wave.name}")
    return CodingSet(tuple(_row_to_coding(r) for r in rows.order_by("pk")), source=source)


def _when(text: str, source: str, row: int | None) -> dt.datetime:
    from django.utils import timezone

    if not text:
        return timezone.now()
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise KlapptError(
            ErrorCode.CODING_010,
            path=source,
            row=row or "?",
            message=t(
                f"coded_at '{text}' ist keine Zeitangabe (2022-06-15T12:00:00)",
                f"coded_at '{text}' is not a time (2022-06-15T12:00:00)",
            ),
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class CodingImport:
    """What an import of codings did."""

    imported: int  # rows written
    replaced: int  # earlier rows of the same coders for the same answers, replaced
    questions: tuple[str, ...]
    gone: tuple[Coding, ...] = ()  # stored, but their answers are not in the wave's data
    changed: tuple[tuple[Coding, str], ...] = ()  # stored, but the answer's text changed since
    summaries: dict[str, CodingSummary] = field(default_factory=dict)

    @property
    def kept_aside(self) -> int:
        return len(self.gone) + len(self.changed)


def _with_questions(wave: Wave, codings: CodingSet, books: Mapping[str, Any]) -> CodingSet:
    """Rows without a question belong to the wave's only code book; several: CODING_015."""
    if all(c.question for c in codings.codings):
        return codings
    if len(books) == 1:
        only = next(iter(books))
        return replace(
            codings, codings=tuple(replace(c, question=c.question or only) for c in codings.codings)
        )
    first = next(c for c in codings.codings if not c.question)
    raise KlapptError(
        ErrorCode.CODING_015,
        path=codings.source or "(Codierungen)",
        row=first.row or "?",
        wave=wave.name,
        questions=", ".join(sorted(books)) or "–",
    )


def import_codings(wave: Wave, codings: CodingSet, rs: ResponseSet | None = None) -> CodingImport:
    """Store ``codings`` in the wave: checked first, then written in one transaction.

    Parameters
    ----------
    wave:
        The stored wave; each question coded needs a stored code book (``CODING_014``).
    codings:
        From :func:`klappt.coding.read_codings` or :func:`klappt.coding.read_coding_workbook`.
        A coder's rows replace that coder's earlier rows for the same answers (final rows
        replace final rows).
    rs:
        The wave's returns. Codings of answers not in them, or whose text changed, are stored
        all the same and listed in the result (``gone``, ``changed``): nothing is lost.

    Raises
    ------
    KlapptError
        ``CODING_006`` naming the row of a code not in the stored code book, ``CODING_010``
        for an unreadable time, ``CODING_014``/``CODING_015`` as above. Nothing is written then.
    """
    from django.db import transaction

    from klappt.store.coding_models import AnswerCoding

    versions = current_versions(wave)
    codings = _with_questions(wave, codings, versions)
    questions = tuple(sorted({c.question for c in codings.codings}))
    books: dict[str, Codebook] = {}
    for q in questions:
        if q not in versions:
            raise KlapptError(ErrorCode.CODING_014, wave=wave.name, question=q)
        books[q] = codebook_of(versions[q])
        check_codes(codings.for_question(q), books[q].names, books[q].source)
    gone: list[Coding] = []
    changed: list[tuple[Coding, str]] = []
    if rs is not None:
        for q in questions:
            check = check_codings(rs, books[q], codings.for_question(q))
            gone.extend(check.gone)
            changed.extend(check.changed)
    rows: dict[tuple[str, str, int, str, str, bool], AnswerCoding] = {}
    units: set[tuple[str, str, int, str, bool]] = set()
    for c in codings.codings:
        rid, seg = parse_answer_id(c.answer)
        key = (c.question, rid, seg, c.coder, c.code or "", c.final)
        units.add((c.question, rid, seg, c.coder, c.final))
        rows.setdefault(
            key,
            AnswerCoding(
                wave=wave,
                question=c.question,
                return_id=rid,
                segment=seg,
                coder=c.coder[:150],
                code=c.code or "",
                codebook=versions[c.question],
                text=c.text,
                suggested=c.suggested,
                confidence=c.confidence,
                final=c.final,
                coded_at=_when(c.coded_at, codings.source, c.row),
            ),
        )
    replaced = 0
    with transaction.atomic():
        existing = AnswerCoding.objects.filter(wave=wave, question__in=questions)
        stale = [
            pk
            for pk, q, rid, seg, coder, final in existing.values_list(
                "pk", "question", "return_id", "segment", "coder", "final"
            )
            if (q, rid, seg, coder, final) in units
        ]
        for i in range(0, len(stale), 500):
            replaced += AnswerCoding.objects.filter(pk__in=stale[i : i + 500]).delete()[0]
        AnswerCoding.objects.bulk_create(list(rows.values()), batch_size=1000)
    return CodingImport(
        imported=len(rows),
        replaced=replaced,
        questions=questions,
        gone=tuple(gone),
        changed=tuple(changed),
        summaries={q: summarize(stored_codings(wave, q)) for q in questions},
    )


def unit_codes(
    wave: Wave, question: str, answer: str, coder: str, final: bool = False
) -> dict[str, Any]:
    """A coder's codes for one answer: ``{code or "": row}`` ("" = seen, no code applies)."""
    from klappt.store.coding_models import AnswerCoding

    rid, seg = parse_answer_id(answer)
    rows = AnswerCoding.objects.filter(
        wave=wave, question=question, return_id=rid, segment=seg, coder=coder, final=final
    )
    return {r.code: r for r in rows}


def set_code(
    wave: Wave,
    version: CodebookVersion,
    answer: str,
    coder: str,
    code: str | None,
    on: bool,
    text: str,
    confidence: float | None = None,
    suggested: bool = False,
) -> None:
    """One keystroke: give (``on``) or take back one code of one answer; ``code`` None = no code.

    Giving a code removes the coder's "no code applies"; "no code applies" removes the codes.
    ``suggested`` records that the code is an accepted suggestion (with its ``confidence``).
    """
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from klappt.store.coding_models import AnswerCoding

    book = codebook_of(version)
    if code is not None and book.code(code) is None:
        raise KlapptError(
            ErrorCode.CODING_006,
            path=t("Codierbildschirm", "coding screen"),
            row="-",
            name=code,
            codebook=book.source,
            known=", ".join(book.names),
            more="",
        )
    rid, seg = parse_answer_id(answer)
    mine = AnswerCoding.objects.filter(
        wave=wave,
        question=version.question,
        return_id=rid,
        segment=seg,
        coder=coder,
        final=False,
    )
    value = code or ""
    with transaction.atomic():
        if not on:
            mine.filter(code=value).delete()
            return
        if code is None:
            mine.delete()
        else:
            mine.filter(code="").delete()
        updated = mine.filter(code=value).update(
            suggested=suggested, confidence=confidence, text=text, codebook=version
        )
        if updated:
            return
        try:
            with transaction.atomic():  # a savepoint: the same keystroke twice is one row
                AnswerCoding.objects.create(
                    wave=wave,
                    question=version.question,
                    return_id=rid,
                    segment=seg,
                    coder=coder[:150],
                    code=value,
                    codebook=version,
                    text=text,
                    suggested=suggested,
                    confidence=confidence,
                    final=False,
                    coded_at=timezone.now(),
                )
        except IntegrityError:
            pass


def clear_codes(wave: Wave, question: str, answer: str, coder: str) -> int:
    """Take back all of a coder's (non-final) codes for one answer: it is not coded by them."""
    from klappt.store.coding_models import AnswerCoding

    rid, seg = parse_answer_id(answer)
    return AnswerCoding.objects.filter(
        wave=wave, question=question, return_id=rid, segment=seg, coder=coder, final=False
    ).delete()[0]


def set_unit_codes(
    wave: Wave,
    version: CodebookVersion,
    answer: str,
    coder: str,
    codes: Iterable[str],
    text: str,
    accepted: Mapping[str, float | None] | None = None,
    final: bool = False,
) -> int:
    """Replace a coder's codes for one answer (the form without JavaScript, and resolutions).

    ``accepted`` maps accepted suggestions to their confidence; no code at all stores "seen, no
    code applies". ``final`` writes a resolution. Returns the number of codes stored.
    """
    from django.db import transaction
    from django.utils import timezone

    from klappt.store.coding_models import AnswerCoding

    book = codebook_of(version)
    accepted = dict(accepted or {})
    wanted = list(dict.fromkeys([*accepted, *codes]))
    unknown = [c for c in wanted if book.code(c) is None]
    if unknown:
        raise KlapptError(
            ErrorCode.CODING_006,
            path=t("Codierbildschirm", "coding screen"),
            row="-",
            name=unknown[0],
            codebook=book.source,
            known=", ".join(book.names),
            more="",
        )
    rid, seg = parse_answer_id(answer)
    now = timezone.now()
    with transaction.atomic():
        AnswerCoding.objects.filter(
            wave=wave,
            question=version.question,
            return_id=rid,
            segment=seg,
            coder=coder,
            final=final,
        ).delete()
        AnswerCoding.objects.bulk_create(
            [
                AnswerCoding(
                    wave=wave,
                    question=version.question,
                    return_id=rid,
                    segment=seg,
                    coder=coder[:150],
                    code=code,
                    codebook=version,
                    text=text,
                    suggested=code in accepted,
                    confidence=accepted.get(code),
                    final=final,
                    coded_at=now,
                )
                for code in (wanted or [""])
            ]
        )
    return len(wanted)
