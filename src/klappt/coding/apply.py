"""Coded categories as a question of their own: ``q__codes``, a derived multiple response.

:func:`apply_codes` returns a new :class:`ResponseSet` whose form has an extra
``select_multiple`` question ``q__codes`` right after the text question ``q`` (choices = the
codes, labels from the code book) and whose frame has one Boolean column ``q__codes/<code>``
per code. ``klappt tabulate``, ``--by`` crosstabs and report recipes then count it like any
other multiple response.

Counting rules:

* A return counts (is in the base) when its answer is **coded**: every part of the answer
  (segment) has codes that count (see :func:`klappt.coding.codings.final_codes`), or the whole
  answer (segment 0) has. Its columns are True/False. A return with no answer, an answer not
  yet (fully) coded, or an unresolved disagreement is null in every column and not in the base;
  the result's ``notes`` say how many answers are left out and why.
* A return has a code when any of its segments has it.
* A top-level code with children is a **net**: it counts a return once when the code itself
  or any of its children applies.
* When some coded answers got no code at all ("seen, nothing applies"), an extra choice
  ``_kein_code`` ("kein Code zutreffend") holds them, so that the base is all coded answers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from klappt.coding._lang import t
from klappt.coding.codebook import Codebook
from klappt.coding.codings import Coding, CodingSet, check_codes, final_codes
from klappt.coding.segments import _SPACE, answers, parse_answer_id, split_segments, text_question
from klappt.errors import ErrorCode, KlapptError
from klappt.instrument.model import SELECT_MULTIPLE, Choice, Question, language_code
from klappt.responses.dataset import ResponseSet

SUFFIX = "__codes"
NO_CODE = "_kein_code"
_NO_CODE_LABELS = {"de": "kein Code zutreffend", "en": "no code applies"}
_TITLE = {"de": "{label} (codiert)", "en": "{label} (coded)"}


def codes_question_name(question: str) -> str:
    """``"angebote"`` -> ``"angebote__codes"``."""
    return question + SUFFIX


def apply_codes(rs: ResponseSet, codebook: Codebook, codings: CodingSet) -> ResponseSet:
    """Add the coded categories of ``codebook.question`` as the multiple response ``q__codes``.

    Parameters
    ----------
    rs:
        Typed returns containing the text question of the code book.
    codebook:
        The codes, their labels and parents (two levels; parents count as nets).
    codings:
        Codings of any coders; only those of the code book's question (or without a question)
        are used.

    Returns
    -------
    ResponseSet
        A new set; ``rs`` is unchanged. Its ``notes`` say how many answers are not counted yet.

    Raises
    ------
    KlapptError
        ``CODING_006`` for a code not in the code book, ``CODING_007`` for codings of answers
        that are not in the data, ``CODING_008`` for answers whose text changed since coding;
        each naming the codings file and row. ``CODING_011`` when the question is no text question.

    Example
    -------
    >>> coded = apply_codes(rs, book, codings)                    # doctest: +SKIP
    >>> tabulate(coded).table("angebote__codes").base             # doctest: +SKIP
    31
    """
    q = text_question(rs, codebook.question)
    cs = codings.for_question(q.name)
    check_codes(cs, codebook.names, codebook.source)
    _check_units(rs, q.name, cs)

    fc = final_codes(cs)
    by_return: dict[str, dict[int, frozenset[str]]] = {}
    for (_, answer), codes in fc.codes.items():
        rid, seg = parse_answer_id(answer)
        by_return.setdefault(rid, {})[seg] = codes
    unresolved = {parse_answer_id(a)[0] for _, a in fc.unresolved}

    ordered = codebook.ordered()
    rows: list[frozenset[str] | None] = []
    ids = rs.meta.get_column("return_id").cast(pl.String).to_list()
    row_numbers = (
        rs.meta.get_column("row").to_list() if "row" in rs.meta.columns else [None] * rs.height
    )
    texts = rs.frame.get_column(q.name).to_list()
    partial = uncoded = 0
    for rid, row, text in zip(ids, row_numbers, texts, strict=True):
        rid = rid if rid is not None else f"#row-{row}"
        parts = split_segments(text)
        coded = by_return.get(rid, {})
        if not parts or rid in unresolved:
            rows.append(None)
        elif 0 in coded:
            rows.append(coded[0].union(*(coded[i] for i in coded if i)))
        elif all(i in coded for i in range(1, len(parts) + 1)):
            rows.append(frozenset().union(*coded.values()))
        else:
            partial += bool(coded)
            uncoded += not coded
            rows.append(None)

    children = {c.code: {k.code for k in codebook.children(c.code)} for c in ordered}
    columns: dict[str, list[bool | None]] = {}
    for c in ordered:
        members = {c.code} | children[c.code]
        columns[c.code] = [None if r is None else bool(r & members) for r in rows]
    any_empty = any(r is not None and not r for r in rows)
    names = [c.code for c in ordered] + ([NO_CODE] if any_empty else [])
    if any_empty:
        columns[NO_CODE] = [None if r is None else not r for r in rows]

    new_q = _codes_question(q, codebook, names, rs.instrument.languages)
    frame = _insert_after(
        rs.frame,
        q.name,
        [pl.Series(f"{new_q.name}/{name}", columns[name], dtype=pl.Boolean) for name in names],
    )
    questions = list(rs.instrument.questions)
    at = next(i for i, x in enumerate(questions) if x.name == q.name)
    questions = [x for x in questions if x.name != new_q.name]  # applying twice replaces
    questions.insert(at + 1, new_q)
    instrument = replace(rs.instrument, questions=tuple(questions))
    notes = list(rs.notes)
    n_unresolved = sum(1 for rid in unresolved if rid in set(ids))
    if n_unresolved:
        notes.append(
            t(
                f"{new_q.name}: {n_unresolved} Antworten mit ungeklärten Abweichungen zwischen Codierenden "
                "sind nicht gezählt (klappt code agreement)",
                f"{new_q.name}: {n_unresolved} answers with unresolved disagreements between coders "
                "are not counted (klappt code agreement)",
            )
        )
    if partial:
        notes.append(
            t(
                f"{new_q.name}: {partial} Antworten sind nur teilweise codiert und nicht gezählt",
                f"{new_q.name}: {partial} answers are only partly coded and not counted",
            )
        )
    if uncoded:
        notes.append(
            t(
                f"{new_q.name}: {uncoded} Antworten sind noch nicht codiert",
                f"{new_q.name}: {uncoded} answers are not coded yet",
            )
        )
    return replace(rs, instrument=instrument, frame=frame, notes=tuple(notes))


def _codes_question(
    q: Question, codebook: Codebook, names: list[str], languages: tuple[str, ...]
) -> Question:
    keys = list(q.labels) or list(languages) or ["de"]
    labels = {}
    for key in keys:
        lang = "en" if language_code(key) == "en" else "de"
        labels[key] = _TITLE[lang].format(label=q.labels.get(key) or q.name)
    choices = []
    for name in names:
        if name == NO_CODE:
            choices.append(Choice(NO_CODE, _localised(_NO_CODE_LABELS, keys)))
            continue
        code = codebook.code(name)
        assert code is not None
        mapped = _localised(code.labels, keys) if code.labels else {}
        choices.append(Choice(name, mapped))
    return replace(
        q,
        name=codes_question_name(q.name),
        type=SELECT_MULTIPLE,
        labels=labels,
        hints={},
        choices=tuple(choices),
        list_name=codes_question_name(q.name),
        relevant=None,
        required=None,
        constraint=None,
        constraint_messages={},
        appearance=None,
        choice_filter=None,
        calculation=None,
        or_other=False,
        ordered=False,
    )


def _localised(by_code: dict[str, str], keys: list[str]) -> dict[str, str]:
    """Labels keyed ``de``/``en`` re-keyed to the form's language keys (``Deutsch (de)``), plus the codes."""
    out = {}
    for key in keys:
        code = language_code(key)
        if code in by_code:
            out[key] = by_code[code]
        elif key == "default" and "de" in by_code:
            out[key] = by_code["de"]
    for code, text in by_code.items():
        out.setdefault(code, text)
    return out


