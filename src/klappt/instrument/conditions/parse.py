"""The tokeniser and parser of the condition language: text → the JSON tree every back end reads.

The tree: ``["lit", "text" | number]``, ``["ref", question]``, ``["col", column]`` (a column of
the choice a ``choice_filter`` is evaluated for), ``["op", op, a, b]``, ``["neg", a]``,
``["call", name, [args]]``. The browser's ``klappt/web/static/klappt_web/form.js`` reads the same tree, so
its format must not change.

``${q}``, ``/data/g/q`` and ``../q`` name a question, ``.`` the question a constraint belongs
to; a bare name is a question in a condition and a column of the choice in a choice filter.
Precedence, loosest first: ``or``, ``and``, ``= !=``, ``< <= > >=``, ``+ -``, ``* div mod``,
then unary ``-``. Functions are those of :mod:`.functions`.

Anything else raises :class:`UnsupportedExpression`, and so does a text longer than
:data:`MAX_LENGTH` or nested deeper than :data:`MAX_NESTING` / :data:`MAX_DEPTH` (a hostile
form must not exhaust the stack of the parser or of a back end).
"""

from __future__ import annotations

import re
from collections.abc import Container
from typing import Any

from klappt.errors import Text
from klappt.instrument.conditions.functions import function
from klappt.instrument.model import Instrument

Node = list[Any]
Token = tuple[str, str]  # (kind, text); kind: ref | str | num | op | dot | name

