"""Live numbers in recipe sentences: ``{{ pct("lebenswelt", "ja") }} % (n={{ count(...) }})``.

Each ``{{ ... }}`` holds one small expression. We parse it with :mod:`ast` and allow
only calls of the functions below with literal arguments, numbers and + - * /; nothing
else is evaluated. Every number comes from the same tabulation as the charts, so a
sentence agrees with its chart. An unknown question, choice, wave or function is a
``REPORT_001`` error naming the recipe line.

Functions (``wave=`` picks another wave than the report's main one):

=============================================  ==============================================
``responses(wave=None)``                       number of returns
``base(q, wave=None)``                         returns that answered ``q``
``count(q, choice, wave=None)``                returns choosing ``choice`` (a list adds up
                                               choices of a select_one)
``pct(q, choice, wave=None, digits=1)``        that count in percent of the base
``mentions(q, wave=None)``                     ticks of a select_multiple in total
``mean(q, wave=None, digits=1)``               mean of a number or a scale
``median``/``min``/``max``/``sum(q, ...)``     statistics of a number question
``top2(q, wave=None, digits=1)``               share of the two best scale points
``label(q)`` / ``choice_label(q, choice)``     the question's or a choice's label
``top(q, rank=1, wave=None)``                  label of the most (rank-th most) chosen choice
``mention(q, text=None, wave=None)``           answers naming ``text`` in free text (the top
                                               mention when ``text`` is left out)
``top_mention(q, rank=1, wave=None)``          the most frequent free-text mention
``round(x, digits)``                           a computed number, rounded half-up
``trend(q, choice, digits=0, waves=None)``     "2021: 52 % → 2022: 60 %" over the recipe's
                                               ``trends: waves`` or the ``waves`` given
``change(q, choice, from=, to=, digits=0)``    the share's change in percentage points
``stayed(q, choice, from=, to=)``              sites that gave ``choice`` in both waves
=============================================  ==============================================
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from klappt.errors import KlapptError
from klappt.report.data import ReportData, WaveData
from klappt.report.mentions import Mention
from klappt.report.recipe import recipe_error
from klappt.report.spec import Text
from klappt.report.wording import fmt_number, round_half_up, share

__all__ = ["FUNCTIONS", "Evaluator", "ExpressionError"]

_EXPR = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


_UNIT_SPACE = re.compile(r"(\d) (%|Prozent\b)")


class ExpressionError(Exception):
    """A mistake inside one expression; turned into ``REPORT_001`` with the recipe line."""

    def __init__(self, de: str, en: str) -> None:
        super().__init__(en)
        self.de, self.en = de, en


@dataclass(frozen=True)
class Value:
    """A result with how to show it: a number with its decimals, or a text."""

    value: float | int | str
    decimals: int = 0

    def show(self, lang: str) -> str:
        if isinstance(self.value, str):
            return self.value
        return fmt_number(self.value, lang, self.decimals)


FUNCTIONS = (
    "responses",
    "base",
    "count",
    "pct",
    "mentions",
    "mean",
    "median",
    "min",
    "max",
    "sum",
    "top2",
    "label",
    "choice_label",
    "top",
    "mention",
    "top_mention",
    "round",
    "trend",
    "change",
    "stayed",
    "response",
    "response_by_type",
)

#: ``from=`` is a Python keyword: read as ``from_=`` (outside quotes, after "(" or ",")
_FROM = re.compile(r"([(,]\s*)from\s*=")


class Evaluator:
    """Fills in the live numbers of recipe texts from a :class:`ReportData`.

    Parameters
    ----------
    data:
        The waves.
    lang:
        Language of labels and number formats.
    path:
        The recipe, named in errors.

    Example
    -------
    >>> # Evaluator(data, "de").render(Text('{{ pct("q", "ja") }} %'))  ->  "60,0 %"
    """

    def __init__(self, data: ReportData, lang: str = "de", path: str | None = None) -> None:
        self.data = data
        self.lang = lang
        self.path = path
        self._mentions: dict[tuple[str, str], list[Mention]] = {}
        #: the report's trends (klappt.report.trend_data.TrendContext), set by the builder
        self.trends: Any = None
        self._functions: dict[str, Callable[..., Value]] = {
            name: getattr(self, f"_f_{name}") for name in FUNCTIONS
        }

    # -- public ---------------------------------------------------------------------------

    def render(self, text: Text | str) -> str:
        """``text`` with every ``{{ ... }}`` replaced by its value, formatted for the language."""
        t = text if isinstance(text, Text) else Text(text)
        source = t.template
        if "{{" not in source and "}}" not in source:
            return source
        out: list[str] = []
        pos = 0
        for m in _EXPR.finditer(source):
            out.append(source[pos : m.start()])
            out.append(self.evaluate(m.group(1), t, m.start()).show(self.lang))
            pos = m.end()
        rest = source[pos:]
        if "{{" in rest or "}}" in rest:
            offset = pos + max(rest.find("{{"), rest.find("}}"))
            raise self._error(
                t,
                offset,
                "'{{' ohne passendes '}}' (oder umgekehrt).",
                "'{{' without a matching '}}' (or the reverse).",
            )
        out.append(rest)
        # a number and its unit stay on one line: "78 %" never breaks before the sign
        return _UNIT_SPACE.sub("\\1\u00a0\\2", "".join(out))

    def evaluate(self, expression: str, text: Text | None = None, offset: int = 0) -> Value:
        """The value of one expression (without the braces)."""
        t = text or Text(expression)
        try:
            tree = ast.parse(_FROM.sub(r"\1from_=", expression.strip()), mode="eval")
        except SyntaxError:
            raise self._error(
                t,
                offset,
                f'Ausdruck \'{expression.strip()}\' ist nicht lesbar (Beispiel: pct("frage", "ja")).',
                f'cannot read the expression \'{expression.strip()}\' (example: pct("question", "yes")).',
            ) from None
        try:
            return self._eval(tree.body)
        except ExpressionError as exc:
            raise self._error(
                t,
                offset,
                f"{exc.de} (in '{expression.strip()}')",
                f"{exc.en} (in '{expression.strip()}')",
            ) from None

    # -- evaluation -----------------------------------------------------------------------

    def _error(self, text: Text, offset: int, de: str, en: str) -> KlapptError:
        return recipe_error(self.path, text.line_of(offset), de, en)

    def _eval(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Call):
            return self._call(node)
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool)
        ):
            return Value(node.value, 0 if isinstance(node.value, int) else _decimals(node.value))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            v = self._number(self._eval(node.operand))
            return Value(-v.value, v.decimals)  # type: ignore[operator]
        if isinstance(node, ast.BinOp) and isinstance(
            node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)
        ):
            a, b = self._number(self._eval(node.left)), self._number(self._eval(node.right))
            x, y = Decimal(str(a.value)), Decimal(str(b.value))
            if isinstance(node.op, ast.Div):
                if y == 0:
                    raise ExpressionError("Division durch null.", "division by zero.")
                return Value(float(x / y), max(a.decimals, b.decimals, 1))
            result = (
                x + y
                if isinstance(node.op, ast.Add)
                else x - y
                if isinstance(node.op, ast.Sub)
                else x * y
            )
            decimals = max(a.decimals, b.decimals)
            return Value(int(result) if decimals == 0 else float(result), decimals)
        raise ExpressionError(
            'erlaubt sind nur Aufrufe wie pct("frage", "ja"), Zahlen und + - * /.',
            'only calls such as pct("question", "yes"), numbers and + - * / are allowed.',
        )

    @staticmethod
    def _number(v: Value) -> Value:
        if isinstance(v.value, str):
            raise ExpressionError("mit Text lässt sich nicht rechnen.", "cannot compute with text.")
        return v

    def _call(self, node: ast.Call) -> Value:
        if not isinstance(node.func, ast.Name) or node.func.id not in self._functions:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise ExpressionError(
                f"unbekannte Funktion '{name}'; möglich: {', '.join(FUNCTIONS)}",
                f"unknown function '{name}'; possible: {', '.join(FUNCTIONS)}",
            )
        fn = self._functions[node.func.id]
        args = [self._argument(a, fn) for a in node.args]
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise ExpressionError("'**' ist nicht erlaubt.", "'**' is not allowed.")
            kwargs[kw.arg] = self._argument(kw.value, fn)
        try:
            inspect.signature(fn).bind(*args, **kwargs)
        except TypeError:
            sig = str(inspect.signature(fn))
            raise ExpressionError(
                f"falsche Argumente für {node.func.id}; erwartet: {node.func.id}{sig}",
                f"wrong arguments for {node.func.id}; expected: {node.func.id}{sig}",
            ) from None
        return fn(*args, **kwargs)

    def _argument(self, node: ast.expr, fn: Callable[..., Value]) -> Any:
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, (str, int, float))
            and not isinstance(node.value, bool)
        ):
            return node.value
        if isinstance(node, ast.Constant) and node.value is None:
            return None
        if isinstance(node, (ast.List, ast.Tuple)) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, (str, int)) for e in node.elts
        ):
            return [str(e.value) for e in node.elts]  # type: ignore[attr-defined]
        if fn == self._f_round or isinstance(node, (ast.Call, ast.BinOp, ast.UnaryOp)):
            v = self._eval(node)
            return v.value
        raise ExpressionError(
            "Argumente müssen Texte in Anführungszeichen, Zahlen oder Listen davon sein.",
            "arguments must be quoted texts, numbers, or lists of them.",
        )

    # -- lookups --------------------------------------------------------------------------

    def _wave(self, wave: str | int | None) -> WaveData:
        try:
            return self.data.wave(None if wave is None else str(wave))
        except KeyError:
            known = ", ".join(self.data.names)
            raise ExpressionError(
                f"unbekannte Welle '{wave}'; vorhanden: {known}",
                f"unknown wave '{wave}'; known: {known}",
            ) from None

    def _table(
        self, q: str, wave: str | int | None, types: tuple[str, ...] | None = None
    ) -> tuple[WaveData, dict[str, Any]]:
        w = self._wave(wave)
        if not isinstance(q, str):
            raise ExpressionError(
                "der Fragename muss in Anführungszeichen stehen.",
                "the question name must be quoted.",
            )
        question = w.instrument.question(q)
        table = w.table(q, lang=self.lang)
        if question is None or table is None:
            where = f" (Welle {w.name})" if len(self.data.waves) > 1 else ""
            raise ExpressionError(
                f"unbekannte Frage '{q}'{where}",
                f"unknown question '{q}'" + (f" (wave {w.name})" if where else ""),
            )
        if types and question.type not in types:
            raise ExpressionError(
                f"'{q}' ist {question.type}; hier geht nur {' oder '.join(types)}.",
                f"'{q}' is {question.type}; only {' or '.join(types)} works here.",
            )
        return w, table

    @staticmethod
    def _row(table: dict[str, Any], choice: str) -> dict[str, Any]:
        for row in table.get("rows", []):
            if str(row.get("choice")) == str(choice):
                return row
        known = ", ".join(str(r.get("choice")) for r in table.get("rows", []))
        raise ExpressionError(
            f"'{table['question']}' hat keine Antwort '{choice}'; möglich: {known}",
            f"'{table['question']}' has no choice '{choice}'; possible: {known}",
        )

    def _count(
        self, q: str, choice: str | list[str], wave: str | int | None
    ) -> tuple[int, int, dict[str, Any], bool]:
        _, table = self._table(q, wave, ("select_one", "select_multiple"))
        choices = choice if isinstance(choice, list) else [choice]
        if len(choices) > 1 and table.get("type") == "select_multiple":
            raise ExpressionError(
                "mehrere Antworten zusammen zählen geht nur bei Einfachauswahl (select_one).",
                "counting several choices together works only for select_one.",
            )
        rows = [self._row(table, c) for c in choices]
        return (
            sum(int(r["count"]) for r in rows),
            int(table.get("base") or 0),
            rows[0],
            len(rows) == 1,
        )

    # -- the functions --------------------------------------------------------------------

    def _f_responses(self, wave: str | None = None) -> Value:
        return Value(self._wave(wave).responses_count(self.lang))

    def _response_lines(self, wave: str | None) -> list[str]:
        """The data slide's lines of a derived deck (:func:`klappt.report.coverage.returns_lines`):
        the register's sites that answered, in all and per site type."""
        from klappt.report.coverage import DeckContext, coverage, returns_lines

        w = self._wave(wave)
        cov = None
        if w.responses is not None and self.data.sites:
            cov = coverage(w.responses, self.data.sites, w.min_cell or 3)
        return returns_lines(
            DeckContext(coverage=cov, returns=w.responses_count(self.lang)), self.lang
        )

    def _f_response(self, wave: str | None = None) -> Value:
        lines = self._response_lines(wave)
        return Value(lines[0] if lines else "")

    def _f_response_by_type(self, wave: str | None = None) -> Value:
        by_type = [ln[2:] for ln in self._response_lines(wave) if ln.startswith("- ")]
        return Value(by_type[0] if by_type else "")

    def _f_base(self, q: str, wave: str | None = None) -> Value:
        _, table = self._table(q, wave)
        return Value(int(table.get("base") or 0))

    def _f_count(self, q: str, choice: str | list[str], wave: str | None = None) -> Value:
        return Value(self._count(q, choice, wave)[0])

    def _f_pct(
        self, q: str, choice: str | list[str], wave: str | None = None, digits: int = 1
    ) -> Value:
        n, base, row, single = self._count(q, choice, wave)
        digits = _digits(digits)
        if single and digits == 1 and row.get("percent") is not None:
            return Value(float(row["percent"]), 1)
        return Value(share(n, base, digits), digits)

    def _f_mentions(self, q: str, wave: str | None = None) -> Value:
        _, table = self._table(q, wave, ("select_multiple",))
        return Value(
            int(table.get("mentions") or sum(int(r["count"]) for r in table.get("rows", [])))
        )

    def _stat(self, q: str, key: str, wave: str | None, digits: int | None) -> Value:
        _, table = self._table(q, wave)
        stats = table.get("stats") or {}
        value = stats.get(key) if key in stats else table.get(key)
        if value is None:
            raise ExpressionError(
                f"'{q}' hat keinen Wert '{key}' (nur Zahlenfragen und Skalen).",
                f"'{q}' has no '{key}' (only number questions and scales).",
            )
        if digits is None:
            digits = 0 if isinstance(value, int) or float(value).is_integer() else 1
        return Value(
            float(round_half_up(value, _digits(digits)))
            if digits
            else int(round_half_up(value, 0)),
            digits,
        )

    def _f_mean(self, q: str, wave: str | None = None, digits: int = 1) -> Value:
        return self._stat(q, "mean", wave, digits)

    def _f_median(self, q: str, wave: str | None = None, digits: int | None = None) -> Value:
        return self._stat(q, "median", wave, digits)

    def _f_min(self, q: str, wave: str | None = None, digits: int | None = None) -> Value:
        return self._stat(q, "min", wave, digits)

    def _f_max(self, q: str, wave: str | None = None, digits: int | None = None) -> Value:
        return self._stat(q, "max", wave, digits)

    def _f_sum(self, q: str, wave: str | None = None, digits: int | None = None) -> Value:
        return self._stat(q, "sum", wave, digits)

    def _f_top2(self, q: str, wave: str | None = None, digits: int = 1) -> Value:
        return self._stat(q, "top2", wave, digits)

    def _f_label(self, q: str, wave: str | None = None) -> Value:
        w, _ = self._table(q, wave)
        question = w.instrument.question(q)
        assert question is not None
        return Value(question.label(self.lang, w.instrument.default_language))

    def _f_choice_label(self, q: str, choice: str, wave: str | None = None) -> Value:
        w, table = self._table(q, wave, ("select_one", "select_multiple"))
        row = self._row(table, choice)
        question = w.instrument.question(q)
        c = question.choice(str(choice)) if question else None
        return Value(
            c.label(self.lang, w.instrument.default_language)
            if c
            else str(row.get("label") or choice)
        )

    def _f_top(self, q: str, rank: int = 1, wave: str | None = None) -> Value:
        _w, table = self._table(q, wave, ("select_one", "select_multiple"))
        rows = sorted(
            enumerate(table.get("rows", [])), key=lambda ir: (-int(ir[1]["count"]), ir[0])
        )
        rank = _digits(rank)
        if not 1 <= rank <= len(rows):
            raise ExpressionError(
                f"Rang {rank} gibt es bei '{q}' nicht.", f"'{q}' has no rank {rank}."
            )
        return self._f_choice_label(q, rows[rank - 1][1]["choice"], wave)

    def mentions_of(self, q: str, wave: str | None = None) -> list[Mention]:
        w, _ = self._table(q, wave, ("text",))
        key = (w.name, q)
        if key not in self._mentions:
            # only what may be published: enough sites, no personal data
            self._mentions[key] = w.mentions(q)
        return self._mentions[key]

    def _f_mention(self, q: str, text: str | None = None, wave: str | None = None) -> Value:
        found = self.mentions_of(q, wave)
        if text is None:
            return Value(found[0].count if found else 0)
        key = str(text).casefold().strip()
        for m in found:
            if m.text.casefold() == key:
                return Value(m.count)
        de, en = self._held_hint(q, wave)
        raise ExpressionError(
            f"'{text}' wird bei '{q}' nicht genannt{de}.",
            f"'{text}' is not mentioned in '{q}'{en}.",
        )

    def _f_top_mention(self, q: str, rank: int = 1, wave: str | None = None) -> Value:
        found = self.mentions_of(q, wave)
        rank = _digits(rank)
        if not 1 <= rank <= len(found):
            de, en = self._held_hint(q, wave)
            raise ExpressionError(
                f"'{q}' hat keine {rank}. Nennung{de}.", f"'{q}' has no mention ranked {rank}{en}."
            )
        return Value(found[rank - 1].text)

    def _held_hint(self, q: str, wave: str | None) -> tuple[str, str]:
        """Why a mention may be missing: disclosure control held it back."""
        w, _ = self._table(q, wave, ("text",))
        held = len(w.withheld_mentions(q))
        if not held:
            return "", ""
        k = w.min_cell
        return (
            f", die veröffentlicht werden darf ({held} zurückgehalten: von weniger als {k} "
            "Standorten oder mit personenbezogenen Angaben)",
            f" that may be published ({held} withheld: by fewer than {k} sites or with "
            "personal data)",
        )

    def _f_round(self, x: float, digits: int = 0) -> Value:
        if isinstance(x, str):
            raise ExpressionError("round braucht eine Zahl.", "round needs a number.")
        digits = _digits(digits)
        r = round_half_up(x, digits)
        return Value(int(r) if digits == 0 else float(r), digits)

    # -- over waves (klappt.report.trend_data) -----------------------------------------------

    def _trend_call(self, call: Callable[[], Any]) -> Any:
        if self.trends is None:
            raise ExpressionError(
                "keine Zeitreihen in diesem Bericht.", "no trends in this report."
            )
        try:
            return call()
        except KlapptError as exc:
            raise ExpressionError(exc.message("de"), exc.message("en")) from None
        except ValueError as exc:
            raise ExpressionError(*exc.args) from None

    def _shares(self, q: str, choice: str, waves: tuple[str, ...], digits: int) -> list[Any]:
        from klappt.report.trend_data import trend_shares

        return list(self._trend_call(lambda: trend_shares(self.trends, q, choice, waves, digits)))

    def _f_trend(
        self, q: str, choice: str, digits: int = 0, waves: str | list[str] | None = None
    ) -> Value:
        digits = _digits(digits)
        # ``waves``: only those (a trend only over the waves that asked the same question)
        chosen = tuple(str(w) for w in ([waves] if isinstance(waves, str) else waves or []))
        parts = [
            f"{w}: {'–' if v is None else fmt_number(v, self.lang, digits)}"
            + ("" if v is None else "\u00a0%")
            for w, v in self._shares(str(q), str(choice), chosen, digits)
        ]
        return Value(" → ".join(parts))

    def _f_change(
        self,
        q: str,
        choice: str,
        from_: str | None = None,
        to: str | None = None,
        digits: int = 0,
    ) -> Value:
        digits = _digits(digits)
        order = self._trend_call(lambda: self.trends.order)
        a, b = str(from_ or order[0]), str(to or order[-1])
        shares = dict(self._shares(str(q), str(choice), (a, b), 4))
        if shares.get(a) is None or shares.get(b) is None:
            raise ExpressionError(
                f"'{q}' steht nicht in beiden Wellen {a} und {b}.",
                f"'{q}' is not in both waves {a} and {b}.",
            )
        r = round_half_up(Decimal(str(shares[b])) - Decimal(str(shares[a])), digits)
        return Value(int(r) if digits == 0 else float(r), digits)

    def _f_stayed(
        self, q: str, choice: str, from_: str | None = None, to: str | None = None
    ) -> Value:
        from klappt.report.trend_data import stayed_count

        order = self._trend_call(lambda: self.trends.order)
        a, b = str(from_ or order[0]), str(to or order[-1])
        return Value(
            int(self._trend_call(lambda: stayed_count(self.trends, str(q), str(choice), a, b)))
        )


def _digits(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 4:
        raise ExpressionError(
            "digits muss eine ganze Zahl von 0 bis 4 sein.",
            "digits must be a whole number from 0 to 4.",
        )
    return value


def _decimals(x: float) -> int:
    s = repr(x)
    return len(s.split(".")[1]) if "." in s and "e" not in s else 1
