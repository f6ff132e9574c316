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


def _recipe_with_codings(tmp_path, codings_csv):
    form, data = reference_path("arbeitshilfe_2022.xlsx"), reference_path("returns_2022.csv")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        'title: T\nwaves:\n  "2022":\n'
        f"    form: {form}\n    data: {data}\n"
        f"    codebooks: [{reference_path('codebook_notwendigkeit_text.yaml')}]\n"
        f"    codings: {codings_csv}\n"
        "slides:\n  - result: {title: Nennungen, chart: notwendigkeit_text__codes}\n",
        encoding="utf-8",
    )
    return load_recipe(recipe)


@pytest.mark.parametrize(
    ("lang", "note"),
    [
        ("de", "Codierte Freitexte: 52 Codes, davon 5 aus angenommenen Vorschlägen"),
        ("en", "Coded free text: 52 codes, 5 of them accepted suggestions"),
    ],
)
def test_report_says_how_many_codes_were_accepted_suggestions__ok(tmp_path, lang, note):
    """Five of the 52 counted codes of notwendigkeit_text marked as accepted suggestions."""
    import csv

    from pptx import Presentation

    from klappt.report import write_outputs

    with reference_path("codings_2022.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    marked = 0
    for row in rows:
        if row["question"] == "notwendigkeit_text" and row["code"] and marked < 5:
            row["suggested"], row["confidence"] = "1", "0.8"
            marked += 1
    path = tmp_path / "codierungen.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    spec = _recipe_with_codings(tmp_path, path)
    built = build_report(spec, load_data(spec), lang)
    slide = next(s for s in built.slides if s.panels)
    # issue 15, defect 10: coding bookkeeping is a method note of the workbook's table, not
    # slide text nor a caption of the HTML's data table
    assert note not in slide.footnotes
    assert note in slide.panels[0].table.method_notes
    assert note not in slide.panels[0].table.notes
    deck, workbook = write_outputs(built, [tmp_path / "b.pptx", tmp_path / "b.xlsx"])
    texts = [
        sh.text_frame.text
        for s in Presentation(str(deck)).slides
        for sh in s.shapes
        if sh.has_text_frame
    ]
    assert not any(note in t for t in texts)
    from openpyxl import load_workbook

    cells = [
        c.value
        for ws in load_workbook(workbook).worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert note in cells


def test_only_charts_of_coded_answers_carry_the_coding_note__ok():
    from klappt.report.sources import read_wave

    spec = load_recipe(reference_path("recipe_2022.yaml"))
    built = build_report(spec, load_data(spec))
    for s in built.slides:
        assert not any(n.startswith("Codierte Freitexte") for n in s.footnotes), s.title
        for p in s.panels:
            noted = any(n.startswith("Codierte Freitexte") for n in p.table.method_notes)
            assert p.question.endswith("__codes") == noted, s.title
    plain = read_wave(reference_path("arbeitshilfe_2022.xlsx"), reference_path("returns_2022.csv"))
    assert plain.coding == {}
