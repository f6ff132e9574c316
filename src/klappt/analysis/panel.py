"""The same sites in two waves: who went from which answer to which, who answered only once.

A wave's returns carry their site (a web return from its link, an imported one from the column
that names register ids, or ``--site-column``); a site with several returns in a wave counts
with its last one. Only single-choice questions have transitions; for ordered scales the mean
change of the same sites is given too (positions 1, 2, … in the list's order, as
:mod:`klappt.analysis.tabulate` computes the mean).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from klappt.analysis.uncertainty import mcnemar

__all__ = ["TICKED", "Panel", "panel", "site_answers", "ticked_answers"]

#: the two "answers" of one choice of a select_multiple in its panel
TICKED = ("ticked", "not_ticked")


@dataclass(frozen=True)
class Panel:
    """One question over two waves, for the sites that answered in both."""

    source: str
    target: str
    sites: int  # sites with a return in both waves
    only_source: int  # sites with a return only in the earlier wave
    only_target: int
    answered: int  # sites that answered the question in both waves
    transitions: tuple[tuple[str, str, int], ...]
    mean_change: float | None = None
    tests: tuple[dict[str, Any], ...] = ()
    #: a select_multiple's panel is per choice: transitions between "ticked" and "not_ticked"
    choice: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {} if self.choice is None else {"choice": self.choice}
        d |= {
            "from": self.source,
            "to": self.target,
            "sites": self.sites,
            "only_from": self.only_source,
            "only_to": self.only_target,
            "answered": self.answered,
            "transitions": [{"from": a, "to": b, "sites": n} for a, b, n in self.transitions],
        }
        if self.mean_change is not None:
            d["mean_change"] = self.mean_change
        if self.tests:
            d["tests"] = list(self.tests)
        return d


def site_answers(frame: pl.DataFrame, sites: pl.Series, question: str) -> dict[str, str | None]:
    """Each site's answer to ``question`` (a select_one column), from its last return."""
    both = pl.DataFrame(
        {"site": sites.cast(pl.String), "answer": frame.get_column(question).cast(pl.String)}
    ).filter(pl.col("site").is_not_null())
    last = both.unique(subset="site", keep="last", maintain_order=True)
    return dict(
        zip(last.get_column("site").to_list(), last.get_column("answer").to_list(), strict=True)
    )


def ticked_answers(
    frame: pl.DataFrame, sites: pl.Series, question: str, choice: str, names: list[str]
) -> dict[str, str | None]:
    """Each site's "ticked"/"not_ticked" of one choice of a select_multiple (its last return);
    None where the return ticked nothing (the question not answered, as the base counts it)."""
    ticks = [pl.col(f"{question}/{c}").fill_null(False) for c in names]
    answered = pl.any_horizontal(ticks)
    column = (
        pl.when(~answered)
        .then(None)
        .when(pl.col(f"{question}/{choice}").fill_null(False))
        .then(pl.lit(TICKED[0]))
        .otherwise(pl.lit(TICKED[1]))
        .alias("__ticked")
    )
    return site_answers(frame.select(column), sites, "__ticked")


def panel(
    source: str,
    target: str,
    before: dict[str, str | None],
    after: dict[str, str | None],
    choices: list[str],
    scale: bool = False,
    tests: bool = False,
) -> Panel:
    """Transitions between two waves' answers of the same sites (``before``/``after``: site →
    answer, as named in the last wave); ``choices`` gives the order."""
    common = [s for s in before if s in after]
    pairs = [
        (before[s], after[s]) for s in common if before[s] is not None and after[s] is not None
    ]
    counts: dict[tuple[str, str], int] = {}
    for a, b in pairs:
        assert a is not None and b is not None
        counts[(a, b)] = counts.get((a, b), 0) + 1
    order = {c: i for i, c in enumerate(choices)}
    transitions = tuple(
        (a, b, n)
        for (a, b), n in sorted(
            counts.items(), key=lambda kv: (order.get(kv[0][0], 1e9), order.get(kv[0][1], 1e9))
        )
    )
    mean_change = None
    if scale and pairs:
        steps = [order[b] - order[a] for a, b in pairs if a in order and b in order]
        if steps:
            mean_change = round(sum(steps) / len(steps), 2)
    found: list[dict[str, Any]] = []
    if tests:
        for c in choices:
            left = sum(1 for a, b in pairs if a == c and b != c)
            joined = sum(1 for a, b in pairs if a != c and b == c)
            found.append(
                {
                    "choice": c,
                    "test": "mcnemar_exact",
                    "left": left,
                    "joined": joined,
                    "p": round(mcnemar(left, joined), 4),
                }
            )
    return Panel(
        source,
        target,
        sites=len(common),
        only_source=sum(1 for s in before if s not in after),
        only_target=sum(1 for s in after if s not in before),
        answered=len(pairs),
        transitions=transitions,
        mean_change=mean_change,
        tests=tuple(found),
    )
