"""Returns typed against their form: the table every analysis reads, and its validation report.

``load_responses`` never stops at a bad value. Each problem goes into the report with its
row, column and value, and the value is left out of the counts (set to null), so a table
never silently includes an answer that the form does not allow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from klappt.errors import ErrorCode, KlapptError
from klappt.instrument.model import NUMERIC_TYPES, SELECT_MULTIPLE, SELECT_ONE, Instrument, Question
from klappt.responses.columns import ColumnMap, map_columns
from klappt.responses.expressions import Compiler, UnsupportedExpression
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
_REF = re.compile(r"\$\{([^}]+)\}|\.\./([A-Za-z_][\w.\-]*)")


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

    ``frame`` has one column per question (``select_multiple``: one Boolean column per choice,
    named ``question/choice``); ``meta`` has ``return_id``, ``row`` and the file's metadata
    columns, row for row.
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


def empty_frame(instrument: Instrument, height: int = 0) -> pl.DataFrame:
    """A typed frame of nulls with the columns the form implies."""
    cols: dict[str, pl.Series] = {}
    for q in instrument.questions:
        for name, dtype in _columns_of(q):
            cols[name] = pl.Series(name, [None] * height, dtype=dtype)
    return pl.DataFrame(cols)


def _columns_of(q: Question) -> list[tuple[str, pl.DataType]]:
    if q.type == "note":
        return []
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


class _Loader:
    def __init__(self, instrument: Instrument, raw: RawTable, cmap: ColumnMap) -> None:
        self.instrument = instrument
        self.raw = raw
        self.cmap = cmap
        self.issues: list[Issue] = []
        rows = raw.file_rows or tuple(range(2, raw.height + 2))
        self.src = raw.frame.with_columns(pl.Series(_ROW, rows, dtype=pl.Int64))
        # the raw text beside the typed columns, for naming the value as written in the file
        self.rawp = raw.frame.rename({c: _RAW + c for c in raw.frame.columns})
        self.multiple_unknown: dict[str, dict[str, list[str]]] = {}

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
        hits = frame.filter(mask)
        if hits.height == 0:
            return
        values = (
            hits.select(value.cast(pl.String)).to_series().to_list()
            if value is not None
            else [None] * hits.height  # a literal alone would give a single row
        )
        for row, val in zip(hits[_ROW].to_list(), values, strict=True):
            self.issues.append(Issue(code, row, column, val, question, detail))

    def _note(self, code: str, column: str | None, question: str | None, detail: str) -> None:
        self.issues.append(Issue(code, None, column, None, question, detail))

    # -- steps ----------------------------------------------------------------------------

    def run(self) -> tuple[ResponseSet, ValidationReport]:
        for header in self.cmap.unknown:
            self.issues.append(Issue("unknown_column", None, header, None, None, None))
        for header, name in self.cmap.duplicates:
            self.issues.append(
                Issue("duplicate_column", None, header, None, name.split("/")[0], name)
            )
        keep = self._duplicate_ids()
        frame = self._type_columns()
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
        self.issues.sort(
            key=lambda i: (
                i.row is not None,
                i.row or 0,
                self.raw.columns.index(i.column) if i.column in self.raw.columns else 0,
            )
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
        dup = pl.col(col).is_not_null() & ~pl.col(col).is_first_distinct()
        self._flag(self.src, dup, "duplicate_id", col, pl.col(col), None)
        mask = self.src.select((~dup).alias("k"))["k"]
        return None if mask.all() else mask

    def _meta(self, keep: pl.Series | None) -> pl.DataFrame:
        id_col = self.cmap.id_column
        rid = pl.col(id_col) if id_col else pl.col(_ROW).cast(pl.String)
        meta = self.src.select(
            rid.alias("return_id"),
            pl.col(_ROW).alias("row"),
            *[pl.col(c) for c in self.cmap.meta if c not in ("return_id", "row")],
        )
        return meta.filter(keep) if keep is not None else meta

    def _type_columns(self) -> pl.DataFrame:
        """The typed frame. Work is staged so that each column is parsed once, and every
        check of this step is counted in one pass before any row is looked at."""
        pre: list[pl.Expr] = []
        for q in self.instrument.questions:
            if q.type == SELECT_MULTIPLE:
                pre.extend(self._multiple_parse(q))
        stage = self.src.with_columns(pre) if pre else self.src
        anys = [
            e
            for q in self.instrument.questions
            if q.type == SELECT_MULTIPLE
            for e in self._multiple_any(q)
        ]
        stage = stage.with_columns(anys) if anys else stage
        checks: list[_Check] = []
        exprs: list[pl.Expr] = []
        for q in self.instrument.questions:
            if q.type == "note":
                continue
            header = self.cmap.questions.get(q.name)
            if q.type == SELECT_MULTIPLE:
                exprs.extend(self._multiple(q, header, checks))
                continue
            if header is None:
                exprs.extend(
                    pl.lit(None, dtype=dtype).alias(name) for name, dtype in _columns_of(q)
                )
                continue
            s = pl.col(header)
            if q.type == SELECT_ONE:
                # few distinct texts however many returns: clean each once, then look up
                names = {c.name for c in q.choices}
                mapping: dict[str, str | None] = {}
                bad_texts = []
                for text in self.src[header].drop_nulls().unique().to_list():
                    clean = text.strip()
                    mapping[text] = clean if clean in names else None
                    if clean and clean not in names:
                        bad_texts.append(text)
                if bad_texts:
                    checks.append(_Check(s.is_in(bad_texts), "unknown_choice", header, s, q.name))
                exprs.append(
                    s.replace_strict(
                        mapping or {"": None}, default=None, return_dtype=pl.String
                    ).alias(q.name)
                )
            elif q.type in NUMERIC_TYPES:
                stage = stage.with_columns(self._number_series(header).alias(_NUM + q.name))
                num = pl.col(_NUM + q.name)
                blank = s.str.strip_chars().str.len_bytes() == 0
                checks.append(
                    _Check(
                        s.is_not_null() & num.is_null() & ~blank, "not_a_number", header, s, q.name
                    )
                )
                if q.type == "integer":
                    frac = num.is_not_null() & (num != num.floor())
                    checks.append(_Check(frac, "not_an_integer", header, s, q.name))
                    exprs.append(
                        pl.when(frac).then(None).otherwise(num).cast(pl.Int64).alias(q.name)
                    )
                else:
                    exprs.append(num.alias(q.name))
            elif q.type == "date":
                date = self._date(s.str.strip_chars())
                blank = s.str.strip_chars().str.len_bytes() == 0
                checks.append(
                    _Check(
                        s.is_not_null() & date.is_null() & ~blank, "not_a_date", header, s, q.name
                    )
                )
                exprs.append(date.alias(q.name))
            else:
                text = s.str.strip_chars()
                exprs.append(
                    pl.when(text.str.len_bytes() > 0).then(text).otherwise(None).alias(q.name)
                )
        self._run_checks(stage, checks)
        return stage.select(pl.col(_ROW), *exprs)

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
                found = frame.filter(check.mask).select(_ROW, check.value.alias("u"))
                for row, raw in zip(found[_ROW].to_list(), found["u"].to_list(), strict=True):
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

    def _number_series(self, header: str) -> pl.Series:
        """The column as numbers. Most cells are plain numbers and are cast directly; only the
        others (decimal commas, thousands points, spaces) go through the cleaning."""
        col = self.src[header]
        fast = col.cast(pl.Float64, strict=False)
        slow = col.is_not_null() & fast.is_null()
        if self.raw.decimal_comma:  # "1.234" means a thousand and more here, not one
            slow = slow | col.str.contains(".", literal=True).fill_null(False)
        if not slow.any():
            return fast
        idx = slow.arg_true()
        fixed = pl.select(self._number(pl.lit(col.gather(idx)))).to_series()
        return fast.scatter(idx, fixed)

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

    def _multiple_parse(self, q: Question) -> list[pl.Expr]:
        """First stage: each distinct answer text is parsed once, in Python, into a bit mask of
        its choices; the column then maps to masks by lookup. A wave has few distinct answer
        texts however many returns it has, so this stays cheap at a million rows."""
        header = self.cmap.questions.get(q.name)
        if header is not None:
            index = {c.name: i for i, c in enumerate(q.choices)}
            masks: dict[str, int] = {}
            unknown: dict[str, list[str]] = {}
            for text in self.src[header].drop_nulls().unique().to_list():
                bits = 0
                for token in _SPLIT.split(text.strip()):
                    if not token:
                        continue
                    if token in index:
                        bits |= 1 << index[token]
                    else:
                        unknown.setdefault(text, []).append(token)
                masks[text] = bits
            self.multiple_unknown[q.name] = unknown
            if len(q.choices) > _MAX_BITS:
                # too many choices for one Int64 mask: one lookup per choice instead
                return [
                    pl.col(header)
                    .replace_strict(
                        {t: bool(m >> i & 1) for t, m in masks.items()} or {"": False},
                        default=None,
                        return_dtype=pl.Boolean,
                    )
                    .alias(f"{_FLAG}{q.name}/{c.name}")
                    for i, c in enumerate(q.choices)
                ]
            mask = pl.col(header).replace_strict(
                masks or {"": 0}, default=None, return_dtype=pl.Int64
            )
            return [mask.alias(_MASK + q.name)]
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
            return [(pl.col(_MASK + q.name) > 0).alias(_ANY + q.name)]
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

    def _view(self, frame: pl.DataFrame) -> pl.DataFrame:
        return pl.concat([frame, self.rawp], how="horizontal")

    def _check_constraints(self, frame: pl.DataFrame) -> pl.DataFrame:
        compiler = self._compiler(frame)
        blanks: list[pl.Expr] = []
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
            violated = self._answered(q) & ~ok
            column, raw_value = self._raw_value(q)
            msg = q.constraint_message() or q.constraint
            self._flag(
                self._view(frame), violated, "constraint", column or q.name, raw_value, q.name, msg
            )
            blanks.extend(self._blank(q, violated))
        return frame.with_columns(blanks) if blanks else frame

    def _bad_answers(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Per question, the returns whose answer failed a check: conditions on it are undecidable."""
        view = self._view(frame)
        exprs = []
        for q in self.instrument.questions:
            if q.type == "note" or not (
                q.name in self.cmap.questions or q.name in self.cmap.splits
            ):
                continue
            exprs.append((~self._raw_empty(q) & ~self._answered(q)).alias(q.name))
        return view.select(exprs) if exprs else pl.DataFrame()

    def _apply_relevance(self, frame: pl.DataFrame, bad: pl.DataFrame) -> pl.DataFrame:
        compiler = self._compiler(frame)
        for q in self.instrument.questions:
            if q.type == "note":
                continue
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
            required = self._required(compiler, q)
            column, raw_value = self._raw_value(q)
            if relevant is not None:
                refs = {a or b for cond in chain for a, b in _REF.findall(cond)} & set(bad.columns)
                stray = self._answered(q) & ~relevant
                if refs:
                    # an answer that hangs on an invalid one is neither reported nor removed
                    uncertain = pl.any_horizontal([pl.lit(bad[r]) for r in sorted(refs)])
                    stray = stray & ~uncertain
                self._flag(
                    self._view(frame), stray, "not_relevant", column or q.name, raw_value, q.name
                )
                frame = frame.with_columns(self._blank(q, stray))
            if required is not None and q.type != "calculate":
                asked = relevant if relevant is not None else pl.lit(True)
                missing = asked & required & self._raw_empty(q)
                self._flag(
                    self._view(frame), missing, "required_missing", column or q.name, None, q.name
                )
        return frame

    def _raw_empty(self, q: Question) -> pl.Expr:
        header = self.cmap.questions.get(q.name)
        if header is not None:
            raw = pl.col(_RAW + header)
            return raw.is_null() | (raw.str.strip_chars().str.len_bytes() == 0)
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
