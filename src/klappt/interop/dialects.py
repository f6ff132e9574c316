"""Export dialects of the ODK family, read as the tool that wrote them meant them.

Ona (and formhub, whose export it continued) writes ``n/a`` into every cell of a question that
was not asked or not answered. Read literally, each would be an invalid choice, number or date,
or an answer to a question that did not apply. An Ona export is told by the metadata columns
only Ona writes; its ``n/a`` cells are then read as not answered, and the validation report
says how many per column.

Hook for the core loader (``klappt.responses.dataset.load_responses``): call
``raw, dialect = read_as_exported(raw)`` before matching the headers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from klappt.responses.io import RawTable

#: Metadata columns of an Ona (formhub) export that KoboToolbox and ODK Central do not write.
ONA_COLUMNS = frozenset(
    {
        "_xform_id_string",
        "_bamboo_dataset_id",
        "_media_count",
        "_total_media",
        "_media_all_received",
        "_date_modified",
        "_duration",
    }
)
#: what Ona writes for a question that was not answered
ONA_NOT_ANSWERED = "n/a"


@dataclass(frozen=True)
class Dialect:
    """The export dialect recognised, and the cells read as not answered (column -> count)."""

    name: str
    marker: str  # the text that meant "not answered"
    not_answered: dict[str, int]


def read_as_exported(raw: RawTable) -> tuple[RawTable, Dialect | None]:
    """``raw`` with an Ona export's ``n/a`` cells empty, and the dialect (None: no dialect)."""
    if not ONA_COLUMNS & {c.lower() for c in raw.columns}:
        return raw, None
    frame = raw.frame
    texts = [c for c, dtype in frame.schema.items() if dtype in (pl.String, pl.Categorical)]
    if not texts or frame.height == 0:
        return raw, Dialect("Ona", ONA_NOT_ANSWERED, {})
    counts = frame.select(
        (pl.col(c).cast(pl.String) == ONA_NOT_ANSWERED).sum().alias(c) for c in texts
    ).row(0, named=True)
    found = {c: int(n) for c, n in counts.items() if n}
    if found:
        frame = frame.with_columns(
            pl.when(pl.col(c).cast(pl.String) == ONA_NOT_ANSWERED)
            .then(None)
            .otherwise(pl.col(c))
            .alias(c)
            for c in found
        )
    return replace(raw, frame=frame), Dialect("Ona", ONA_NOT_ANSWERED, found)
