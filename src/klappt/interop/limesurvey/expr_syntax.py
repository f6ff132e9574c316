"""The syntax of LimeSurvey's ExpressionScript (and REDCap's branching logic, rewritten into it):
tokens, references to answers, and the parser to a small tree that
:mod:`klappt.interop.limesurvey.expressions` turns into an XPath ``relevant`` expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from klappt.language import Text

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<sgqa>\d+X\d+X\d+[A-Za-z0-9_#]*(?:\.[A-Za-z]+)?)
  | (?P<num>\d+\.\d*|\.\d+|\d+)
  | (?P<op>==|!=|<=|>=|&&|\|\||<|>|!|\+|-|\*|/|\^|\(|\)|,)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?::[A-Za-z0-9_]+)?)
    """,
    re.VERBOSE,
)
_SAME_VALUE_SUFFIXES = ("NAOK", "value", "code", "valueNAOK")
_WORD_OPS = {
    "and": "and",
    "or": "or",
    "not": "!",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
}


class Untranslatable(ValueError):
    """The condition uses something without a simple XLSForm equivalent; the message says what
    (a :class:`Text` in both languages, or the bare expression part it stumbled on)."""


def reason(exc: Exception) -> Text | str:
    """What an :class:`Untranslatable` says, still in both languages, for an import summary."""
    said = exc.args[0] if exc.args else ""
    return said if isinstance(said, Text) else str(exc)


@dataclass(frozen=True)
class Var:
    """A reference to one answer column of the imported form."""

    name: str
    kind: str  # select_one | select_multiple | number | text | date
    codes: dict[str, str] = field(
        default_factory=dict, hash=False, compare=False
    )  # LS code -> choice name


@dataclass(frozen=True)
class Flag:
    """One box of a multiple-choice question (``Q1_SQ001``): Y when ticked, empty otherwise."""

    question: str
    choice: str


Ref = Var | Flag


@dataclass(frozen=True)
class _Node:
    kind: str  # or and not cmp arith neg num str ref call
    op: str = ""
    args: tuple = ()
    value: str = ""
    ref: Ref | None = None


