"""The trend's core without a project: mapping a select_multiple with merged choices, chaining
mappings, and the exact tests against scipy's and Newcombe's published examples."""

from __future__ import annotations

import pytest

from klappt.analysis.mapping import compose, parse_mapping, propose
from klappt.analysis.panel import panel
from klappt.analysis.tabulate import tabulate
from klappt.analysis.trend import WaveInput, apply_mapping, chain, trend
from klappt.analysis.uncertainty import fisher, mcnemar, wilson
from klappt.errors import ErrorCode, KlapptError
from klappt.instrument import read_instrument
from klappt.responses.dataset import load_responses
from klappt.responses.io import read_table

OLD = """
| survey |
|        | type                | name | label::Deutsch (de)      |
|        | select_multiple art | art  | Welche Angebote gibt es? |
|        | integer             | n    | Anzahl                   |
| choices |
|         | list_name | name | label::Deutsch (de) |
|         | art       | kurs | Kurse               |
|         | art       | work | Workshops           |
|         | art       | ber  | Beratung            |
|         | art       | alt  | Sonstiges           |
| settings |
|          | default_language |
|          | Deutsch (de)     |
"""

NEW = """
| survey |
|        | type                | name    | label::Deutsch (de)        |
|        | select_multiple arg | angebot | Welche Angebote gibt es?   |
|        | decimal             | n       | Anzahl                     |
| choices |
|         | list_name | name    | label::Deutsch (de) |
|         | arg       | bildung | Kurse und Workshops |
|         | arg       | ber     | Beratung            |
| settings |
|          | default_language |
|          | Deutsch (de)     |
"""

OLD_DATA = "art,n\nkurs work,1\nwork,2\nber,3\nalt,4\nkurs ber,\n,5\n"
#: the same returns answered as the new form would count them, by hand (alt: not comparable)
BY_HAND = "angebot,n\nbildung,1\nbildung,2\nber,3\n,4\nbildung ber,\n,5\n"

MAPPING = """from: "alt"
to: "neu"
questions:
  - from: art
    to: angebot
    choices:
      kurs: bildung
      work: bildung
      alt: null
  - from: n
    to: n
"""


@pytest.fixture
def waves(write_form, write_data):
    old = read_instrument(write_form(OLD, "old.md"))
    new = read_instrument(write_form(NEW, "new.md"))
    rs_old = load_responses(old, read_table(write_data(OLD_DATA, "old.csv")))[0]
    hand = load_responses(new, read_table(write_data(BY_HAND, "hand.csv")))[0]
    return old, new, rs_old, hand


def test_merged_choices_of_a_select_multiple_count_as_by_hand(waves) -> None:
    old, new, rs_old, hand = waves
    # integer → decimal changes the type: the same name alone does not map it
    assert "n" not in parse_mapping(MAPPING.split("  - from: n")[0], "m.yaml", old, new).questions
    m = parse_mapping(MAPPING, "m.yaml", old, new)
    mapped = tabulate(apply_mapping(rs_old, m, new))
    expected = tabulate(hand)
    for q in ("angebot", "n"):
        assert mapped.table(q).to_dict() == expected.table(q).to_dict()
    # the return that chose only "Sonstiges" has no comparable answer: out of the base
    assert mapped.table("angebot").base == 4


def test_proposal_maps_by_label_and_marks_the_choice_without_counterpart(waves) -> None:
    old, new, _, _ = waves
    m = propose(old, new, "alt", "neu")
    art = m.questions["art"]
    assert art.target == "angebot" and art.how in ("label", "choices")
    assert art.choices["ber"] == "ber" and art.choices["alt"] is None
    assert m.unmatched_source == () and m.unmatched_target == ()


def test_chained_mappings_compose_questions_and_choices(waves) -> None:
    old, new, _, _ = waves
    first = parse_mapping(MAPPING, "m.yaml", old, new)
    again = parse_mapping(
        'from: "neu"\nto: "neu2"\nquestions:\n  - from: angebot\n    to: angebot\n'
        "    choices:\n      bildung: ber\n",
        "m2.yaml",
        new,
        new,
    )
    both = compose(first, again)
    assert both.questions["art"].choices == {
        "kurs": "ber",
        "work": "ber",
        "ber": "ber",
        "alt": None,
    }
    via = chain(
        ["alt", "neu", "neu2"],
        {"alt": old, "neu": new, "neu2": new},
        {("neu", "neu2"): again, ("alt", "neu"): first},
    )
    assert via["alt"].questions["art"].choices == both.questions["art"].choices
    # "neu" not in the trend: the chain passes through it all the same
    skipped = chain(
        ["alt", "neu2"], {"alt": old, "neu2": new}, {("neu", "neu2"): again, ("alt", "neu"): first}
    )
    assert skipped["alt"].questions["art"].choices == both.questions["art"].choices
    # without the stored steps only unchanged questions would map ("art" is not among them)
    assert "art" not in chain(["alt", "neu2"], {"alt": old, "neu2": new}, {})["alt"].questions


