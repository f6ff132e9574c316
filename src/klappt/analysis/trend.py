"""Trend tables over any number of waves whose forms change.

Each wave's returns are first turned into answers to the last wave's form
(:func:`apply_mapping`: questions renamed, choices renamed or merged, incomparable choices
dropped to "no answer"), then tabulated exactly as ``klappt tabulate`` does; a trend entry
holds each wave's table with that wave's own base, question name and question text.
``Trend.to_dict()`` is the JSON contract of ``klappt trend --json`` (README).
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any

import polars as pl

from klappt.analysis.mapping import WaveMapping, compose, identity
from klappt.analysis.panel import TICKED, Panel, panel, site_answers, ticked_answers
from klappt.analysis.tabulate import Tabulation, tabulate
from klappt.analysis.uncertainty import fisher, footnote, wilson
from klappt.errors import ErrorCode, KlapptError
from klappt.instrument.model import SELECT_MULTIPLE, SELECT_ONE, Instrument
from klappt.responses.dataset import ResponseSet
from klappt.responses.schema import choice_enum

__all__ = ["Trend", "WaveInput", "apply_mapping", "chain", "trend"]


@dataclass(frozen=True)
class WaveInput:
    """One wave for the trend: its name, its returns and each return's site (or None)."""

    name: str
    responses: ResponseSet
    sites: pl.Series | None = None  # site id per return, row for row; None: not known
    register: int | None = None  # sites in the register, for the response


@dataclass(frozen=True)
class Trend:
    waves: tuple[str, ...]
    entries: tuple[dict[str, Any], ...]
    response: dict[str, dict[str, Any]]
    by: str | None = None
    min_cell: int | None = None
    notes: tuple[str, ...] = ()
    footnote: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "waves": list(self.waves),
            "response": self.response,
            "trends": list(self.entries),
        }
        if self.by:
            d["by"] = self.by
            d["disclosure"] = {"min_cell": self.min_cell}
        if self.notes:
            d["notes"] = list(self.notes)
        if self.footnote:
            d["footnote"] = self.footnote
        return d


def chain(
    names: list[str],
    forms: dict[str, Instrument],
    stored: dict[tuple[str, str], WaveMapping],
) -> dict[str, WaveMapping]:
    """Each wave's mapping onto the last wave ``names[-1]``.

    The chain of steps from the wave to the last, a step being a stored mapping (``stored[(a,
    b)]``, also between waves not in ``names``, e.g. 2020 → 2021 → 2022 for a trend of 2020 and
    2022) or, between two neighbours in ``names``, their unchanged questions; stored mappings
    are preferred (:data:`_UNCHANGED_STEP`). Questions the chain loses but that are unchanged in
    the last wave map to themselves.
    """
    last = names[-1]
    out: dict[str, WaveMapping] = {last: identity(forms[last], forms[last], last, last)}
    steps: dict[str, list[tuple[str, WaveMapping | None]]] = {}
    for (a, b), m in stored.items():
        steps.setdefault(a, []).append((b, m))
    for a, b in itertools.pairwise(names):
        steps.setdefault(a, []).append((b, None))  # unchanged questions, made when taken
    for w in names[:-1]:
        path = _path(w, last, steps)
        found: WaveMapping | None = None
        for a, b, kept in path:
            taken = kept if kept is not None else identity(forms[a], forms[b], a, b)
            found = taken if found is None else compose(found, taken)
        assert found is not None  # the neighbours' steps always lead to the last wave
        direct = identity(forms[w], forms[last], w, last).questions
        targets = {q.target for q in found.questions.values()}
        extra = {
            n: q for n, q in direct.items() if n not in found.questions and q.target not in targets
        }
        out[w] = dataclasses.replace(found, questions={**found.questions, **extra})
    return out


#: what a step of unchanged questions costs against a stored mapping's 1: a chain of stored
#: mappings, which say what changed, wins over the neighbours' unchanged questions
_UNCHANGED_STEP = 100


def _path(
    start: str, goal: str, steps: dict[str, list[tuple[str, WaveMapping | None]]]
) -> list[tuple[str, str, WaveMapping | None]]:
    """The cheapest chain of steps from ``start`` to ``goal`` (stored mappings first)."""
    import heapq

    best = {start: 0}
    back: dict[str, tuple[str, WaveMapping | None]] = {}
    queue: list[tuple[int, int, str]] = [(0, 0, start)]
    tie = 0
    while queue:
        cost, _, a = heapq.heappop(queue)
        if a == goal:
            break
        if cost > best.get(a, cost):
            continue
        for b, m in steps.get(a, []):
            c = cost + (1 if m is not None else _UNCHANGED_STEP)
            if c < best.get(b, c + 1):
                best[b] = c
                back[b] = (a, m)
                tie += 1
                heapq.heappush(queue, (c, tie, b))
    path = []
    node = goal
    while node != start and node in back:
        a, m = back[node]
        path.append((a, node, m))
        node = a
    return path[::-1]


