"""ExpressionScript conditions -> XLSForm ``relevant``: what is translated and what is refused."""

from __future__ import annotations

import pytest

from klappt.interop.limesurvey.expressions import (
    Flag,
    Untranslatable,
    Var,
    conditions_to_expression,
    is_always,
    translate,
)

REFS = {
    "Q1": Var("Q1", "select_one", {"A1": "A1", "-oth-": "other"}),
    "age": Var("age", "number"),
    "name": Var("name", "text"),
    "M": Var("M", "select_multiple"),
    "M_SQ001": Flag("M", "SQ001"),
    "111X2X3": Var("Q1", "select_one", {"A1": "A1"}),
    "111X2X4SQ001": Flag("M", "SQ001"),
    "Arr_SQ1": Var("Arr_SQ1", "select_one"),
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('Q1 == "A1"', "${Q1} = 'A1'"),
        ("Q1.NAOK == 'A1'", "${Q1} = 'A1'"),
        ('((Q1.NAOK == "A1"))', "${Q1} = 'A1'"),
        ('Q1 == "-oth-"', "${Q1} = 'other'"),
        ('Q1 eq "A1"', "${Q1} = 'A1'"),
        ('Q1 != "A1"', "${Q1} != 'A1'"),
        ("age > 5", "${age} > 5"),
        ("age >= 18 && age < 65", "${age} >= 18 and ${age} < 65"),
        ("age ge 18 and age lt 65", "${age} >= 18 and ${age} < 65"),
        ('age > 5 || Q1 == "A1"', "${age} > 5 or ${Q1} = 'A1'"),
        ('age > 5 OR Q1 == "A1"', "${age} > 5 or ${Q1} = 'A1'"),
        ("is_empty(name)", "${name} = ''"),
        ("!is_empty(name)", "${name} != ''"),
        ("! is_empty(name)", "${name} != ''"),
        ('name != ""', "${name} != ''"),
        ('M_SQ001 == "Y"', "selected(${M}, 'SQ001')"),
        ('M_SQ001.NAOK != "Y"', "not(selected(${M}, 'SQ001'))"),
        ('M_SQ001 == ""', "not(selected(${M}, 'SQ001'))"),
        ("is_empty(M_SQ001)", "not(selected(${M}, 'SQ001'))"),
        ("!is_empty(M)", "count-selected(${M}) > 0"),
        ('111X2X3.NAOK == "A1"', "${Q1} = 'A1'"),
        ('((111X2X4SQ001.NAOK == "Y"))', "selected(${M}, 'SQ001')"),
        ('!(Q1 == "A1")', "${Q1} != 'A1'"),
        ("!(age > 5)", "not(${age} > 5)"),
        ("intval(age) ge 1", "int(${age}) >= 1"),
        ("age + 1 > 2 * 3", "(${age} + 1) > (2 * 3)"),
        ('Arr_SQ1 == "2"', "${Arr_SQ1} = '2'"),
        ("{age > 5}", "${age} > 5"),
    ],
)
def test_simple_conditions_translate__ok(expression: str, expected: str) -> None:
    assert translate(expression, REFS.get) == expected


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("count(that.M) > 0", "that."),
        ("Q1.shown == 'x'", ".shown"),
        ("regexMatch('/a/', name)", "function regexMatch"),
        ('unknown == "Y"', "unknown variable unknown"),
        ('M == "SQ001"', "whole multiple-choice question"),
        ('M_SQ001 == "N"', "compared with 'N'"),
        ("TOKEN:ATTRIBUTE_1 == 'x'", "not an answer"),
        ("age >", "ends too early"),
        ("name", "a value used as a condition"),
        ("a ~ b", "unexpected character"),
    ],
)
def test_other_conditions_are_refused_with_a_reason__error(
    expression: str, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLAPPT_LANG", "en")  # the reasons in English (they are bilingual)
    with pytest.raises(Untranslatable, match=reason.replace(".", r"\.").replace("(", r"\(")):
        translate(expression, REFS.get)


@pytest.mark.parametrize(
    ("expression", "always"), [("1", True), ("", True), ("(1)", True), ("Q1 == 1", False)]
)
def test_always_shown__ok(expression: str, always: bool) -> None:
    assert is_always(expression) is always


def test_old_conditions_table_becomes_an_expression__ok() -> None:
    conditions = [
        {"cid": "1", "scenario": "1", "cfieldname": "111X2X3", "method": "==", "value": "A1"},
        {"cid": "2", "scenario": "1", "cfieldname": "111X2X3", "method": "==", "value": "A2"},
        {"cid": "3", "scenario": "1", "cfieldname": "111X2X4", "method": "==", "value": "SQ001"},
        {"cid": "4", "scenario": "2", "cfieldname": "111X2X5", "method": "==", "value": " "},
    ]
    text = conditions_to_expression(conditions, multi_fields={"111X2X4"})
    assert text == (
        '((111X2X3.NAOK == "A1" or 111X2X3.NAOK == "A2") and 111X2X4SQ001.NAOK == "Y") '
        "or is_empty(111X2X5.NAOK)"
    )
