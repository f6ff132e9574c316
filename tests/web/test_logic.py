"""Conditions for one return (klappt.instrument.conditions.evaluate) decide exactly as the checks
of the returns do.

``CASES`` is evaluated three ways: by :class:`~klappt.instrument.conditions.evaluate.Evaluator`
(server, before a save), by the Polars compiler the validation uses
(:mod:`klappt.instrument.conditions.to_polars`), and –
in ``test_browser.py`` – by the browser's ``form.js``. All three must agree. No database.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from klappt.instrument import read_instrument

FORM_MD = """\
| survey   |                    |      |         |
|          | type               | name | label   |
|          | select_one yn      | a    | A       |
|          | select_multiple xs | m    | M       |
|          | integer            | n    | N       |
|          | decimal            | d    | D       |
|          | text               | t    | T       |
|          | date               | dt   | Datum   |
| choices  |                    |      |         |
|          | list_name          | name | label   |
|          | yn                 | ja   | ja      |
|          | yn                 | nein | nein    |
|          | xs                 | x    | X       |
|          | xs                 | y    | Y       |
|          | xs                 | z    | Z       |
"""

#: (condition, answers, self question or None)
CASES: list[tuple[str, dict[str, str], str | None]] = [
    ("${a} = 'ja'", {"a": "ja"}, None),
    ("${a} = 'ja'", {"a": "nein"}, None),
    ("${a} = 'ja'", {}, None),
    ("${a} != 'ja'", {}, None),
    ("${a} != ''", {"a": "nein"}, None),
    ("${a} = ''", {}, None),
    ("selected(${m}, 'x')", {"m": "x y"}, None),
    ("selected(${m}, 'x')", {"m": "z"}, None),
    ("selected(${m}, 'x')", {}, None),
    ("count-selected(${m}) > 1", {"m": "x z"}, None),
    ("count-selected(${m}) > 1", {"m": "y"}, None),
    ("not(selected(., 'x') and count-selected(.) > 1)", {"m": "x y"}, "m"),
    ("not(selected(., 'x') and count-selected(.) > 1)", {"m": "x"}, "m"),
    ("${m} = 'x y'", {"m": "x y"}, None),
    ("${n} > 0", {"n": "3"}, None),
    ("${n} > 0", {"n": "0"}, None),
    ("${n} > 0", {}, None),
    ("${n} != 2", {}, None),
    (". >= 0 and . <= 50", {"n": "51"}, "n"),
    (". >= 0 and . <= 50", {"n": "7"}, "n"),
    (". > 0 and . <= ${n}", {"n": "2", "d": "1.5"}, "d"),
    (". > 0 and . <= ${n}", {"n": "1", "d": "1.5"}, "d"),
    ("${t} != ''", {"t": "hallo"}, None),
    ("${t} = ''", {}, None),
    ("string-length(${t}) > 3", {"t": "hallo"}, None),
    ("string-length(${t}) > 3", {"t": "ab"}, None),
    ("regex(${t}, '[0-9]+')", {"t": "123"}, None),
    ("regex(${t}, '[0-9]+')", {"t": "12a"}, None),
    ("${dt} >= date('2022-02-01') and ${dt} <= date('2022-03-31')", {"dt": "2022-02-15"}, None),
    ("${dt} >= date('2022-02-01')", {"dt": "2022-01-31"}, None),
    ("${dt} >= date('2022-02-01')", {}, None),
    ("${n} + 1 = 4", {"n": "3"}, None),
    ("${n} mod 2 = 1", {"n": "7"}, None),
    ("${n} div 2 = 1.5", {"n": "3"}, None),
    ("-${n} < 0", {"n": "3"}, None),
    ("if(${a} = 'ja', 1, 0) = 1", {"a": "ja"}, None),
    ("if(${a} = 'ja', 1, 0) = 1", {"a": "nein"}, None),
    ("coalesce(${t}, 'leer') = 'leer'", {}, None),
    ("coalesce(${t}, 'leer') = 'leer'", {"t": "voll"}, None),
    ("${a} = 'ja' or ${n} > 5", {"a": "nein", "n": "6"}, None),
    ("${a} = 'ja' and ${n} > 5", {"a": "ja", "n": "4"}, None),
    ("number(${t}) > 2", {"t": "2.5"}, None),
    ("int(${d}) = 1", {"d": "1.9"}, None),
    ("round(${d}) = 2", {"d": "1.5"}, None),
    ("concat(${a}, ${t}) = 'jahallo'", {"a": "ja", "t": "hallo"}, None),
    ("string(${n}) = '3'", {"n": "3"}, None),
    ("true() and not(false())", {}, None),
    ("boolean(${t})", {}, None),
]


#: (choice_filter, answers, the choice's columns)
FILTER_CASES: list[tuple[str, dict[str, str], dict[str, str]]] = [
    ("land = ${a}", {"a": "ja"}, {"name": "b", "land": "ja"}),
    ("land = ${a}", {"a": "nein"}, {"name": "b", "land": "ja"}),
    ("land = ${a}", {}, {"name": "b", "land": "ja"}),
    ("land = ${a} or land = ''", {"a": "nein"}, {"name": "x"}),
    ("name != 'x'", {}, {"name": "x"}),
    ("selected(${m}, name)", {"m": "x z"}, {"name": "z"}),
    ("selected(${m}, name)", {"m": "x z"}, {"name": "y"}),
    ("min <= ${n}", {"n": "3"}, {"name": "b", "min": "2"}),
    ("min <= ${n}", {"n": "1"}, {"name": "b", "min": "2"}),
    ("contains(gruppe, ${t})", {"t": "ost"}, {"name": "b", "gruppe": "nordost"}),
    ("starts-with(name, ${t})", {"t": "no"}, {"name": "nord"}),
]


@pytest.fixture(scope="module")
def form(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("form") / "form.md"
    path.write_text(textwrap.dedent(FORM_MD), encoding="utf-8")
    return read_instrument(path)


def _polars(form: Any, expr: str, answers: dict[str, str], self_name: str | None) -> bool:
    from klappt.instrument.conditions.to_polars import Compiler
    from klappt.responses.dataset import load_responses
    from klappt.responses.io import RawTable

    names = [q.name for q in form.questions]
    raw = RawTable.from_records(["_id", *names], [["1", *(answers.get(n) for n in names)]])
    rs, _report = load_responses(form, raw)
    cond = Compiler(form, set(rs.frame.columns)).condition(expr, self_name=self_name)
    return bool(rs.frame.select(cond).item())


@pytest.mark.parametrize(("expr", "answers", "self_name"), CASES)
def test_server_conditions_agree_with_the_checks_of_the_returns__ok(
    form: Any, expr: str, answers: dict[str, str], self_name: str | None
) -> None:
    from klappt.instrument.conditions.evaluate import Evaluator
    from klappt.instrument.conditions.parse import compile_condition

    tree = compile_condition(expr, form, self_name)
    assert tree is not None, expr
    assert Evaluator(form, answers).truth(tree) == _polars(form, expr, answers, self_name)


@pytest.mark.parametrize(
    "expr",
    ["${gibtsnicht} = 'ja'", "pulldata('x', 'y')", "${a} = ", "indexed-repeat(${a}, ${g}, 1)", ""],
)
def test_conditions_outside_the_subset_compile_to_none__ok(form: Any, expr: str) -> None:
    from klappt.instrument.conditions.evaluate import Evaluator
    from klappt.instrument.conditions.parse import compile_condition

    assert compile_condition(expr, form) is None
    assert Evaluator(form, {}).truth(None) is True  # the question is shown; the server notes it


@pytest.mark.parametrize(("expr", "answers", "columns"), FILTER_CASES)
def test_choice_filters_compile_and_read_the_choices_columns__ok(
    form: Any, expr: str, answers: dict[str, str], columns: dict[str, str]
) -> None:
    from klappt.instrument.conditions.evaluate import Evaluator
    from klappt.instrument.conditions.parse import compile_choice_filter

    tree = compile_choice_filter(expr, form)
    assert tree is not None, expr
    # a filter is true for exactly the choices whose columns match: decided here by hand
    by_hand = {
        "land = ${a}": lambda: "a" in answers and columns.get("land") == answers["a"],
        "land = ${a} or land = ''": lambda: columns.get("land", "") in (answers.get("a"), ""),
        "name != 'x'": lambda: columns["name"] != "x",
        "selected(${m}, name)": lambda: columns["name"] in answers.get("m", "").split(),
        "min <= ${n}": lambda: float(columns["min"]) <= float(answers["n"]),
        "contains(gruppe, ${t})": lambda: answers["t"] in columns.get("gruppe", ""),
        "starts-with(name, ${t})": lambda: columns["name"].startswith(answers["t"]),
    }
    expected = by_hand[expr]()
    assert Evaluator(form, answers, columns).truth(tree) is expected


def test_a_bare_name_is_a_question_in_conditions_and_a_column_in_filters__ok(form: Any) -> None:
    from klappt.instrument.conditions.parse import compile_choice_filter, compile_condition

    assert compile_condition("a = 'ja'", form) == ["op", "=", ["ref", "a"], ["lit", "ja"]]
    assert compile_choice_filter("a = 'ja'", form) == ["op", "=", ["col", "a"], ["lit", "ja"]]
    assert compile_condition("contains(${t}, 'a')", form) is None  # not in the core's subset


def test_every_condition_of_the_reference_forms_is_supported__ok() -> None:
    from klappt.instrument.conditions.parse import compile_condition
    from klappt.reference import reference_path

    for name in ("arbeitshilfe_2022.xlsx", "checkliste_2020.xlsx"):
        f = read_instrument(reference_path(name))
        for q in f.questions:
            for text in (q.relevant, q.constraint):
                if text:
                    assert compile_condition(text, f, q.name) is not None, (name, q.name, text)


def test_relevance_of_every_reference_return_matches_the_validation__ok() -> None:
    """Cleaning a reference return by our relevance never drops an answer the checks accept."""
    import csv

    from klappt.instrument.conditions.evaluate import relevant_questions
    from klappt.reference import reference_path
    from klappt.web.formspec import form_spec

    form = read_instrument(reference_path("arbeitshilfe_2022.xlsx"))
    chains = form_spec(form, "de").chains
    with Path(reference_path("returns_2022.csv")).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        values = {k: (v or None) for k, v in row.items()}
        relevant = relevant_questions(form, values, chains)
        answered = {k for k, v in values.items() if v and form.question(k)}
        assert answered <= relevant, (row["_id"], answered - relevant)


def test_form_layout_of_the_reference_form__ok() -> None:
    from klappt.reference import reference_path
    from klappt.web.formspec import form_spec

    spec = form_spec(read_instrument(reference_path("arbeitshilfe_2022.xlsx")), "en", "General")
    assert [s.label[:1] for s in spec.steps] == ["G", "1", "2", "3", "4"]
    grid = spec.steps[1].items[0]
    assert grid.kind == "grid" and grid.multiple and len(grid.rows) == 6
    assert [c for c, _ in grid.choices] == ["neu", "intensiviert", "keine"]
    widgets = {f.name: f.widget for f in spec.fields.values()}
    assert widgets["kommune"] == "dropdown" and widgets["bewertung"] == "likert"
    assert widgets["ausfuelldatum"] == "date" and widgets["thm_vze"] == "decimal"
    assert widgets["mehrwert_text"] == "textarea" and widgets["abh_ueber"] == "checkbox"
    assert spec.fields["kommune"].label == "District or city" or spec.fields["kommune"].label
    assert spec.chains["abh_ueber"][0] == ["op", "=", ["ref", "abh_fortfuehrung"], ["lit", "ja"]]
