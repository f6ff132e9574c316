"""Returns typed against their form: the table every analysis reads, and its validation report.

``load_responses`` never stops at a bad value. Each problem goes into the report with its
row, column and value, and the value is left out of the counts (set to null), so a table
never silently includes an answer that the form does not allow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from klappt.errors import ErrorCode, KlapptError
from klappt.instrument.model import Instrument, Question
from klappt.responses.column_typing import ColumnTyper
from klappt.responses.columns import ColumnMap, map_columns
from klappt.responses.io import RawTable, sniff_summary
from klappt.responses.loading import Loader
from klappt.responses.relevance import apply_relevance, bad_answers, check_constraints
from klappt.responses.report import MISSING_PREFIX, Issue, ValidationReport
from klappt.responses.schema import choice_enum, columns_of, empty_frame

if TYPE_CHECKING:
    from klappt.interop.dialects import Dialect

__all__ = [
    "ResponseSet",
    "choice_enum",
    "empty_frame",
    "load_responses",
    "read_responses",
]


@dataclass(frozen=True)
class ResponseSet:
    """Typed returns of one form.

    ``frame`` has one column per question (``select_one``: an ``Enum`` of its choice names, see
    :func:`choice_enum`; ``select_multiple``: one Boolean column per choice, named
    ``question/choice``); ``meta`` has ``return_id``, ``row`` and the file's metadata columns,
    row for row.
    """

    instrument: Instrument
    frame: pl.DataFrame
    meta: pl.DataFrame
    source: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def height(self) -> int:
        return self.frame.height

    def choice_columns(self, question: Question) -> list[str]:
        return [f"{question.name}/{c.name}" for c in question.choices]


def load_responses(instrument: Instrument, raw: RawTable) -> tuple[ResponseSet, ValidationReport]:
    """Type the returns in ``raw`` against ``instrument`` and check them.

    Parameters
    ----------
    instrument:
        The form the data were collected with.
    raw:
        The table as read by :func:`klappt.responses.io.read_table`.

    Returns
    -------
    (ResponseSet, ValidationReport)
        Answers that fail a check are null in the ResponseSet and listed in the report.

    Raises
    ------
    KlapptError
        ``RESPONSES_002`` when not a single column matches a question of the form.

    Example
    -------
    >>> from klappt.instrument import read_instrument
    >>> from klappt.responses.io import read_table
    >>> from klappt.reference import reference_path
    >>> form = read_instrument(reference_path("arbeitshilfe_2022.xlsx"))
    >>> rs, report = load_responses(form, read_table(reference_path("returns_2022.csv")))
    >>> rs.height, report.ok
    (40, True)
    """
    from klappt.interop.dialects import read_as_exported
    from klappt.interop.labels import apply_label_headers

    # a Kobo export "with labels" names its columns (and choices) by label: map them back
    raw = apply_label_headers(instrument, raw)
    # an Ona export writes "n/a" where a question was not answered; Briefcase splits geopoints,
    # flattens repeats and writes US dates … (klappt.interop.dialects)
    raw, dialect = read_as_exported(raw, instrument)
    cmap = map_columns(instrument, raw.columns)
    if not cmap.matched_any:
        shown = ", ".join(raw.columns[:8]) + (" …" if len(raw.columns) > 8 else "")
        raise KlapptError(
            ErrorCode.RESPONSES_002, path=raw.source, form=instrument.source, columns=shown
        )
    return _load(instrument, raw, cmap, dialect)


def _load(
    instrument: Instrument, raw: RawTable, cmap: ColumnMap, dialect: Dialect | None = None
) -> tuple[ResponseSet, ValidationReport]:
    """The steps of a load, in order, over one :class:`~klappt.responses.loading.Loader`."""
    ld = Loader(instrument, raw, cmap)
    detected = sniff_summary(raw)
    if dialect is not None:
        detected += f", {dialect.name}"  # in the language of the command
        for header, cells in dialect.not_answered.items():
            name = next((q for q, h in cmap.questions.items() if h == header), None)
            ld.issues.append(
                Issue("not_answered_marker", None, header, dialect.marker, name, str(cells))
            )
        for header, done in dialect.read:
            ld.issues.append(Issue("dialect_read", None, header, dialect.name, header, done))
    for header in cmap.unknown:
        ld.issues.append(Issue("unknown_column", None, header, None, None, None))
    for header, name in cmap.duplicates:
        ld.issues.append(Issue("duplicate_column", None, header, None, name.split("/")[0], name))
    ld.issues.extend(_missing_kinds(raw, cmap))
    frame = ColumnTyper(ld).typed()
    keep = ld.duplicate_ids()
    frame = check_constraints(ld, frame)
    bad = bad_answers(ld, frame)
    frame = apply_relevance(ld, frame, bad)
    frame = frame.filter(keep) if keep is not None else frame
    columns = [name for q in ld.questions for name, _ in columns_of(q)]
    rs = ResponseSet(
        instrument=instrument, frame=frame.select(columns), meta=ld.meta(keep), source=raw.source
    )
    position = {c: i for i, c in enumerate(raw.columns)}
    ld.issues.sort(key=lambda i: (i.row is not None, i.row or 0, position.get(i.column or "", 0)))
    report = ValidationReport(
        source=raw.source,
        responses=rs.height,
        rows=raw.height,
        issues=tuple(ld.issues),
        detected=detected,
        meta_columns=tuple(cmap.meta),
    )
    return rs, report


def _missing_kinds(raw: RawTable, cmap: ColumnMap) -> list[Issue]:
    """A note per question and kind of missing that a ``_missing_<question>`` column names."""
    out = []
    for column in cmap.meta:
        if not column.startswith(MISSING_PREFIX):
            continue
        name = column[len(MISSING_PREFIX) :]
        counted = raw.frame[column].cast(pl.String).drop_nulls().value_counts(sort=True)
        for kind, n in counted.iter_rows():
            out.append(
                Issue("missing_kind", None, cmap.questions.get(name, name), kind, name, str(n))
            )
    return out


def read_responses(
    instrument: Instrument, path: str | Path
) -> tuple[ResponseSet, ValidationReport]:
    """:func:`~klappt.responses.io.read_table` and :func:`load_responses` in one step, the
    answers to choice questions read as categories on the way (about half the memory of a large
    file, the same figures and report).

    Example
    -------
    >>> from klappt.instrument import read_instrument
    >>> from klappt.reference import reference_path
    >>> form = read_instrument(reference_path("arbeitshilfe_2022.xlsx"))
    >>> rs, report = read_responses(form, reference_path("returns_2022.csv"))
    >>> rs.height, report.ok
    (40, True)
    """
    from klappt.responses.columns import category_headers
    from klappt.responses.io import read_table

    raw = read_table(path, categories=lambda headers: category_headers(instrument, headers))
    return load_responses(instrument, raw)
