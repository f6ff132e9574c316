"""XLSForm conditions for one return at a time: parsed once to a small JSON tree, evaluated in
the browser (``static/klappt_web/form.js``) to show and hide questions live, and here in Python
with the same rules to drop the answers of questions that do not apply before a save.

The subset and its rules are those of :mod:`klappt.responses.expressions` (which checks the
returns, all at once, with Polars): ``${q}``, ``.``, ``../q``, literals, ``= != < <= > >=``,
``and or not()``, ``+ - * div mod``, ``selected()``, ``count-selected()``, ``string-length()``,
``regex()``, ``if()``, ``coalesce()``, ``number()``, ``int()``, ``round()``, ``string()``,
``concat()``, ``boolean()``, ``date()``, ``today()``, ``true()``, ``false()``. An expression
outside it compiles to ``None``: the browser then shows the question, and the server's check
(``load_responses``) notes the condition as not checked instead of guessing.

A ``choice_filter`` is compiled the same way, except that a bare name is a column of the
choice being filtered (``name``, or an extra column of the choices sheet such as ``land`` in
``land = ${land}``), and ``contains()``/``starts-with()`` may be used. The core does not evaluate
choice filters; the web form does, in the browser and again on the server.

The tree: ``["lit", "text" | number]``, ``["ref", name]``, ``["col", column]`` (choice filters),
``["op", op, a, b]``, ``["neg", a]``, ``["call", name, [args]]``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from klappt.instrument.model import NUMERIC_TYPES, SELECT_MULTIPLE, Instrument

Node = list[Any]

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | \$\{(?P<ref>[^}]+)\}
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<num>\d+\.\d*|\.\d+|\d+)
  | (?P<op>!=|<=|>=|=|<|>|\+|-|\*|,|\(|\))
  | (?P<path>(?:\.\./|/)[A-Za-z_][\w.\-/]*)
  | (?P<dot>\.)
  | (?P<name>[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)
    """,
    re.VERBOSE,
)
_WORD_OPS = ("and", "or", "div", "mod")
_LEVELS: tuple[tuple[str, ...], ...] = (
    ("or",),
    ("and",),
    ("=", "!="),
    ("<", "<=", ">", ">="),
    ("+", "-"),
    ("*", "div", "mod"),
)
FUNCTIONS = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "not": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "boolean": (1, 1),
    "string-length": (1, 1),
    "number": (1, 1),
    "int": (1, 1),
    "round": (1, 2),
    "string": (1, 1),
    "concat": (0, 99),
    "regex": (2, 2),
    "if": (3, 3),
    "coalesce": (2, 2),
    "today": (0, 0),
    "date": (1, 1),
}
#: functions only a choice filter may use (the core's checks of the returns do not know them)
FILTER_FUNCTIONS = {"contains": (2, 2), "starts-with": (2, 2)}


class Unsupported(ValueError):
    """The expression uses something we do not evaluate."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise Unsupported(f"unexpected {text[pos]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind == "ws":
            continue
        if kind == "path":
            out.append(("ref", m.group("path").rstrip("/").split("/")[-1]))
        elif kind == "ref":
            out.append(("ref", m.group("ref").strip()))
        elif kind == "name" and m.group("name") in _WORD_OPS:
            out.append(("op", m.group("name")))
        else:
            out.append((kind, m.group(0)))
    return out


class _Parser:
    def __init__(
        self, text: str, names: set[str], self_name: str | None, columns: bool = False
    ) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.names = names
        self.self_name = self_name
        self.columns = columns  # a choice filter: bare names are the choice's columns

    def parse(self) -> Node:
        if not self.toks:
            raise Unsupported("empty expression")
        node = self.level(0)
        if self.i != len(self.toks):
            raise Unsupported(f"unexpected {self.toks[self.i][1]!r}")
        return node

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, text: str) -> None:
        tok = self.peek()
        if tok is None or tok[1] != text:
            raise Unsupported(f"{text!r} expected")
        self.i += 1

    def level(self, n: int) -> Node:
        if n == len(_LEVELS):
            return self.unary()
        left = self.level(n + 1)
        while (tok := self.peek()) is not None and tok[0] == "op" and tok[1] in _LEVELS[n]:
            self.i += 1
            left = ["op", tok[1], left, self.level(n + 1)]
        return left

    def unary(self) -> Node:
        tok = self.peek()
        if tok is not None and tok == ("op", "-"):
            self.i += 1
            return ["neg", self.unary()]
        return self.primary()

    def ref(self, name: str) -> Node:
        if name not in self.names:
            raise Unsupported(f"unknown question {name!r}")
        return ["ref", name]

    def primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise Unsupported("expression ends too early")
        self.i += 1
        kind, text = tok
        if text == "(" and kind == "op":
            node = self.level(0)
            self.take(")")
            return node
        if kind == "str":
            return ["lit", text[1:-1]]
        if kind == "num":
            return ["lit", float(text)]
        if kind == "ref":
            return self.ref(text)
        if kind == "dot":
            if not self.self_name:
                raise Unsupported("'.' without a question")
            return self.ref(self.self_name)
        if kind == "name":
            nxt = self.peek()
            if nxt is not None and nxt[1] == "(":
                self.i += 1
                args: list[Node] = []
                if (p := self.peek()) is not None and p[1] != ")":
                    args.append(self.level(0))
                    while (p := self.peek()) is not None and p[1] == ",":
                        self.i += 1
                        args.append(self.level(0))
                self.take(")")
                arity = FUNCTIONS.get(text) or (
                    FILTER_FUNCTIONS.get(text) if self.columns else None
                )
                if arity is None:
                    raise Unsupported(f"function {text}() is not evaluated")
                if not arity[0] <= len(args) <= arity[1]:
                    raise Unsupported(f"{text}() with {len(args)} arguments")
                plain = ("lit", "col") if text == "selected" and self.columns else ("lit",)
                if text in ("selected", "regex") and args[1][0] not in plain:
                    raise Unsupported(f"{text}() with a computed argument")
                return ["call", text, args]
            if self.columns:
                return ["col", text]
            return self.ref(text)
        raise Unsupported(f"unexpected {text!r}")


def compile_condition(
    text: str | None, instrument: Instrument, self_name: str | None = None
) -> Node | None:
    """The tree of ``text``, or None when it is empty or outside the subset.

    Example
    -------
    >>> from klappt.instrument.model import Instrument, Question
    >>> form = Instrument("F", "f", (Question("a", "select_one"), Question("b", "text")))
    >>> compile_condition("${a} = 'ja'", form)
    ['op', '=', ['ref', 'a'], ['lit', 'ja']]
    """
    if not text or not text.strip():
        return None
    names = {q.name for q in instrument.questions}
    try:
        return _Parser(text, names, self_name).parse()
    except Unsupported:
        return None


def compile_choice_filter(text: str | None, instrument: Instrument) -> Node | None:
    """The tree of a ``choice_filter``, or None when it is empty or outside the subset.

    Example
    -------
    >>> from klappt.instrument.model import Instrument, Question
    >>> form = Instrument("F", "f", (Question("land", "select_one"), Question("ort", "select_one")))
    >>> compile_choice_filter("land = ${land}", form)
    ['op', '=', ['col', 'land'], ['ref', 'land']]
    """
    if not text or not text.strip():
        return None
    names = {q.name for q in instrument.questions}
    try:
        return _Parser(text, names, None, columns=True).parse()
    except Unsupported:
        return None


# --- evaluation ------------------------------------------------------------------------------


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
        raise Unsupported(head)

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
        raise Unsupported(name)


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