#: the most characters of one expression (an Excel cell holds 32,767)
MAX_LENGTH = 32_767
#: the most brackets, function calls and signs inside one another while parsing
MAX_NESTING = 100
#: the deepest tree the back ends (Python, Polars, the browser) are given
MAX_DEPTH = 250

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | \$\{(?P<ref>[^}]+)\}
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<num>\d+\.\d*|\.\d+|\d+)
  | (?P<op>!=|<=|>=|=|<|>|\+|-|\*|\||,|\(|\))
  | (?P<path>(?:\.\./|/)[A-Za-z_][\w.\-/]*)
  | (?P<dot>\.)
  | (?P<name>[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)
    """,
    re.VERBOSE,
)
_WORD_OPS = ("and", "or", "div", "mod")
#: binary operators by how tightly they bind (all associate to the left)
_LEVEL = {
    op: n
    for n, ops in enumerate(
        (("or",), ("and",), ("=", "!="), ("<", "<=", ">", ">="), ("+", "-"), ("*", "div", "mod"))
    )
    for op in ops
}


class UnsupportedExpression(ValueError):
    """The expression uses something we do not evaluate; the message says what, in the
    language of the report it ends up in (German first, English second, as everywhere)."""

    def __init__(self, de: str, en: str) -> None:
        super().__init__(de)
        self.text = Text(de, en)

    def __str__(self) -> str:
        return str(self.text)


def tokens(text: str) -> list[Token]:
    """The tokens of ``text`` (a path is a ``ref`` to its last step)."""
    if len(text) > MAX_LENGTH:
        raise UnsupportedExpression(
            f"Ausdruck zu lang ({len(text)} Zeichen, höchstens {MAX_LENGTH})",
            f"expression too long ({len(text)} characters, at most {MAX_LENGTH})",
        )
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise UnsupportedExpression(
                f"unerwartetes Zeichen {text[pos]!r} an Stelle {pos + 1}",
                f"unexpected character {text[pos]!r} at position {pos + 1}",
            )
        pos = m.end()
        kind = m.lastgroup or ""
        if kind == "ws":
            continue
        if kind == "ref":
            out.append(("ref", m.group("ref").strip()))
        elif kind == "path":
            out.append(("ref", m.group("path").rstrip("/").split("/")[-1]))
        elif kind == "name" and m.group("name") in _WORD_OPS:
            out.append(("op", m.group("name")))
        else:
            out.append((kind, m.group(0)))
    return out


def references(text: str, self_name: str | None = None) -> set[str]:
    """The names of the questions an expression reads (``.`` is ``self_name``); empty when it
    cannot be read at all (it is then not evaluated either)."""
    try:
        toks = tokens(text)
    except UnsupportedExpression:
        return set()
    out: set[str] = set()
    for i, (kind, word) in enumerate(toks):
        if kind == "ref":
            out.add(word)
        elif kind == "dot" and self_name:
            out.add(self_name)
        elif kind == "name" and not (i + 1 < len(toks) and toks[i + 1][1] == "("):
            out.add(word)
    return out


def parse(
    text: str,
    questions: Container[str],
    self_name: str | None = None,
    *,
    choice_filter: bool = False,
    written: bool = False,
) -> Node:
    """The tree of ``text``; raises :class:`UnsupportedExpression` when it is outside the subset.

    ``questions``: the names a reference may use; ``choice_filter``: bare names are the choice's
    columns and the filter-only functions are allowed; ``written``: the arguments the function
    table marks must be written out (trees for one return, see :mod:`.functions`).
    """
    return _Parser(tokens(text), questions, self_name, choice_filter, written).parse()


def compile_condition(
    text: str | None, instrument: Instrument, self_name: str | None = None
) -> Node | None:
    """The tree for one return of a condition, or None when it is empty or outside the subset.

    Example
    -------
    >>> from klappt.instrument.model import Instrument, Question
    >>> form = Instrument("F", "f", (Question("a", "select_one"), Question("b", "text")))
    >>> compile_condition("${a} = 'ja'", form)
    ['op', '=', ['ref', 'a'], ['lit', 'ja']]
    """
    return _one_return_tree(text, instrument, self_name, choice_filter=False)


def compile_choice_filter(text: str | None, instrument: Instrument) -> Node | None:
    """The tree of a ``choice_filter``, or None when it is empty or outside the subset.

    Example
    -------
    >>> from klappt.instrument.model import Instrument, Question
    >>> form = Instrument("F", "f", (Question("land", "select_one"), Question("ort", "select_one")))
    >>> compile_choice_filter("land = ${land}", form)
    ['op', '=', ['col', 'land'], ['ref', 'land']]
    """
    return _one_return_tree(text, instrument, None, choice_filter=True)


def _one_return_tree(
    text: str | None, instrument: Instrument, self_name: str | None, choice_filter: bool
) -> Node | None:
    if not text or not text.strip():
        return None
    names = {q.name for q in instrument.questions}
    try:
        return parse(text, names, self_name, choice_filter=choice_filter, written=True)
    except UnsupportedExpression:
        return None


def depth(node: Node) -> int:
    """How deep the tree is (a leaf is 1), counted without recursion."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        n, d = stack.pop()
        deepest = max(deepest, d)
        if n[0] == "op":
            stack += [(n[2], d + 1), (n[3], d + 1)]
        elif n[0] == "neg":
            stack.append((n[1], d + 1))
        elif n[0] == "call":
            stack.extend((a, d + 1) for a in n[2])
    return deepest


class _Parser:
    """Precedence climbing over the tokens: a bracket costs three stack frames, an operator
    chain none (it is built in a loop)."""

    def __init__(
        self,
        toks: list[Token],
        questions: Container[str],
        self_name: str | None,
        choice_filter: bool,
        written: bool,
    ) -> None:
        self.toks = toks
        self.i = 0
        self.questions = questions
        self.self_name = self_name
        self.choice_filter = choice_filter
        self.written = written
        self.nesting = 0

    def parse(self) -> Node:
        if not self.toks:
            raise UnsupportedExpression("leerer Ausdruck", "empty expression")
        node = self.expr()
        if self.i != len(self.toks):
            raise UnsupportedExpression(
                f"unerwartetes {self.toks[self.i][1]!r}", f"unexpected {self.toks[self.i][1]!r}"
            )
        if depth(node) > MAX_DEPTH:
            raise UnsupportedExpression(
                f"Ausdruck zu tief verschachtelt (höchstens {MAX_DEPTH})",
                f"expression nested too deeply (at most {MAX_DEPTH})",
            )
        return node

    def peek(self) -> Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, text: str) -> None:
        tok = self.peek()
        if tok is None or tok[1] != text:
            raise UnsupportedExpression(f"{text!r} erwartet", f"{text!r} expected")
        self.i += 1

    def enter(self) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise UnsupportedExpression(
                f"Ausdruck zu tief verschachtelt (höchstens {MAX_NESTING} Klammern)",
                f"expression nested too deeply (at most {MAX_NESTING} brackets)",
            )

    def expr(self, level: int = 0) -> Node:
        left = self.unary()
        while (tok := self.peek()) is not None and tok[0] == "op":
            n = _LEVEL.get(tok[1])
            if n is None or n < level:
                break
            self.i += 1
            left = ["op", tok[1], left, self.expr(n + 1)]
        return left

    def unary(self) -> Node:
        if self.peek() == ("op", "-"):
            self.i += 1
            self.enter()
            node = ["neg", self.unary()]
            self.nesting -= 1
            return node
        return self.primary()

    def ref(self, name: str) -> Node:
        if name not in self.questions:
            raise UnsupportedExpression(f"unbekannte Frage {name!r}", f"unknown question {name!r}")
        return ["ref", name]

    def primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise UnsupportedExpression("Ausdruck endet zu früh", "expression ends too early")
        self.i += 1
        kind, text = tok
        if tok == ("op", "("):
            self.enter()
            node = self.expr()
            self.take(")")
            self.nesting -= 1
            return node
        if kind == "str":
            return ["lit", text[1:-1]]
        if kind == "num":
            return ["lit", float(text)]
        if kind == "ref":
            return self.ref(text)
        if kind == "dot":
            if not self.self_name:
                raise UnsupportedExpression(
                    "'.' ohne Bezugsfrage", "'.' without a question it refers to"
                )
            return self.ref(self.self_name)
        if kind == "name":
            if self.peek() == ("op", "("):
                self.i += 1
                return self.call(text)
            return ["col", text] if self.choice_filter else self.ref(text)
        raise UnsupportedExpression(f"unerwartetes {text!r}", f"unexpected {text!r}")

    def call(self, name: str) -> Node:
        self.enter()
        args: list[Node] = []
        if (p := self.peek()) is not None and p[1] != ")":
            args.append(self.expr())
            while (p := self.peek()) is not None and p[1] == ",":
                self.i += 1
                args.append(self.expr())
        self.take(")")
        self.nesting -= 1
        f = function(name, self.choice_filter)
        if f is None:
            raise UnsupportedExpression(
                f"Funktion {name}() wird noch nicht ausgewertet",
                f"function {name}() is not evaluated yet",
            )
        if not f.takes(len(args)):
            wanted = str(f.min_args) if f.min_args == f.max_args else f"{f.min_args}–{f.max_args}"
            raise UnsupportedExpression(
                f"{name}() erwartet {wanted} Argument(e), hat {len(args)}",
                f"{name}() expects {wanted} argument(s), has {len(args)}",
            )
        if self.written and f.written is not None:
            plain = f.written_in_filter if self.choice_filter else ("lit",)
            if args[f.written][0] not in plain:
                raise UnsupportedExpression(
                    f"{name}() mit berechnetem Argument", f"{name}() with a computed argument"
                )
        return ["call", name, args]
