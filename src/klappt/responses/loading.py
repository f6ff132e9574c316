"""What the steps of :func:`~klappt.responses.dataset.load_responses` share: one :class:`Loader`.

It holds the raw table (cut as the file was read), the issues found so far and the helpers that
name a problem by file row, column and value. The steps live with their concepts and take the
loader: typing the columns (:class:`~klappt.responses.column_typing.ColumnTyper`, pass by pass),
duplicate return ids and the meta table (here), constraints, relevance and required answers
(:mod:`klappt.responses.relevance`); :func:`~klappt.responses.dataset.load_responses` runs them
in order.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from klappt.instrument.conditions.to_polars import Compiler
from klappt.instrument.model import SELECT_MULTIPLE, Instrument, Question
from klappt.responses.columns import ColumnMap
from klappt.responses.io import RawTable
from klappt.responses.report import Issue
from klappt.responses.schema import columns_of

#: answers of a Kobo split column that mean "selected" and "not selected"
TRUE = ("1", "1.0", "true", "wahr", "ja", "yes", "y", "x")
FALSE = ("0", "0.0", "false", "falsch", "nein", "no", "n")
_ROW = "__row"
#: prefix of the raw text of a column, beside the typed columns
RAW = "__raw__"


@dataclass(frozen=True)
class Check:
    """A check to run over all rows: which rows fail, and how to name each failure."""

    mask: pl.Expr
    code: str
    column: str
    value: pl.Expr | None
    question: str | None
    detail: str | None = None
    tokens: dict[str, list[str]] | None = None  # raw answer -> its unknown parts


def _chunk_lengths(frame: pl.DataFrame) -> list[int] | None:
    """The lengths of the pieces the frame's columns are stored in; None when they differ."""
    if frame.width == 0:
        return [frame.height]
    first = frame.get_column(frame.columns[0]).chunk_lengths()
    same = all(frame.get_column(c).chunk_lengths() == first for c in frame.columns[1:])
    return first if same else None


def _cut(series: pl.Series, lengths: list[int]) -> pl.Series:
    """The series in pieces of these lengths (slices of one piece: no copy beyond that one)."""
    whole = series.rechunk()
    parts, start = [], 0
    for n in lengths:
        parts.append(whole.slice(start, n))
        start += n
    return pl.concat(parts, rechunk=False) if len(parts) > 1 else whole


