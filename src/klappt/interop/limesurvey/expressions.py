"""LimeSurvey ExpressionScript conditions -> XLSForm ``relevant`` expressions, where simple.

We translate what most surveys use: comparisons of answers with codes or numbers
(``Q1 == "A1"``, ``age > 5``, ``Q2_SQ001.NAOK == "Y"``), ``is_empty``, ``!``/``and``/``or``,
arithmetic and a few functions with an XPath twin. References may be question codes or
SGQA identifiers (``123X4X5SQ001``). Anything else (``that.``, ``.shown``, ``count()``,
regular expressions …) raises :class:`Untranslatable`; the caller then keeps the condition
verbatim and says so in the import summary.

The old pre-ExpressionScript ``conditions`` table (LimeSurvey 1.x) is turned into an
ExpressionScript string first (:func:`conditions_to_expression`) and then translated the same way.
"""

from __future__ import annotations

import re

from klappt.interop.limesurvey.expr_syntax import (
    Flag,
    Ref,
    Untranslatable,
    Var,
    _Node,
    _Parser,
    reason,
)
from klappt.language import Text

__all__ = ["Flag", "Ref", "Untranslatable", "Var", "reason", "translate", "translate_value"]

_XPATH_CMP = {"==": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_INVERSE = {"=": "!=", "!=": "=", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
_FUNCTIONS = {"intval": "int", "floatval": "number", "strlen": "string-length", "if": "if"}
#: functions of one or more numbers with an XPath twin of the same meaning
_NUMERIC = {
    "abs": "abs",
    "floor": "floor",
    "ceil": "ceiling",
    "sqrt": "sqrt",
    "pow": "pow",
    "min": "min",
    "max": "max",
    "exp": "exp",
    "log": "log",
}
#: functions written by hand below (sums, counts, rounding, date differences)
_SPECIAL = {"sum", "count", "round", "rounddown", "roundup", "datediff"}
#: REDCap's datediff units as a factor on a difference in days
_DAY_UNITS = {"y": 1 / 365.2425, "M": 1 / 30.44, "d": 1.0, "h": 24.0, "m": 1440.0, "s": 86400.0}


def _quote(value: str) -> str:
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise Untranslatable(
        Text("ein Text mit beiden Arten von Anführungszeichen", "a text with both kinds of quotes")
    )


class _Emitter:
    def bool_(self, node: _Node) -> str:
        if node.kind == "or":
            return f"({self.bool_(node.args[0])} or {self.bool_(node.args[1])})"
        if node.kind == "and":
            return f"{self.bool_(node.args[0])} and {self.bool_(node.args[1])}"
        if node.kind == "not":
            return self._negate(node.args[0])
        if node.kind == "cmp":
            return self._cmp(node.op, node.args[0], node.args[1])
        if node.kind == "call" and node.value == "is_empty":
            return self._is_empty(node)
        if node.kind == "call" and node.value not in _FUNCTIONS:
            raise Untranslatable(Text(f"Funktion {node.value}()", f"function {node.value}()"))
        if node.kind == "num":
            return "true()" if float(node.value) != 0 else "false()"
        raise Untranslatable(
            Text("ein Wert als Bedingung verwendet", "a value used as a condition")
        )

    def _negate(self, node: _Node) -> str:
        if node.kind == "cmp":
            op = _XPATH_CMP[node.op]
            inner = self._cmp(node.op, node.args[0], node.args[1])
            flag = self._flag_side(node.args[0], node.args[1])
            if flag is None and op in ("=", "!="):
                return self._cmp("!=" if op == "=" else "==", node.args[0], node.args[1])
            return f"not({inner})"
        if node.kind == "call" and node.value == "is_empty":
            ref = self._single_ref(node)
            if isinstance(ref, Flag):
                return self._selected(ref)
            if ref.kind == "select_multiple":
                return f"count-selected(${{{ref.name}}}) > 0"
            return f"${{{ref.name}}} != ''"
        return f"not({self.bool_(node)})"

    @staticmethod
    def _single_ref(node: _Node) -> Ref:
        if len(node.args) != 1 or node.args[0].kind != "ref" or node.args[0].ref is None:
            raise Untranslatable(
                Text(
                    "is_empty() von etwas anderem als einer Antwort",
                    "is_empty() of something else than one answer",
                )
            )
        return node.args[0].ref

    @staticmethod
    def _selected(flag: Flag) -> str:
        return f"selected(${{{flag.question}}}, {_quote(flag.choice)})"

    def _is_empty(self, node: _Node) -> str:
        ref = self._single_ref(node)
        if isinstance(ref, Flag):
            return f"not({self._selected(ref)})"
        if ref.kind == "select_multiple":
            return f"count-selected(${{{ref.name}}}) = 0"
        return f"${{{ref.name}}} = ''"

    @staticmethod
    def _flag_side(a: _Node, b: _Node) -> tuple[Flag, _Node] | None:
        if a.kind == "ref" and isinstance(a.ref, Flag):
            return a.ref, b
        if b.kind == "ref" and isinstance(b.ref, Flag):
            return b.ref, a
        return None

    def _cmp(self, op: str, a: _Node, b: _Node) -> str:
        flag = self._flag_side(a, b)
        if flag is not None:
            ref, other = flag
            if other.kind != "str" or op not in ("==", "!="):
                raise Untranslatable(
                    Text(
                        'ein Kästchen einer Mehrfachauswahl verglichen mit etwas anderem als "Y" oder ""',
                        'a multiple-choice box compared with something else than "Y" or ""',
                    )
                )
            # LimeSurvey writes "Y" for a ticked box, REDCap "1" (and "0" for an unticked one)
            ticked = other.value.strip().upper() in ("Y", "1")
            if not ticked and other.value.strip() not in ("", "0"):
                raise Untranslatable(
                    Text(
                        f"ein Kästchen einer Mehrfachauswahl verglichen mit {other.value!r}",
                        f"a multiple-choice box compared with {other.value!r}",
                    )
                )
            positive = ticked == (op == "==")
            return self._selected(ref) if positive else f"not({self._selected(ref)})"
        codes: dict[str, str] = {}
        for side in (a, b):
            if side.kind == "ref" and isinstance(side.ref, Var):
                if side.ref.kind == "select_multiple":
                    raise Untranslatable(
                        Text(
                            f"die ganze Mehrfachauswahl-Frage {side.ref.name} verglichen",
                            f"the whole multiple-choice question {side.ref.name} compared",
                        )
                    )
                if side.ref.kind == "select_one":
                    codes = side.ref.codes
        left = self.value(a, codes)
        right = self.value(b, codes)
        return f"{left} {_XPATH_CMP[op]} {right}"

    def value(self, node: _Node, codes: dict[str, str] | None = None) -> str:
        if node.kind == "num":
            return node.value
        if node.kind == "str":
            text = node.value
            if codes:
                text = codes.get(text, text)
            if text.strip() == "" and node.value != "":
                text = ""  # LimeSurvey's " " in old conditions means "no answer"
            return _quote(text)
        if node.kind == "ref":
            ref = node.ref
            if isinstance(ref, Flag):
                raise Untranslatable(
                    Text(
                        "ein Kästchen einer Mehrfachauswahl als Wert verwendet",
                        "a multiple-choice box used as a value",
                    )
                )
            assert ref is not None
            return f"${{{ref.name}}}"
        if node.kind == "neg":
            return f"-{self.value(node.args[0])}"
        if node.kind == "arith":
            if node.op == "^":
                return f"pow({self.value(node.args[0])}, {self.value(node.args[1])})"
            op = "div" if node.op == "/" else node.op
            return f"({self.value(node.args[0])} {op} {self.value(node.args[1])})"
        if node.kind == "many":
            raise Untranslatable(
                Text(
                    f"'{node.value}' außerhalb von sum() oder count()",
                    f"'{node.value}' outside sum() or count()",
                )
            )
        if node.kind == "call" and node.value.lower() in _SPECIAL | set(_NUMERIC):
            return self._numeric(node.value.lower(), node.args)
        if node.kind == "call":
            fn = _FUNCTIONS.get(node.value)
            if fn is None:
                raise Untranslatable(Text(f"Funktion {node.value}()", f"function {node.value}()"))
            if fn == "if":
                if len(node.args) != 3:
                    raise Untranslatable(
                        Text("if() braucht drei Argumente", "if() needs three arguments")
                    )
                return f"if({self.bool_(node.args[0])}, {self.value(node.args[1])}, {self.value(node.args[2])})"
            if len(node.args) != 1:
                raise Untranslatable(
                    Text(
                        f"{node.value}() mit {len(node.args)} Argumenten",
                        f"{node.value}() with {len(node.args)} arguments",
                    )
                )
            return f"{fn}({self.value(node.args[0])})"
        if node.kind in ("cmp", "and", "or", "not"):
            return self.bool_(node)
        raise Untranslatable(Text(f"unerwartet: {node.kind}", f"unexpected {node.kind}"))

    def _numeric(self, name: str, args: tuple[_Node, ...]) -> str:
        """The numeric functions of ExpressionScript and REDCap with an XPath equivalent."""
        if not args:
            raise Untranslatable(Text(f"{name}() ohne Argumente", f"{name}() without arguments"))
        if name in ("sum", "count"):
            items = [a for arg in args for a in (arg.args if arg.kind == "many" else (arg,))]
            values = [self.value(a) for a in items]
            if name == "sum":  # an empty answer adds nothing, as in LimeSurvey and REDCap
                return "(" + " + ".join(f"coalesce({v}, 0)" for v in values) + ")"
            return "(" + " + ".join(f"if({v} != '', 1, 0)" for v in values) + ")"
        if name == "datediff":
            return self._datediff(args)
        values = [self.value(a) for a in args]
        if name in ("round", "rounddown", "roundup"):
            places = values[1] if len(values) > 1 else "0"
            if len(values) > 2 or not re.fullmatch(r"\d+", places):
                raise Untranslatable(
                    Text(f"{name}() mit Stellen {places}", f"{name}() with places {places}")
                )
            if name == "round":
                return f"round({values[0]}, {places})"
            fn = "floor" if name == "rounddown" else "ceiling"
            if places == "0":
                return f"{fn}({values[0]})"
            scale = 10 ** int(places)
            return f"({fn}({values[0]} * {scale}) div {scale})"
        fn = _NUMERIC[name]
        if (fn == "pow" and len(values) != 2) or (
            fn not in ("min", "max", "pow") and len(values) != 1
        ):
            raise Untranslatable(
                Text(
                    f"{name}() mit {len(values)} Argumenten",
                    f"{name}() with {len(values)} arguments",
                )
            )
        return f"{fn}({', '.join(values)})"

    def _datediff(self, args: tuple[_Node, ...]) -> str:
        """REDCap's ``datediff(d1, d2, unit[, format][, signed])``: d2 - d1 in the unit."""
        if len(args) < 3 or args[2].kind != "str" or args[2].value not in _DAY_UNITS:
            raise Untranslatable(
                Text(
                    "datediff() ohne eine Einheit y, M, d, h, m oder s",
                    "datediff() without a unit y, M, d, h, m or s",
                )
            )

        def date(node: _Node) -> str:
            if node.kind == "str" and node.value.lower() in ("today", "now"):
                return f"{node.value.lower()}()"
            return self.value(node)

        signed = any(a.kind == "num" and a.value == "1" for a in args[3:])
        days = f"(decimal-date-time({date(args[1])}) - decimal-date-time({date(args[0])}))"
        factor = _DAY_UNITS[args[2].value]
        if factor != 1.0:
            days = f"({days} {'*' if factor > 1 else 'div'} {factor if factor > 1 else round(1 / factor, 4)})"
        return days if signed else f"abs({days})"


def is_always(expression: str | None) -> bool:
    """LimeSurvey writes ``1`` (or nothing) for "always shown"."""
    text = (expression or "").strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text in ("", "1", "true", "TRUE")


def translate(expression: str, resolve) -> str:
    """``Q1 == "A1"`` -> ``${Q1} = 'A1'``; raises :class:`Untranslatable`.

    Parameters
    ----------
    expression:
        An ExpressionScript condition, with or without surrounding ``{}``.
    resolve:
        Maps a LimeSurvey variable (question code, ``Q_SQ`` or SGQA) to a :class:`Var` or
        :class:`Flag` of the imported form, or None when unknown.

    Example
    -------
    >>> translate('Q1.NAOK == "A1" and !is_empty(age)', {"Q1": Var("Q1", "select_one"), "age": Var("age", "number")}.get)
    "${Q1} = 'A1' and ${age} != ''"
    """
    text = expression.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    if "{" in text or "}" in text:
        raise Untranslatable(Text("verschachtelte {…}-Ausdrücke", "nested {…} expressions"))
    node = _Parser(text, resolve).parse()
    out = _Emitter().bool_(node)
    if out.startswith("(") and out.endswith(")") and _balanced(out[1:-1]):
        out = out[1:-1]
    return out


def translate_value(expression: str, resolve) -> str:
    """An ExpressionScript value (an equation) as an XPath ``calculation``; raises Untranslatable."""
    text = expression.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    if "{" in text or "}" in text or not text:
        raise Untranslatable(Text("Text um den {…}-Ausdruck", "text around the {…} expression"))
    node = _Parser(text, resolve).parse()
    return _Emitter().value(node)


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


def conditions_to_expression(conditions: list[dict[str, str]], multi_fields: set[str]) -> str:
    """LimeSurvey 1.x conditions of one question as an ExpressionScript condition.

    Conditions of one scenario are ANDed, except that several conditions on the same field are
    ORed; scenarios are ORed. ``multi_fields`` holds the SGQA of multiple-choice questions, whose
    condition value is the ticked box's code.
    """
    scenarios: dict[str, dict[str, list[str]]] = {}
    for c in sorted(conditions, key=lambda c: (c.get("scenario", "1"), c.get("cid", ""))):
        field_name = (c.get("cfieldname") or "").lstrip("+")
        method = (c.get("method") or "==").strip()
        value = c.get("value") or ""
        if method in ("RX",) or value.startswith("@") or field_name.startswith("{"):
            raise Untranslatable(
                Text(
                    f"Bedingung {field_name} {method} {value!r}",
                    f"condition {field_name} {method} {value!r}",
                )
            )
        if field_name in multi_fields:
            term = f'{field_name}{value}.NAOK {"!=" if method == "!=" else "=="} "Y"'
        elif value.strip() == "":
            term = (
                f"is_empty({field_name}.NAOK)"
                if method == "=="
                else f"!is_empty({field_name}.NAOK)"
            )
        else:
            literal = '"' + value.replace('"', "") + '"'
            term = f"{field_name}.NAOK {method} {literal}"
        scenarios.setdefault(c.get("scenario", "1"), {}).setdefault(field_name, []).append(term)
    parts = []
    for fields in scenarios.values():
        ands = [
            "(" + " or ".join(terms) + ")" if len(terms) > 1 else terms[0]
            for terms in fields.values()
        ]
        parts.append("(" + " and ".join(ands) + ")" if len(ands) > 1 else ands[0])
    return " or ".join(parts)
