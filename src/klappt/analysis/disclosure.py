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

Free text is published only as mentions ("Nennungen", :mod:`klappt.coding.mentions`) that at
least ``min_cell`` sites gave, and never when the mention holds personal data (an e-mail
address, a phone number, a name: :mod:`klappt.coding.privacy`): :func:`protect_mentions`.
A comparison of waves withholds a wave whose base is below the minimum (:func:`mark`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from klappt.analysis.tabulate import Group, Table, Tabulation
from klappt.coding.mentions import Mention
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


@dataclass(frozen=True)
class WithheldMention:
    """One free-text mention that a published output leaves out, and why.

    ``text`` is already redacted (names, addresses and numbers replaced), so a listing of what
    is held back does not spread what it holds back.
    """

    question: str
    text: str
    count: int
    reason: str  # "few" (fewer sites than the minimum) | "personal" (personal data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "text": self.text,
            "count": self.count,
            "reason": self.reason,
        }


def protect_mentions(
    question: str,
    mentions: Sequence[Mention],
    min_cell: int | None = MIN_CELL,
    names: Iterable[str] = (),
) -> tuple[list[Mention], list[WithheldMention]]:
    """The mentions that may be published, and those withheld with their reason.

    ``min_cell=None`` keeps every mention without personal data (an analyst's own view).

    Example
    -------
    >>> from klappt.coding.mentions import count_mentions
    >>> ms = count_mentions([("1", "Sport; a@b.de"), ("2", "Sport"), ("3", "Sport; Kochen")])
    >>> shown, held = protect_mentions("q", ms)
    >>> [m.text for m in shown], [(w.text, w.reason) for w in held]
    (['Sport'], [('[E-Mail]', 'personal'), ('Kochen', 'few')])
    """
    from klappt.coding.privacy import has_personal_data, redact

    if min_cell is not None:
        check_min_cell(min_cell)
    known = tuple(names)
    shown: list[Mention] = []
    held: list[WithheldMention] = []
    for m in mentions:
        if any(has_personal_data(t, known) for t in (m.text, *m.spellings)):
            held.append(WithheldMention(question, redact(m.text, names=known), m.count, "personal"))
        elif min_cell is not None and m.count < min_cell:
            held.append(WithheldMention(question, m.text, m.count, "few"))
        else:
            shown.append(m)
    return shown, held


def mark(base: int | None, min_cell: int | None) -> str | None:
    """``"< k"`` when a figure resting on ``base`` sites may not be published, else ``None``.

    Example
    -------
    >>> mark(1, 3), mark(3, 3), mark(1, None)
    ('< 3', None, None)
    """
    if min_cell is None or base is None or base >= min_cell:
        return None
    return f"< {min_cell}"