def apply_mapping(rs: ResponseSet, mapping: WaveMapping, target: Instrument) -> ResponseSet:
    """The returns as answers to ``target``'s questions, for every question ``mapping`` maps."""
    columns: list[pl.Expr] = []
    kept: set[str] = set()
    source = rs.instrument
    for qm in mapping.questions.values():
        sq = source.question(qm.source)
        tq = target.question(qm.target) if qm.target else None
        if sq is None or tq is None or qm.source not in _present(rs, sq):
            continue
        kept.add(tq.name)
        if tq.type == SELECT_ONE:
            valid = {c: d for c, d in qm.choices.items() if d is not None}
            columns.append(
                pl.col(sq.name)
                .cast(pl.String)
                .replace_strict(valid, default=None, return_dtype=pl.String)
                .cast(choice_enum(tq))
                .alias(tq.name)
            )
        elif tq.type == SELECT_MULTIPLE:
            for d in dict.fromkeys(c.name for c in tq.choices):
                parts = [
                    pl.col(f"{sq.name}/{c}").fill_null(False)
                    for c, x in qm.choices.items()
                    if x == d
                ]
                expr = pl.any_horizontal(parts) if parts else pl.lit(False)
                columns.append(expr.alias(f"{tq.name}/{d}"))
        elif tq.type in ("decimal",) and sq.type != "decimal":
            columns.append(pl.col(sq.name).cast(pl.Float64).alias(tq.name))
        else:
            columns.append(pl.col(sq.name).alias(tq.name))
    frame = rs.frame.select(columns) if columns else pl.DataFrame(height=rs.frame.height)
    form = dataclasses.replace(
        target,
        questions=tuple(q for q in target.questions if q.name in kept),
        groups=tuple(g for g in target.groups if g.kind != "repeat"),
    )
    return dataclasses.replace(rs, instrument=form, frame=frame, notes=())


def _present(rs: ResponseSet, q: Any) -> set[str]:
    """``{q.name}`` when the frame holds the question's column(s)."""
    if q.type == SELECT_MULTIPLE:
        ok = all(f"{q.name}/{c.name}" in rs.frame.columns for c in q.choices)
    else:
        ok = q.name in rs.frame.columns
    return {q.name} if ok else set()


def _sites(w: WaveInput) -> int | None:
    if w.sites is None:
        return None
    return int(w.sites.drop_nulls().n_unique())


