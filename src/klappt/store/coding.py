"""Open answers in the store: code books with versions, codings of several coders, suggestions.

What the CLI and the web app ask of the store about coding, as plain functions (no printing).
The rows live in :mod:`klappt.store.coding_models`; every decision about them (which codes
count, agreement, the ``q__codes`` question) is made by :mod:`klappt.coding`, which gets a
:class:`~klappt.coding.CodingSet` built from the rows.

Functions taking a :class:`~klappt.store.models.Wave` need Django configured (the web app, or
after :func:`wave_in`); :func:`wave_in` and :func:`load_coded_wave` take a project folder and a
wave name (the CLI).

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

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from klappt.coding import Coding, CodingCheck, CodingSummary, apply_codes, check_codings, summarize
from klappt.coding._lang import t
from klappt.store.codebooks import (
    SavedCodebook,
    check_question,
    codebook_of,
    current_version,
    current_versions,
    require_version,
    save_codebook,
)
from klappt.store.codings import (
    CodingImport,
    clear_codes,
    import_codings,
    set_code,
    set_unit_codes,
    stored_codings,
    unit_codes,
)
from klappt.store.suggestions import (
    open_suggestions,
    refresh_suggestions,
    reject_suggestion,
    store_suggestions,
)

if TYPE_CHECKING:
    from klappt.instrument import Instrument
    from klappt.responses.dataset import ResponseSet
    from klappt.responses.report import ValidationReport
    from klappt.store.models import Wave

__all__ = [
    "CodingImport",
    "SavedCodebook",
    "StoredCodes",
    "answer_list",
    "check_question",
    "clear_codes",
    "codebook_of",
    "coded_responses",
    "current_version",
    "current_versions",
    "import_codings",
    "load_coded_wave",
    "open_suggestions",
    "refresh_suggestions",
    "reject_suggestion",
    "require_version",
    "responses_from_records",
    "save_codebook",
    "set_code",
    "set_unit_codes",
    "store_suggestions",
    "stored_codings",
    "unit_codes",
    "wave_in",
]

#: Answer ids listed in a message before "… and N more".
SHOWN = 10


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
    from klappt.store.snapshots import responses_from_records

    rs, _report = responses_from_records(wave, form)
    return rs


# --- the CLI's entry points: a project folder and a wave name ----------------------------


def wave_in(project: Path, name: str) -> Wave:
    """The stored wave ``name`` of the project (``STORE_002`` naming the waves there are)."""
    from klappt.store.waves import stored_wave

    wave: Wave = stored_wave(project, name)
    return wave


def load_coded_wave(
    project: Path, name: str
) -> tuple[Instrument, ResponseSet, ValidationReport, StoredCodes]:
    """:func:`klappt.store.api.load_wave` plus the stored codes applied (``q__codes``)."""
    from klappt.store.waves import load_stored_wave

    root = Path(project).expanduser().resolve()
    wave = wave_in(root, name)  # fetched once: the returns and the codes belong to it
    _form, rs, report = load_stored_wave(root, wave)
    codes = coded_responses(wave, rs)
    return codes.responses.instrument, codes.responses, report, codes
