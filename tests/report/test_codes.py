"""Coded open answers in a recipe: ``codebooks``/``codings`` per wave give ``q__codes`` charts."""

from __future__ import annotations

import pytest

from klappt.analysis.tabulate import tabulate
from klappt.coding import apply_codes, read_codebook, read_codings
from klappt.errors import ErrorCode, KlapptError
from klappt.reference import load_reference, reference_path
from klappt.report.build import build_report
from klappt.report.recipe import load_recipe
from klappt.report.sources import load_data


def test_coded_nennungen_charts_equal_the_tabulation_of_the_codes__ok():
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    built = build_report(spec, load_data(spec))
    panels = {p.question: p for s in built.slides for p in s.panels}

    _form, rs, _report = load_reference("2022")
    codings = read_codings(reference_path("codings_2022.csv"))
    for question, counts in (
        ("notwendigkeit_text", [18, 12, 9, 7, 6]),
        ("mehrwert_nennungen", [24, 21, 19, 13, 9, 5]),
    ):
        book = read_codebook(reference_path(f"codebook_{question}.yaml"))
        coded = apply_codes(rs, book, codings)
        table = next(
            t
            for t in tabulate(coded, lang="de").to_dict()["tables"]
            if t["question"] == f"{question}__codes"
        )
        panel = panels[f"{question}__codes"]
        assert list(panel.categories) == [r["label"] for r in table["rows"]]
        assert list(panel.series[0].counts) == [r["count"] for r in table["rows"]]
        assert list(panel.series[0].values) == [r["count"] for r in table["rows"]]  # show: count
        assert panel.base == table["base"]
        assert list(panel.series[0].counts) == counts  # the deck's Nennungen


def test_unknown_codebook_names_the_recipe_line__error(tmp_path):
    form, data = reference_path("arbeitshilfe_2022.xlsx"), reference_path("returns_2022.csv")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        'title: T\nwaves:\n  "2022":\n'
        f"    form: {form}\n    data: {data}\n"
        "    codebooks: [fehlt.yaml]\n"
        f"    codings: {reference_path('codings_2022.csv')}\n"
        "slides:\n  - result: {title: X, chart: notwendigkeit_text__codes}\n",
        encoding="utf-8",
    )
    with pytest.raises(KlapptError) as info:
        load_data(load_recipe(recipe))
    assert info.value.code is ErrorCode.REPORT_001
    assert info.value.params["line"] == 6
    assert "fehlt.yaml" in str(info.value)
