"""LimeSurvey returns (``.lsr`` inside an archive, or a CSV export) -> a klappt :class:`RawTable`.

LimeSurvey names its response columns three ways, and exports use all of them:
SGQA (``123X4X5SQ001``, the database and ``.lsr``), question codes (``Q1[SQ001]``, the CSV
export's "question code" headings) and ExpressionScript names (``Q1_SQ001``). A CSV may also
carry the full question texts as headings and full answer texts instead of codes. We match
every heading against the :class:`~klappt.interop.limesurvey.form.LsField` map built from the
structure file and rebuild the table in klappt's own layout: one column per XLSForm question,
a select_multiple as one column of space-separated choices, metadata as ``_id``, ``_submitdate`` ….

All transformations are Polars expressions over whole columns, so 100,000 returns take well
under a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from klappt.errors import ErrorCode, KlapptError, Text
from klappt.interop.limesurvey.form import LsField, LsForm
from klappt.language import counted
from klappt.responses.io import RawTable

#: LimeSurvey's own response-table columns -> klappt metadata columns.
META = {
    "id": "_id",
    "token": "_token",
    "submitdate": "_submitdate",
    "lastpage": "_lastpage",
    "startlanguage": "_startlanguage",
    "seed": "_seed",
    "startdate": "_startdate",
    "datestamp": "_datestamp",
    "ipaddr": "_ipaddr",
    "refurl": "_refurl",
}
#: The same columns under the "full text" headings of an export (English and German).
META_TEXT = {
    "response id": "id",
    "date submitted": "submitdate",
    "last page": "lastpage",
    "start language": "startlanguage",
    "seed": "seed",
    "date started": "startdate",
    "date last action": "datestamp",
    "ip address": "ipaddr",
    "referrer url": "refurl",
    "token": "token",
    "access code": "token",
    "antwort id": "id",
    "datum abgeschickt": "submitdate",
    "letzte seite": "lastpage",
    "start-sprache": "startlanguage",
    "startsprache": "startlanguage",
    "datum gestartet": "startdate",
    "datum der letzten aktivität": "datestamp",
    "ip-adresse": "ipaddr",
    "referrer-url": "refurl",
    "zugangsschlüssel": "token",
}
_TIMING = re.compile(r"(?i)^(interviewtime|grouptime\d+|\d+X\d+time|\d+X\d+X\d+time|.+Time)$")
_SGQA = re.compile(r"^(\d+)X(\d+)X(\d+)")
_SPACES = re.compile(r"\s+")
#: What a ticked multiple-choice box holds in an export: "Y" with codes, "Yes" with full texts.
TICKED = ("y", "yes", "1", "true", "ja", "oui", "si", "sí", "sì", "x", "selected", "ausgewählt")
NO_ANSWER = (
    "no answer",
    "keine antwort",
    "n/a",
    "sans réponse",
    "geen antwoord",
    "nessuna risposta",
    "sin respuesta",
)


@dataclass
class DataMatch:
    """How the headings of a response table were understood."""

    style: str  # sgqa | code | expression | text
    fields: dict[str, list[LsField]] = field(default_factory=dict)  # heading -> fields fed by it
    meta: dict[str, str] = field(default_factory=dict)  # heading -> klappt meta column
    timings: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    foreign_sid: str | None = None


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip().lower()


def match_headings(form: LsForm, headings: tuple[str, ...] | list[str]) -> DataMatch:
    """Say for every heading which LimeSurvey field (or metadata column) it holds."""
    by_key: dict[str, dict[str, list[LsField]]] = {
        "sgqa": {},
        "code": {},
        "expression": {},
        "text": {},
    }
    for f in form.fields:
        for style, key in (
            ("sgqa", f.sgqa),
            ("code", f.code),
            ("expression", f.em),
            ("text", _norm(f.heading)),
        ):
            if key:
                by_key[style].setdefault(key, []).append(f)
    lowered = {style: {k.lower(): v for k, v in keys.items()} for style, keys in by_key.items()}
    counts = {style: 0 for style in by_key}
    match = DataMatch(style="code")
    sid = form.survey.sid
    for h in headings:
        low = h.strip().lower()
        if low in META:
            match.meta[h] = META[low]
            continue
        if _norm(h) in META_TEXT:
            match.meta[h] = META[META_TEXT[_norm(h)]]
            continue
        found = None
        for style in ("sgqa", "code", "expression"):
            hit = by_key[style].get(h) or lowered[style].get(low)
            if hit:
                found, counts[style] = hit, counts[style] + 1
                break
        if found is None:
            hit = by_key["text"].get(_norm(h))
            # a text heading must name one LimeSurvey column; two questions with one text do not
            if hit and len({f.sgqa for f in hit}) == 1:
                found, counts["text"] = hit, counts["text"] + 1
        if found is not None:
            match.fields[h] = found
            continue
        sg = _SGQA.match(h)
        if sg and sid and sg.group(1) != sid:
            match.foreign_sid = sg.group(1)
        if _TIMING.match(h):
            match.timings.append(h)
        else:
            match.unknown.append(h)
    match.style = max(counts, key=lambda s: counts[s]) if any(counts.values()) else "code"
    return match


def _check(match: DataMatch, form: LsForm, source: str) -> None:
    """Stop when the table is another survey's: nothing matches, or most question columns are unknown."""
    form_name = f"{form.source} (sid {form.survey.sid})" if form.survey.sid else form.source
    useful = [h for h, fs in match.fields.items() if any(f.role != "skip" for f in fs)]
    if (
        not useful
        or len(match.unknown) > len(useful)
        or (match.foreign_sid and len(match.unknown) >= len(useful))
    ):
        shown = ", ".join(match.unknown[:6]) + (" …" if len(match.unknown) > 6 else "")
        raise KlapptError(
            ErrorCode.INTEROP_008,
            path=source,
            form=form_name,
            unknown=len(match.unknown),
            total=len(match.unknown) + len(useful),
            examples=shown or "-",
        )


