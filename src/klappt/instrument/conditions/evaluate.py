"""Condition trees (:mod:`.parse`) evaluated for one return: a value from ``{question: text}``.

The server decides with these which questions of a return apply, checks a ``constraint`` or a
``required`` expression, computes a ``calculate`` and a ``repeat_count``, and which choices a
``choice_filter`` offers. The rules are those of the whole-table checks (:mod:`.to_polars`) and
of the browser's ``klappt/web/static/klappt_web/form.js``, which evaluates the same trees live;
``tests/web/test_logic.py`` and ``tests/web/test_browser.py`` hold the three to the same answers.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from klappt.instrument.conditions.parse import Node, UnsupportedExpression
from klappt.instrument.model import NUMERIC_TYPES, SELECT_MULTIPLE, Instrument


class _Val:
    __slots__ = ("empty_lit", "kind", "v")

    def __init__(self, kind: str, v: Any, empty_lit: bool = False) -> None:
        self.kind = kind  # str | num | bool | date | multi
        self.v = v
        self.empty_lit = empty_lit


def parse_number(text: str | None) -> float:
    """A number as typed (``3``, ``1,5``, ``1.5``); NaN when empty or not a number."""
    if text is None:
        return math.nan
    s = re.sub(r"[\s\u00a0\u202f']", "", str(text))
    if "," in s and "." not in s:
        s = s.replace(",", ".")
    try:
        return float(s) if s else math.nan
    except ValueError:
        return math.nan


def parse_date(text: str | None) -> dt.date | None:
    """``2022-03-01`` or ``01.03.2022`` (also with a time after it); None otherwise."""
    if not text:
        return None
    s = str(text).strip()
    for fmt, part in (("%Y-%m-%d", s[:10]), ("%d.%m.%Y", s[:10]), ("%d.%m.%y", s)):
        try:
            return dt.datetime.strptime(part, fmt).date()
        except ValueError:
            continue
    return None


class Evaluator:
    """Evaluate trees against one return's values ({question: text}), as the browser does."""

    def __init__(
        self,
        instrument: Instrument,
        values: Mapping[str, str | None],
        columns: Mapping[str, str] | None = None,
    ) -> None:
        self.instrument = instrument
        self.values = values
        self.columns = columns or {}  # the choice a filter is evaluated for: name and columns

    def truth(self, node: Node | None) -> bool:
        """The condition's value; a missing tree (unsupported) counts as true."""
        if node is None:
            return True
        try:
            return self._truth(self.eval(node))
        except (ZeroDivisionError, OverflowError, ValueError, re.error):
            return False

    def number(self, node: Node) -> float:
        """The expression's value as a number (NaN where it has none, e.g. an empty answer)."""
        try:
            return self._num(self.eval(node))
        except (ZeroDivisionError, OverflowError, ValueError, re.error):
            return math.nan

    def text(self, node: Node) -> str:
        """The expression's value as text (``''`` where it has none), as a ``calculate`` keeps it."""
        try:
            return self._str(self.eval(node))
        except (ZeroDivisionError, OverflowError, ValueError, re.error):
            return ""

    def eval(self, node: Node) -> _Val:
        head = node[0]
        if head == "lit":
            value = node[1]
            if isinstance(value, str):
                return _Val("str", value, empty_lit=value == "")
            return _Val("num", float(value))
        if head == "ref":
            return self._ref(node[1])
        if head == "col":
            return _Val("str", str(self.columns.get(node[1]) or ""))
        if head == "neg":
            return _Val("num", -self._num(self.eval(node[1])))
        if head == "op":
            return self._op(node[1], self.eval(node[2]), self.eval(node[3]))
        if head == "call":
            return self._call(node[1], [self.eval(a) for a in node[2]])
        raise UnsupportedExpression(head, head)

    def _ref(self, name: str) -> _Val:
        q = self.instrument.question(name)
        raw = self.values.get(name)
        text = "" if raw is None else str(raw)
        if q is not None and q.type == SELECT_MULTIPLE:
            return _Val("multi", [t for t in text.split() if q.choice(t) is not None])
        if q is not None and q.type in NUMERIC_TYPES:
            return _Val("num", parse_number(text))
        if q is not None and q.type == "date":
            d = parse_date(text)
            return _Val("date", d.isoformat() if d else "")
        return _Val("str", text)

    @staticmethod
    def _truth(v: _Val) -> bool:
        if v.kind == "bool":
            return bool(v.v)
        if v.kind == "num":
            return not math.isnan(v.v) and v.v != 0
        if v.kind == "multi":
            return bool(v.v)
        return v.v != ""

    @staticmethod
    def _str(v: _Val) -> str:
        if v.kind == "multi":
            return " ".join(v.v)
        if v.kind == "bool":
            return "true" if v.v else "false"
        if v.kind == "num":
            if math.isnan(v.v):
                return ""
            if math.isfinite(v.v) and v.v == math.floor(v.v):
                return str(int(v.v))
            return repr(v.v)
        return v.v

    def _num(self, v: _Val) -> float:
        if v.kind == "num":
            return v.v
        if v.kind == "bool":
            return 1.0 if v.v else 0.0
        if v.kind == "multi":
            return math.nan
        if v.kind == "date":
            d = parse_date(v.v)
            return float((d - dt.date(1970, 1, 1)).days) if d else math.nan
        return parse_number(v.v.strip())

    def _date(self, v: _Val) -> str:
        if v.kind == "date":
            return v.v
        if v.kind == "num":
            if math.isnan(v.v):
                return ""
            return (dt.date(1970, 1, 1) + dt.timedelta(days=int(v.v))).isoformat()
        try:
            return dt.date.fromisoformat(self._str(v)[:10]).isoformat()
        except ValueError:
            return ""

    def _op(self, op: str, a: _Val, b: _Val) -> _Val:
        if op in ("and", "or"):
            ta, tb = self._truth(a), self._truth(b)
            return _Val("bool", (ta and tb) if op == "and" else (ta or tb))
        if op in ("+", "-", "*", "div", "mod"):
            x, y = self._num(a), self._num(b)
            if op == "+":
                return _Val("num", x + y)
            if op == "-":
                return _Val("num", x - y)
            if op == "*":
                return _Val("num", x * y)
            if math.isnan(x) or math.isnan(y) or y == 0:
                return _Val("num", math.nan)
            if op == "div":
                return _Val("num", x / y)
            return _Val("num", x - y * math.trunc(x / y))
        return _Val("bool", self._compare(op, a, b))

    def _compare(self, op: str, a: _Val, b: _Val) -> bool:
        kinds = {a.kind, b.kind}
        x: Any
        y: Any
        if "bool" in kinds:
            x, y = float(self._truth(a)), float(self._truth(b))
        elif "date" in kinds:
            x, y = self._date(a), self._date(b)
            if not x or not y:
                return op == "!="
        elif "num" in kinds or op in ("<", "<=", ">", ">="):
            if a.empty_lit or b.empty_lit:
                x, y = self._str(a), self._str(b)
            else:
                x, y = self._num(a), self._num(b)
                if math.isnan(x) or math.isnan(y):
                    return op == "!="
        else:
            x, y = self._str(a), self._str(b)
        return {
            "=": x == y,
            "!=": x != y,
            "<": x < y,
            "<=": x <= y,
            ">": x > y,
            ">=": x >= y,
        }[op]

    def _call(self, name: str, args: list[_Val]) -> _Val:
        if name == "selected":
            target, choice = args
            wanted = self._str(choice)
            if target.kind == "multi":
                return _Val("bool", wanted in target.v)
            return _Val("bool", self._str(target) == wanted)
        if name == "count-selected":
            v = args[0]
            return _Val("num", float(len(v.v)) if v.kind == "multi" else float(self._str(v) != ""))
        if name == "not":
            return _Val("bool", not self._truth(args[0]))
        if name in ("true", "false"):
            return _Val("bool", name == "true")
        if name == "boolean":
            return _Val("bool", self._truth(args[0]))
        if name == "string-length":
            return _Val("num", float(len(self._str(args[0]))))
        if name == "number":
            return _Val("num", self._num(args[0]))
        if name == "int":
            x = self._num(args[0])
            return _Val("num", x if math.isnan(x) else float(math.trunc(x)))
        if name == "round":
            x = self._num(args[0])
            digits = int(self._num(args[1])) if len(args) == 2 else 0
            if math.isnan(x) or math.isinf(x):
                return _Val("num", x)
            scale = 10.0**digits
            return _Val("num", math.copysign(math.floor(abs(x) * scale + 0.5) / scale, x))
        if name == "string":
            return _Val("str", self._str(args[0]))
        if name == "concat":
            return _Val("str", "".join(self._str(a) for a in args))
        if name == "regex":
            pattern = self._str(args[1])
            full = pattern if pattern.startswith("^") else f"^(?:{pattern})$"
            return _Val("bool", re.search(full, self._str(args[0])) is not None)
        if name == "if":
            cond, a, b = args
            return a if self._truth(cond) else b
        if name == "coalesce":
            sa = self._str(args[0])
            return _Val("str", sa if sa != "" else self._str(args[1]))
        if name == "today":
            return _Val("date", dt.date.today().isoformat())
        if name == "date":
            return _Val("date", self._date(args[0]))
        if name == "contains":
            return _Val("bool", self._str(args[1]) in self._str(args[0]))
        if name == "starts-with":
            return _Val("bool", self._str(args[0]).startswith(self._str(args[1])))
        raise UnsupportedExpression(name, name)


def relevant_questions(
    instrument: Instrument, values: Mapping[str, str | None], trees: Mapping[str, list[Node | None]]
) -> set[str]:
    """The questions that apply to this return, deciding in form order as ``load_responses`` does:
    the answer of a question that does not apply counts as empty for the questions after it.

    ``trees`` maps each question to the trees of its relevance chain (groups' and its own).
    """
    current = dict(values)
    ev = Evaluator(instrument, current)
    out: set[str] = set()
    for q in instrument.questions:
        if all(ev.truth(t) for t in trees.get(q.name, ())):
            out.add(q.name)
        else:
            current[q.name] = None
    return out
