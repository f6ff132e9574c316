"""XLSForm conditions (``relevant``, ``required``, ``constraint``) compiled to Polars expressions.

The forms' conditions are small XPath expressions. We evaluate them over the whole table at
once instead of row by row, so a million returns cost about as much as forty. The subset
covers what Arbeitshilfen use: references, comparisons, ``and``/``or``/``not``,
``selected``, ``count-selected``, arithmetic, ``string-length``, ``regex``, ``if``,
``date``/``today``. An expression outside it raises :class:`UnsupportedExpression`;
callers then skip that check and say so in the validation report.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from klappt.instrument.model import NUMERIC_TYPES, SELECT_MULTIPLE, SELECT_ONE, Instrument

#: the magnitude from which a float no longer fits an Int64 (2**63)
_INT64_LIMIT = 9.2e18
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<ref>\$\{(?P<refname>[^}]+)\})
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<num>\d+\.\d*|\.\d+|\d+)
  | (?P<op>!=|<=|>=|=|<|>|\+|-|\*|\||,|\(|\))
  | (?P<path>(?:\.\./|/)[A-Za-z_][\w.\-/]*)
  | (?P<dot>\.)
  | (?P<name>[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)
    """,
    re.VERBOSE,
)


class UnsupportedExpression(ValueError):
    """The expression uses something we do not evaluate; the message says what."""


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str


