"""Agreement measures against published worked examples, and agreement on multi-code codings.

Sources of the expected values (input data typed in from the sources, values as printed there):

* Cohen's kappa, 2×2 textbook example: 50 grant proposals read by two readers A and B;
  both "yes" 20, A "yes" B "no" 5, A "no" B "yes" 10, both "no" 15; p_o = 0.70, p_e = 0.50,
  kappa = 0.40. The standard worked example of the Wikipedia article "Cohen's kappa"
  (section "Simple example"), also reproduced on e.g. howcodex.com/statistics/cohen_kappa_coefficient.htm.
* Cohen's kappa, second 2×2 example: 20 patients, two doctors A and B; both "yes" 12, A "yes"
  B "no" 4, A "no" B "yes" 2, both "no" 2; Pr(a) = 0.70, Pr(e) = 0.62, kappa = 0.08 / 0.38 = 0.21
  (easycalculation.com, "Learn Cohen's kappa index").
* Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
  Communication, University of Pennsylvania, https://repository.upenn.edu/asc_papers/43 :
  - A. binary data, two observers, no missing data (10 units): alpha = 0.095;
  - B. nominal data, two observers, no missing data (12 units, values a–e): alpha = 0.692;
  - C. nominal data, four observers A–D, 12 units, missing values: alpha = 0.743.
* Wikipedia, "Krippendorff's alpha", section "A computational example": 3 coders, 15 units,
  missing values; nominal alpha = 0.691.
"""

from __future__ import annotations

import pytest

from klappt.coding import Coding, CodingSet, agreement, cohen_kappa, krippendorff_alpha

_ = None  # a missing value

KRIPPENDORFF_2011_C = [  # observers A–D (rows) by units 1–12 (columns)
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]
KRIPPENDORFF_2011_A = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]
KRIPPENDORFF_2011_B = [
    ["a", "a", "b", "b", "d", "c", "c", "c", "e", "d", "d", "a"],
    ["b", "a", "b", "b", "b", "c", "c", "c", "e", "d", "d", "d"],
]
WIKIPEDIA_ALPHA = [  # coders A–C by units 1–15
    [_, _, _, _, _, 3, 4, 1, 2, 1, 1, 3, 3, _, 3],
    [1, _, 2, 1, 3, 3, 4, 3, _, _, _, _, _, _, _],
    [_, _, 2, 1, 3, 4, 4, _, 2, 1, 1, 3, 3, _, 4],
]


def _units(matrix: list[list[object]]) -> list[tuple[object, ...]]:
    return list(zip(*matrix, strict=True))


def test_kappa_grant_proposals__ok() -> None:
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.40)


def test_kappa_two_doctors__ok() -> None:
    a = ["yes"] * 12 + ["yes"] * 4 + ["no"] * 2 + ["no"] * 2  # doctor A: 16 yes, 4 no
    b = ["yes"] * 12 + ["no"] * 4 + ["yes"] * 2 + ["no"] * 2  # doctor B: 14 yes, 6 no
    assert round(cohen_kappa(a, b), 2) == 0.21


def test_kappa_without_chance_variation__ok() -> None:
    assert cohen_kappa(["x", "x"], ["x", "x"]) is None


def test_alpha_krippendorff_2011_four_observers_missing__ok() -> None:
    assert round(krippendorff_alpha(_units(KRIPPENDORFF_2011_C)), 3) == 0.743


def test_alpha_krippendorff_2011_binary__ok() -> None:
    assert round(krippendorff_alpha(_units(KRIPPENDORFF_2011_A)), 3) == 0.095


def test_alpha_krippendorff_2011_nominal_two_observers__ok() -> None:
    assert round(krippendorff_alpha(_units(KRIPPENDORFF_2011_B)), 3) == 0.692


def test_alpha_wikipedia_example__ok() -> None:
    assert round(krippendorff_alpha(_units(WIKIPEDIA_ALPHA)), 3) == 0.691


def test_alpha_undefined_without_pairs__ok() -> None:
    assert krippendorff_alpha([[1, None], [None, 2]]) is None
    assert krippendorff_alpha([[1, 1], [1, 1]]) is None  # no variation at all


def _coded(rows: list[tuple[str, str, str | None]]) -> CodingSet:
    return CodingSet(tuple(Coding(a, coder, code) for a, coder, code in rows))


def test_agreement_per_code_equals_kappa_of_presence__ok() -> None:
    # four answers coded by anna and ben; "sport" presence: anna 1 1 0 0, ben 1 0 0 0
    cs = _coded(
        [
            ("a1", "anna", "sport"),
            ("a1", "ben", "sport"),
            ("a2", "anna", "sport"),
            ("a2", "anna", "kultur"),
            ("a2", "ben", "kultur"),
            ("a3", "anna", None),
            ("a3", "ben", None),
            ("a4", "anna", "kultur"),
            ("a4", "ben", "sport"),
            ("a5", "anna", "kultur"),  # seen by one coder only: not in n
        ]
    )
    result = agreement(cs)
    by = {c.code: c for c in result.codes}
    assert [c.code for c in result.codes] == ["kultur", "sport"]
    assert by["sport"].n == 4 and result.n == 4 and result.answers == 5
    assert by["sport"].kappa == pytest.approx(cohen_kappa([1, 1, 0, 0], [1, 0, 0, 1]))
    assert by["kultur"].kappa == pytest.approx(cohen_kappa([0, 1, 0, 1], [0, 1, 0, 0]))
    assert by["sport"].alpha == pytest.approx(krippendorff_alpha([[1, 1], [1, 0], [0, 0], [0, 1]]))
    pooled = [[1, 1], [1, 0], [0, 0], [0, 1], [0, 0], [1, 1], [0, 0], [1, 0]]
    assert result.alpha == pytest.approx(krippendorff_alpha(pooled))
    assert [d.answer for d in result.disagreements] == ["a2", "a4"]
    assert result.disagreements[1].codes == {"anna": ("kultur",), "ben": ("sport",)}


def test_agreement_three_coders_no_kappa__ok() -> None:
    cs = _coded(
        [
            ("a1", "anna", "x"),
            ("a1", "ben", "x"),
            ("a1", "cem", "x"),
            ("a2", "anna", "x"),
            ("a2", "ben", None),
            ("a2", "cem", "x"),
        ]
    )
    (x,) = agreement(cs).codes
    assert x.kappa is None  # three coders saw the answers
    assert x.alpha == pytest.approx(krippendorff_alpha([[1, 1, 1], [1, 0, 1]]))


def test_agreement_changing_pairs_no_kappa__ok() -> None:
    cs = _coded([("a1", "anna", "x"), ("a1", "ben", "x"), ("a2", "ben", "x"), ("a2", "cem", None)])
    assert agreement(cs).codes[0].kappa is None


def test_resolved_answers_leave_the_list__ok() -> None:
    rows = [
        Coding("a1", "anna", "x"),
        Coding("a1", "ben", "y"),
        Coding("a1", "chris", "x", final=True),
    ]
    result = agreement(CodingSet(tuple(rows)))
    assert result.disagreements == ()
    assert result.resolved == 1
    assert {c.code for c in result.codes} == {"x", "y"}  # the final row is no judgment of its own
