"""Open answers in the store: code books with versions, codings of several coders, suggestions.

What the CLI and the web app ask of the store about coding, as plain functions (no printing).
The rows live in :mod:`klappt.store.coding_models`; every decision about them (which codes
count, agreement, the ``q__codes`` question) is made by :mod:`klappt.coding`, which gets a
:class:`~klappt.coding.CodingSet` built from the rows.

Functions taking a :class:`~klappt.store.models.Wave` need Django configured (the web app, or
after :func:`wave_in`); ``*_in(project, wave_name, …)`` are the CLI's entry points.

Guarantees:

* An import of codings checks every code against the stored code book *before* it writes, and
  writes in one transaction: a mistake leaves the database as it was.
* Nothing is lost: codings whose answer is no longer in the wave's data (or whose text changed,
  or whose code left the current code book) are stored and kept, listed by
  :func:`coded_responses` and by the import, and not counted until they fit again.
* A coder's new codes for an answer replace that coder's earlier codes for it; other coders'
  codes and final (resolved) codes stay as they are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klappt.coding import (
    Codebook,
    Coding,
    CodingCheck,
    CodingSet,
    CodingSummary,
    apply_codes,
    check_codings,
    parse_answer_id,
    summarize,
)
from klappt.coding._lang import t
from klappt.coding.codings import check_codes
from klappt.errors import ErrorCode, KlapptError

if TYPE_CHECKING:
    from klappt.instrument import Instrument
    from klappt.responses.dataset import ResponseSet
    from klappt.responses.report import ValidationReport
    from klappt.store.coding_models import CodebookVersion
    from klappt.store.models import Wave

#: Answer ids listed in a message before "… and N more".
SHOWN = 10


# --- code books --------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedCodebook:
    """The stored version of a code book and whether storing it made a new one."""

    question: str
    number: int
    status: str  # "created" | "unchanged"
    codes: int
    previous: int | None = None  # the version before, when a new one was made


def _canonical(book: Codebook) -> tuple[dict[str, Any], str]:
    """The book as stored (without its wave, which the row says) and the hash of its content."""
    content = book.to_dict()
    content.pop("wave", None)
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return content, hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_question(form: Instrument, question: str) -> None:
    """``INSTRUMENT_003`` for a question the form does not have, ``CODING_011`` for one not text."""
    from klappt.coding.segments import TEXT_TYPES

    q = form.question(question)
    if q is None:
        raise KlapptError(ErrorCode.INSTRUMENT_003, name=question, form=form.source)
    if q.type not in TEXT_TYPES:
        raise KlapptError(ErrorCode.CODING_011, name=question, type=q.type)


def save_codebook(
    wave: Wave,
    book: Codebook,
    form: Instrument | None = None,
    by: str = "",
    source: str = "",
) -> SavedCodebook:
    """Store ``book`` as the current code book of its question in ``wave``.

    The same codes, labels and examples as the current version change nothing
    (``"unchanged"``); anything else becomes a new version, and the earlier ones stay.
    With ``form``, the question must be one of its text questions.
    """
    from django.db import transaction
    from django.db.models import Max

    from klappt.store.coding_models import CodebookVersion

    if form is not None:
        check_question(form, book.question)
    content, sha = _canonical(book)
    with transaction.atomic():
        # lock the wave row: two uploads at once must not both become version n+1
        type(wave).objects.select_for_update().filter(pk=wave.pk).values_list("pk").first()
        latest = (
            CodebookVersion.objects.filter(wave=wave, question=book.question)
            .order_by("-number")
            .first()
        )
        if latest is not None and latest.sha256 == sha:
            return SavedCodebook(book.question, latest.number, "unchanged", len(book.codes))
        number = (
            CodebookVersion.objects.filter(wave=wave, question=book.question).aggregate(
                m=Max("number")
            )["m"]
            or 0
        ) + 1
        CodebookVersion.objects.create(
            wave=wave,
            question=book.question,
            number=number,
            label=str(book.version)[:100],
            title=(book.title or "")[:500],
            content=content,
            sha256=sha,
            source=Path(source or book.source or "").name[:255],
            created_by=by[:150],
        )
    return SavedCodebook(
        book.question, number, "created", len(book.codes), latest.number if latest else None
    )


def current_versions(wave: Wave) -> dict[str, CodebookVersion]:
    """The current (highest) code book version of every question of the wave that has one."""
    from klappt.store.coding_models import CodebookVersion

    out: dict[str, CodebookVersion] = {}
    for v in CodebookVersion.objects.filter(wave=wave).order_by("question", "number"):
        out[v.question] = v
    return out


def current_version(wave: Wave, question: str) -> CodebookVersion | None:
    from klappt.store.coding_models import CodebookVersion

    return CodebookVersion.objects.filter(wave=wave, question=question).order_by("-number").first()


_BOOKS: dict[tuple[int, str, str], Codebook] = {}


def codebook_of(version: CodebookVersion) -> Codebook:
    """The :class:`~klappt.coding.Codebook` a stored version holds (parsed once per process)."""
    key = (version.pk, version.sha256, t("de", "en"))
    book = _BOOKS.get(key)
    if book is None:
        book = Codebook.from_dict(dict(version.content), source=_version_name(version))
        if len(_BOOKS) > 256:
            _BOOKS.clear()
        _BOOKS[key] = book
    return book


def _version_name(version: CodebookVersion) -> str:
    return t(
        f"Codebuch {version.question}, Version {version.number}",
        f"code book {version.question}, version {version.number}",
    )


def require_version(wave: Wave, question: str) -> CodebookVersion:
    """The current version, or ``CODING_014`` saying how to store one."""
    v = current_version(wave, question)
    if v is None:
        raise KlapptError(ErrorCode.CODING_014, wave=wave.name, question=question)
    return v


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


# --- suggestions -------------------------------------------------------------------------


def refresh_suggestions(
    wave: Wave, question: str, rs: ResponseSet, top_k: int = 3, min_confidence: float = 0.2
) -> int:
    """Train on what is coded so far and store suggestions for every answer part not coded yet.

    The stored suggestions are proposals only; they replace the earlier ones. Returns how many
    answer parts got at least one.
    """
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
    return sum(1 for _, s in pairs if s)


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


# --- the analysis ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredCodes:
    """The returns with the stored codes applied (``q__codes``), and what was not counted."""

    responses: ResponseSet
    summaries: dict[str, CodingSummary]  # per text question: codes that count, from suggestions
    checks: dict[str, CodingCheck]
    notes: tuple[str, ...] = ()


def coded_responses(wave: Wave, rs: ResponseSet) -> StoredCodes:
    """``rs`` with every stored code book that has codings applied as ``q__codes``.

    Codings that do not fit (answer gone or changed, code not in the current version) are
    left out of the counts and named in ``notes`` (also added to the returned set's notes).
    """
    versions = current_versions(wave)
    if not versions:
        return StoredCodes(rs, {}, {})
    everything = stored_codings(wave)
    summaries: dict[str, CodingSummary] = {}
    checks: dict[str, CodingCheck] = {}
    notes: list[str] = []
    for question, version in versions.items():
        codings = replace(
            everything,
            codings=tuple(c for c in everything.codings if c.question == question),
        )
        if not codings.codings:
            continue
        q = rs.instrument.question(question)
        if q is None or q.type != "text":
            notes.append(
                t(
                    f"{question}: die Frage ist nicht (mehr) im Fragebogen; ihre {len(codings)} "
                    "Codierungen bleiben gespeichert und sind nicht gezählt",
                    f"{question}: the question is not (any longer) in the form; its {len(codings)} "
                    "codings stay stored and are not counted",
                )
            )
            continue
        book = codebook_of(version)
        check = check_codings(rs, book, codings)
        rs = apply_codes(rs, book, check.usable)
        checks[question] = check
        summaries[question] = summarize(check.usable)
        notes.extend(_aside_notes(question, version.number, check))
    rs = replace(rs, notes=(*rs.notes, *notes))
    return StoredCodes(rs, summaries, checks, tuple(notes))


def answer_list(codings: Iterable[Coding]) -> str:
    """``R1#1, R2#1 … (+3)``: the answers of some codings, for a message."""
    answers = list(dict.fromkeys(c.answer for c in codings))
    shown = ", ".join(answers[:SHOWN])
    return shown + (f" … (+{len(answers) - SHOWN})" if len(answers) > SHOWN else "")


def _aside_notes(question: str, number: int, check: CodingCheck) -> list[str]:
    out = []
    if check.gone:
        out.append(
            t(
                f"{question}: {len(check.gone)} Codierungen gehören zu Antworten, die es in den Daten "
                f"nicht (mehr) gibt ({answer_list(check.gone)}); sie bleiben gespeichert und sind "
                "nicht gezählt",
                f"{question}: {len(check.gone)} codings belong to answers that are not (any longer) "
                f"in the data ({answer_list(check.gone)}); they stay stored and are not counted",
            )
        )
    if check.changed:
        coded = [c for c, _ in check.changed]
        out.append(
            t(
                f"{question}: {len(coded)} Codierungen gehören zu Antworten, deren Text sich seit dem "
                f"Codieren geändert hat ({answer_list(coded)}); sie bleiben gespeichert und sind "
                "nicht gezählt",
                f"{question}: {len(coded)} codings belong to answers whose text changed since they "
                f"were coded ({answer_list(coded)}); they stay stored and are not counted",
            )
        )
    if check.unknown:
        codes = ", ".join(sorted({c.code or "" for c in check.unknown}))
        out.append(
            t(
                f"{question}: {len(check.unknown)} Codierungen haben Codes, die Version {number} des "
                f"Codebuchs nicht mehr enthält ({codes}); sie bleiben gespeichert und sind nicht "
                "gezählt",
                f"{question}: {len(check.unknown)} codings have codes that version {number} of the "
                f"code book no longer holds ({codes}); they stay stored and are not counted",
            )
        )
    return out


def responses_from_records(wave: Wave, form: Instrument) -> ResponseSet:
    """The wave's returns typed from the stored records (the web app's view of a wave).

    The return ids are those of ``klappt tabulate --wave``, so codings made in the web app and
    on the command line name the same answers.
    """
    from klappt.store.api import _responses_from_records

    rs, _report = _responses_from_records(wave, form)
    return rs


# --- the CLI's entry points: a project folder and a wave name ----------------------------


def wave_in(project: Path, name: str) -> Wave:
    """The stored wave ``name`` of the project (``STORE_002`` naming the waves there are)."""
    from klappt.store import api

    root = Path(project).expanduser().resolve()
    api._activate(root)
    from klappt.store.models import Wave

    program = api._program(api._project_program(root))
    w = Wave.objects.filter(program=program, name=str(name).strip()).defer("form_file").first()
    if w is None:
        known = list(
            Wave.objects.filter(program=program).order_by("name").values_list("name", flat=True)
        )
        raise KlapptError(ErrorCode.STORE_002, wave=name, known=", ".join(known) or "(keine)")
    return w


def load_coded_wave(
    project: Path, name: str
) -> tuple[Instrument, ResponseSet, ValidationReport, StoredCodes]:
    """:func:`klappt.store.api.load_wave` plus the stored codes applied (``q__codes``)."""
    from klappt.store.api import load_wave

    _form, rs, report = load_wave(project, name)
    codes = coded_responses(wave_in(project, name), rs)
    return codes.responses.instrument, codes.responses, report, codes
