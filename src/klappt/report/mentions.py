"""Mentions for reports: free-text answers counted as mentions.

An answer such as "Sprachcafés; Sport(vereine)" holds two mentions; how they are split and
counted is the open-answer module's business (:mod:`klappt.coding.mentions`). Their layout as
a cloud is :mod:`klappt.report.cloud`.
"""

from __future__ import annotations

from collections.abc import Iterable

from klappt.coding.mentions import Mention
from klappt.coding.mentions import count_mentions as _count


def count_mentions(answers: Iterable[str]) -> list[Mention]:
    """Mentions with how many answers name them, most frequent first.

    The counting is :func:`klappt.coding.mentions.count_mentions`: the same segmenting and
    the same merging of near-identical spellings as the "Nennungen" of the open-answer coding,
    so a cloud and the mention query always agree.

    Example
    -------
    >>> [(m.text, m.count) for m in count_mentions(["Sport; Sprachcafé", "sport", "Kochen\\nSport"])]
    [('Sport', 3), ('Kochen', 1), ('Sprachcafé', 1)]
    """
    return _count((str(i), a) for i, a in enumerate(answers) if a)