def _insert_after(frame: pl.DataFrame, column: str, series: list[pl.Series]) -> pl.DataFrame:
    new_names = {s.name for s in series}
    kept = [c for c in frame.columns if c not in new_names]
    at = kept.index(column) + 1
    added = frame.drop([c for c in frame.columns if c in new_names]).with_columns(series)
    return added.select([*kept[:at], *[s.name for s in series], *kept[at:]])


@dataclass(frozen=True)
class CodingCheck:
    """Codings sorted into those that can count and those kept aside, each with the reason.

    Nothing is dropped: every input row is in exactly one of the four groups.
    """

    usable: CodingSet
    gone: tuple[Coding, ...] = ()  # the answer (or that part of it) is not in the data (any more)
    changed: tuple[tuple[Coding, str], ...] = ()  # (coding, current text): the answer changed
    unknown: tuple[Coding, ...] = ()  # the code is not in the code book

    @property
    def kept_aside(self) -> int:
        return len(self.gone) + len(self.changed) + len(self.unknown)


def check_codings(rs: ResponseSet, codebook: Codebook, codings: CodingSet) -> CodingCheck:
    """Sort the codings of ``codebook.question`` by whether :func:`apply_codes` can count them.

    A stored wave keeps codings whose answers disappeared (a re-imported data file) or whose
    code left the code book (a new version): they are kept aside here, never deleted.

    Example
    -------
    >>> check = check_codings(rs, book, codings)                 # doctest: +SKIP
    >>> [c.answer for c in check.gone]                           # doctest: +SKIP
    ['R99#1']
    """
    q = text_question(rs, codebook.question)
    cs = codings.for_question(q.name)
    names = set(codebook.names)
    unknown = tuple(c for c in cs.codings if c.code is not None and c.code not in names)
    rest = replace(cs, codings=tuple(c for c in cs.codings if c.code is None or c.code in names))
    gone, changed = _stale_units(rs, q.name, rest)
    drop = {id(c) for c in gone} | {id(c) for c, _ in changed}
    usable = replace(rest, codings=tuple(c for c in rest.codings if id(c) not in drop))
    return CodingCheck(usable, gone, changed, unknown)


