"""Exports with question *labels* as headings (KoboToolbox "Labels", ODK with labels).

KoboToolbox can export with the labels of a chosen language instead of the XML names, as
headings (``Wie zufrieden sind Sie?``, with groups ``Angebot/Wie zufrieden sind Sie?``, split
select_multiple columns ``Welche Zielgruppen?/Geflüchtete``) and as cell values (``Eher
zufrieden``). :func:`apply_label_headers` turns such a table back into the name-based layout
the core loader reads, in any of the form's languages; a table with name headings passes
through unchanged.

Hook for the core loader (``klappt.responses.dataset.load_responses``): call
``raw = apply_label_headers(instrument, raw)`` before ``map_columns``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from klappt.instrument.model import SELECT_MULTIPLE, SELECT_ONE, Instrument, Question
from klappt.language import Text, counted
from klappt.responses.io import RawTable

SEPARATORS = ("/", " / ", "-", " - ", ":", ".")
_SPACES = re.compile(r"\s+")


def _norm(text: str) -> str:
    text = re.sub(r"<[^>]+>", "", text or "")
    text = text.replace("*", "").replace("_", " ")  # markdown emphasis in labels
    return _SPACES.sub(" ", text).strip().lower()


@dataclass
class LabelMatch:
    """Which headings were labels and what they became."""

    renamed: dict[str, str] = field(default_factory=dict)  # heading -> name-based heading
    values_translated: list[str] = field(default_factory=list)  # columns whose cells held labels


def _group_prefixes(instrument: Instrument, q: Question, lang_key: str) -> list[list[str]]:
    """The group label paths above ``q``: [], [g2], [g1, g2] … in ``lang_key``, or in every
    language the groups have when the question's label has no language of its own."""
    groups = [g for name in q.group_path if (g := instrument.group(name)) is not None]
    keys = (
        {lang_key}
        if all(lang_key in g.labels for g in groups)
        else {k for g in groups for k in g.labels} or {lang_key}
    )
    out: list[list[str]] = [[]]
    for key in sorted(keys):
        labels = [g.labels.get(key) or g.label() for g in groups]
        out.extend(labels[i:] for i in range(len(labels)))
    return out


def _keys(instrument: Instrument) -> dict[str, list[str]]:
    """Normalised label heading -> name-based headings, in form order."""
    keys: dict[str, list[str]] = {}

    def add(key: str, target: str) -> None:
        targets = keys.setdefault(_norm(key), [])
        if target not in targets:
            targets.append(target)

    for q in instrument.questions:
        if q.type == "note":
            continue
        for lang_key, label in q.labels.items():
            if not label.strip():
                continue
            for prefix in _group_prefixes(instrument, q, lang_key):
                for sep in SEPARATORS:
                    head = sep.join([*prefix, label])
                    add(head, q.name)
                    if q.type == SELECT_MULTIPLE:
                        for c in q.choices:
                            clabel = c.labels.get(lang_key) or c.label()
                            add(f"{head}{sep}{clabel}", f"{q.name}/{c.name}")
    return keys


def label_header_map(
    instrument: Instrument, headers: tuple[str, ...] | list[str]
) -> dict[str, str]:
    """Map every heading that is a question label (in any language) to its name-based heading.

    Headings that already are names, metadata or unknown are left out of the result. When two
    questions share a label, headings are given to them in form order.

    Example
    -------
    >>> from klappt.instrument import read_instrument  # doctest: +SKIP
    >>> label_header_map(form, ["Wie zufrieden sind Sie?"])  # doctest: +SKIP
    {'Wie zufrieden sind Sie?': 'zufriedenheit'}
    """
    names = {q.name for q in instrument.questions}
    keys: dict[str, list[str]] | None = None  # built only for a heading that is no name
    claimed: set[str] = set()
    out: dict[str, str] = {}
    for h in headers:
        parts = h.split("/")
        if h.startswith("_") or parts[-1] in names or (len(parts) > 1 and parts[-2] in names):
            continue  # a name heading (with group prefixes or as a split column), or metadata
        if keys is None:
            keys = _keys(instrument)
        targets = keys.get(_norm(h))
        if not targets:
            continue
        target = next((t for t in targets if t not in claimed), None)
        if target is None:
            continue
        claimed.add(target)
        out[h] = target
    return out


def _choice_lookup(q: Question) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for c in q.choices:
        for text in (*c.labels.values(), c.name):
            lookup.setdefault(_norm(text), c.name)
    return lookup


def _multi_from_labels(text: str, q: Question, lookup: dict[str, str]) -> str:
    """``"Geflüchtete Alleinerziehende"`` -> ``"gefluechtete alleinerziehende"``: longest labels first."""
    names = {c.name for c in q.choices}
    tokens = text.split()
    if all(t in names for t in tokens):
        return text
    rest = _norm(text)
    found: list[tuple[int, str]] = []
    for label in sorted(lookup, key=len, reverse=True):
        if not label:
            continue
        pos = rest.find(label)
        while pos >= 0:
            found.append((pos, lookup[label]))
            rest = rest[:pos] + " " * len(label) + rest[pos + len(label) :]
            pos = rest.find(label)
    if rest.strip():
        return text  # something we cannot read: leave it for the validation report
    ordered = [n for _, n in sorted(found)]
    return " ".join(dict.fromkeys(ordered))


def apply_label_headers(instrument: Instrument, raw: RawTable) -> RawTable:
    """The table with label headings (and label values) turned into klappt's name-based layout.

    A table whose headings are names comes back unchanged (the same object).
    """
    mapping = label_header_map(instrument, raw.columns)
    if not mapping:
        return raw
    frame = raw.frame.rename(mapping)
    exprs: list[pl.Expr] = []
    translated: list[str] = []
    for old, new in mapping.items():
        if "/" in new:
            continue
        q = instrument.question(new)
        if q is None or q.type not in (SELECT_ONE, SELECT_MULTIPLE):
            continue
        lookup = _choice_lookup(q)
        distinct = frame[new].drop_nulls().unique().to_list()
        if q.type == SELECT_ONE:
            values = {v: lookup.get(_norm(v), v) for v in distinct}
        else:
            values = {v: _multi_from_labels(v, q, lookup) for v in distinct}
        values = {k: v for k, v in values.items() if k != v}
        if values:
            exprs.append(
                pl.col(new)
                .replace_strict(values, default=pl.col(new), return_dtype=pl.String)
                .alias(new)
            )
            translated.append(old)
    if exprs:
        frame = frame.with_columns(exprs)
    note = Text(
        "{n} Beschriftungen als Fragenamen gelesen", "{n} label headings read as question names"
    ).format(n=len(mapping))
    if translated:
        more = Text(
            "; Antwortbeschriftungen in {n} übersetzt", "; answer labels translated in {n}"
        ).format(n=counted(len(translated), Text("Spalte", "column"), Text("Spalten", "columns")))
        note = Text(note.de + more.de, note.en + more.en)
    notes = (*raw.notes, note)
    return RawTable(
        frame=frame,
        columns=tuple(frame.columns),
        file_rows=raw.file_rows,
        source=raw.source,
        format=raw.format,
        encoding=raw.encoding,
        separator=raw.separator,
        decimal_comma=raw.decimal_comma,
        notes=notes,
    )
