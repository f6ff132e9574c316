"""Returns typed against their form: the table every analysis reads, and its validation report.

``load_responses`` never stops at a bad value. Each problem goes into the report with its
row, column and value, and the value is left out of the counts (set to null), so a table
never silently includes an answer that the form does not allow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from klappt.errors import ErrorCode, KlapptError
from klappt.instrument.conditions.parse import UnsupportedExpression, references
from klappt.instrument.conditions.to_polars import Compiler
from klappt.instrument.model import NUMERIC_TYPES, SELECT_MULTIPLE, SELECT_ONE, Instrument, Question
from klappt.responses.columns import ColumnMap, map_columns
from klappt.responses.io import RawTable, sniff_summary
from klappt.responses.report import Issue, ValidationReport

_TRUE = ("1", "1.0", "true", "wahr", "ja", "yes", "y", "x")
_FALSE = ("0", "0.0", "false", "falsch", "nein", "no", "n")
_ROW = "__row"
_RAW = "__raw__"
_MASK = "__mask__"
_NUM = "__num__"
_MAX_BITS = 62
_SPLIT = re.compile(r"[\s,;]+")
_FLAG = "__flag__"
_ANY = "__any__"
_ONE = "__one__"
_REL = "__rel__"
_STRAY = "__stray__"
_NAN = "__nan__"
_INT64_LIMIT = 9.2e18  # 2**63: a larger float does not fit an Int64
_TEXT = "__text__"
_ID_DISTINCT = "\x00distinct ids"
#: longest lookup table a select_one column read as categories is typed through (see below)
_LOOKUP_MAX = 1 << 16
_CODES = "\x00codes "
_REF = re.compile(r"\$\{([^}]+)\}|\.\./([A-Za-z_][\w.\-]*)")


def _usable(number: pl.Expr, integer: bool) -> pl.Expr:
    """The number where it is one an answer can be: NaN and the infinities are no answers, and
    an integer answer beyond Int64 (1e30) cannot be stored; they stay null, and the cell is then
    reported as ``not_a_number``."""
    ok = number.is_finite()
    if integer:
        ok = ok & (number.abs() < _INT64_LIMIT)
    return pl.when(ok).then(number)


@dataclass(frozen=True)
class _Check:
    """A check to run over all rows: which rows fail, and how to name each failure."""

    mask: pl.Expr
    code: str
    column: str
    value: pl.Expr | None
    question: str | None
    detail: str | None = None
    tokens: dict[str, list[str]] | None = None  # raw answer -> its unknown parts


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


def _is_text(q: Question) -> bool:
    """Typed as text: every type that is no choice, number or date."""
    return q.type not in (SELECT_ONE, SELECT_MULTIPLE, *NUMERIC_TYPES, "date")


def empty_frame(instrument: Instrument, height: int = 0) -> pl.DataFrame:
    """A typed frame of nulls with the columns the form implies."""
    cols: dict[str, pl.Series] = {}
    for q in instrument.questions:
        for name, dtype in _columns_of(q):
            cols[name] = pl.Series(name, [None] * height, dtype=dtype)
    return pl.DataFrame(cols)


def choice_enum(q: Question) -> pl.Enum:
    """The dtype of a ``select_one`` column: its choices, in list order.

    A category is stored as a small integer, so comparing and counting never touch strings:
    that is most of the speed of loading and tabulating a million returns.
    """
    return pl.Enum(list(dict.fromkeys(c.name for c in q.choices)))


def _columns_of(q: Question) -> list[tuple[str, pl.DataType]]:
    if q.type == "note":
        return []
    if q.type == SELECT_ONE:
        return [(q.name, choice_enum(q))]
    if q.type == SELECT_MULTIPLE:
        return [(f"{q.name}/{c.name}", pl.Boolean()) for c in q.choices]
    if q.type == "integer":
        return [(q.name, pl.Int64())]
    if q.type == "decimal":
        return [(q.name, pl.Float64())]
    if q.type == "date":
        return [(q.name, pl.Date())]
    return [(q.name, pl.String())]


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
    from klappt.interop.labels import apply_label_headers

    # a Kobo export "with labels" names its columns (and choices) by label: map them back
    raw = apply_label_headers(instrument, raw)
    cmap = map_columns(instrument, raw.columns)
    if not cmap.matched_any:
        shown = ", ".join(raw.columns[:8]) + (" …" if len(raw.columns) > 8 else "")
        raise KlapptError(
            ErrorCode.RESPONSES_002, path=raw.source, form=instrument.source, columns=shown
        )
    return _Loader(instrument, raw, cmap).run()


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


class _Loader:
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
        self.rawp = self.src.rename({c: _RAW + c for c in self.src.columns})
        self.multiple_unknown: dict[str, dict[str, list[str]]] = {}
        # per question: the returns whose cell holds only spaces (= empty), when there are any
        self.blank: dict[str, pl.Series] = {}
        self.id_distinct: int | None = None  # how many distinct hashes of return ids, once counted

    # -- issues ---------------------------------------------------------------------------

    def _flag(
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
        for row, val in zip(self._file_rows(where), values, strict=True):
            self.issues.append(Issue(code, row, column, val, question, detail))

    def _file_rows(self, where: pl.Series) -> list[int]:
        """The spreadsheet rows of the returns at these positions (header = row 1)."""
        if self.rows is None:
            return (where.cast(pl.Int64) + 2).to_list()
        return self.rows.gather(where).to_list()

    def _note(self, code: str, column: str | None, question: str | None, detail: str) -> None:
        self.issues.append(Issue(code, None, column, None, question, detail))

    def _align(self, frame: pl.DataFrame) -> pl.DataFrame:
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

    # -- steps ----------------------------------------------------------------------------

    def run(self) -> tuple[ResponseSet, ValidationReport]:
        for header in self.cmap.unknown:
            self.issues.append(Issue("unknown_column", None, header, None, None, None))
        for header, name in self.cmap.duplicates:
            self.issues.append(
                Issue("duplicate_column", None, header, None, name.split("/")[0], name)
            )
        frame = self._type_columns()
        keep = self._duplicate_ids()
        frame = self._check_constraints(frame)
        bad = self._bad_answers(frame)
        frame = self._apply_relevance(frame, bad)
        frame = frame.filter(keep) if keep is not None else frame
        meta = self._meta(keep)
        columns = [name for q in self.instrument.questions for name, _ in _columns_of(q)]
        rs = ResponseSet(
            instrument=self.instrument,
            frame=frame.select(columns),
            meta=meta,
            source=self.raw.source,
        )
        position = {c: i for i, c in enumerate(self.raw.columns)}
        self.issues.sort(
            key=lambda i: (i.row is not None, i.row or 0, position.get(i.column or "", 0))
        )
        report = ValidationReport(
            source=self.raw.source,
            responses=rs.height,
            rows=self.raw.height,
            issues=tuple(self.issues),
            detected=sniff_summary(self.raw),
            meta_columns=tuple(self.cmap.meta),
        )
        return rs, report

    def _duplicate_ids(self) -> pl.Series | None:
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
        self._flag(self.src, dup, "duplicate_id", col, pl.col(col), None)
        mask = self.src.select((~dup).alias("k"))["k"]
        return None if mask.all() else mask

    def _meta(self, keep: pl.Series | None) -> pl.DataFrame:
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

    def _type_columns(self) -> pl.DataFrame:
        """The typed frame.

        Most cells of a wave are already clean: a choice name exactly, a plain number. Those are
        typed by one cast per column, all columns in one pass; only the cells the cast leaves
        null although they hold text (spaces around a name, a decimal comma, a typo) are looked
        at again, and there are few of them. Every check of this step is then counted in one
        pass before any row is looked at.
        """
        questions = [q for q in self.instrument.questions if q.type != "note"]
        header = self.cmap.questions.get
        lookups = self._choice_lookups(questions)
        casts: list[pl.Expr] = []
        odd: dict[str, pl.Expr] = {}
        for q in questions:
            h = header(q.name)
            if h is None:
                continue
            s = pl.col(h)
            if q.type == SELECT_ONE:
                enum = choice_enum(q)
                typed = (
                    pl.lit(lookups[q.name]).gather(s.to_physical())
                    if q.name in lookups
                    else s.cast(enum, strict=False)
                )
                casts.append(typed.alias(_ONE + q.name))
                odd[q.name] = (s.is_not_null() & pl.col(_ONE + q.name).is_null()).sum()
            elif q.type in NUMERIC_TYPES:
                number = _usable(s.cast(pl.Float64, strict=False), q.type == "integer")
                casts.append(number.alias(_NUM + q.name))
                slow = s.is_not_null() & pl.col(_NUM + q.name).is_null()
                if self.raw.decimal_comma:  # "1.234" means a thousand and more here, not one
                    slow = slow | s.str.contains(".", literal=True).fill_null(False)
                odd[q.name] = slow.sum()
        distinct: list[pl.Expr] = []
        for q in questions:
            h = header(q.name)
            if q.type != SELECT_MULTIPLE or h is None:
                continue
            if self.src.schema[h] == pl.Categorical:
                # read as categories: one position per distinct category, found on the integer
                # codes, gives each text with its code (no text is hashed again)
                code = pl.col(h).to_physical()
                first = code.arg_unique()
                distinct.append(pl.col(h).gather(first).cast(pl.String).implode().alias(q.name))
                distinct.append(code.gather(first).implode().alias(_CODES + q.name))
            else:
                distinct.append(pl.col(h).drop_nulls().unique().implode().alias(q.name))
        stage = self._align(self.src.with_columns(casts)) if casts else self.src
        id_col = self.cmap.id_column
        # distinct hashes are distinct ids, and counting integers is several times cheaper than
        # counting texts; only when two hashes meet are the ids themselves counted
        # (_duplicate_ids)
        ids = [pl.col(id_col).hash().n_unique().alias(_ID_DISTINCT)] if id_col else []
        if odd or distinct or ids:
            found = stage.select(*(e.alias(n) for n, e in odd.items()), *distinct, *ids).row(
                0, named=True
            )
        else:
            found = {}
        self.id_distinct = found.pop(_ID_DISTINCT, None)
        fixes = []
        checks: list[_Check] = []
        for q in questions:
            h = header(q.name)
            if h is None or not found.get(q.name) or q.type == SELECT_MULTIPLE:
                continue
            if q.type == SELECT_ONE:
                fixes.append(self._fix_choices(stage, q, h, checks))
            else:
                num, nan = self._number_series(stage, h, q.name, q.type == "integer")
                fixes.append(num.alias(_NUM + q.name))
                if nan is not None:
                    fixes.append(nan.alias(_NAN + q.name))
                    checks.append(
                        _Check(pl.col(_NAN + q.name), "not_a_number", h, pl.col(h), q.name)
                    )
        if fixes:
            stage = self._align(stage.with_columns(fixes))
        pre: list[pl.Expr] = []
        for q in questions:
            if q.type == SELECT_MULTIPLE:
                pre.extend(self._multiple_parse(q, found.get(q.name), found.get(_CODES + q.name)))
            elif _is_text(q) and (h := header(q.name)):
                # stripped once here: an expression naming it twice would strip twice
                pre.append(pl.col(h).str.strip_chars().alias(_TEXT + q.name))
        stage = self._align(stage.with_columns(pre)) if pre else stage
        anys = [e for q in questions if q.type == SELECT_MULTIPLE for e in self._multiple_any(q)]
        stage = self._align(stage.with_columns(anys)) if anys else stage
        exprs: list[pl.Expr] = []
        for q in questions:
            h = header(q.name)
            if q.type == SELECT_MULTIPLE:
                exprs.extend(self._multiple(q, h, checks))
                continue
            if h is None:
                exprs.extend(
                    pl.lit(None, dtype=dtype).alias(name) for name, dtype in _columns_of(q)
                )
                continue
            col = pl.col(h)
            if q.type == SELECT_ONE:
                exprs.append(pl.col(_ONE + q.name).alias(q.name))
            elif q.type in NUMERIC_TYPES:
                number = pl.col(_NUM + q.name)
                if q.type == "integer":
                    frac = number.is_not_null() & (number != number.floor())
                    checks.append(_Check(frac, "not_an_integer", h, col, q.name))
                    exprs.append(
                        pl.when(frac).then(None).otherwise(number).cast(pl.Int64).alias(q.name)
                    )
                else:
                    exprs.append(number.alias(q.name))
            elif q.type == "date":
                date = self._date(col.str.strip_chars())
                blank = col.str.strip_chars().str.len_bytes() == 0
                checks.append(
                    _Check(
                        col.is_not_null() & date.is_null() & ~blank, "not_a_date", h, col, q.name
                    )
                )
                exprs.append(date.alias(q.name))
            else:  # _is_text(q): stripped above
                text = pl.col(_TEXT + q.name)
                exprs.append(
                    pl.when(text.str.len_bytes() > 0).then(text).otherwise(None).alias(q.name)
                )
        self._run_checks(stage, checks)
        return self._align(stage.select(*exprs))

    def _choice_lookups(self, questions: list[Question]) -> dict[str, pl.Series]:
        """For select_one columns read as categories: the choice, as the question's Enum, for
        every category code up to the column's highest, so that typing is one gather per column
        instead of looking up each cell's text (about half the time at a million returns)."""
        header = self.cmap.questions.get
        wanted = [
            (q, h)
            for q in questions
            if q.type == SELECT_ONE
            and (h := header(q.name)) is not None
            and self.src.schema[h] == pl.Categorical
        ]
        if not wanted:
            return {}
        highest = self.src.select(pl.col(h).to_physical().max() for _, h in wanted).row(0)
        out = {}
        for (q, h), top in zip(wanted, highest, strict=True):
            # the codes are shared by every categorical column of the process: beside a column of
            # many distinct texts the table would be long, and the plain cast is then as good
            if top is None or top >= max(self.src.height, _LOOKUP_MAX):
                continue
            codes = pl.Series(range(top + 1), dtype=pl.UInt32)
            texts = codes.cat.to(self.src.schema[h]).cast(pl.String)
            # held as the Enum itself: a gather then gives the typed column (no cast of a
            # million codes afterwards, a third less time)
            out[q.name] = texts.cast(choice_enum(q), strict=False)
        return out

    def _fix_choices(
        self, stage: pl.DataFrame, q: Question, header: str, checks: list[_Check]
    ) -> pl.Series:
        """A select_one column whose cast left some texts over: strip them, and name the rest."""
        raw = stage[header]
        typed = stage[_ONE + q.name]
        idx = (raw.is_not_null() & typed.is_null()).arg_true()
        texts = raw.gather(idx).cast(pl.String)  # the column may be held as categories
        clean = texts.str.strip_chars()
        fixed = clean.cast(choice_enum(q), strict=False)
        unknown = texts.filter(fixed.is_null() & (clean.str.len_bytes() > 0)).unique()
        if unknown.len():
            checks.append(
                _Check(
                    pl.col(header).is_in(unknown.implode()),
                    "unknown_choice",
                    header,
                    pl.col(header),
                    q.name,
                )
            )
        return typed.scatter(idx, fixed)

    def _run_checks(self, frame: pl.DataFrame, checks: list[_Check]) -> None:
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
                for row, raw in zip(self._file_rows(where), texts, strict=True):
                    for token in check.tokens.get(raw, ()):
                        self.issues.append(
                            Issue(check.code, row, check.column, token, check.question)
                        )
            else:
                self._flag(
                    frame,
                    check.mask,
                    check.code,
                    check.column,
                    check.value,
                    check.question,
                    check.detail,
                )

    def _number_series(
        self, stage: pl.DataFrame, header: str, name: str, integer: bool = False
    ) -> tuple[pl.Series, pl.Series | None]:
        """The column as numbers, and where it holds text that is no number.

        The direct cast reads most cells; only those it could not read (decimal commas,
        thousands points, spaces) are cleaned and read again.
        """
        col = stage[header]
        fast = stage[_NUM + name]  # the direct cast, done for all columns in one pass
        slow = col.is_not_null() & fast.is_null()
        if self.raw.decimal_comma:  # "1.234" means a thousand and more here, not one
            slow = slow | col.str.contains(".", literal=True).fill_null(False)
        idx = slow.arg_true()
        texts = col.gather(idx)
        fixed = pl.select(_usable(self._number(pl.lit(texts)), integer)).to_series()
        nan = fixed.is_null() & (texts.str.strip_chars().str.len_bytes() > 0)
        where = pl.repeat(False, col.len(), eager=True).scatter(idx, nan) if nan.any() else None
        return fast.scatter(idx, fixed), where

    def _number(self, s: pl.Expr) -> pl.Expr:
        s = s.str.replace_all(r"[\s\u00a0\u202f']", "")
        if self.raw.decimal_comma:
            thousands = s.str.contains(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")
            s = pl.when(thousands).then(s.str.replace_all(".", "", literal=True)).otherwise(s)
            s = s.str.replace(",", ".", literal=True)
        else:
            # typed by hand in a German Excel, a lone comma is a decimal comma
            s = (
                pl.when(s.str.contains(",") & ~s.str.contains(".", literal=True))
                .then(s.str.replace(",", ".", literal=True))
                .otherwise(s)
            )
        return s.cast(pl.Float64, strict=False)

    @staticmethod
    def _date(s: pl.Expr) -> pl.Expr:
        head = s.str.slice(0, 10)
        return pl.coalesce(
            head.str.to_date("%Y-%m-%d", strict=False),
            head.str.to_date("%d.%m.%Y", strict=False),
            s.str.to_date("%d.%m.%y", strict=False),
        )

    def _multiple_parse(
        self, q: Question, texts: list[str | None] | None, codes: list[int | None] | None = None
    ) -> list[pl.Expr]:
        """First stage: each distinct answer text is parsed once, in Python, into a bit mask of
        its choices; the column then maps to masks by lookup. A wave has few distinct answer
        texts however many returns it has, so this stays cheap at a million rows.

        ``codes``: for a column read as categories, each text's category code, by which the
        cells are looked up directly."""
        header = self.cmap.questions.get(q.name)
        if header is not None:
            index = {c.name: i for i, c in enumerate(q.choices)}
            masks: list[int] = []
            unknown: dict[str, list[str]] = {}
            pairs = [
                (t, c)
                for t, c in zip(texts or (), codes or [None] * len(texts or ()), strict=True)
                if t is not None
            ]
            answered = [t for t, _ in pairs]
            for text in answered:
                bits = 0
                for token in _SPLIT.split(text.strip()):
                    if not token:
                        continue
                    if token in index:
                        bits |= 1 << index[token]
                    else:
                        unknown.setdefault(text, []).append(token)
                masks.append(bits)
            self.multiple_unknown[q.name] = unknown
            if codes is not None:  # categories: look a cell up by its category code
                code = pl.col(header).to_physical()
                slots = [c for _, c in pairs]
                size = max((c for c in slots if c is not None), default=-1) + 1

                def table(values: list[Any], dtype: pl.DataType) -> pl.Series:
                    out: list[Any] = [None] * size
                    for slot, value in zip(slots, values, strict=True):
                        if slot is not None:  # a category's text always has its code
                            out[slot] = value
                    return pl.Series(out, dtype=dtype)
            else:  # texts: a cell's position in ``texts`` (as an Enum of them) is the code
                code = pl.col(header).cast(pl.Enum(answered)).to_physical()

                def table(values: list[Any], dtype: pl.DataType) -> pl.Series:
                    return pl.Series(values, dtype=dtype)

            if len(q.choices) > _MAX_BITS:
                # too many choices for one Int64 mask: one lookup per choice instead
                return [
                    pl.lit(table([bool(m >> i & 1) for m in masks], pl.Boolean()))
                    .gather(code)
                    .alias(f"{_FLAG}{q.name}/{c.name}")
                    for i, c in enumerate(q.choices)
                ]
            # a text naming no known choice is no answer: null, like an empty cell
            width = pl.UInt32() if len(q.choices) <= 32 else pl.Int64()  # half the memory mostly
            lut = table([m or None for m in masks], width)
            return [pl.lit(lut).gather(code).alias(_MASK + q.name)]
        out = []
        for c, h in self.cmap.splits.get(q.name, {}).items():
            low = pl.col(h).str.to_lowercase()
            flag = pl.when(low.is_in(_TRUE)).then(True).when(low.is_in(_FALSE)).then(False)
            out.append(flag.otherwise(None).alias(f"{_FLAG}{q.name}/{c}"))
        return out

    def _flags(self, q: Question) -> dict[str, pl.Expr] | None:
        names = [c.name for c in q.choices]
        if q.name in self.cmap.questions and len(names) <= _MAX_BITS:
            mask = pl.col(_MASK + q.name)
            return {c: (mask & (1 << i)) != 0 for i, c in enumerate(names)}
        if q.name in self.cmap.questions:
            return {c: pl.col(f"{_FLAG}{q.name}/{c}") for c in names}
        splits = self.cmap.splits.get(q.name, {})
        if splits or any(u[0] == q.name for u in self.cmap.unknown_splits):
            return {
                c: pl.col(f"{_FLAG}{q.name}/{c}") if c in splits else pl.lit(None, dtype=pl.Boolean)
                for c in names
            }
        return None

    def _multiple_any(self, q: Question) -> list[pl.Expr]:
        """Second stage: does the return name at least one known choice?"""
        if q.name in self.cmap.questions and len(q.choices) <= _MAX_BITS:
            return [pl.col(_MASK + q.name).is_not_null().alias(_ANY + q.name)]
        flags = self._flags(q)
        if flags is None:
            return []
        return [
            pl.any_horizontal([f.fill_null(False) for f in flags.values()]).alias(_ANY + q.name)
        ]

    def _multiple(self, q: Question, header: str | None, checks: list[_Check]) -> list[pl.Expr]:
        names = [c.name for c in q.choices]
        flags = self._flags(q)
        if flags is None:
            return [pl.lit(None, dtype=pl.Boolean).alias(f"{q.name}/{c}") for c in names]
        if header is not None:
            unknown = self.multiple_unknown.get(q.name, {})
            if unknown:
                bad = pl.col(header).is_in(list(unknown))
                checks.append(
                    _Check(bad, "unknown_choice", header, pl.col(header), q.name, tokens=unknown)
                )
            present = pl.col(header).is_not_null()
        else:
            splits = self.cmap.splits.get(q.name, {})
            for h in splits.values():
                low = pl.col(h).str.to_lowercase()
                bad = pl.col(h).is_not_null() & ~low.is_in(_TRUE + _FALSE)
                checks.append(_Check(bad, "not_a_flag", h, pl.col(h), q.name))
            for qname, choice, h in self.cmap.unknown_splits:
                if qname == q.name:
                    selected = pl.col(h).str.to_lowercase().is_in(_TRUE)
                    checks.append(_Check(selected, "unknown_choice", h, pl.col(h), q.name, choice))
            present = (
                pl.any_horizontal([pl.col(h).is_not_null() for h in splits.values()])
                if splits
                else pl.lit(False)
            )
        if header is not None and len(names) <= _MAX_BITS:
            # the mask is null for "not answered", and so is every choice taken from it
            return [f.alias(f"{q.name}/{c}") for c, f in flags.items()]
        # nothing known selected means "not answered": the base counts only returns with a mention
        answered = present & pl.col(_ANY + q.name)
        return [
            pl.when(answered).then(f.fill_null(False)).otherwise(None).alias(f"{q.name}/{c}")
            for c, f in flags.items()
        ]

    def _compiler(self, frame: pl.DataFrame) -> Compiler:
        return Compiler(self.instrument, set(frame.columns))

    def _answered(self, q: Question) -> pl.Expr:
        cols = [name for name, _ in _columns_of(q)]
        if q.type == SELECT_MULTIPLE:
            return (
                pl.any_horizontal([pl.col(c).is_not_null() for c in cols])
                if cols
                else pl.lit(False)
            )
        return pl.col(q.name).is_not_null()

    def _blank(self, q: Question, mask: pl.Expr) -> list[pl.Expr]:
        return [pl.when(mask).then(None).otherwise(pl.col(c)).alias(c) for c, _ in _columns_of(q)]

    def _raw_value(self, q: Question) -> tuple[str | None, pl.Expr | None]:
        header = self.cmap.questions.get(q.name)
        if header is not None:
            return header, pl.col(_RAW + header)
        splits = self.cmap.splits.get(q.name)
        if splits:
            selected = [
                pl.when(pl.col(_RAW + h).str.to_lowercase().is_in(_TRUE))
                .then(pl.lit(c))
                .otherwise(None)
                for c, h in splits.items()
            ]
            return q.name, pl.concat_str(selected, separator=" ", ignore_nulls=True)
        return None, None

    def _view(self, frame: pl.DataFrame, *more: pl.DataFrame) -> pl.DataFrame:
        """The typed columns beside the raw text (and any decided conditions)."""
        parts = [frame, self.rawp, *(m for m in more if m.width)]
        return pl.concat(parts, how="horizontal")

    def _check_constraints(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Every constraint decided on the typed answers in one pass; the answers that break
        one are reported and left out (all against the same table, so the order is free)."""
        compiler = self._compiler(frame)
        violations: dict[str, pl.Expr] = {}
        for q in self.instrument.questions:
            if not q.constraint or q.type in ("note", "calculate"):
                continue
            try:
                ok = compiler.condition(q.constraint, self_name=q.name)
            except UnsupportedExpression as exc:
                self._note(
                    "expression_unsupported",
                    self.cmap.questions.get(q.name),
                    q.name,
                    f"constraint {q.constraint!r}: {exc}",
                )
                continue
            violations[q.name] = self._answered(q) & ~ok
        if not violations:
            return frame
        masks = self._align(
            frame.select(e.fill_null(False).alias(n) for n, e in violations.items())
        )
        hits = masks.select(pl.all().sum()).row(0, named=True)
        blanks: list[pl.Expr] = []
        view = self._view(frame, masks.rename({n: _STRAY + n for n in masks.columns}))
        for name, n in hits.items():
            if not n:
                continue
            asked = self.instrument.question(name)
            assert asked is not None
            column, raw_value = self._raw_value(asked)
            msg = asked.constraint_message() or asked.constraint
            self._flag(
                view, pl.col(_STRAY + name), "constraint", column or name, raw_value, name, msg
            )
            blanks.extend(self._blank(asked, pl.lit(masks[name])))
        return self._align(frame.with_columns(blanks)) if blanks else frame

    def _bad_answers(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Per question, the returns whose answer failed a check: conditions on it are undecidable.

        An answer failed when its cell holds text but the typed value is empty. Only those few
        cells are looked at for spaces (a cell of spaces is empty, not wrong); the spaces found
        are kept in ``self.blank`` for the required check.
        """
        view = self._view(frame)
        exprs = []
        for q in self.instrument.questions:
            if q.type == "note" or not (
                q.name in self.cmap.questions or q.name in self.cmap.splits
            ):
                continue
            header = self.cmap.questions.get(q.name)
            if header is not None:
                held = pl.col(_RAW + header).is_not_null()
            else:  # Kobo's split columns: empty means no choice marked as selected
                held = ~self._raw_empty(q)
            exprs.append((held & ~self._answered(q)).alias(q.name))
        if not exprs:
            return pl.DataFrame()
        bad = self._align(view.select(exprs))
        counts = bad.select(pl.all().sum()).row(0, named=True)
        fixed = []
        for name, hits in counts.items():
            header = self.cmap.questions.get(name)
            if not hits or header is None:
                continue
            idx = bad[name].arg_true()
            text = self.raw.frame[header].gather(idx).cast(pl.String)
            blank = text.str.strip_chars().str.len_bytes() == 0
            if blank.any():
                where = idx.filter(blank)
                self.blank[name] = pl.repeat(False, bad.height, eager=True).scatter(where, True)
                fixed.append(bad[name].scatter(where, False))
        return self._align(bad.with_columns(fixed)) if fixed else bad

    def _batches(self) -> list[list[Question]]:
        """The questions in runs that can be decided together, in form order.

        Relevance is decided question by question: a follow-up of a follow-up sees the first
        follow-up's answer removed if that was not asked. A run ends before a question whose
        conditions name a question of the run that may lose answers that way (or whose
        ``required`` is named by an earlier one of the run); within a run the conditions are then
        the same on the table before the run as on the table question by question, so a whole
        run takes one pass instead of one per question.
        """
        runs: list[list[Question]] = [[]]
        removable: set[str] = set()
        named_by_required: set[str] = set()
        for q in self.instrument.questions:
            if q.type == "note":
                continue
            chain = self.instrument.relevance_chain(q)
            refs = set().union(*(references(c) for c in chain)) if chain else set()
            req = references(q.required or "", q.name)
            if (refs | req) & removable or (chain and q.name in named_by_required):
                runs.append([])
                removable, named_by_required = set(), set()
            runs[-1].append(q)
            if chain:
                removable.add(q.name)
            named_by_required |= req - {q.name}
        return [r for r in runs if r]

    def _apply_relevance(self, frame: pl.DataFrame, bad: pl.DataFrame) -> pl.DataFrame:
        compiler = self._compiler(frame)
        for run in self._batches():
            relevants: dict[str, pl.Expr] = {}
            strays: dict[str, pl.Expr] = {}
            requireds: dict[str, pl.Expr] = {}
            for q in run:
                chain = self.instrument.relevance_chain(q)
                relevant: pl.Expr | None = None
                for cond in chain:
                    try:
                        c = compiler.condition(cond)
                    except UnsupportedExpression as exc:
                        self._note(
                            "expression_unsupported",
                            self.cmap.questions.get(q.name),
                            q.name,
                            f"relevant {cond!r}: {exc}",
                        )
                        continue
                    relevant = c if relevant is None else relevant & c
                # a repeat's answers are no cells of the main table: nothing there can be missing
                required = None if q.in_repeat else self._required(compiler, q)
                if relevant is not None:
                    relevants[q.name] = relevant
                    refs = {a or b for cond in chain for a, b in _REF.findall(cond)} & set(
                        bad.columns
                    )
                    stray = self._answered(q) & ~pl.col(_REL + q.name)
                    if refs:
                        # an answer that hangs on an invalid one is neither reported nor removed
                        uncertain = pl.any_horizontal([pl.lit(bad[r]) for r in sorted(refs)])
                        stray = stray & ~uncertain
                    strays[q.name] = stray
                if required is not None and q.type != "calculate":
                    requireds[q.name] = required
            if not relevants and not requireds:
                continue
            # the conditions as they stand before this run, decided once for the whole run
            decided = self._align(
                frame.with_columns(e.alias(_REL + n) for n, e in relevants.items())
            ).select(
                *(pl.col(_REL + n) for n in relevants),
                *(e.alias(_STRAY + n) for n, e in strays.items()),
            )
            view = self._view(frame, decided)
            hits = (
                decided.select(pl.col(_STRAY + n).sum().alias(n) for n in strays).row(0, named=True)
                if strays
                else {}
            )
            blanks: list[pl.Expr] = []
            for q in run:
                if hits.get(q.name):
                    column, raw_value = self._raw_value(q)
                    stray = pl.col(_STRAY + q.name)
                    self._flag(view, stray, "not_relevant", column or q.name, raw_value, q.name)
                    blanks.extend(self._blank(q, pl.lit(decided[_STRAY + q.name])))
            if blanks:
                frame = self._align(frame.with_columns(blanks))
            if requireds:
                view = self._view(frame, decided)
                missing = {
                    n: (
                        (pl.col(_REL + n) if n in relevants else pl.lit(True))
                        & required
                        & self._raw_empty(self.instrument.question(n))  # type: ignore[arg-type]
                    )
                    for n, required in requireds.items()
                }
                found = view.select(
                    e.fill_null(False).sum().alias(n) for n, e in missing.items()
                ).row(0, named=True)
                for n, e in missing.items():
                    if found[n]:
                        asked = self.instrument.question(n)
                        assert asked is not None
                        column, _ = self._raw_value(asked)
                        self._flag(view, e, "required_missing", column or n, None, n)
        return frame

    def _raw_empty(self, q: Question) -> pl.Expr:
        header = self.cmap.questions.get(q.name)
        if header is not None:
            empty = pl.col(_RAW + header).is_null()
            blank = self.blank.get(q.name)
            return empty if blank is None else empty | pl.lit(blank)
        splits = self.cmap.splits.get(q.name)
        if splits:
            return ~pl.any_horizontal(
                [pl.col(_RAW + h).str.to_lowercase().is_in(_TRUE) for h in splits.values()]
            )
        return pl.lit(True)

    def _required(self, compiler: Compiler, q: Question) -> pl.Expr | None:
        text = (q.required or "").strip()
        if not text or text.lower() in ("no", "false", "false()", "nein"):
            return None
        if q.is_required_always:
            return pl.lit(True)
        try:
            return compiler.condition(text)
        except UnsupportedExpression as exc:
            self._note(
                "expression_unsupported",
                self.cmap.questions.get(q.name),
                q.name,
                f"required {text!r}: {exc}",
            )
            return None