def _stale_units(
    rs: ResponseSet, question: str, codings: CodingSet
) -> tuple[tuple[Coding, ...], tuple[tuple[Coding, str], ...]]:
    """Codings naming a segment that no longer exists, and those whose segment's text changed."""
    found = answers(rs, question)
    current: dict[str, list[str]] = {rid: split_segments(text) for rid, text, _, _ in found}
    whole = {rid: _SPACE.sub(" ", " ".join(text.split())) for rid, text, _, _ in found}
    orphans: list[Coding] = []
    changed: list[tuple[Coding, str]] = []
    for c in codings.codings:
        rid, seg = c.return_id, c.segment
        parts = current.get(rid)
        if parts is None or seg > len(parts):
            orphans.append(c)
            continue
        now = whole[rid] if seg == 0 else parts[seg - 1]
        if c.text and _squash(c.text) != _squash(now):
            changed.append((c, now))
    return tuple(orphans), tuple(changed)


def _check_units(rs: ResponseSet, question: str, codings: CodingSet) -> None:
    """Every coding must name a segment that still exists, with the text it had when coded."""
    orphans, changed = _stale_units(rs, question, codings)
    src = codings.source or "(Codierungen)"
    if orphans:
        first = orphans[0]
        more = (
            t(f" (und {len(orphans) - 1} weitere)", f" (and {len(orphans) - 1} more)")
            if len(orphans) > 1
            else ""
        )
        raise KlapptError(
            ErrorCode.CODING_007,
            path=src,
            row=first.row or "?",
            answer=first.answer,
            question=question,
            data=rs.source or "",
            more=more,
        )
    if changed:
        first, now = changed[0]
        more = (
            t(f" (und {len(changed) - 1} weitere)", f" (and {len(changed) - 1} more)")
            if len(changed) > 1
            else ""
        )
        raise KlapptError(
            ErrorCode.CODING_008,
            path=src,
            row=first.row or "?",
            answer=first.answer,
            coded=first.text,
            current=now,
            more=more,
        )


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()