class Loader:
    """One load: the raw table, the issues found, and the helpers every step uses."""

    def __init__(self, instrument: Instrument, raw: RawTable, cmap: ColumnMap) -> None:
        self.instrument = instrument
        self.raw = raw
        self.cmap = cmap
        self.issues: list[Issue] = []
        # No column is added to the raw frame: a column cut into other pieces than the file's
        # (row groups, CSV chunks) would make every later select put the whole table together
        # again. The file row of a return is looked up only for the returns named in the report.
        self.src = raw.frame
        self.lengths = _chunk_lengths(raw.frame)
        if self.lengths is None:  # columns cut differently from each other: put them together once
            self.src = raw.frame.rechunk()
            self.lengths = [raw.frame.height]
        self.rows = (
            pl.Series(_ROW, raw.file_rows, dtype=pl.Int64) if raw.file_rows is not None else None
        )
        # the raw text beside the typed columns, for naming the value as written in the file
        self.rawp = self.src.rename({c: RAW + c for c in self.src.columns})
        # per question: the returns whose cell holds only spaces (= empty), when there are any
        self.blank: dict[str, pl.Series] = {}
        self.id_distinct: int | None = None  # how many distinct hashes of return ids, once counted

    # -- the steps' own parts: duplicate return ids, the meta table ------------------------

    def duplicate_ids(self) -> pl.Series | None:
        col = self.cmap.id_column
        if col is None:
            return None
        ids = self.src[col]
        # counting distinct ids (done with the typing, in parallel) is several times cheaper
        # than marking first occurrences
        nulls = ids.null_count()
        hashes = self.id_distinct
        if hashes is not None and hashes - (1 if nulls else 0) == ids.len() - nulls:
            return None  # as many distinct hashes as ids: no id occurs twice
        if ids.n_unique() - (1 if nulls else 0) == ids.len() - nulls:
            return None
        dup = pl.col(col).is_not_null() & ~pl.col(col).is_first_distinct()
        self.flag(self.src, dup, "duplicate_id", col, pl.col(col), None)
        mask = self.src.select((~dup).alias("k"))["k"]
        return None if mask.all() else mask

    def meta(self, keep: pl.Series | None) -> pl.DataFrame:
        id_col = self.cmap.id_column
        row = (
            self.rows
            if self.rows is not None
            else pl.int_range(2, self.src.height + 2, dtype=pl.Int64, eager=True)
        )
        rid = self.src[id_col] if id_col else row.cast(pl.String)
        meta = pl.DataFrame([rid.alias("return_id"), row.alias("row")]).hstack(
            self.src.select(c for c in self.cmap.meta if c not in ("return_id", "row"))
        )
        return meta.filter(keep) if keep is not None else meta

    # -- issues: named by file row, column and value -------------------------------------

    def flag(
        self,
        frame: pl.DataFrame,
        mask: pl.Expr,
        code: str,
        column: str,
        value: pl.Expr | None,
        question: str | None,
        detail: str | None = None,
    ) -> None:
        # only the hits' values are taken out, and made text after the filter: a cast of the
        # whole column first cost a million casts for a few hundred hits
        hit = mask.fill_null(False)
        found = frame.select(
            hit.arg_true().alias("where"),
            *([value.filter(hit).cast(pl.String).alias("value")] if value is not None else []),
        )
        where = found["where"]
        if where.len() == 0:
            return
        values = found["value"].to_list() if value is not None else [None] * where.len()
        for row, val in zip(self.file_rows(where), values, strict=True):
            self.issues.append(Issue(code, row, column, val, question, detail))

    def file_rows(self, where: pl.Series) -> list[int]:
        """The spreadsheet rows of the returns at these positions (header = row 1)."""
        if self.rows is None:
            return (where.cast(pl.Int64) + 2).to_list()
        return self.rows.gather(where).to_list()

    def note(self, code: str, column: str | None, question: str | None, detail: str) -> None:
        self.issues.append(Issue(code, None, column, None, question, detail))

    def run_checks(self, frame: pl.DataFrame, checks: list[Check]) -> None:
        """Count all checks in one pass; only those that hit are looked at row by row."""
        if not checks:
            return
        counts = frame.select(
            [c.mask.fill_null(False).sum().alias(str(i)) for i, c in enumerate(checks)]
        ).row(0)
        for check, hits in zip(checks, counts, strict=True):
            if not hits:
                continue
            if check.tokens is not None:
                assert check.value is not None
                found = frame.select(check.value.alias("u"), check.mask.alias("hit"))
                where = found["hit"].fill_null(False).arg_true()
                texts = found["u"].gather(where).to_list()
                for row, raw in zip(self.file_rows(where), texts, strict=True):
                    for token in check.tokens.get(raw, ()):
                        self.issues.append(
                            Issue(check.code, row, check.column, token, check.question)
                        )
            else:
                self.flag(
                    frame,
                    check.mask,
                    check.code,
                    check.column,
                    check.value,
                    check.question,
                    check.detail,
                )

    # -- shared by the steps ------------------------------------------------------------

    def align(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The frame with its columns cut into the same pieces as the raw table's.

        A derived column comes out in one piece (a lookup, a scatter) or in the raw table's
        pieces (a cast); a frame that mixes both is put together again, raw text included, by
        every select on it. Cutting the odd columns to the raw table's pieces costs nothing.
        """
        lengths = self.lengths
        if lengths is None:  # the raw table's pieces differ: nothing to align to
            return frame
        odd = [c for c in frame.columns if frame.get_column(c).chunk_lengths() != lengths]
        if not odd:
            return frame
        return frame.with_columns(_cut(frame.get_column(c), lengths) for c in odd)

    def view(self, frame: pl.DataFrame, *more: pl.DataFrame) -> pl.DataFrame:
        """The typed columns beside the raw text (and any decided conditions)."""
        parts = [frame, self.rawp, *(m for m in more if m.width)]
        return pl.concat(parts, how="horizontal")

    def compiler(self, frame: pl.DataFrame) -> Compiler:
        return Compiler(self.instrument, set(frame.columns))

    def answered(self, q: Question) -> pl.Expr:
        cols = [name for name, _ in columns_of(q)]
        if q.type == SELECT_MULTIPLE:
            return (
                pl.any_horizontal([pl.col(c).is_not_null() for c in cols])
                if cols
                else pl.lit(False)
            )
        return pl.col(q.name).is_not_null()

    def blank_out(self, q: Question, mask: pl.Expr) -> list[pl.Expr]:
        return [pl.when(mask).then(None).otherwise(pl.col(c)).alias(c) for c, _ in columns_of(q)]

    def raw_value(self, q: Question) -> tuple[str | None, pl.Expr | None]:
        header = self.cmap.questions.get(q.name)
        if header is not None:
            return header, pl.col(RAW + header)
        splits = self.cmap.splits.get(q.name)
        if splits:
            selected = [
                pl.when(pl.col(RAW + h).str.to_lowercase().is_in(TRUE))
                .then(pl.lit(c))
                .otherwise(None)
                for c, h in splits.items()
            ]
            return q.name, pl.concat_str(selected, separator=" ", ignore_nulls=True)
        return None, None

    def raw_empty(self, q: Question) -> pl.Expr:
        header = self.cmap.questions.get(q.name)
        if header is not None:
            empty = pl.col(RAW + header).is_null()
            blank = self.blank.get(q.name)
            return empty if blank is None else empty | pl.lit(blank)
        splits = self.cmap.splits.get(q.name)
        if splits:
            return ~pl.any_horizontal(
                [pl.col(RAW + h).str.to_lowercase().is_in(TRUE) for h in splits.values()]
            )
        return pl.lit(True)
