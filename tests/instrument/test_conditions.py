"""The condition language's one parser and one function table: the table is the README's list,
and a hostile expression (very deep, very long) is refused as unsupported instead of exhausting
the stack of the parser or of a back end. The back ends' answers are compared in
``tests/web/test_logic.py`` and ``tests/responses/test_expressions.py``."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from klappt.instrument.conditions.evaluate import Evaluator
from klappt.instrument.conditions.functions import FUNCTIONS
from klappt.instrument.conditions.parse import (
    MAX_DEPTH,
    MAX_LENGTH,
    UnsupportedExpression,
    compile_choice_filter,
    compile_condition,
    parse,
    references,
)
from klappt.instrument.conditions.to_polars import Compiler
from klappt.instrument.model import Choice, Instrument, Question
from klappt.responses.io import RawTable

REPO = Path(__file__).resolve().parents[2]

FORM = Instrument(
    "F",
    "f",
    (
        Question("a", "select_one", choices=(Choice("ja"), Choice("nein")), list_name="yn"),
        Question("n", "integer"),
        Question("t", "text"),
    ),
)

HOSTILE = {
    "brackets": "(" * 10_000 + "${n}" + ")" * 10_000 + " > 1",
    "calls": "not(" * 10_000 + "${n}" + ")" * 10_000,
    "signs": "-" * 10_000 + "${n} > 1",
    "chain": " + ".join(["${n}"] * 10_000) + " > 1",
    "megabyte": "${n} > 1 or " * 100_000 + "${n} > 1",
}


def _functions_in(text: str) -> set[str]:
    """The ``name()`` written in code spans of ``text`` (``and or not()`` names ``not``)."""
    spans = re.findall(r"`([^`]+)`", text)
    return {m for span in spans for m in re.findall(r"([a-z][\w-]*)\(\)", span)}


def test_function_table_is_the_readmes_list__ok() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    paragraph = readme.split("supported XPath subset:", 1)[1].split("A condition outside it", 1)[0]
    web = (REPO / "src/klappt/web/README.md").read_text(encoding="utf-8")
    filters = web.split("**Choice filters**", 1)[1].split("\n\n", 1)[0]
    filter_only = filters.split("condition functions below plus", 1)[1].split(".", 1)[0]
    everywhere = {n for n, f in FUNCTIONS.items() if f.where == "condition"}
    assert everywhere == _functions_in(paragraph)
    only_filters = {n for n, f in FUNCTIONS.items() if f.where == "choice_filter"}
    assert only_filters == _functions_in(filter_only) == {"contains", "starts-with"}


def test_filter_functions_only_in_choice_filters__ok() -> None:
    assert compile_choice_filter("contains(name, ${t})", FORM) == [
        "call",
        "contains",
        [["col", "name"], ["ref", "t"]],
    ]
    with pytest.raises(UnsupportedExpression, match="contains"):
        parse("contains(${t}, 'x')", {"t"})


def test_arity_comes_from_the_table__error() -> None:
    with pytest.raises(UnsupportedExpression, match=r"selected\(\) erwartet 2"):
        parse("selected(${a})", {"a"})
    with pytest.raises(UnsupportedExpression, match=r"round\(\) erwartet 1–2"):
        parse("round(${n}, 1, 2)", {"n"})
    assert parse("concat()", set()) == ["call", "concat", []]


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_expression_is_unsupported_not_a_crash__error(kind: str) -> None:
    text = HOSTILE[kind]
    with pytest.raises(UnsupportedExpression, match=r"zu (tief|lang)"):
        parse(text, {"n"})
    with pytest.raises(UnsupportedExpression):
        Compiler(FORM, {"n"}).condition(text)
    assert compile_condition(text, FORM) is None
    assert compile_choice_filter(text, FORM) is None
    assert Evaluator(FORM, {"n": "3"}).truth(compile_condition(text, FORM)) is True
    assert references(text) <= {"n"}


def test_hostile_conditions_are_noted_by_the_validation__error() -> None:
    from klappt.responses.dataset import load_responses

    form = Instrument(
        "F",
        "f",
        (
            Question("n", "integer", constraint=HOSTILE["calls"].replace("${n}", ".")),
            Question("t", "text", relevant=HOSTILE["brackets"], required=HOSTILE["chain"]),
        ),
    )
    raw = RawTable.from_records(["n", "t"], [["3", "x"], ["1", None]])
    rs, report = load_responses(form, raw)
    notes = [i for i in report.issues if i.code == "expression_unsupported"]
    assert {(i.question, (i.detail or "").split()[0]) for i in notes} == {
        ("n", "constraint"),
        ("t", "relevant"),
        ("t", "required"),
    }
    assert rs.frame["t"].to_list() == ["x", None]  # relevance not decided: the answer is kept


def test_one_return_checks_build_for_a_hostile_form__ok() -> None:
    from klappt.responses.one_return import Rules

    form = Instrument(
        "F", "f", (Question("n", "integer"), Question("t", "text", relevant=HOSTILE["signs"]))
    )
    rules = Rules(form)
    assert rules.by_name["t"].chain == (None,)
    assert rules.relevant({"n": "3", "t": "x"})[0] == {"n", "t"}


def test_deep_chain_within_the_bound_is_evaluated_alike__ok() -> None:
    """An ``or`` of many terms (a tree as deep as the bound allows) in both back ends."""
    terms = MAX_DEPTH - 2  # each term is an "=" over two leaves
    text = " or ".join(f"${{n}} = {i}" for i in range(terms))
    assert len(text) < MAX_LENGTH
    frame = pl.DataFrame({"n": [0, terms - 1, terms, None]}, schema={"n": pl.Int64})
    polars = frame.select(Compiler(FORM, {"n"}).condition(text).alias("r"))["r"].to_list()
    tree = compile_condition(text, FORM)
    assert tree is not None
    one = [Evaluator(FORM, {"n": None if v is None else str(v)}).truth(tree) for v in frame["n"]]
    assert polars == one == [True, True, False, False]


def test_round_to_text_places_is_unsupported__error() -> None:
    # Polars cannot round to 'ja' places: that was a ValueError out of load_responses
    with pytest.raises(UnsupportedExpression, match="round"):
        Compiler(FORM, {"n"}).condition("round(${n}, 'ja') = 3")
    with pytest.raises(UnsupportedExpression, match="round"):
        Compiler(FORM, {"n"}).condition("round(${n}, 1.5) = 3")