def _choice_of(value: str, f: LsField) -> str | None:
    """The choice a cell of a select_one column stands for: its code, its text, or nothing."""
    text = value.strip()
    if text in f.codes:
        return f.codes[text]
    low = text.lower()
    if low in f.labels:
        return f.labels[low]
    if low in NO_ANSWER:
        return None
    return text  # unknown: kept as written, so the validation report names it


def _is_ticked(value: str, f: LsField) -> bool:
    text = value.strip()
    if f.role == "flag_text":
        return bool(text)
    low = text.lower()
    return low in TICKED or low in f.labels


def _distinct(frame: pl.DataFrame, headings: list[str]) -> dict[str, list[str]]:
    """The distinct non-empty values of each column, in one pass over the table."""
    if not headings:
        return {}
    got = frame.select([pl.col(h).drop_nulls().unique().implode().alias(h) for h in headings]).row(
        0
    )
    return {h: list(values) for h, values in zip(headings, got, strict=True)}


def convert_responses(form: LsForm, raw: RawTable) -> tuple[RawTable, DataMatch]:
    """Rebuild LimeSurvey returns in klappt's layout; KlapptError ``INTEROP_008`` for another survey's data."""
    match = match_headings(form, raw.columns)
    _check(match, form, raw.source)
    exprs: list[pl.Expr] = []
    names: list[str] = []
    for heading, column in match.meta.items():
        if column not in names:
            exprs.append(pl.col(heading).alias(column))
            names.append(column)
    values: dict[str, tuple[str, LsField]] = {}
    flags: dict[str, list[tuple[str, LsField]]] = {}
    order: list[str] = []
    for heading, fs in match.fields.items():
        for f in fs:
            if f.role == "skip":
                continue
            if f.target not in order:
                order.append(f.target)
            if f.role == "value":
                values.setdefault(f.target, (heading, f))
            else:
                flags.setdefault(f.target, []).append((heading, f))
    # Answer codes and texts are translated through the distinct values of each column: a
    # survey has few of them, so the per-cell work is one hash lookup (or nothing at all)
    distinct = _distinct(
        raw.frame,
        [h for h, f in values.values() if f.kind == "select_one"]
        + [h for fl in flags.values() for h, _ in fl],
    )
    for target in order:
        if target in values:
            heading, f = values[target]
            col = pl.col(heading)
            if f.kind == "select_one":
                mapping = {v: _choice_of(v, f) for v in distinct[heading]}
                mapping = {k: v for k, v in mapping.items() if k != v}
                if mapping:
                    col = col.replace_strict(mapping, default=col, return_dtype=pl.String)
            exprs.append(col.alias(target))
        else:
            parts = []
            for h, f in flags[target]:
                ticked = [v for v in distinct[h] if _is_ticked(v, f)]
                parts.append(pl.when(pl.col(h).is_in(ticked)).then(pl.lit(f.choice)))
            joined = pl.concat_str(parts, separator=" ", ignore_nulls=True)
            exprs.append(pl.when(joined == "").then(None).otherwise(joined).alias(target))
        names.append(target)
    frame = raw.frame.select(exprs)
    notes = list(raw.notes)
    if match.timings:
        notes.append(
            Text("{n} ausgelassen", "{n} left out").format(
                n=counted(
                    len(match.timings),
                    Text("Zeitmessungs-Spalte", "timing column"),
                    Text("Zeitmessungs-Spalten", "timing columns"),
                )
            )
        )
    table = RawTable(
        frame=frame,
        columns=tuple(names),
        file_rows=raw.file_rows,
        source=raw.source,
        format=f"limesurvey-{match.style}",
        encoding=raw.encoding,
        separator=raw.separator,
        decimal_comma=False,  # LimeSurvey writes numbers with a decimal point, whatever the separator
        notes=tuple(notes),
    )
    return table, match
