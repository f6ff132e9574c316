"""Codings: who gave which code to which answer, when, and whether it was a suggestion.

A :class:`Coding` is one row: one code (or none) that one coder gave one unit. A unit is an
answer id (``"<return_id>#<segment>"``, see :mod:`klappt.coding.segments`) of one question.
A row with ``code`` None records that the coder saw the unit and gave it no code.

Which codes count (:func:`final_codes`):

1. rows marked ``final`` (a resolution after a disagreement) win; their codes are the answer's;
2. otherwise, when one coder coded the unit, that coder's codes;
3. otherwise, when all coders gave the same set of codes, that set;
4. otherwise the unit is *unresolved*: it is listed by ``klappt code agreement`` and counts
   as not coded until someone resolves it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from klappt.coding._lang import t
from klappt.coding.segments import answer_id, parse_answer_id
from klappt.errors import ErrorCode, KlapptError

CSV_COLUMNS = (
    "question",
    "answer",
    "return_id",
    "segment",
    "coder",
    "code",
    "suggested",
    "confidence",
    "final",
    "coded_at",
    "text",
)
TRUE_MARKS = ("x", "1", "ja", "j", "yes", "y", "true", "wahr", "✓", "✔", "ok")
FALSE_MARKS = ("", "0", "nein", "n", "no", "false", "falsch", "-")

Key = tuple[str, str]  # (question, answer)


@dataclass(frozen=True)
class Coding:
    """One code (or none) given by one coder to one unit."""

    answer: str  # "<return_id>#<segment>", or any id in a bare agreement file
    coder: str
    code: str | None  # None: seen, no code applies
    question: str = ""
    text: str = ""  # the unit's text as coded, to notice answers that changed since
    coded_at: str = ""  # ISO 8601
    suggested: bool = False  # the code is an accepted suggestion
    confidence: float | None = None  # of that suggestion
    final: bool = False  # a resolution of a disagreement
    row: int | None = field(default=None, compare=False)  # file row, for messages

    @property
    def key(self) -> Key:
        return (self.question, self.answer)

    @property
    def return_id(self) -> str:
        return parse_answer_id(self.answer)[0]

    @property
    def segment(self) -> int:
        return parse_answer_id(self.answer)[1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "return_id": self.return_id,
            "segment": self.segment,
            "coder": self.coder,
            "code": self.code,
            "suggested": self.suggested,
            "confidence": self.confidence,
            "final": self.final,
            "coded_at": self.coded_at,
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Coding:
        answer = d.get("answer") or answer_id(str(d["return_id"]), int(d.get("segment") or 0))
        conf = d.get("confidence")
        return cls(
            answer=str(answer),
            coder=str(d["coder"]),
            code=d.get("code") or None,
            question=str(d.get("question") or ""),
            text=str(d.get("text") or ""),
            coded_at=str(d.get("coded_at") or ""),
            suggested=bool(d.get("suggested")),
            confidence=float(conf) if conf is not None else None,
            final=bool(d.get("final")),
        )


@dataclass(frozen=True)
class CodingSet:
    """All codings of a wave (any questions, any coders), with the file they came from."""

    codings: tuple[Coding, ...] = ()
    source: str = ""

    def __len__(self) -> int:
        return len(self.codings)

    def __iter__(self):
        return iter(self.codings)

    def for_question(self, question: str) -> CodingSet:
        """The codings of ``question``; rows without a question are taken to belong to it."""
        return replace(self, codings=tuple(c for c in self.codings if c.question in (question, "")))

    @property
    def coders(self) -> tuple[str, ...]:
        return tuple(sorted({c.coder for c in self.codings}))

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "codings": [c.to_dict() for c in self.codings]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CodingSet:
        return cls(
            tuple(Coding.from_dict(x) for x in d.get("codings", [])),
            source=str(d.get("source") or ""),
        )


def merge_codings(base: CodingSet, new: CodingSet) -> CodingSet:
    """``base`` plus ``new``; a coder's new rows replace that coder's earlier rows for the same units.

    Nothing else is dropped: other coders' rows and units not in ``new`` stay as they were.

    Example
    -------
    >>> a = CodingSet((Coding("R1#1", "anna", "sport"), Coding("R2#1", "anna", "kultur")))
    >>> b = CodingSet((Coding("R1#1", "anna", "musik"),))
    >>> [(c.answer, c.code) for c in merge_codings(a, b)]
    [('R2#1', 'kultur'), ('R1#1', 'musik')]
    """
    replaced = {(c.question, c.answer, c.coder, c.final) for c in new.codings}
    kept = tuple(
        c for c in base.codings if (c.question, c.answer, c.coder, c.final) not in replaced
    )
    return CodingSet(kept + new.codings, source=base.source or new.source)


def codes_by_coder(codings: Iterable[Coding]) -> dict[Key, dict[str, frozenset[str]]]:
    """Per unit, per coder, the set of codes given (empty: seen, no code). Final rows are left out."""
    out: dict[Key, dict[str, set[str]]] = {}
    for c in codings:
        if c.final:
            continue
        per = out.setdefault(c.key, {}).setdefault(c.coder, set())
        if c.code is not None:
            per.add(c.code)
    return {k: {coder: frozenset(v) for coder, v in per.items()} for k, per in out.items()}


@dataclass(frozen=True)
class FinalCodes:
    """The codes that count, per unit; and the units whose coders disagree, unresolved."""

    codes: dict[Key, frozenset[str]]
    unresolved: frozenset[Key]
    resolved: frozenset[Key] = frozenset()  # units decided by ``final`` rows


def final_codes(codings: CodingSet | Iterable[Coding]) -> FinalCodes:
    """Decide which codes count for each unit (rules in the module docstring).

    Example
    -------
    >>> cs = CodingSet((Coding("R1#1", "anna", "sport"), Coding("R1#1", "ben", "sport"),
    ...                 Coding("R2#1", "anna", "sport"), Coding("R2#1", "ben", None)))
    >>> fc = final_codes(cs)
    >>> fc.codes[("", "R1#1")], sorted(fc.unresolved)
    (frozenset({'sport'}), [('', 'R2#1')])
    """
    rows = list(codings)
    finals: dict[Key, set[str]] = {}
    for c in rows:
        if c.final:
            per = finals.setdefault(c.key, set())
            if c.code is not None:
                per.add(c.code)
    codes: dict[Key, frozenset[str]] = {k: frozenset(v) for k, v in finals.items()}
    unresolved: set[Key] = set()
    for key, per_coder in codes_by_coder(rows).items():
        if key in codes:
            continue
        sets = set(per_coder.values())
        if len(sets) == 1:
            codes[key] = next(iter(sets))
        else:
            unresolved.add(key)
    return FinalCodes(codes=codes, unresolved=frozenset(unresolved), resolved=frozenset(finals))


@dataclass(frozen=True)
class CodingSummary:
    """How far coding is, and how much of it came from suggestions."""

    units: int  # units coded by anyone
    coded: int  # units whose codes count (agreed, single-coded or resolved)
    unresolved: int
    codes: int  # codes that count, summed over units
    from_suggestions: int  # of those, codes that were accepted suggestions
    coders: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "coded": self.coded,
            "unresolved": self.unresolved,
            "codes": self.codes,
            "from_suggestions": self.from_suggestions,
            "coders": list(self.coders),
        }


def summarize(codings: CodingSet) -> CodingSummary:
    """Count units, codes that count, and how many of those were accepted suggestions.

    A counted code is "from a suggestion" when the row that gave it (the final row, or the
    coder's row) was an accepted suggestion; for agreed double codings, when any coder's was.
    """
    fc = final_codes(codings)
    suggested: set[tuple[Key, str]] = set()
    for c in codings:
        if c.code is not None and c.suggested and (c.final or c.key not in fc.resolved):
            suggested.add((c.key, c.code))
    n_codes = sum(len(v) for v in fc.codes.values())
    from_s = sum(1 for k, v in fc.codes.items() for code in v if (k, code) in suggested)
    units = {c.key for c in codings}
    return CodingSummary(
        len(units), len(fc.codes), len(fc.unresolved), n_codes, from_s, codings.coders
    )


# -- CSV ------------------------------------------------------------------------------------------


def codings_to_csv(codings: CodingSet) -> str:
    """The codings as CSV text with the columns of :data:`CSV_COLUMNS`.

    Example
    -------
    >>> codings_to_csv(CodingSet((Coding("R1#1", "anna", "sport"),))).splitlines()[1]
    ',R1#1,R1,1,anna,sport,0,,0,,'
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for c in codings.codings:
        w.writerow(
            [
                c.question,
                c.answer,
                c.return_id,
                c.segment,
                c.coder,
                c.code or "",
                int(c.suggested),
                "" if c.confidence is None else f"{c.confidence:.3f}",
                int(c.final),
                c.coded_at,
                c.text,
            ]
        )
    return buf.getvalue()


def parse_mark(value: str | None, path: str, row: int | None, column: str) -> bool:
    """A yes/no cell as people fill it in (x, ja, 1 / leer, nein, 0); else a KlapptError."""
    v = (value or "").strip().casefold()
    if v in TRUE_MARKS:
        return True
    if v in FALSE_MARKS:
        return False
    raise KlapptError(
        ErrorCode.CODING_010,
        path=path,
        row=row or "?",
        message=t(
            f"'{value}' in der Spalte {column} ist weder ja (x, ja, 1) noch nein (leer, nein, 0)",
            f"'{value}' in the column {column} is neither yes (x, yes, 1) nor no (empty, no, 0)",
        ),
    )


def read_codings(path: str | Path) -> CodingSet:
    """Read codings from CSV or XLSX; at least the columns ``answer`` (or ``return_id``), ``coder``, ``code``.

    Parameters
    ----------
    path:
        A file written by ``klappt code import`` (all columns of :data:`CSV_COLUMNS`), or a bare
        agreement file ``answer,coder,code``: one row per code a coder gave an answer, an empty
        ``code`` meaning the coder saw the answer and gave it no code.

    Returns
    -------
    CodingSet
        Empty when the file has a header and no rows.

    Raises
    ------
    KlapptError
        ``CODING_009`` for missing columns, ``CODING_010`` naming the row of an unreadable value.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = p.write_text("answer,coder,code\\nR1,anna,sport\\nR1,ben,\\n")
    >>> [c.code for c in read_codings(p)]
    ['sport', None]
    """
    from klappt.responses.io import read_table

    try:
        raw = read_table(path)
    except KlapptError as exc:
        if exc.code is ErrorCode.RESPONSES_001:  # a header and no rows: nothing coded yet
            return CodingSet(source=str(path))
        raise
    src = str(path)
    cols = {c.strip().casefold(): c for c in raw.columns}
    missing = [name for name in ("coder", "code") if name not in cols]
    if "answer" not in cols and "return_id" not in cols:
        missing.insert(0, "answer")
    if missing:
        raise KlapptError(
            ErrorCode.CODING_009, path=src, missing=", ".join(missing), found=", ".join(raw.columns)
        )

    def get(record: dict[str, str | None], name: str) -> str | None:
        col = cols.get(name)
        return record.get(col) if col is not None else None

    out: list[Coding] = []
    for i, record in enumerate(raw.frame.iter_rows(named=True)):
        row = raw.file_row(i)
        coder = (get(record, "coder") or "").strip()
        if not coder:
            raise KlapptError(
                ErrorCode.CODING_010,
                path=src,
                row=row,
                message=t("die Spalte coder ist leer", "the column coder is empty"),
            )
        answer = (get(record, "answer") or "").strip()
        if not answer:
            rid = (get(record, "return_id") or "").strip()
            if not rid:
                raise KlapptError(
                    ErrorCode.CODING_010,
                    path=src,
                    row=row,
                    message=t("answer und return_id sind leer", "answer and return_id are empty"),
                )
            seg = (get(record, "segment") or "0").strip()
            if not seg.isdigit():
                raise KlapptError(
                    ErrorCode.CODING_010,
                    path=src,
                    row=row,
                    message=t(
                        f"segment '{seg}' ist keine Zahl", f"segment '{seg}' is not a number"
                    ),
                )
            answer = answer_id(rid, int(seg))
        conf_text = (get(record, "confidence") or "").strip().replace(",", ".")
        try:
            confidence = float(conf_text) if conf_text else None
        except ValueError:
            raise KlapptError(
                ErrorCode.CODING_010,
                path=src,
                row=row,
                message=t(
                    f"confidence '{conf_text}' ist keine Zahl",
                    f"confidence '{conf_text}' is not a number",
                ),
            ) from None
        out.append(
            Coding(
                answer=answer,
                coder=coder,
                code=(get(record, "code") or "").strip() or None,
                question=(get(record, "question") or "").strip(),
                text=get(record, "text") or "",
                coded_at=(get(record, "coded_at") or "").strip(),
                suggested=parse_mark(get(record, "suggested"), src, row, "suggested"),
                confidence=confidence,
                final=parse_mark(get(record, "final"), src, row, "final"),
                row=row,
            )
        )
    return CodingSet(tuple(out), source=src)


def check_codes(codings: CodingSet, known: Iterable[str], codebook_source: str = "") -> None:
    """Raise ``CODING_006`` naming the first row whose code is not in ``known``."""
    names = set(known)
    bad = [c for c in codings.codings if c.code is not None and c.code not in names]
    if bad:
        first = bad[0]
        shown = ", ".join(sorted(names)[:20]) + (" …" if len(names) > 20 else "")
        more = (
            t(f" (und {len(bad) - 1} weitere)", f" (and {len(bad) - 1} more)")
            if len(bad) > 1
            else ""
        )
        raise KlapptError(
            ErrorCode.CODING_006,
            path=codings.source or "(Codierungen)",
            row=first.row or "?",
            name=first.code,
            codebook=codebook_source or "",
            known=shown,
            more=more,
        )
