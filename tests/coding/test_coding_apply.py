"""Coded categories as the multiple response ``q__codes``, counted by the unchanged ``tabulate``.

Expected numbers are counted by hand from ``conftest.py``:

* coded returns (the base): R01 R02 R03 R04 R05 R07 R09 R11 R12 = 9. Not counted: R06 (no
  answer), R08 (coders disagree on part 2, unresolved), R10 (part 2 not coded).
* R11: anna "sprache", ben "beratung", resolved by chris to "sprache" (final).
* freizeit is a net of sport and kultur: R01 (sport), R02 (kultur), R04 (sport + kultur, once),
  R09 (freizeit itself), R12 (kultur + sport) = 5.
* R05 was seen and got no code: the extra choice ``_kein_code``.
"""

from __future__ import annotations

import pytest

from klappt.analysis.tabulate import tabulate
from klappt.coding import Coding, CodingSet, apply_codes, codes_question_name, summarize
from klappt.errors import ErrorCode, KlapptError

EXPECTED_TOTAL = [
    # choice, label, count, percent, percent_of_mentions (mentions = 17)
    ("freizeit", "Freizeit", 5, 55.6, 29.4),
    ("sport", "Sport und Bewegung", 3, 33.3, 17.6),
    ("kultur", "Kultur", 3, 33.3, 17.6),
    ("sprache", "Sprache", 4, 44.4, 23.5),
    ("beratung", "Beratung", 1, 11.1, 5.9),
    ("_kein_code", "kein Code zutreffend", 1, 11.1, 5.9),
]
EXPECTED_BY = {
    "stadt": (4, 9, [3, 2, 2, 1, 0, 1], [75.0, 50.0, 50.0, 25.0, 0.0, 25.0]),
    "land": (5, 8, [2, 1, 1, 3, 1, 0], [40.0, 20.0, 20.0, 60.0, 20.0, 0.0]),
}


def test_codes_question_after_text_question__ok(rs, codebook, codings) -> None:
    coded = apply_codes(rs, codebook, codings)
    names = [q.name for q in coded.instrument.questions]
    assert names == ["gebietstyp", "kommune", "angebote", "angebote__codes", "anzahl", "kontakt"]
    q = coded.instrument.question("angebote__codes")
    assert q.type == "select_multiple"
    assert [c.name for c in q.choices] == [
        "freizeit",
        "sport",
        "kultur",
        "sprache",
        "beratung",
        "_kein_code",
    ]
    cols = coded.frame.columns
    assert cols[cols.index("angebote") + 1] == "angebote__codes/freizeit"
    assert rs.instrument.question("angebote__codes") is None  # the input is unchanged
    assert "angebote__codes/sport" not in rs.frame.columns


def test_null_for_answers_not_coded__ok(rs, codebook, codings) -> None:
    coded = apply_codes(rs, codebook, codings)
    by_id = dict(
        zip(
            coded.meta["return_id"].to_list(),
            coded.frame["angebote__codes/sport"].to_list(),
            strict=True,
        )
    )
    assert by_id["R06"] is None and by_id["R08"] is None and by_id["R10"] is None
    assert by_id["R01"] is True and by_id["R02"] is False
    assert any("1 Antworten mit ungeklärten Abweichungen" in n for n in coded.notes)
    assert any("1 Antworten sind nur teilweise codiert" in n for n in coded.notes)


def test_tabulate_codes_equal_hand_count__ok(rs, codebook, codings) -> None:
    table = tabulate(apply_codes(rs, codebook, codings), lang="de").table(
        codes_question_name("angebote")
    )
    assert table.base == 9
    assert table.cell.mentions == 17
    assert table.label == "Welche Angebote fehlen vor Ort? (codiert)"
    got = [(r.choice, r.label, r.count, r.percent, r.percent_of_mentions) for r in table.rows]
    assert got == EXPECTED_TOTAL


@pytest.mark.parametrize("group", ["stadt", "land"])
def test_tabulate_codes_by_banner_equal_hand_count__ok(rs, codebook, codings, group) -> None:
    table = tabulate(apply_codes(rs, codebook, codings), by="gebietstyp").table("angebote__codes")
    cell = next(g.cell for g in table.groups if g.choice == group)
    base, mentions, counts, percents = EXPECTED_BY[group]
    assert cell.base == base
    assert cell.mentions == mentions
    assert [r.count for r in cell.rows] == counts
    assert [r.percent for r in cell.rows] == percents


def test_labels_in_english__ok(rs, codebook, codings) -> None:
    table = tabulate(apply_codes(rs, codebook, codings), lang="en").table("angebote__codes")
    assert [r.label for r in table.rows][:2] == ["Leisure", "Sports"]
    assert table.rows[-1].label == "no code applies"


def test_apply_twice_replaces__ok(rs, codebook, codings) -> None:
    once = apply_codes(rs, codebook, codings)
    twice = apply_codes(once, codebook, codings)
    assert [q.name for q in twice.instrument.questions].count("angebote__codes") == 1
    assert twice.frame.columns == once.frame.columns