def _tokenize(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise UnsupportedExpression(f"unerwartetes Zeichen {text[pos]!r} an Stelle {pos + 1}")
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        if kind == "refname":
            kind = "ref"
        if kind == "ref":
            out.append(_Tok("ref", m.group("refname").strip()))
        elif kind == "path":
            out.append(_Tok("ref", m.group("path").rstrip("/").split("/")[-1]))
        elif kind == "name" and m.group("name") in ("and", "or", "div", "mod"):
            out.append(_Tok("op", m.group("name")))
        else:
            out.append(_Tok(kind or "", m.group(0)))
    return out


def references(text: str, self_name: str | None = None) -> set[str]:
    """The names of the questions an expression reads (``.`` is ``self_name``); empty when it
    cannot be read at all (it is then not evaluated either)."""
    try:
        toks = _tokenize(text)
    except UnsupportedExpression:
        return set()
    out: set[str] = set()
    for i, tok in enumerate(toks):
        if tok.kind == "ref":
            out.add(tok.text)
        elif tok.kind == "dot" and self_name:
            out.add(self_name)
        elif tok.kind == "name" and not (i + 1 < len(toks) and toks[i + 1].text == "("):
            out.add(tok.text)
    return out


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

    # -- public ---------------------------------------------------------------------------

    def condition(self, text: str, self_name: str | None = None) -> pl.Expr:
        """A Boolean expression that is never null (an undecidable condition counts as false)."""
        self._toks = _tokenize(text)
        self._i = 0
        self._self = self_name
        if not self._toks:
            raise UnsupportedExpression("leerer Ausdruck")
        val = self._or()
        if self._i != len(self._toks):
            raise UnsupportedExpression(f"unerwartetes {self._toks[self._i].text!r}")
        return self._truth(val).fill_null(False)

    # -- grammar --------------------------------------------------------------------------

    def _peek(self) -> _Tok | None:
        return self._toks[self._i] if self._i < len(self._toks) else None

    def _take(self, text: str | None = None) -> _Tok:
        tok = self._peek()
        if tok is None or (text is not None and tok.text != text):
            raise UnsupportedExpression(f"{text!r} erwartet")
        self._i += 1
        return tok

    def _binary(self, ops: tuple[str, ...], sub) -> Val:
        left = sub()
        while (tok := self._peek()) is not None and tok.kind == "op" and tok.text in ops:
            self._i += 1
            left = self._apply(tok.text, left, sub())
        return left

    def _or(self) -> Val:
        return self._binary(("or",), self._and)

    def _and(self) -> Val:
        return self._binary(("and",), self._eq)

    def _eq(self) -> Val:
        return self._binary(("=", "!="), self._rel)

    def _rel(self) -> Val:
        return self._binary(("<", "<=", ">", ">="), self._add)

    def _add(self) -> Val:
        return self._binary(("+", "-"), self._mul)

    def _mul(self) -> Val:
        return self._binary(("*", "div", "mod"), self._unary)

    def _unary(self) -> Val:
        tok = self._peek()
        if tok is not None and tok.text == "-":
            self._i += 1
            v = self._unary()
            return Val(-self._num(v), "num")
        return self._primary()

    def _primary(self) -> Val:
        tok = self._peek()
        if tok is None:
            raise UnsupportedExpression("Ausdruck endet zu früh")
        self._i += 1
        if tok.text == "(":
            v = self._or()
            self._take(")")
            return v
        if tok.kind == "str":
            return Val(pl.lit(tok.text[1:-1]), "str")
        if tok.kind == "num":
            return Val(pl.lit(float(tok.text)), "num")
        if tok.kind == "ref":
            return self._ref(tok.text)
        if tok.kind == "dot":
            if not self._self:
                raise UnsupportedExpression("'.' ohne Bezugsfrage")
            return self._ref(self._self)
        if tok.kind == "name":
            nxt = self._peek()
            if nxt is not None and nxt.text == "(":
                self._i += 1
                args: list[Val] = []
                if (p := self._peek()) is not None and p.text != ")":
                    args.append(self._or())
                    while (p := self._peek()) is not None and p.text == ",":
                        self._i += 1
                        args.append(self._or())
                self._take(")")
                return self._call(tok.text, args)
            return self._ref(tok.text)  # a bare name, as in hand-written relative paths
        raise UnsupportedExpression(f"unerwartetes {tok.text!r}")

    # -- values ---------------------------------------------------------------------------

    def _ref(self, name: str) -> Val:
        q = self.instrument.question(name)
        if q is None:
            raise UnsupportedExpression(f"unbekannte Frage {name!r}")
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
        n = len(args)

        def need(k: int) -> None:
            if n != k:
                raise UnsupportedExpression(f"{name}() erwartet {k} Argument(e), hat {n}")

        if name == "selected":
            need(2)
            target, choice = args
            if target.kind == "multi":
                q = self.instrument.question(target.question or "")
                assert q is not None
                lit = _literal(choice)
                if lit is None:
                    raise UnsupportedExpression("selected() mit berechneter Auswahl")
                col = f"{q.name}/{lit}"
                return Val(
                    pl.col(col).fill_null(False) if col in self.columns else pl.lit(False), "bool"
                )
            fast = self._choice_test("=", target, choice)
            if fast is not None:
                return Val(fast, "bool")
            return Val(self._str(target) == self._str(choice), "bool")
        if name == "count-selected":
            need(1)
            if args[0].kind == "multi":
                cols = self._multi_cols(args[0])
                return Val(
                    pl.sum_horizontal([c.cast(pl.Float64) for c in cols]) if cols else pl.lit(0.0),
                    "num",
                )
            return Val(pl.when(self._str(args[0]) != "").then(1.0).otherwise(0.0), "num")
        if name == "not":
            need(1)
            return Val(~self._truth(args[0]).fill_null(False), "bool")
        if name in ("true", "false"):
            need(0)
            return Val(pl.lit(name == "true"), "bool")
        if name == "boolean":
            need(1)
            return Val(self._truth(args[0]), "bool")
        if name == "string-length":
            need(1)
            return Val(self._str(args[0]).str.len_chars().cast(pl.Float64), "num")
        if name in ("number", "int", "round"):
            if name == "round" and n == 2:
                return Val(self._num(args[0]).round(int(_literal(args[1]) or 0)), "num")
            need(1)
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
            need(1)
            return Val(self._str(args[0]), "str")
        if name == "concat":
            return Val(pl.concat_str([self._str(a) for a in args]), "str")
        if name == "regex":
            need(2)
            pattern = _literal(args[1])
            if pattern is None:
                raise UnsupportedExpression("regex() mit berechnetem Muster")
            return Val(
                self._str(args[0]).str.contains(
                    f"^(?:{pattern})$" if not pattern.startswith("^") else pattern
                ),
                "bool",
            )
        if name == "if":
            need(3)
            cond, a, b = args
            kind = a.kind if a.kind == b.kind else "str"
            ea = a.expr if kind != "str" else self._str(a)
            eb = b.expr if kind != "str" else self._str(b)
            return Val(pl.when(self._truth(cond).fill_null(False)).then(ea).otherwise(eb), kind)
        if name == "coalesce":
            need(2)
            sa, sb = self._str(args[0]), self._str(args[1])
            return Val(pl.when(sa != "").then(sa).otherwise(sb), "str")
        if name == "today":
            need(0)
            return Val(pl.lit(dt.date.today()), "date")
        if name == "date":
            need(1)
            lit = _literal(args[0])
            if lit is None:
                return Val(self._date(args[0]), "date")
            try:
                return Val(pl.lit(dt.date.fromisoformat(lit[:10])), "date")
            except ValueError:
                raise UnsupportedExpression(f"date({lit!r}) ist kein Datum") from None
        raise UnsupportedExpression(f"Funktion {name}() wird noch nicht ausgewertet")


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


def _is_empty_literal(v: Val) -> bool:
    return _literal(v) == ""