def test_trend_needs_two_different_waves(waves) -> None:
    _, _, rs_old, _ = waves
    with pytest.raises(KlapptError) as info:
        trend([WaveInput("2020", rs_old)], {})
    assert info.value.code is ErrorCode.TREND_002


def test_fisher_equals_scipys_documented_example() -> None:
    # scipy.stats.fisher_exact docs: whales and sharks, [[8, 2], [1, 5]], p = 0.0349650…
    assert fisher(8, 10, 1, 6) == pytest.approx(0.034965034965034975)


def test_wilson_equals_newcombes_published_intervals() -> None:
    # Newcombe (1998), Statistics in Medicine 17, Table II, method 3 (Wilson score, no
    # continuity correction); klappt gives percent to one decimal
    published = {
        (81, 263): (0.2553, 0.3662),
        (15, 148): (0.0624, 0.1605),
        (0, 20): (0.0, 0.1611),
        (1, 29): (0.0061, 0.1718),
    }
    for (k, n), (low, high) in published.items():
        got = wilson(k, n)
        assert got is not None
        assert got[0] == pytest.approx(100 * low, abs=0.051)
        assert got[1] == pytest.approx(100 * high, abs=0.051)
    assert wilson(0, 0) is None


@pytest.mark.parametrize(("left", "joined"), [(0, 0), (1, 5), (7, 2), (10, 10), (0, 9)])
def test_mcnemar_exact_is_the_binomial_test_of_the_discordant_sites(left, joined) -> None:
    from scipy.stats import binom

    n = left + joined
    expected = 1.0 if n == 0 else min(1.0, 2 * float(binom.cdf(min(left, joined), n, 0.5)))
    assert mcnemar(left, joined) == pytest.approx(expected)


def test_panel_counts_sites_only_in_one_wave() -> None:
    p = panel(
        "2020",
        "2022",
        {"a": "ja", "b": "nein", "c": None, "d": "ja"},
        {"a": "ja", "b": "ja", "c": "ja", "e": "nein"},
        ["ja", "nein"],
        tests=True,
    )
    assert (p.sites, p.only_source, p.only_target, p.answered) == (3, 1, 1, 2)
    assert p.transitions == (("ja", "ja", 1), ("nein", "ja", 1))
    ja = next(t for t in p.tests if t["choice"] == "ja")
    assert (ja["left"], ja["joined"]) == (0, 1)


def test_multiple_choice_panels_per_choice_equal_a_direct_count__ok():
    """A select_multiple's panel per choice: ticked/not ticked in each wave, for the same sites;
    the second wave is the first with its sites rotated, so that answers move between sites."""
    import polars as pl

    from klappt.reference import load_reference

    _, rs, _ = load_reference("2022")
    sites = rs.frame.get_column("kommune").cast(pl.String)
    moved = pl.Series("site", sites.to_list()[1:] + sites.to_list()[:1], dtype=pl.String)
    forms = {"a": rs.instrument, "b": rs.instrument}
    result = trend(
        [WaveInput("a", rs, sites), WaveInput("b", rs, moved)], chain(["a", "b"], forms, {})
    ).to_dict()
    entry = next(e for e in result["trends"] if e["question"] == "mehrwert")
    names = [c.name for c in rs.instrument.question("mehrwert").choices]
    assert [p["choice"] for p in entry["panels"]] == names
    frame = rs.frame

    def state(i: int, c: str) -> str | None:
        ticks = [bool(frame[f"mehrwert/{n}"][i]) for n in names]
        if not any(ticks):
            return None
        return "ticked" if frame[f"mehrwert/{c}"][i] else "not_ticked"

    a_of = {s: i for i, s in enumerate(sites.to_list())}
    b_of = {s: i for i, s in enumerate(moved.to_list())}
    for p in entry["panels"]:
        direct: dict[tuple[str, str], int] = {}
        for s in a_of:
            x, y = state(a_of[s], p["choice"]), state(b_of[s], p["choice"])
            if x is not None and y is not None:
                direct[(x, y)] = direct.get((x, y), 0) + 1
        assert {(t["from"], t["to"]): t["sites"] for t in p["transitions"]} == direct
        assert p["answered"] == sum(direct.values()) and p["sites"] == 40
    # something moved: a choice some sites gave up and others took up
    assert any(t["from"] != t["to"] for p in entry["panels"] for t in p["transitions"])