def _tokenize(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise Untranslatable(
                Text(f"unerwartetes Zeichen {text[pos]!r}", f"unexpected character {text[pos]!r}")
            )
        pos = m.end()
        kind = m.lastgroup or ""
        if kind == "ws":
            continue
        value = m.group(0)
        if kind == "name" and value.lower() in _WORD_OPS:
            out.append(("op", _WORD_OPS[value.lower()]))
        else:
            out.append((kind, value))
    return out


class _Parser:
    def __init__(self, text: str, resolve) -> None:
        self.toks = _tokenize(text)
        self.i = 0
        self.resolve = resolve

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def accept(self, *ops: str) -> str | None:
        tok = self.peek()
        if tok is not None and tok[0] == "op" and tok[1] in ops:
            self.i += 1
            return tok[1]
        return None

    def expect(self, op: str) -> None:
        if self.accept(op) is None:
            raise Untranslatable(Text(f"{op!r} erwartet", f"{op!r} expected"))

    def parse(self) -> _Node:
        if not self.toks:
            raise Untranslatable(Text("leerer Ausdruck", "empty expression"))
        from klappt.limits import current

        # each bracket or prefix operator is a few frames of this recursive parser
        depth = deepest = 0
        for kind, value in self.toks:
            if kind == "op" and value in ("(", "!", "-", "+", "not"):
                depth += 1
                deepest = max(deepest, depth)
            elif kind == "op" and value == ")":
                depth = max(0, depth - 1)
        if deepest > current().nesting:
            raise Untranslatable(
                Text(
                    f"tiefer verschachtelt als {current().nesting} Ebenen",
                    f"nested deeper than {current().nesting} levels",
                )
            )
        try:
            node = self.or_()
        except RecursionError:
            raise Untranslatable(Text("zu tief verschachtelt", "nested too deeply")) from None
        if self.i != len(self.toks):
            raise Untranslatable(
                Text(
                    f"unerwartet: {self.toks[self.i][1]!r}", f"unexpected {self.toks[self.i][1]!r}"
                )
            )
        return node

    def or_(self) -> _Node:
        node = self.and_()
        while self.accept("or", "||"):
            node = _Node("or", args=(node, self.and_()))
        return node

    def and_(self) -> _Node:
        node = self.not_()
        while self.accept("and", "&&"):
            node = _Node("and", args=(node, self.not_()))
        return node

    def not_(self) -> _Node:
        if self.accept("!"):
            return _Node("not", args=(self.not_(),))
        return self.cmp()

    def cmp(self) -> _Node:
        left = self.add()
        op = self.accept("==", "!=", "<", "<=", ">", ">=")
        if op is None:
            return left
        return _Node("cmp", op=op, args=(left, self.add()))

    def add(self) -> _Node:
        node = self.mul()
        while (op := self.accept("+", "-")) is not None:
            node = _Node("arith", op=op, args=(node, self.mul()))
        return node

    def mul(self) -> _Node:
        node = self.unary()
        while (op := self.accept("*", "/")) is not None:
            node = _Node("arith", op=op, args=(node, self.unary()))
        return node

    def unary(self) -> _Node:
        if self.accept("-"):
            return _Node("neg", args=(self.unary(),))
        if self.accept("!"):
            return _Node("not", args=(self.unary(),))
        return self.power()

    def power(self) -> _Node:
        """``a ^ b`` (REDCap), right-associative: ``2 ^ 3 ^ 2`` is ``2 ^ 9``."""
        node = self.primary()
        if self.accept("^") is not None:
            return _Node("arith", op="^", args=(node, self.unary()))
        return node

    def primary(self) -> _Node:
        tok = self.peek()
        if tok is None:
            raise Untranslatable(Text("der Ausdruck endet zu früh", "expression ends too early"))
        kind, text = tok
        if kind == "op" and text == "(":
            self.i += 1
            node = self.or_()
            self.expect(")")
            return node
        self.i += 1
        if kind == "num":
            return _Node("num", value=text)
        if kind == "str":
            body = text[1:-1]
            return _Node("str", value=re.sub(r"\\(.)", r"\1", body))
        if kind == "name" and self.accept("("):
            args: list[_Node] = []
            if not self.accept(")"):
                args.append(self.or_())
                while self.accept(","):
                    args.append(self.or_())
                self.expect(")")
            return _Node("call", value=text, args=tuple(args))
        if kind == "name" and text.lower() in ("true", "false"):
            return _Node("num", value="1" if text.lower() == "true" else "0")
        if kind == "name" and text.split(".", 1)[0] in ("that", "self"):
            # the answers of a question's items (LimeSurvey's that.Q1): only within sum()/count()
            many = self.resolve(f"that.{text.split('.')[1]}") if "." in text else None
            if not many:
                raise Untranslatable(
                    Text(
                        f"'{text}' verweist auf mehrere Antworten zugleich",
                        f"'{text}' refers to several answers at once",
                    )
                )
            return _Node("many", value=text, args=tuple(_Node("ref", ref=r) for r in many))
        if kind in ("name", "sgqa"):
            return _Node("ref", value=text, ref=self._ref(text))
        raise Untranslatable(Text(f"unerwartet: {text!r}", f"unexpected {text!r}"))

    def _ref(self, text: str) -> Ref:
        if ":" in text:
            raise Untranslatable(Text(f"{text} ist keine Antwort", f"{text} is not an answer"))
        base, _, attr = text.partition(".")
        if base in ("that", "self", "this"):
            raise Untranslatable(
                Text(
                    f"'{base}.' verweist auf mehrere Antworten zugleich",
                    f"'{base}.' refers to several answers at once",
                )
            )
        if attr and attr not in _SAME_VALUE_SUFFIXES:
            raise Untranslatable(
                Text(f"'.{attr}' ist nicht der Antwortcode", f"'.{attr}' is not the answer code")
            )
        ref = self.resolve(base)
        if ref is None:
            raise Untranslatable(Text(f"unbekannte Variable {base}", f"unknown variable {base}"))
        return ref
