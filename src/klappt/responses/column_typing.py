"""Typing the raw table's columns against the form, in four passes over the whole table.

Most cells of a wave are already clean: a choice name exactly, a plain number. Those are typed
by one cast per column, all columns in one pass (:meth:`ColumnTyper._cast`); only the cells the
cast leaves null although they hold text (spaces around a name, a decimal comma, a typo) are
looked at again, and there are few of them (:meth:`ColumnTyper._fix`). A select_multiple is
parsed per distinct answer text into a bit mask (:meth:`ColumnTyper._prepare`); then every
question gets its typed column, and every check of this step is counted in one pass before any
row is looked at (:meth:`ColumnTyper._type`).
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from klappt.instrument.model import NUMERIC_TYPES, SELECT_MULTIPLE, SELECT_ONE, Question
from klappt.responses.loading import FALSE, TRUE, Check, Loader
from klappt.responses.schema import choice_enum, columns_of, is_text

_MASK = "__mask__"
_NUM = "__num__"
_MAX_BITS = 62
_SPLIT = re.compile(r"[\s,;]+")
_FLAG = "__flag__"
_ANY = "__any__"
_ONE = "__one__"
_NAN = "__nan__"
_INT64_LIMIT = 9.2e18  # 2**63: a larger float does not fit an Int64
_TEXT = "__text__"
_ID_DISTINCT = "\x00distinct ids"
#: longest lookup table a select_one column read as categories is typed through (see below)
_LOOKUP_MAX = 1 << 16
_CODES = "\x00codes "


def _usable(number: pl.Expr, integer: bool) -> pl.Expr:
    """The number where it is one an answer can be: NaN and the infinities are no answers, and
    an integer answer beyond Int64 (1e30) cannot be stored; they stay null, and the cell is then
    reported as ``not_a_number``."""
    ok = number.is_finite()
    if integer:
        ok = ok & (number.abs() < _INT64_LIMIT)
    return pl.when(ok).then(number)


class ColumnTyper:
    """One typing of a loader's raw table: :meth:`typed` gives the typed frame."""

    def __init__(self, loader: Loader) -> None:
        self.loader = loader
        self.questions = [q for q in loader.instrument.questions if q.type != "note"]
        self.header = loader.cmap.questions.get
        self.checks: list[Check] = []
        # per select_multiple: each answer text naming unknown choices -> those parts
        self.multiple_unknown: dict[str, dict[str, list[str]]] = {}

    def typed(self) -> pl.DataFrame:
        """The typed frame, cut as the raw table; the problems found are the loader's issues."""
        stage, found = self._cast()
        stage = self._fix(stage, found)
        stage = self._prepare(stage, found)
        return self._type(stage)

    def _cast(self) -> tuple[pl.DataFrame, dict[str, Any]]:
        """Pass 1: one cast per select_one and number column, all in one select; counted with
        it, per column, the cells the cast could not read, each select_multiple's distinct
        answer texts and the distinct hashes of the return ids."""
        header = self.header
        lookups = self._choice_lookups(self.questions)
        casts: list[pl.Expr] = []
        odd: dict[str, pl.Expr] = {}
        for q in self.questions:
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
                if self.loader.raw.decimal_comma:  # "1.234" means a thousand and more here
                    slow = slow | s.str.contains(".", literal=True).fill_null(False)
                odd[q.name] = slow.sum()
        distinct: list[pl.Expr] = []
        for q in self.questions:
            h = header(q.name)
            if q.type != SELECT_MULTIPLE or h is None:
                continue
            if self.loader.src.schema[h] == pl.Categorical:
                # read as categories: one position per distinct category, found on the integer
                # codes, gives each text with its code (no text is hashed again)
                code = pl.col(h).to_physical()
                first = code.arg_unique()
                distinct.append(pl.col(h).gather(first).cast(pl.String).implode().alias(q.name))
                distinct.append(code.gather(first).implode().alias(_CODES + q.name))
            else:
                distinct.append(pl.col(h).drop_nulls().unique().implode().alias(q.name))
        src = self.loader.src
        stage = self.loader.align(src.with_columns(casts)) if casts else src
        id_col = self.loader.cmap.id_column
        # distinct hashes are distinct ids, and counting integers is several times cheaper than
        # counting texts; only when two hashes meet are the ids themselves counted
        # (Loader.duplicate_ids)
        ids = [pl.col(id_col).hash().n_unique().alias(_ID_DISTINCT)] if id_col else []
        found: dict[str, Any] = {}
        if odd or distinct or ids:
            found = stage.select(*(e.alias(n) for n, e in odd.items()), *distinct, *ids).row(
                0, named=True
            )
        self.loader.id_distinct = found.pop(_ID_DISTINCT, None)
        return stage, found

    def _fix(self, stage: pl.DataFrame, found: dict[str, Any]) -> pl.DataFrame:
        """Pass 2: the cells the cast left over, in the columns that have any: a choice name
        with spaces, a number with a decimal comma or thousands points; the rest is named."""
        fixes = []
        for q in self.questions:
            h = self.header(q.name)
            if h is None or not found.get(q.name) or q.type == SELECT_MULTIPLE:
                continue
            if q.type == SELECT_ONE:
                fixes.append(self._fix_choices(stage, q, h, self.checks))
            else:
                num, nan = self._number_series(stage, h, q.name, q.type == "integer")
                fixes.append(num.alias(_NUM + q.name))
                if nan is not None:
                    fixes.append(nan.alias(_NAN + q.name))
                    self.checks.append(
                        Check(pl.col(_NAN + q.name), "not_a_number", h, pl.col(h), q.name)
                    )
        return self.loader.align(stage.with_columns(fixes)) if fixes else stage

    def _prepare(self, stage: pl.DataFrame, found: dict[str, Any]) -> pl.DataFrame:
        """Pass 3: each select_multiple as a bit mask (or one flag per choice) and whether it
        names a known choice at all; text answers stripped once."""
        pre: list[pl.Expr] = []
        for q in self.questions:
            if q.type == SELECT_MULTIPLE:
                pre.extend(self._multiple_parse(q, found.get(q.name), found.get(_CODES + q.name)))
            elif is_text(q) and (h := self.header(q.name)):
                # stripped once here: an expression naming it twice would strip twice
                pre.append(pl.col(h).str.strip_chars().alias(_TEXT + q.name))
        stage = self.loader.align(stage.with_columns(pre)) if pre else stage
        anys = [
            e for q in self.questions if q.type == SELECT_MULTIPLE for e in self._multiple_any(q)
        ]
        return self.loader.align(stage.with_columns(anys)) if anys else stage

    def _type(self, stage: pl.DataFrame) -> pl.DataFrame:
        """Pass 4: every question's typed columns, and all checks of the typing counted at once."""
        exprs: list[pl.Expr] = []
        checks = self.checks
        for q in self.questions:
            h = self.header(q.name)
            if q.type == SELECT_MULTIPLE:
                exprs.extend(self._multiple(q, h, checks))
                continue
            if h is None:
                exprs.extend(pl.lit(None, dtype=dtype).alias(name) for name, dtype in columns_of(q))
                continue
            col = pl.col(h)
            if q.type == SELECT_ONE:
                exprs.append(pl.col(_ONE + q.name).alias(q.name))
            elif q.type in NUMERIC_TYPES:
                number = pl.col(_NUM + q.name)
                if q.type == "integer":
                    frac = number.is_not_null() & (number != number.floor())
                    checks.append(Check(frac, "not_an_integer", h, col, q.name))
                    exprs.append(
                        pl.when(frac).then(None).otherwise(number).cast(pl.Int64).alias(q.name)
                    )
                else:
                    exprs.append(number.alias(q.name))
            elif q.type == "date":
                date = self._date(col.str.strip_chars())
                blank = col.str.strip_chars().str.len_bytes() == 0
                checks.append(
                    Check(col.is_not_null() & date.is_null() & ~blank, "not_a_date", h, col, q.name)
                )
                exprs.append(date.alias(q.name))
            else:  # is_text(q): stripped in pass 3
                text = pl.col(_TEXT + q.name)
                exprs.append(
                    pl.when(text.str.len_bytes() > 0).then(text).otherwise(None).alias(q.name)
                )
        self.loader.run_checks(stage, checks)
        return self.loader.align(stage.select(*exprs))

    # -- the parts of the passes ------------------------------------------------------------

    def _choice_lookups(self, questions: list[Question]) -> dict[str, pl.Series]:
        """For select_one columns read as categories: the choice, as the question's Enum, for
        every category code up to the column's highest, so that typing is one gather per column
        instead of looking up each cell's text (about half the time at a million returns)."""
        header = self.loader.cmap.questions.get
        wanted = [
            (q, h)
            for q in questions
            if q.type == SELECT_ONE
            and (h := header(q.name)) is not None
            and self.loader.src.schema[h] == pl.Categorical
        ]
        if not wanted:
            return {}
        highest = self.loader.src.select(pl.col(h).to_physical().max() for _, h in wanted).row(0)
        out = {}
        for (q, h), top in zip(wanted, highest, strict=True):
            # the codes are shared by every categorical column of the process: beside a column of
            # many distinct texts the table would be long, and the plain cast is then as good
            if top is None or top >= max(self.loader.src.height, _LOOKUP_MAX):
                continue
            codes = pl.Series(range(top + 1), dtype=pl.UInt32)
            texts = codes.cat.to(self.loader.src.schema[h]).cast(pl.String)
            # held as the Enum itself: a gather then gives the typed column (no cast of a
            # million codes afterwards, a third less time)
            out[q.name] = texts.cast(choice_enum(q), strict=False)
        return out

    def _fix_choices(
        self, stage: pl.DataFrame, q: Question, header: str, checks: list[Check]
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
                Check(
                    pl.col(header).is_in(unknown.implode()),
                    "unknown_choice",
                    header,
                    pl.col(header),
                    q.name,
                )
            )
        return typed.scatter(idx, fixed)

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
        if self.loader.raw.decimal_comma:  # "1.234" means a thousand and more here, not one
            slow = slow | col.str.contains(".", literal=True).fill_null(False)
        idx = slow.arg_true()
        texts = col.gather(idx)
        fixed = pl.select(_usable(self._number(pl.lit(texts)), integer)).to_series()
        nan = fixed.is_null() & (texts.str.strip_chars().str.len_bytes() > 0)
        where = pl.repeat(False, col.len(), eager=True).scatter(idx, nan) if nan.any() else None
        return fast.scatter(idx, fixed), where

    def _number(self, s: pl.Expr) -> pl.Expr:
        s = s.str.replace_all(r"[\s\u00a0\u202f']", "")
        if self.loader.raw.decimal_comma:
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
        header = self.loader.cmap.questions.get(q.name)
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
        for c, h in self.loader.cmap.splits.get(q.name, {}).items():
            low = pl.col(h).str.to_lowercase()
            flag = pl.when(low.is_in(TRUE)).then(True).when(low.is_in(FALSE)).then(False)
            out.append(flag.otherwise(None).alias(f"{_FLAG}{q.name}/{c}"))
        return out

    def _flags(self, q: Question) -> dict[str, pl.Expr] | None:
        names = [c.name for c in q.choices]
        if q.name in self.loader.cmap.questions and len(names) <= _MAX_BITS:
            mask = pl.col(_MASK + q.name)
            return {c: (mask & (1 << i)) != 0 for i, c in enumerate(names)}
        if q.name in self.loader.cmap.questions:
            return {c: pl.col(f"{_FLAG}{q.name}/{c}") for c in names}
        splits = self.loader.cmap.splits.get(q.name, {})
        if splits or any(u[0] == q.name for u in self.loader.cmap.unknown_splits):
            return {
                c: pl.col(f"{_FLAG}{q.name}/{c}") if c in splits else pl.lit(None, dtype=pl.Boolean)
                for c in names
            }
        return None

    def _multiple_any(self, q: Question) -> list[pl.Expr]:
        """Second stage: does the return name at least one known choice?"""
        if q.name in self.loader.cmap.questions and len(q.choices) <= _MAX_BITS:
            return [pl.col(_MASK + q.name).is_not_null().alias(_ANY + q.name)]
        flags = self._flags(q)
        if flags is None:
            return []
        return [
            pl.any_horizontal([f.fill_null(False) for f in flags.values()]).alias(_ANY + q.name)
        ]

    def _multiple(self, q: Question, header: str | None, checks: list[Check]) -> list[pl.Expr]:
        names = [c.name for c in q.choices]
        flags = self._flags(q)
        if flags is None:
            return [pl.lit(None, dtype=pl.Boolean).alias(f"{q.name}/{c}") for c in names]
        if header is not None:
            unknown = self.multiple_unknown.get(q.name, {})
            if unknown:
                bad = pl.col(header).is_in(list(unknown))
                checks.append(
                    Check(bad, "unknown_choice", header, pl.col(header), q.name, tokens=unknown)
                )
            present = pl.col(header).is_not_null()
        else:
            splits = self.loader.cmap.splits.get(q.name, {})
            for h in splits.values():
                low = pl.col(h).str.to_lowercase()
                bad = pl.col(h).is_not_null() & ~low.is_in(TRUE + FALSE)
                checks.append(Check(bad, "not_a_flag", h, pl.col(h), q.name))
            for qname, choice, h in self.loader.cmap.unknown_splits:
                if qname == q.name:
                    selected = pl.col(h).str.to_lowercase().is_in(TRUE)
                    checks.append(Check(selected, "unknown_choice", h, pl.col(h), q.name, choice))
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
