"""The web form's checks of one return (klappt.responses.one_return) find exactly the problems that the
checks of the returns (``load_responses``) find, on generated returns; and choice filters,
required messages and repeats, which only the web form checks. No database.

Each generated batch of returns goes through ``load_responses`` once (one row per return), and
through the web checks return by return; the (question, code) pairs must be the same per return.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klappt.instrument import read_instrument
from klappt.instrument.extras import FormExtras, read_extras
from klappt.instrument.model import Instrument, Question
from klappt.reference import reference_path
from klappt.responses.one_return import Rules
from klappt.web.answers import answer_questions, cleaned, defaults

CHECKS_MD = """\
| survey |                    |        |        |                     |               |                         |                    |               |
|        | type               | name   | label  | relevant            | required      | constraint              | constraint_message | calculation   |
|        | select_one yn      | a      | A      |                     | yes           |                         |                    |               |
|        | integer            | n      | N      | ${a} = 'ja'         | yes           | . >= 0 and . <= 20      | 0 bis 20           |               |
|        | decimal            | d      | D      |                     | ${n} > 5      | . <= ${n}               | höchstens N        |               |
|        | select_multiple xs | m      | M      |                     |               | count-selected(.) <= 2  |                    |               |
|        | text               | m_text | M Text | selected(${m}, 'z') | yes           | string-length(.) > 2    |                    |               |
|        | date               | dt     | Datum  |                     |               | . >= date('2022-01-01') |                    |               |
|        | begin_group        | g      | Gruppe | ${n} != 3           |               |                         |                    |               |
|        | text               | gt     | G Text |                     | ${a} = 'nein' | regex(., '[A-Za-z ]+')  |                    |               |
|        | integer            | gn     | G Zahl | ${gt} != ''         |               | . mod 2 = 0             |                    |               |
|        | end_group          |        |        |                     |               |                         |                    |               |
|        | calculate          | summe  |        |                     |               |                         |                    | ${n} + ${gn}  |
| choices|                    |        |        |                     |               |                         |                    |               |
|        | list_name          | name   | label  |                     |               |                         |                    |               |
|        | yn                 | ja     | ja     |                     |               |                         |                    |               |
|        | yn                 | nein   | nein   |                     |               |                         |                    |               |
|        | xs                 | x      | X      |                     |               |                         |                    |               |
|        | xs                 | y      | Y      |                     |               |                         |                    |               |
|        | xs                 | z      | Z      |                     |               |                         |                    |               |
"""

FILTER_MD = """\
| survey   |                    |        |                  |                |                       |                                  |
|          | type               | name   | label            | choice_filter  | required              | required_message                 | default |
|          | select_one land    | land   | Land             |                | yes                   | Bitte das Land angeben           | de      |
|          | select_one stadt   | stadt  | Stadt in ${land} | land = ${land} |                       |                                  |         |
|          | select_multiple st | orte   | Orte             | land = ${land} or land = '' |          |                                  |         |
|          | begin_repeat       | proj   | Projekte         |                |                       |                                  |         |
|          | text               | titel  | Titel            |                | yes                   |                                  | neu     |
|          | integer            | jahre  | Jahre            |                |                       |                                  |         |
|          | text               | warum  | Warum?           |                | ${jahre} > 2          |                                  |         |
|          | end_repeat         |        |                  |                |                       |                                  |         |
| choices  |                    |        |                  |                |                       |                                  |         |
|          | list_name          | name   | label            | land           |                       |                                  |         |
|          | land               | de     | Deutschland      |                |                       |                                  |         |
|          | land               | at     | Österreich       |                |                       |                                  |         |
|          | stadt              | b      | Berlin           | de             |                       |                                  |         |
|          | stadt              | w      | Wien             | at             |                       |                                  |         |
|          | st                 | b      | Berlin           | de             |                       |                                  |         |
|          | st                 | w      | Wien             | at             |                       |                                  |         |
|          | st                 | x      | überall          |                |                       |                                  |         |
"""

# a repeat's column is matched as a question, so the core's checks count the entries' questions
# as the main table's; the comparison leaves repeats out (they are checked below, web only)


def _form(tmp: Path, name: str, text: str) -> tuple[Instrument, FormExtras]:
    path = tmp / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return read_instrument(path), read_extras(path.read_bytes(), path.name)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Rules:
    form, extras = _form(tmp_path_factory.mktemp("checks"), "checks.md", CHECKS_MD)
    return Rules(form, extras)


@pytest.fixture(scope="module")
def reference() -> Rules:
    path = Path(reference_path("arbeitshilfe_2022.xlsx"))
    return Rules(read_instrument(path), read_extras(path.read_bytes(), path.name))


@pytest.fixture(scope="module")
def filtered(tmp_path_factory: pytest.TempPathFactory) -> Rules:
    form, extras = _form(tmp_path_factory.mktemp("filter"), "filter.md", FILTER_MD)
    return Rules(form, extras)


def _answer(q: Question) -> st.SearchStrategy[str | None]:
    """Plausible answers of a question, with typical mistakes among them."""
    names = [c.name for c in q.choices]
    garbage = st.sampled_from(["zwei", "x y", "?", "1,2,3", "  ", "31.02.2022", "-", "ja nein"])
    if q.type == "select_one":
        return st.one_of(st.none(), st.sampled_from(names), garbage)
    if q.type == "select_multiple":
        some = st.lists(st.sampled_from(names), max_size=len(names), unique=True).map(" ".join)
        return st.one_of(st.none(), some, some.map(lambda s: s + " gibtsnicht"), garbage)
    if q.type in ("integer", "decimal"):
        ints = st.integers(-3, 60).map(str)
        decimals = st.decimals(-2, 30, places=2).map(lambda d: str(d).replace(".", ","))
        return st.one_of(st.none(), ints, decimals, garbage)
    if q.type == "date":
        days = st.dates(min_value=__import__("datetime").date(2021, 6, 1)).map(
            lambda d: d.isoformat() if d.day % 2 else d.strftime("%d.%m.%Y")
        )
        return st.one_of(st.none(), days, garbage)
    return st.one_of(st.none(), st.text("abc XYZ äß 12.", max_size=8), garbage)


def _returns(rules: Rules) -> st.SearchStrategy[list[dict[str, str | None]]]:
    questions = [q for q in answer_questions(rules.form) if q.type != "calculate"]
    one = st.fixed_dictionaries({q.name: _answer(q) for q in questions})
    return st.lists(one, min_size=20, max_size=40)


def _core_problems(rules: Rules, records: list[dict[str, Any]]) -> list[set[tuple[str, str]]]:
    """(question, code) of every problem ``load_responses`` finds, per return."""
    from klappt.responses.dataset import load_responses
    from klappt.responses.io import RawTable

    questions = answer_questions(rules.form)
    columns = ["_id", *(q.name for q in questions)]
    rows = [[str(i), *(r.get(q.name) for q in questions)] for i, r in enumerate(records)]
    _rs, report = load_responses(rules.form, RawTable.from_records(columns, rows, source="t"))
    out: list[set[tuple[str, str]]] = [set() for _ in records]
    for issue in report.problems:
        if issue.code == "not_relevant" or issue.question is None or issue.row is None:
            continue
        if rules.form.question(issue.question).in_repeat:
            continue  # the core has no repeat columns in the main table (see above)
        out[issue.row - 2].add((issue.question, issue.code))
    return out


def _web_problems(rules: Rules, record: dict[str, Any]) -> set[tuple[str, str]]:
    return {(key, code) for key, codes in rules.problems(record).items() for code in codes}


def _agree(rules: Rules, returns: list[dict[str, str | None]]) -> None:
    records = [cleaned(rules, values) for values in returns]
    core = _core_problems(rules, records)
    for values, record, expected in zip(returns, records, core, strict=True):
        assert _web_problems(rules, record) == expected, values


_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,  # the same examples in every run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_SETTINGS
@given(data=st.data())
def test_checks_of_a_generated_return_agree_with_the_validation__ok(
    small: Rules, data: st.DataObject
) -> None:
    _agree(small, data.draw(_returns(small)))


@_SETTINGS
@given(data=st.data())
def test_checks_of_generated_arbeitshilfe_returns_agree_with_the_validation__ok(
    reference: Rules, data: st.DataObject
) -> None:
    _agree(reference, data.draw(_returns(reference)))


def test_the_reference_returns_pass_the_checks__ok(reference: Rules) -> None:
    import csv

    with Path(reference_path("returns_2022.csv")).open(encoding="utf-8", newline="") as fh:
        rows = [{k: (v or None) for k, v in r.items()} for r in csv.DictReader(fh)]
    assert len(rows) == 40
    for row in rows:
        assert reference.problems(cleaned(reference, row)) == {}, row["_id"]


def test_a_constraint_against_another_answer_and_a_conditional_required__error(
    small: Rules,
) -> None:
    record = cleaned(small, {"a": "ja", "n": "8", "d": "9,5", "m": "z"})
    assert small.problems(record) == {"d": ["constraint"], "m_text": ["required_missing"]}
    assert cleaned(small, {"a": "nein", "n": "8"})["n"] is None  # not asked: dropped


def test_choice_filter_offers_only_the_matching_choices__ok(filtered: Rules) -> None:
    stadt = filtered.by_name["stadt"]
    assert filtered.offered(stadt, {"land": "de"}) == {"b"}
    assert filtered.offered(stadt, {"land": "at"}) == {"w"}
    assert filtered.offered(stadt, {}) == set()
    orte = filtered.by_name["orte"]
    assert filtered.offered(orte, {"land": "at"}) == {"w", "x"}


def test_an_answer_the_filter_does_not_offer_is_refused__error(filtered: Rules) -> None:
    ok = cleaned(filtered, {"land": "de", "stadt": "b", "orte": "b x"})
    assert filtered.problems(ok) == {}
    wrong = cleaned(filtered, {"land": "de", "stadt": "w", "orte": "x w"})
    assert filtered.problems(wrong) == {
        "stadt": ["choice_filtered"],
        "orte": ["choice_filtered"],
    }


def test_defaults_and_required_message_from_the_form__ok(filtered: Rules) -> None:
    assert defaults(filtered) == {"land": "de"}
    assert defaults(filtered, "proj") == {"titel": "neu"}
    assert filtered.extras.required_messages["land"] == {"default": "Bitte das Land angeben"}
    assert filtered.extras.choice_columns["stadt"]["w"] == {"land": "at"}


def test_entries_of_a_repeat_are_checked_each_by_its_own_answers__error(filtered: Rules) -> None:
    values = {
        "land": "at",
        "proj": [
            {"titel": "Sprachcafé", "jahre": "1"},
            {"titel": None, "jahre": "drei"},
            {"titel": "Beratung", "jahre": "4", "warum": None},
            {"titel": "Lotsen", "jahre": "5", "warum": "bewährt"},
        ],
    }
    record = cleaned(filtered, values)
    assert [e["jahre"] for e in record["proj"]] == ["1", "drei", "4", "5"]
    assert filtered.problems(record) == {
        "proj[2]/titel": ["required_missing"],
        "proj[2]/jahre": ["not_a_number"],
        "proj[3]/warum": ["required_missing"],
    }
