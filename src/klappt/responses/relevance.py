"""Constraints, relevance and required answers, decided on the typed table of a load.

Each step takes the :class:`~klappt.responses.loading.Loader` of the load: constraints are
decided in one pass (:func:`check_constraints`), the answers that failed a check are found
(:func:`bad_answers`: conditions on them are undecidable), and relevance and ``required`` are
decided run by run of questions (:func:`apply_relevance`, :func:`batches`).
"""

from __future__ import annotations

import re

import polars as pl

from klappt.instrument.conditions.parse import UnsupportedExpression, references
from klappt.instrument.conditions.to_polars import Compiler
from klappt.instrument.model import Question
from klappt.responses.loading import RAW, Loader

_REL = "__rel__"
_STRAY = "__stray__"
_REF = re.compile(r"\$\{([^}]+)\}|\.\./([A-Za-z_][\w.\-]*)")


def check_constraints(ld: Loader, frame: pl.DataFrame) -> pl.DataFrame:
    """Every constraint decided on the typed answers in one pass; the answers that break
    one are reported and left out (all against the same table, so the order is free)."""
    compiler = ld.compiler(frame)
    violations: dict[str, pl.Expr] = {}
    for q in ld.instrument.questions:
        if not q.constraint or q.type in ("note", "calculate"):
            continue
        ok = _condition(ld, compiler, q, "constraint", q.constraint)
        if ok is not None:
            violations[q.name] = ld.answered(q) & ~ok
    if not violations:
        return frame
    masks = ld.align(frame.select(e.fill_null(False).alias(n) for n, e in violations.items()))
    hits = masks.select(pl.all().sum()).row(0, named=True)
    blanks: list[pl.Expr] = []
    view = ld.view(frame, masks.rename({n: _STRAY + n for n in masks.columns}))
    for name, n in hits.items():
        if not n:
            continue
        asked = ld.instrument.question(name)
        assert asked is not None
        column, raw_value = ld.raw_value(asked)
        msg = asked.constraint_message() or asked.constraint
        ld.flag(view, pl.col(_STRAY + name), "constraint", column or name, raw_value, name, msg)
        blanks.extend(ld.blank_out(asked, pl.lit(masks[name])))
    return ld.align(frame.with_columns(blanks)) if blanks else frame


def bad_answers(ld: Loader, frame: pl.DataFrame) -> pl.DataFrame:
    """Per question, the returns whose answer failed a check: conditions on it are undecidable.

    An answer failed when its cell holds text but the typed value is empty. Only those few
    cells are looked at for spaces (a cell of spaces is empty, not wrong); the spaces found
    are kept in ``ld.blank`` for the required check.
    """
    view = ld.view(frame)
    exprs = []
    for q in ld.instrument.questions:
        if q.type == "note" or not (q.name in ld.cmap.questions or q.name in ld.cmap.splits):
            continue
        header = ld.cmap.questions.get(q.name)
        # Kobo's split columns (no header): empty means no choice marked as selected
        held = pl.col(RAW + header).is_not_null() if header is not None else ~ld.raw_empty(q)
        exprs.append((held & ~ld.answered(q)).alias(q.name))
    if not exprs:
        return pl.DataFrame()
    bad = ld.align(view.select(exprs))
    counts = bad.select(pl.all().sum()).row(0, named=True)
    fixed = []
    for name, hits in counts.items():
        header = ld.cmap.questions.get(name)
        if not hits or header is None:
            continue
        idx = bad[name].arg_true()
        text = ld.raw.frame[header].gather(idx).cast(pl.String)
        blank = text.str.strip_chars().str.len_bytes() == 0
        if blank.any():
            where = idx.filter(blank)
            ld.blank[name] = pl.repeat(False, bad.height, eager=True).scatter(where, True)
            fixed.append(bad[name].scatter(where, False))
    return ld.align(bad.with_columns(fixed)) if fixed else bad


def batches(ld: Loader) -> list[list[Question]]:
    """The questions in runs that can be decided together, in form order.

    Relevance is decided question by question: a follow-up of a follow-up sees the first
    follow-up's answer removed if that was not asked. A run ends before a question whose
    conditions name a question of the run that may lose answers that way (or whose
    ``required`` is named by an earlier one of the run); within a run the conditions are then
    the same on the table before the run as on the table question by question, so a whole
    run takes one pass instead of one per question.
    """
    runs: list[list[Question]] = [[]]
    removable: set[str] = set()
    named_by_required: set[str] = set()
    for q in ld.instrument.questions:
        if q.type == "note":
            continue
        chain = ld.instrument.relevance_chain(q)
        refs = set().union(*(references(c) for c in chain)) if chain else set()
        req = references(q.required or "", q.name)
        if (refs | req) & removable or (chain and q.name in named_by_required):
            runs.append([])
            removable, named_by_required = set(), set()
        runs[-1].append(q)
        if chain:
            removable.add(q.name)
        named_by_required |= req - {q.name}
    return [r for r in runs if r]


