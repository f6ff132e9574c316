"""Which site each return belongs to, for files that do not say it through a link.

One home for the rule (issue 19's panels and issue 18's site reports both use it): a return's
site is the answer to the ``select_one`` whose choices are the register's site ids (as
``kommune`` in the reference form), or the column the user names (``--site-column``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from collections.abc import Collection

    from klappt.responses.dataset import ResponseSet

__all__ = ["detect_site_question", "detected_sites", "named_site_column"]

#: The share of a question's choices that must be register ids for it to name the site: a few
#: extra choices ("andere") do not hide it, a question that merely shares a word does not win.
SHARE = 0.9


def detect_site_question(rs: ResponseSet, ids: Collection[str]) -> str | None:
    """The first ``select_one`` of the form whose choices are (nine in ten at least) the
    register's site ids, or None."""
    wanted = set(ids)
    for q in rs.instrument.questions:
        if q.type != "select_one" or not q.choices or q.name not in rs.frame.columns:
            continue
        names = [c.name for c in q.choices]
        # its choices are register ids, or the register's ids are its choices (a register that
        # lacks some sites still finds the question, and the missing ones are named then)
        if sum(n in wanted for n in names) >= SHARE * len(names) or (
            wanted and sum(i in set(names) for i in wanted) >= SHARE * len(wanted)
        ):
            return q.name
    return None


def detected_sites(rs: ResponseSet, ids: Collection[str]) -> pl.Series | None:
    """Each return's site id, row for row, from :func:`detect_site_question` (None: no such
    question)."""
    name = detect_site_question(rs, ids)
    return None if name is None else rs.frame.get_column(name).cast(pl.String)


def named_site_column(rs: ResponseSet, column: str) -> pl.Series | None:
    """Each return's site id from the question or metadata column ``column`` (None: there is
    no such column)."""
    for frame in (rs.frame, rs.meta):
        if column in frame.columns:
            return frame.get_column(column).cast(pl.String).str.strip_chars()
    return None
