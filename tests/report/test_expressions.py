"""Live numbers in recipe texts equal the tabulation; mistakes name the recipe line."""

from __future__ import annotations

import pytest

from klappt.errors import ErrorCode, KlapptError
from klappt.report.expressions import Evaluator
from klappt.report.spec import Text


@pytest.fixture()
def ev(data):
    return Evaluator(data, "de", "r.yaml")


@pytest.fixture()
def row(table_of):
    def find(tab, q, choice):
        return next(r for r in table_of(tab, q)["rows"] if r["choice"] == choice)

    return find


@pytest.mark.parametrize(
    ("question", "choice"),
    [
        ("lebenswelt", "ja"),
        ("lebenswelt", "nein"),
        ("koop", "abh"),
        ("koop", "mso"),
        ("bew_struktur", "gut"),
    ],
)
def test_count_and_pct_equal_the_tabulation__ok(ev, tab2022, row, table_of, question, choice):
    r = row(tab2022, question, choice)
    assert ev.evaluate(f'count("{question}", "{choice}")').value == r["count"]
    assert ev.evaluate(f'pct("{question}", "{choice}")').value == r["percent"]
    assert ev.evaluate(f'base("{question}")').value == table_of(tab2022, question)["base"]


def test_other_wave__ok(ev, tab2020, row):
    assert (
        ev.evaluate('pct("lebenswelt", "ja", wave="2020")').value
        == row(tab2020, "lebenswelt", "ja")["percent"]
    )
    assert ev.evaluate("responses(wave='2020')").value == tab2020["responses"]


def test_render_formats_german_and_english__ok(data):
    t = Text(
        '{{ pct("koop", "abh") }} % (n={{ count("koop", "abh") }}), 2020: {{ pct("lebenswelt", "ja", wave="2020", digits=0) }} %'
    )
    # the space before % is a no-break space: a number never parts from its sign at a line end
    assert Evaluator(data, "de").render(t) == "55,6\u00a0% (n=5), 2020: 38\u00a0%"
    assert Evaluator(data, "en").render(t) == "55.6\u00a0% (n=5), 2020: 38\u00a0%"


def test_statistics_and_labels__ok(ev, tab2022, table_of):
    stats = table_of(tab2022, "anzahl_tn")["stats"]
    assert ev.evaluate('sum("anzahl_tn")').value == stats["sum"]
    assert ev.render('{{ mean("anzahl_tn") }}') == "7,6"
    assert ev.render('{{ top2("bew_struktur") }}') == "80,0"
    assert ev.render('{{ label("region") }}') == "Gebietstyp"
    assert ev.render('{{ choice_label("koop", "abh") }}') == "Ausländerbehörde"
    assert ev.render('{{ top("koop") }}') == "Ausländerbehörde"


def test_several_choices_of_a_select_one_add_up__ok(ev):
    assert ev.evaluate('count("bew_struktur", ["sehr_gut", "gut"])').value == 8
    assert ev.evaluate('pct("bew_struktur", ["sehr_gut", "gut"])').value == 80.0


def test_mentions_in_free_text__ok(ev):
    assert (
        ev.render("{{ top_mention('angebote') }}: {{ mention('angebote') }}") == "Sport(vereine): 3"
    )
    assert ev.evaluate("mention('angebote', 'sprachcafés')").value == 3


def test_arithmetic__ok(ev):
    assert ev.evaluate('100 - pct("lebenswelt", "ja")').value == 30.0
    assert ev.render('{{ round(count("koop", "abh") / base("koop") * 100, 0) }}') == "56"


@pytest.mark.parametrize(
    ("expression", "word"),
    [
        ('pct("lebenswelt_x", "ja")', "lebenswelt_x"),
        ('pct("lebenswelt", "vielleicht")', "vielleicht"),
        ('pct("lebenswelt", "ja", wave="2019")', "2019"),
        ('summe("lebenswelt")', "summe"),
        ("__import__('os').system('true')", "__import__"),
        ('pct("lebenswelt")', "pct"),
        ('pct("koop", ["abh", "mso"])', "select_one"),
        ("open('x').read()", "open"),
        ('pct(lebenswelt, "ja")', "Anführungszeichen"),
    ],
)
def test_bad_expression_names_the_line__error(ev, expression, word):
    t = Text(f"Ergebnis: {{{{ {expression} }}}}", line=17)
    with pytest.raises(KlapptError) as info:
        ev.render(t)
    assert info.value.code is ErrorCode.REPORT_001
    assert info.value.params["line"] == 17
    assert word in str(info.value)


def test_unbalanced_braces__error(ev):
    with pytest.raises(KlapptError) as info:
        ev.render(Text("{{ responses() }} und {{ responses()", line=3))
    assert info.value.params["line"] == 3


def test_attribute_access_is_not_evaluated__error(ev):
    with pytest.raises(KlapptError):
        ev.render(Text("{{ responses().__class__ }}"))
