"""Disclosure control: no published figure lets a reader work out a single site's answers.

With about fifty named municipalities, a table crossed by site type can point at one site: the
register's *Stadt Aachen* is alone in its group, and "1 of 1 answered yes" is Aachen's answer.
The program's own form promises that single municipalities are not recognisable in the results.

The rule (statistical offices' *Mindestfallzahl*): a group of a crossed table whose base rests on
fewer than ``min_cell`` sites (default 3) is withheld (primary suppression). When exactly one
group of a table is withheld, its figures would follow from the total minus the other groups,
so the smallest other group is withheld as well (secondary suppression). Every shown group,
"keine Angabe" included, is part of that sum, so the rule is exact for the tables klappt prints.
The overall figures of a question are not crossed with anything and stay shown.

Withheld groups keep their choice and label; their base, counts, percents and statistics become
``None`` and the outputs print "< 3" with a footnote saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from klappt.analysis.tabulate import Group, Table, Tabulation
from klappt.errors import ErrorCode, KlapptError

#: The default minimum number of sites a published figure of a group may rest on.
MIN_CELL = 3


@dataclass(frozen=True)
class Withheld:
    """One group of one table that a published output withholds, and why."""

    question: str
    label: str
    group: str | None
    group_label: str
    base: int
    reason: str  # "primary" | "secondary"


def check_min_cell(value: int, source: str = "--min-cell") -> int:
    """``value`` when it is a usable minimum cell size, else the catalogue's error."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise KlapptError(ErrorCode.DISCLOSURE_001, value=value, where=source)
    return value


def _withhold(groups: tuple[Group, ...], min_cell: int) -> tuple[Group, ...]:
    marked = [replace(g, suppressed="primary") if g.cell.base < min_cell else g for g in groups]
    withheld = [g for g in marked if g.suppressed]
    shown = [g for g in marked if not g.suppressed]
    if len(withheld) == 1 and shown:
        # the single withheld group = total - the others: withhold the smallest other one too
        smallest = min(shown, key=lambda g: (g.cell.base, marked.index(g)))
        marked = [replace(g, suppressed="secondary") if g is smallest else g for g in marked]
    return tuple(marked)


def protect(tab: Tabulation, min_cell: int = MIN_CELL) -> Tabulation:
    """The tabulation as it may be published: groups on fewer than ``min_cell`` sites withheld.

    Example
    -------
    >>> from klappt.analysis.tabulate import tabulate
    >>> from klappt.reference import load_reference
    >>> tab = protect(tabulate(load_reference("2022")[1], by="gebietstyp"))
    >>> tab.min_cell, tab.table("lebenswelt").base
    (3, 40)
    """
    check_min_cell(min_cell)
    tables = tuple(
        replace(t, groups=_withhold(t.groups, min_cell)) if t.groups else t for t in tab.tables
    )
    return replace(tab, tables=tables, min_cell=min_cell)


def withheld(tab: Tabulation) -> list[Withheld]:
    """Every group a protected tabulation withholds, table by table."""
    return [
        Withheld(t.question, t.label, g.choice, g.label, g.cell.base, g.suppressed)
        for t in tab.tables
        for g in t.groups
        if g.suppressed is not None
    ]


def shown_groups(table: Table) -> tuple[Group, ...]:
    """The groups of a table whose figures may be printed."""
    return tuple(g for g in table.groups if g.suppressed is None)
