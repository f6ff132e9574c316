"""A wave's code books in the store: one per text question, a new version for every change.

See :mod:`klappt.store.coding` for the whole picture; this module holds the code books.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klappt.coding import Codebook
from klappt.coding._lang import t
from klappt.errors import ErrorCode, KlapptError

if TYPE_CHECKING:
    from klappt.instrument import Instrument
    from klappt.store.coding_models import CodebookVersion
    from klappt.store.models import Wave


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
