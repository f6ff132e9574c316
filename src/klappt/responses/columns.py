"""Match a data file's headers to the form: questions, Kobo split columns, metadata, strays."""

from __future__ import annotations

from dataclasses import dataclass, field

from klappt.instrument.model import SELECT_MULTIPLE, Instrument

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
        "deviceid",
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
    unknown_splits: list[tuple[str, str, str]] = field(default_factory=list)  # (question, choice, header)
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


def map_columns(instrument: Instrument, headers: tuple[str, ...] | list[str]) -> ColumnMap:
    """Say for every header what it holds. Group prefixes (``s1/q``, ``s1-q``) are tolerated."""
    names = {q.name: q for q in instrument.questions if q.type != "note"}
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

    for header in headers:
        if header in names:
            claim_question(header, header)
            continue
        found = False
        for sep in _GROUP_SEPARATORS:
            if sep not in header:
                continue
            tokens = header.split(sep)
            # a split column q/choice, with or without group prefixes
            for k in range(len(tokens) - 1):
                prefix = sep.join(tokens[k:-1])
                q = multiples.get(prefix)
                if q is not None and q.choice(tokens[-1]) is not None:
                    claim_split(header, prefix, tokens[-1])
                    found = True
                    break
            if found:
                break
            # a question under group prefixes; the longest matching suffix wins
            for k in range(1, len(tokens)):
                suffix = sep.join(tokens[k:])
                if suffix in names:
                    claim_question(header, suffix)
                    found = True
                    break
            if found:
                break
            for k in range(len(tokens) - 1):
                prefix = sep.join(tokens[k:-1])
                if prefix in multiples and not _is_meta(header):
                    cmap.unknown_splits.append((prefix, tokens[-1], header))
                    found = True
                    break
            if found:
                break
        if found:
            continue
        if _is_meta(header):
            cmap.meta.append(header)
        else:
            cmap.unknown.append(header)
    for candidate in ID_COLUMNS:
        if candidate in cmap.meta:
            cmap.id_column = candidate
            break
    return cmap