def trend(
    waves: list[WaveInput],
    mappings: dict[str, WaveMapping],
    by: str | None = None,
    lang: str | None = None,
    min_cell: int | None = None,
    tests: bool = False,
) -> Trend:
    """Every question of the last wave that at least two of the ``waves`` asked (directly or
    mapped, ``mappings[wave]`` onto the last wave; see :func:`chain`), one table per wave.

    With ``by``, each wave's groups are protected as in ``klappt tabulate`` (``min_cell``;
    None: not applied). With ``tests``: Wilson intervals per share, Fisher's exact test
    first → last wave per choice, McNemar's exact test for the same sites in the panels.
    """
    names = [w.name for w in waves]
    if len(names) < 2 or len(set(names)) != len(names):
        raise KlapptError(ErrorCode.TREND_002, waves=",".join(names))
    last = waves[-1].responses.instrument
    mapped = [apply_mapping(w.responses, mappings[w.name], last) for w in waves]
    tabs: list[Tabulation] = []
    for w, rs in zip(waves, mapped, strict=True):
        if by is not None and rs.instrument.question(by) is None:
            raise KlapptError(ErrorCode.TREND_003, wave=w.name, name=by)
        tab = tabulate(rs, by=by, lang=lang)
        if by is not None and min_cell is not None:
            from klappt.analysis.disclosure import protect

            tab = protect(tab, min_cell)
        tabs.append(tab)
    reverse = {
        w.name: {q.target: q.source for q in mappings[w.name].questions.values() if q.target}
        for w in waves
    }
    entries: list[dict[str, Any]] = []
    skipped: list[str] = []
    dl = last.default_language
    for q in last.tabulated:
        present = [i for i, tab in enumerate(tabs) if any(t.question == q.name for t in tab.tables)]
        if len(present) < 2:
            if present:
                skipped.append(q.name)
            continue
        per_wave: dict[str, Any] = {}
        for i in present:
            w = waves[i]
            table = tabs[i].table(q.name).to_dict()
            own = reverse[w.name].get(q.name, q.name)
            sq = w.responses.instrument.question(own)
            table["question"] = own
            if sq is not None:
                table["label"] = sq.label(lang, w.responses.instrument.default_language)
            if tests:
                for row in table["rows"]:
                    ci = wilson(row["count"], table["base"])
                    row["ci95"] = list(ci) if ci else None
            per_wave[w.name] = table
        entry: dict[str, Any] = {
            "question": q.name,
            "label": q.label(lang, dl),
            "type": q.type,
            "waves": per_wave,
        }
        if q.ordered:
            entry["scale"] = True
        if q.is_select:
            entry["panels"] = [p.to_dict() for p in _panels(q, waves, mapped, present, tests)]
            if tests:
                entry["tests"] = _fisher(per_wave, names, present)
        entries.append(entry)
    notes = tuple(
        (
            f"'{n}' steht nur in einer Welle (oder ohne Zuordnung): nicht verglichen"
            if (lang or "de") != "en"
            else f"'{n}' is in one wave only (or not mapped): not compared"
        )
        for n in skipped
    )
    response = {
        w.name: {
            "returns": w.responses.height,
            "sites": _sites(w),
            "register": w.register,
            "percent": (
                round(100 * (_sites(w) or 0) / w.register, 1)
                if w.register and w.sites is not None
                else None
            ),
        }
        for w in waves
    }
    return Trend(
        waves=tuple(names),
        entries=tuple(entries),
        response=response,
        by=by,
        min_cell=min_cell,
        notes=notes,
        footnote=footnote(lang) if tests else None,
    )


def _pairs(present: list[int]) -> list[tuple[int, int]]:
    """Consecutive waves, and the first with the last when there are more than two."""
    out = list(itertools.pairwise(present))
    if len(present) > 2:
        out.append((present[0], present[-1]))
    return out


def _panels(
    q: Any,
    waves: list[WaveInput],
    mapped: list[ResponseSet],
    present: list[int],
    tests: bool,
) -> list[Panel]:
    if q.type not in (SELECT_ONE, SELECT_MULTIPLE):
        return []
    choices = list(dict.fromkeys(c.name for c in q.choices))
    out = []
    for i, j in _pairs(present):
        si, sj = waves[i].sites, waves[j].sites
        if si is None or sj is None:
            continue
        if q.type == SELECT_MULTIPLE:  # per choice: ticked or not, in each wave
            for c in choices:
                before = ticked_answers(mapped[i].frame, si, q.name, c, choices)
                after = ticked_answers(mapped[j].frame, sj, q.name, c, choices)
                p = panel(waves[i].name, waves[j].name, before, after, list(TICKED), tests=tests)
                out.append(dataclasses.replace(p, choice=c))
            continue
        if _names_the_site(mapped[i], si, q.name):
            continue
        before = site_answers(mapped[i].frame, si, q.name)
        after = site_answers(mapped[j].frame, sj, q.name)
        out.append(
            panel(
                waves[i].name, waves[j].name, before, after, choices, scale=q.ordered, tests=tests
            )
        )
    return out


def _names_the_site(rs: ResponseSet, sites: pl.Series, question: str) -> bool:
    """Whether the question is the one naming the site (its panel would only say "s1 → s1")."""
    answers = rs.frame.get_column(question).cast(pl.String)
    return bool(answers.len() and (answers == sites.cast(pl.String)).all())


def _fisher(per_wave: dict[str, Any], names: list[str], present: list[int]) -> list[dict[str, Any]]:
    """Fisher's exact test of each choice's share, first against last wave with the question."""
    a, b = names[present[0]], names[present[-1]]
    ta, tb = per_wave[a], per_wave[b]
    out = []
    for ra, rb in zip(ta["rows"], tb["rows"], strict=True):
        p = fisher(ra["count"], ta["base"], rb["count"], tb["base"])
        out.append(
            {
                "choice": ra["choice"],
                "test": "fisher_exact",
                "from": a,
                "to": b,
                "p": None if p is None else round(p, 4),
            }
        )
    return out
