"""``rank`` questions in tables: per choice, how often it was put at each position, and its
mean position.

An answer to a rank question holds the choices in the order the respondent put them
(``"zeit geld raum"``: ``zeit`` first). The table's base is the returns with a ranking; each
choice's row counts how many of them put it first, second …, and its mean rank is the mean of
its positions over the returns that ranked it (1 = first, so a lower mean is a higher rank).
A name that is no choice of the list is left out. With ``--by``, each group is counted alike.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from klappt.analysis.tabulate import Cell, RankRow, Table
from klappt.responses.dataset import ResponseSet

__all__ = ["rank_rows", "with_ranks"]


def rank_rows(answers: pl.Series, choices: list[tuple[str, str]]) -> tuple[RankRow, ...]:
    """The rows of a rank question over ``answers`` (its column, one ranking per return)."""
    index = {name: i for i, (name, _) in enumerate(choices)}
    k = len(choices)
    counts = [[0] * k for _ in range(k)]
    # few distinct rankings however many returns: each is split once
    for text, n in answers.drop_nulls().value_counts().iter_rows():
        seen: set[str] = set()
        place = 0
        for token in str(text).split():
            if token in index and token not in seen and place < k:
                seen.add(token)
                counts[index[token]][place] += int(n)
                place += 1
    rows = []
    for (name, label), positions in zip(choices, counts, strict=True):
        ranked = sum(positions)
        total = sum((p + 1) * c for p, c in enumerate(positions))
        mean = ((200 * total + ranked) // (2 * ranked)) / 100 if ranked else None
        rows.append(RankRow(name, label, tuple(positions), mean))
    return tuple(rows)


def _cell(cell: Cell, answers: pl.Series, choices: list[tuple[str, str]]) -> Cell:
    return replace(cell, ranks=rank_rows(answers, choices))


def with_ranks(tables: list[Table], responses: ResponseSet, lang: str | None) -> list[Table]:
    """``tables`` with each rank question's positions, overall and per ``by`` group."""
    form, frame = responses.instrument, responses.frame
    out = []
    for t in tables:
        q = form.question(t.question)
        if t.type != "rank" or q is None or t.question not in frame.columns:
            out.append(t)
            continue
        choices = [(c.name, c.label(lang, form.default_language)) for c in q.choices]
        answers = frame.get_column(t.question).cast(pl.String)
        groups = t.groups
        if t.by is not None and groups:
            banner = frame.get_column(t.by).cast(pl.String)
            groups = tuple(
                replace(
                    g,
                    cell=_cell(
                        g.cell,
                        answers.filter(
                            banner.is_null() if g.choice is None else banner == g.choice
                        ),
                        choices,
                    ),
                )
                for g in groups
            )
        out.append(replace(t, cell=_cell(t.cell, answers, choices), groups=groups))
    return out
