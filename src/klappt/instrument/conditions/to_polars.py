"""Condition trees (:mod:`.parse`) compiled to Polars expressions: every return at once.

The whole-table checks of :func:`klappt.responses.dataset.load_responses` decide ``relevant``,
``required`` and ``constraint`` with these, so a million returns cost about as much as forty.
They agree with the evaluation of one return (:mod:`.evaluate`) and the browser's: XPath's
rules for an empty answer (``''``, NaN for a number), numbers and dates compared as such, a
``select_multiple`` as its space-separated choices. An expression outside the subset raises
:class:`UnsupportedExpression`; callers then skip that check and say so in the validation report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from klappt.instrument.conditions.parse import Node, UnsupportedExpression, parse
from klappt.instrument.model import NUMERIC_TYPES, SELECT_MULTIPLE, SELECT_ONE, Instrument

#: the magnitude from which a float no longer fits an Int64 (2**63)
_INT64_LIMIT = 9.2e18


@dataclass(frozen=True)
class Val:
    """A compiled sub-expression and what kind of value it yields."""

    expr: pl.Expr
    kind: str  # str | num | bool | date | multi (a select_multiple reference)
    question: str | None = None
    choice: bool = False  # a select_one column as stored (categories, null when unanswered)


class Compiler:
    """Compile expressions of one form; ``self_name`` is what ``.`` refers to."""

    def __init__(self, instrument: Instrument, columns: set[str]) -> None:
        self.instrument = instrument
        self.columns = columns
        self.questions = {q.name for q in instrument.questions}

    def condition(self, text: str, self_name: str | None = None) -> pl.Expr:
        """A Boolean expression that is never null (an undecidable condition counts as false);
        raises :class:`UnsupportedExpression` for anything outside the subset."""
        tree = parse(text, self.questions, self_name)
        return self._truth(self.value(tree)).fill_null(False)

    def value(self, node: Node) -> Val:
        """The tree compiled, with the kind of value it yields."""
        head = node[0]
        if head == "lit":
            if isinstance(node[1], str):
                return Val(pl.lit(node[1]), "str")
            return Val(pl.lit(float(node[1])), "num")
        if head == "ref":
            return self._ref(node[1])
        if head == "neg":
            return Val(-self._num(self.value(node[1])), "num")
        if head == "op":
            return self._apply(node[1], self.value(node[2]), self.value(node[3]))
        if head == "call":
            return self._call(node[1], [self.value(a) for a in node[2]])
        raise UnsupportedExpression(
            f"unerwartetes {head!r}", f"unexpected {head!r}"
        )  # a choice's column: filters only

    # -- values ---------------------------------------------------------------------------

    def _ref(self, name: str) -> Val:
        q = self.instrument.question(name)
        if q is None:
            raise UnsupportedExpression(f"unbekannte Frage {name!r}", f"unknown question {name!r}")
        if q.type == SELECT_MULTIPLE:
            return Val(pl.lit(None), "multi", q.name)
        if name not in self.columns:
            return Val(pl.lit(None, dtype=pl.String), "str", q.name)
        if q.type in NUMERIC_TYPES:
            return Val(pl.col(name).cast(pl.Float64), "num", q.name)
        if q.type == "date":
            return Val(pl.col(name), "date", q.name)
        if q.type == SELECT_ONE:
            return Val(pl.col(name).cast(pl.String), "str", q.name, choice=True)
        return Val(pl.col(name).cast(pl.String), "str", q.name)

    def _multi_cols(self, v: Val) -> list[pl.Expr]:
        q = self.instrument.question(v.question or "")
        assert q is not None
        return [
            pl.col(f"{q.name}/{c.name}").fill_null(False)
            for c in q.choices
            if f"{q.name}/{c.name}" in self.columns
        ]

    def _multi_string(self, v: Val) -> pl.Expr:
        q = self.instrument.question(v.question or "")
        assert q is not None
        parts = [
            pl.when(pl.col(f"{q.name}/{c.name}").fill_null(False))
            .then(pl.lit(c.name))
            .otherwise(pl.lit(None))
            for c in q.choices
            if f"{q.name}/{c.name}" in self.columns
        ]
        if not parts:
            return pl.lit("")
        return pl.concat_str(parts, separator=" ", ignore_nulls=True).fill_null("")

    def _str(self, v: Val) -> pl.Expr:
        if v.kind == "multi":
            return self._multi_string(v)
        if v.kind == "bool":
            return pl.when(v.expr).then(pl.lit("true")).otherwise(pl.lit("false"))
        if v.kind == "num":
            # XPath prints integral numbers without a decimal point
            e = v.expr
            return (
                # beyond Int64 (1e30, infinity) the number is printed as a float: no overflow
                pl.when((e == e.floor()) & (e.abs() < _INT64_LIMIT))
                .then(e.cast(pl.Int64, strict=False).cast(pl.String))
                .otherwise(e.cast(pl.String))
                .fill_null("")
            )
        if v.kind == "date":
            return v.expr.dt.strftime("%Y-%m-%d").fill_null("")
        return v.expr.fill_null("")

    def _num(self, v: Val) -> pl.Expr:
        if v.kind == "num":
            return v.expr
        if v.kind == "bool":
            return v.expr.cast(pl.Float64)
        if v.kind == "multi":
            return pl.lit(None, dtype=pl.Float64)
        if v.kind == "date":
            return (v.expr.cast(pl.Int32)).cast(pl.Float64)
        return v.expr.str.strip_chars().str.replace(",", ".").cast(pl.Float64, strict=False)

    def _truth(self, v: Val) -> pl.Expr:
        if v.kind == "bool":
            return v.expr
        if v.kind == "num":
            return (v.expr != 0) & v.expr.is_not_null() & ~v.expr.is_nan()
        if v.kind == "multi":
            cols = self._multi_cols(v)
            return pl.any_horizontal(cols) if cols else pl.lit(False)
        if v.kind == "date":
            return v.expr.is_not_null()
        return v.expr.fill_null("") != ""

    def _apply(self, op: str, a: Val, b: Val) -> Val:
        if op in ("and", "or"):
            ta, tb = self._truth(a).fill_null(False), self._truth(b).fill_null(False)
            return Val(ta & tb if op == "and" else ta | tb, "bool")
        if op in ("+", "-", "*", "div", "mod"):
            na, nb = self._num(a), self._num(b)
            expr = {
                "+": na + nb,
                "-": na - nb,
                "*": na * nb,
                "div": na / nb,
                "mod": na - nb * (na / nb).cast(pl.Int64, strict=False).cast(pl.Float64),
            }[op]
            return Val(expr, "num")
        return Val(self._compare(op, a, b), "bool")

    def _choice_test(self, op: str, a: Val, b: Val) -> pl.Expr | None:
        """``${q} = 'c'`` on a select_one, compared on its categories instead of as text."""
        if op not in ("=", "!=") or not (a.choice or b.choice) or a.choice == b.choice:
            return None
        ref, other = (a, b) if a.choice else (b, a)
        lit = _literal(other) if other.kind == "str" else None
        if lit is None:
            return None
        col = pl.col(ref.question or "")
        if lit == "":  # '' asks whether it is unanswered
            return col.is_null() if op == "=" else col.is_not_null()
        # an unanswered question is '' in XPath: unequal to every choice
        return (col == lit).fill_null(False) if op == "=" else (col != lit).fill_null(True)

    def _compare(self, op: str, a: Val, b: Val) -> pl.Expr:
        fast = self._choice_test(op, a, b)
        if fast is not None:
            return fast
        kinds = {a.kind, b.kind}
        if "bool" in kinds:
            ea, eb = self._truth(a), self._truth(b)
        elif "date" in kinds:
            ea, eb = self._date(a), self._date(b)
        elif "num" in kinds or op in ("<", "<=", ">", ">="):
            # comparing with '' asks "is it empty?", which XPath answers on strings
            if any(v.kind == "str" and _is_empty_literal(v) for v in (a, b)):
                ea, eb = self._str(a), self._str(b)
            else:
                ea, eb = self._num(a), self._num(b)
        else:
            ea, eb = self._str(a), self._str(b)
        result = {
            "=": ea == eb,
            "!=": ea != eb,
            "<": ea < eb,
            "<=": ea <= eb,
            ">": ea > eb,
            ">=": ea >= eb,
        }[op]
        # XPath: NaN (an empty number) is unequal to everything and compares false otherwise
        return result.fill_null(op == "!=")

    def _date(self, v: Val) -> pl.Expr:
        if v.kind == "date":
            return v.expr
        if v.kind == "num":
            return v.expr.cast(pl.Int32).cast(pl.Date)
        return self._str(v).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)

    def _call(self, name: str, args: list[Val]) -> Val:
        # the parser has checked the name and the number of arguments (.functions)
        if name == "selected":
            target, choice = args
            if target.kind == "multi":
                q = self.instrument.question(target.question or "")
                assert q is not None
                lit = _literal(choice)
                if lit is None:
                    raise UnsupportedExpression(
                        "selected() mit berechneter Auswahl", "selected() with a computed choice"
                    )
                col = f"{q.name}/{lit}"
                return Val(
                    pl.col(col).fill_null(False) if col in self.columns else pl.lit(False), "bool"
                )
            fast = self._choice_test("=", target, choice)
            if fast is not None:
                return Val(fast, "bool")
            return Val(self._str(target) == self._str(choice), "bool")
        if name == "count-selected":
            if args[0].kind == "multi":
                cols = self._multi_cols(args[0])
                return Val(
                    pl.sum_horizontal([c.cast(pl.Float64) for c in cols]) if cols else pl.lit(0.0),
                    "num",
                )
            return Val(pl.when(self._str(args[0]) != "").then(1.0).otherwise(0.0), "num")
        if name == "not":
            return Val(~self._truth(args[0]).fill_null(False), "bool")
        if name in ("true", "false"):
            return Val(pl.lit(name == "true"), "bool")
        if name == "boolean":
            return Val(self._truth(args[0]), "bool")
        if name == "string-length":
            return Val(self._str(args[0]).str.len_chars().cast(pl.Float64), "num")
        if name in ("number", "int", "round"):
            if name == "round" and len(args) == 2:
                return Val(self._num(args[0]).round(_digits(args[1])), "num")
            e = self._num(args[0])
            return Val(
                e.cast(pl.Int64, strict=False).cast(pl.Float64)
                if name == "int"
                else e.round(0)
                if name == "round"
                else e,
                "num",
            )
        if name == "string":
            return Val(self._str(args[0]), "str")
        if name == "concat":
            return Val(pl.concat_str([self._str(a) for a in args]), "str")
        if name == "regex":
            pattern = _literal(args[1])
            if pattern is None:
                raise UnsupportedExpression(
                    "regex() mit berechnetem Muster", "regex() with a computed pattern"
                )
            return Val(
                self._str(args[0]).str.contains(
                    f"^(?:{pattern})$" if not pattern.startswith("^") else pattern
                ),
                "bool",
            )
        if name == "if":
            cond, a, b = args
            kind = a.kind if a.kind == b.kind else "str"
            ea = a.expr if kind != "str" else self._str(a)
            eb = b.expr if kind != "str" else self._str(b)
            return Val(pl.when(self._truth(cond).fill_null(False)).then(ea).otherwise(eb), kind)
        if name == "coalesce":
            sa, sb = self._str(args[0]), self._str(args[1])
            return Val(pl.when(sa != "").then(sa).otherwise(sb), "str")
        if name == "today":
            return Val(pl.lit(dt.date.today()), "date")
        if name == "date":
            lit = _literal(args[0])
            if lit is None:
                return Val(self._date(args[0]), "date")
            try:
                return Val(pl.lit(dt.date.fromisoformat(lit[:10])), "date")
            except ValueError:
                raise UnsupportedExpression(
                    f"date({lit!r}) ist kein Datum", f"date({lit!r}) is not a date"
                ) from None
        raise UnsupportedExpression(
            f"Funktion {name}() wird noch nicht ausgewertet",
            f"function {name}() is not evaluated yet",
        )


def _literal(v: Val) -> str | None:
    """The text of a literal argument, or None when it is computed."""
    meta = v.expr.meta
    if meta.is_literal():
        try:
            value = pl.select(v.expr).item()
        except Exception:  # a literal Polars cannot evaluate alone is no literal for us
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return None if value is None else str(value)
    return None


def _digits(v: Val) -> int:
    """The places ``round()`` keeps: a computed number counts as 0, text is refused."""
    text = _literal(v) or "0"
    if not text.isdigit():  # Polars rounds to 0 or more places only
        raise UnsupportedExpression(f"round() auf {text!r} Stellen", f"round() to {text!r} digits")
    return int(text)


def _is_empty_literal(v: Val) -> bool:
    return _literal(v) == ""
