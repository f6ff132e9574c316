"""Match a data file's headers to the form: questions, Kobo split columns, metadata, strays."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from klappt.instrument.model import SELECT_MULTIPLE, SELECT_ONE, Instrument
from klappt.responses.schema import main_questions

#: Metadata columns that ODK Central, KoboToolbox and Enketo add to an export.
META_NAMES = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "subscriberid",
        "simserial",
        "phonenumber",
        "username",
        "email",
        "audit",
        "instanceid",
        "instancename",
        "key",
        "parent_key",
        "submissiondate",
        "submitterid",
        "submittername",
        "attachmentspresent",
        "attachmentsexpected",
        "status",
        "reviewstate",
        "edits",
        "formversion",
        "version",
    }
)
META_PREFIXES = ("_", "meta/", "meta-", "meta:", "formhub/", "formhub-")
_GROUP_SEPARATORS = ("/", "-", ":", ".")
#: Return-id columns, most specific first.
ID_COLUMNS = ("_id", "KEY", "meta/instanceID", "meta-instanceID", "instanceID", "_uuid", "_index")


@dataclass
class ColumnMap:
    questions: dict[str, str] = field(default_factory=dict)  # question -> header
    splits: dict[str, dict[str, str]] = field(default_factory=dict)  # question -> choice -> header
    unknown_splits: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # (question, choice, header)
    meta: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (header, question)
    id_column: str | None = None

    @property
    def matched_any(self) -> bool:
        return bool(self.questions or self.splits)


def _is_meta(header: str) -> bool:
    low = header.lower()
    return low.startswith(META_PREFIXES) or low in META_NAMES


def _starts(header: str) -> list[int]:
    """Where the header and each tail of it after a group separator begin, longest first."""
    return [0] + [
        i + 1 for i, ch in enumerate(header) if ch in _GROUP_SEPARATORS and i + 1 < len(header)
    ]


def _split_parts(header: str, start: int, longest: int) -> Iterator[tuple[str, int]]:
    """Ways to read ``header[start:]`` as question + separator + choice: the question and the
    separator's position. A question name is at most ``longest`` long, so a header of 100,000
    characters costs no more than a short one (no tail is copied that cannot match)."""
    for i in range(start, min(len(header), start + longest + 1)):
        if header[i] in _GROUP_SEPARATORS:
            yield header[start:i], i


def map_columns(instrument: Instrument, headers: tuple[str, ...] | list[str]) -> ColumnMap:
    """Say for every header what it holds. Group prefixes (``s1/q``, ``s1-q``) are tolerated.

    A header may carry group prefixes joined by ``/`` or ``-`` (ODK Central uses ``-``, Kobo
    ``/``, some exports mix them), and a ``select_multiple`` choice after the question name.
    Split columns of a known choice win over a question of the same name as the choice.
    """
    names = {q.name: q for q in main_questions(instrument)}
    multiples = {n: q for n, q in names.items() if q.type == SELECT_MULTIPLE}
    cmap = ColumnMap()

    def claim_question(header: str, name: str) -> None:
        if name in cmap.questions:
            cmap.duplicates.append((header, name))
        else:
            cmap.questions[name] = header

    def claim_split(header: str, name: str, choice: str) -> None:
        per = cmap.splits.setdefault(name, {})
        if choice in per:
            cmap.duplicates.append((header, f"{name}/{choice}"))
        else:
            per[choice] = header

    longest = max((len(n) for n in names), default=0)
    longest_choice = max((len(c.name) for q in multiples.values() for c in q.choices), default=0)
    for header in headers:
        if header in names:
            claim_question(header, header)
            continue
        starts = _starts(header)
        split = next(
            (
                (q, header[i + 1 :])
                for s in starts
                for q, i in _split_parts(header, s, longest)
                if q in multiples
                and len(header) - i - 1 <= longest_choice
                and multiples[q].choice(header[i + 1 :])
            ),
            None,
        )
        if split is not None:
            claim_split(header, *split)
            continue
        question = next(
            (header[s:] for s in starts[1:] if len(header) - s <= longest and header[s:] in names),
            None,
        )
        if question is not None:
            claim_question(header, question)
            continue
        if _is_meta(header):
            cmap.meta.append(header)
            continue
        unknown = next(
            (
                (q, header[i + 1 :])
                for s in starts
                for q, i in _split_parts(header, s, longest)
                if q in multiples
            ),
            None,
        )
        if unknown is not None:
            cmap.unknown_splits.append((unknown[0], unknown[1], header))
        else:
            cmap.unknown.append(header)
    for candidate in ID_COLUMNS:
        if candidate in cmap.meta:
            cmap.id_column = candidate
            break
    return cmap


def category_headers(instrument: Instrument, headers: list[str] | tuple[str, ...]) -> set[str]:
    """The headers holding the answers to choice questions (one column per question): few
    distinct texts however many returns, so they can be read as categories (see
    :func:`klappt.responses.io.read_table`)."""
    cmap = map_columns(instrument, headers)
    return {
        header
        for name, header in cmap.questions.items()
        if (q := instrument.question(name)) is not None and q.type in (SELECT_ONE, SELECT_MULTIPLE)
    }