def test_summary_counts_accepted_suggestions__ok(codings) -> None:
    s = summarize(codings.for_question("angebote"))
    # 15 units, R08#2 unresolved. Codes that count: R01#1 sport (s), R01#2 sprache, R02#1 kultur (s),
    # R03#1 sprache, R04#1 sport, R04#2 kultur, R05#1 none, R07#1 beratung (agreed, ben's was a
    # suggestion), R08#1 beratung (agreed), R09#1 freizeit, R09#2 sprache, R10#1 sport,
    # R11#1 sprache (final), R12#1 kultur + sport (s) = 14 codes, 4 of them accepted suggestions
    assert (s.units, s.coded, s.unresolved) == (15, 14, 1)
    assert s.codes == 14
    assert s.from_suggestions == 4
    assert s.coders == ("anna", "ben", "chris")


def test_codings_of_vanished_answer__error(rs, codebook, codings_path, tmp_path) -> None:
    from klappt.coding import read_codings

    text = codings_path.read_text(encoding="utf-8") + "angebote,R99#1,anna,sport,0,0,Tanzen\n"
    p = tmp_path / "more.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(KlapptError) as exc:
        apply_codes(rs, codebook, read_codings(p))
    assert exc.value.code is ErrorCode.CODING_007
    assert exc.value.params["row"] == 23 and exc.value.params["path"] == str(p)
    assert "R99#1" in str(exc.value)


def test_codings_of_changed_answer__error(rs, codebook) -> None:
    cs = CodingSet((Coding("R02#1", "anna", "kultur", "angebote", "Oper", row=5),), source="c.csv")
    with pytest.raises(KlapptError) as exc:
        apply_codes(rs, codebook, cs)
    assert exc.value.code is ErrorCode.CODING_008
    assert exc.value.params["current"] == "Theater"


def test_unknown_code__error(rs, codebook) -> None:
    cs = CodingSet((Coding("R02#1", "anna", "tanz", "angebote", "Theater", row=7),), source="c.csv")
    with pytest.raises(KlapptError) as exc:
        apply_codes(rs, codebook, cs)
    assert exc.value.code is ErrorCode.CODING_006
    assert exc.value.params["row"] == 7


def test_not_a_text_question__error(rs, codebook) -> None:
    from dataclasses import replace

    with pytest.raises(KlapptError) as exc:
        apply_codes(rs, replace(codebook, question="anzahl"), CodingSet())
    assert exc.value.code is ErrorCode.CODING_011


def test_codings_of_empty_answer__error(rs, codebook) -> None:
    cs = CodingSet((Coding("R06#1", "anna", "sport", "angebote", "", row=3),), source="c.csv")
    with pytest.raises(KlapptError) as exc:
        apply_codes(rs, codebook, cs)
    assert exc.value.code is ErrorCode.CODING_007  # R06 left the question empty: nothing to code
    assert (exc.value.params["path"], exc.value.params["row"]) == ("c.csv", 3)


def test_whole_answer_coding_counts__ok(rs, codebook) -> None:
    cs = CodingSet(
        (
            Coding("R01#0", "anna", "sport", "angebote", "Sportverein; Deutschkurs"),
            Coding("R02#0", "anna", "kultur", "angebote"),
        )
    )
    table = tabulate(apply_codes(rs, codebook, cs)).table("angebote__codes")
    assert table.base == 2
    assert [(r.choice, r.count) for r in table.rows] == [
        ("freizeit", 2),
        ("sport", 1),
        ("kultur", 1),
        ("sprache", 0),
        ("beratung", 0),
    ]


def test_check_sorts_codings_and_drops_none__ok(rs, codebook, codings) -> None:
    from klappt.coding import check_codings

    extra = (
        Coding("R99#1", "anna", "sport", "angebote", "Tanzen"),  # the return is gone
        Coding("R02#2", "anna", "kultur", "angebote", "Oper"),  # R02 has one part only
        Coding("R02#1", "ben", "kultur", "angebote", "Oper"),  # R02#1 reads "Theater" now
        Coding("R03#1", "ben", "tanz", "angebote", "Sprachcafé"),  # not in the code book
        Coding("R03#1", "ben", None, "andere_frage", "x"),  # another question: not looked at
    )
    cs = CodingSet(codings.codings + extra, source="c.csv")
    check = check_codings(rs, codebook, cs)
    assert [c.answer for c in check.gone] == ["R99#1", "R02#2"]
    assert [(c.answer, now) for c, now in check.changed] == [("R02#1", "Theater")]
    assert [c.code for c in check.unknown] == ["tanz"]
    assert check.kept_aside == 4
    assert check.usable.codings == codings.codings  # the fitting ones, in their order
    assert len(check.usable) + check.kept_aside == len(cs.for_question("angebote"))
    # what fits counts exactly as before
    assert (
        tabulate(apply_codes(rs, codebook, check.usable)).to_dict()
        == tabulate(apply_codes(rs, codebook, codings)).to_dict()
    )