def apply_relevance(ld: Loader, frame: pl.DataFrame, bad: pl.DataFrame) -> pl.DataFrame:
    """Answers to questions that were not asked are reported and left out, run by run; an
    answer required where it was asked and missing is reported (``bad``: the answers that
    failed a check, on which a condition cannot be decided)."""
    compiler = ld.compiler(frame)
    for run in batches(ld):
        relevants: dict[str, pl.Expr] = {}
        strays: dict[str, pl.Expr] = {}
        requireds: dict[str, pl.Expr] = {}
        for q in run:
            chain = ld.instrument.relevance_chain(q)
            relevant: pl.Expr | None = None
            for cond in chain:
                c = _condition(ld, compiler, q, "relevant", cond)
                if c is not None:
                    relevant = c if relevant is None else relevant & c
            # a repeat's answers are no cells of the main table: nothing there can be missing
            required = None if q.in_repeat else required_condition(ld, compiler, q)
            if relevant is not None:
                relevants[q.name] = relevant
                refs = {a or b for cond in chain for a, b in _REF.findall(cond)} & set(bad.columns)
                stray = ld.answered(q) & ~pl.col(_REL + q.name)
                if refs:
                    # an answer that hangs on an invalid one is neither reported nor removed
                    uncertain = pl.any_horizontal([pl.lit(bad[r]) for r in sorted(refs)])
                    stray = stray & ~uncertain
                strays[q.name] = stray
            if required is not None and q.type != "calculate":
                requireds[q.name] = required
        if not relevants and not requireds:
            continue
        # the conditions as they stand before this run, decided once for the whole run
        decided = ld.align(
            frame.with_columns(e.alias(_REL + n) for n, e in relevants.items())
        ).select(
            *(pl.col(_REL + n) for n in relevants),
            *(e.alias(_STRAY + n) for n, e in strays.items()),
        )
        view = ld.view(frame, decided)
        hits = (
            decided.select(pl.col(_STRAY + n).sum().alias(n) for n in strays).row(0, named=True)
            if strays
            else {}
        )
        blanks: list[pl.Expr] = []
        for q in run:
            if hits.get(q.name):
                column, raw_value = ld.raw_value(q)
                stray = pl.col(_STRAY + q.name)
                ld.flag(view, stray, "not_relevant", column or q.name, raw_value, q.name)
                blanks.extend(ld.blank_out(q, pl.lit(decided[_STRAY + q.name])))
        if blanks:
            frame = ld.align(frame.with_columns(blanks))
        if requireds:
            view = ld.view(frame, decided)
            missing = {
                n: (
                    (pl.col(_REL + n) if n in relevants else pl.lit(True))
                    & required
                    & ld.raw_empty(ld.instrument.question(n))  # type: ignore[arg-type]
                )
                for n, required in requireds.items()
            }
            found = view.select(e.fill_null(False).sum().alias(n) for n, e in missing.items()).row(
                0, named=True
            )
            for n, e in missing.items():
                if found[n]:
                    asked = ld.instrument.question(n)
                    assert asked is not None
                    column, _ = ld.raw_value(asked)
                    ld.flag(view, e, "required_missing", column or n, None, n)
    return frame


def required_condition(ld: Loader, compiler: Compiler, q: Question) -> pl.Expr | None:
    """When an answer to ``q`` is required (None: never)."""
    text = (q.required or "").strip()
    if not text or text.lower() in ("no", "false", "false()", "nein"):
        return None
    if q.is_required_always:
        return pl.lit(True)
    return _condition(ld, compiler, q, "required", text)


def _condition(
    ld: Loader, compiler: Compiler, q: Question, column: str, text: str
) -> pl.Expr | None:
    """The condition as a Polars expression; one klappt cannot decide is noted, and None."""
    try:
        return compiler.condition(text, self_name=q.name if column == "constraint" else None)
    except UnsupportedExpression as exc:
        ld.note(
            "expression_unsupported",
            ld.cmap.questions.get(q.name),
            q.name,
            f"{column} {text!r}: {exc}",
        )
        return None
