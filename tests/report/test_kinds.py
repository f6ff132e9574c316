"""Every chart kind of the one table (klappt.report.kinds), for every question type it serves, in
every output format: one report with a slide per (kind, question type), built once and rendered
once per format (one PDF, so the file stays fast). Plus: every kind has a drawer in every format
and its words in both languages, and a kind that does not suit a question names the recipe line."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import get_args

import pytest
from openpyxl import load_workbook
from pptx import Presentation

import klappt.report.html  # registers the HTML drawers
import klappt.report.pptx
import klappt.report.print_pages  # noqa: F401  (registers the PDF drawers)
from klappt.errors import KlapptError
from klappt.report.build import build_report
from klappt.report.built import BuiltPanel, BuiltReport
from klappt.report.kinds import (
    CHART_KINDS,
    KIND,
    KINDS,
    PPTX,
    PRINT,
    SVG,
    KindName,
    kinds_for,
)
from klappt.report.output import RENDERERS
from klappt.report.recipe import load_recipe
from klappt.report.sources import load_data
from klappt.report.wording import LANGS, TEXTS

FORM = """\
| survey   |                       |          |                     |               |
|          | type                  | name     | label::Deutsch (de) | calculation   |
|          | select_one gebiet     | gebiet   | Gebiet              |               |
|          | select_one jn         | partner  | Partner             |               |
|          | select_multiple hilfe | hilfe    | Hilfen              |               |
|          | text                  | notiz    | Notiz               |               |
|          | integer               | anzahl   | Anzahl              |               |
|          | decimal               | stunden  | Stunden             |               |
|          | date                  | beginn   | Beginn              |               |
|          | calculate             | doppelt  | Doppelt             | ${anzahl} * 2 |
|          | range                 | regler   | Regler              |               |
|          | rank hilfe            | reihung  | Reihung             |               |
| choices  |                       |          |                     |               |
|          | list_name             | name     | label::Deutsch (de) |               |
|          | gebiet                | stadt    | Stadtgebiet         |               |
|          | gebiet                | land     | Landgebiet          |               |
|          | jn                    | ja       | ja                  |               |
|          | jn                    | nein     | nein                |               |
|          | hilfe                 | rat      | Beratung            |               |
|          | hilfe                 | geld     | Zuschuss            |               |
| settings |                       |          |                     |               |
|          | form_title            | form_id  | default_language    |               |
|          | Arten                 | arten    | Deutsch (de)        |               |
"""

DATA = """\
_id,gebiet,partner,hilfe,notiz,anzahl,stunden,beginn,doppelt,regler,reihung
1,stadt,ja,rat geld,Sprachcafe,3,1.5,2022-01-10,6,4,rat geld
2,land,nein,rat,Sprachcafe,5,2.25,2022-02-01,10,7,geld rat
3,stadt,ja,geld,Treffpunkt,4,3,2022-03-15,8,2,rat geld
4,land,ja,rat,Treffpunkt,6,1,2022-04-20,12,9,rat
"""

#: The question of the form above shown for each question type a kind may serve.
QUESTION_OF = {
    "select_one": "partner",
    "select_multiple": "hilfe",
    "text": "notiz",
    "integer": "anzahl",
    "decimal": "stunden",
    "date": "beginn",
    "calculate": "doppelt",
    "range": "regler",
    "rank": "reihung",
}
#: Question types allowed for a kind that the tabulation gives no table (a calculation): the
#: recipe is refused with one clear error naming its line, never a traceback.
WITHOUT_TABLE = {"calculate"}

COMBINATIONS = [(k.name, t) for k in KINDS for t in k.serves]
RENDERED = [(k, t) for k, t in COMBINATIONS if t not in WITHOUT_TABLE]


def _recipe(folder: Path, combinations: list[tuple[str, str]]) -> Path:
    (folder / "form.md").write_text(FORM, encoding="utf-8")
    (folder / "data.csv").write_text(DATA, encoding="utf-8")
    lines = ["title: Arten", "waves:", '  "1": {form: form.md, data: data.csv}']
    # the kinds over waves count a second wave of the same form, the same returns by _id
    lines += ['  "2": {form: form.md, data: data.csv}', "trends: {sites: _id}", "slides:"]
    for kind, qtype in combinations:
        by = ", by: gebiet" if kind == "grouped" else ""  # grouped bars compare groups
        if KIND[kind].over_waves:
            by = ', waves: ["1", "2"]'
        lines += [
            "  - result:",
            f"      title: Folie {kind} {qtype}",
            f"      chart: {{question: {QUESTION_OF[qtype]}, kind: {kind}{by}, title: Zeige {kind} {qtype}}}",
        ]
    # four returns: every group and mention rests on fewer than 3 sites; a minimum of 1 lets
    # every kind draw its figures (what disclosure control withholds is tested on its own)
    lines.append("disclosure: {min_cell: 1}")
    recipe = folder / "r.yaml"
    recipe.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return recipe


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory) -> BuiltReport:
    spec = load_recipe(_recipe(tmp_path_factory.mktemp("kinds"), RENDERED))
    return build_report(spec, load_data(spec))


@pytest.fixture(scope="module")
def rendered(every_kind) -> dict[str, bytes]:
    return {suffix: render(every_kind, None) for suffix, render in RENDERERS.items()}


def _panels(built: BuiltReport) -> list[tuple[int, BuiltPanel]]:
    return [(n, s.panels[0]) for n, s in enumerate(built.slides, start=1) if s.panels]


def test_every_question_type_a_kind_serves_has_a_question_here__ok():
    served = {t for k in KINDS for t in k.serves}
    assert served <= set(QUESTION_OF), served - set(QUESTION_OF)


def test_the_report_builds_every_kind_for_every_question_type__ok(every_kind):
    panels = _panels(every_kind)
    assert [(p.kind, p.question) for _, p in panels] == [(k, QUESTION_OF[t]) for k, t in RENDERED]


def test_the_deck_draws_every_kind__ok(every_kind, rendered):
    prs = Presentation(io.BytesIO(rendered[".pptx"]))
    slides = list(prs.slides)
    for n, panel in _panels(every_kind):
        shapes = slides[n - 1].shapes
        counts = KIND[panel.kind].counts
        if counts == "shares":
            charts = [s for s in shapes if s.has_chart and s.name == f"Chart {panel.question}"]
            assert charts, (n, panel.kind)
            plotted = [c.label for c in charts[0].chart.plots[0].categories]
            assert len(plotted) == len(panel.categories) > 0, (n, panel.kind)
        elif counts == "statistics":
            tables = [s for s in shapes if s.has_table and s.name == f"Table {panel.question}"]
            assert tables and tables[0].table.cell(1, 0).text == panel.table.formatted[0][0]
        else:
            words = {s.text_frame.text for s in shapes if s.name.startswith("Mention ")}
            assert words == set(panel.categories) and words, (n, panel.kind)


def test_the_html_draws_every_kind__ok(every_kind, rendered):
    html = rendered[".html"].decode("utf-8")
    for n, panel in _panels(every_kind):
        start = html.index(f'<figure id="s{n}p1">')
        figure = html[start : html.index("</figure>", start)]
        counts = KIND[panel.kind].counts
        if counts == "shares":
            assert f'class="chart chart-{panel.kind}"' in figure, (n, panel.kind)
        elif counts == "statistics":
            assert '<table class="stats">' in figure, (n, panel.kind)
        else:
            assert '<ul class="cloud"' in figure, (n, panel.kind)
        # the numbers for screen readers, except where the panel is a table already
        assert ('class="data"' in figure) == KIND[panel.kind].data_table, (n, panel.kind)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) missing")
def test_the_pdf_draws_every_kind__ok(every_kind, rendered, tmp_path):
    pdf = tmp_path / "arten.pdf"
    pdf.write_bytes(rendered[".pdf"])
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    pages = out.split("\f")
    for n, panel in _panels(every_kind):
        page = pages[n - 1]
        assert f"Zeige {panel.kind}" in page, (n, panel.kind)
        # the chart itself: its first category (a label, a legend entry, a mention) or statistic
        first = panel.table.formatted[0][0] if panel.kind == "table" else panel.categories[0]
        assert first in page, (n, panel.kind, first)


def test_the_workbook_has_the_data_of_every_kind__ok(every_kind, rendered):
    wb = load_workbook(io.BytesIO(rendered[".xlsx"]))
    sheets = wb.sheetnames[1:]  # after the contents
    panels = _panels(every_kind)
    assert len(sheets) == len(panels)
    for sheet, (n, panel) in zip(sheets, panels, strict=True):
        assert panel.question in sheet
        cells = {str(c.value) for row in wb[sheet].iter_rows() for c in row if c.value}
        assert str(panel.table.rows[0][0]) in cells, (n, panel.kind)


def test_a_kind_for_a_question_without_a_table_names_the_recipe_line__error(tmp_path):
    for kind, qtype in [(k, t) for k, t in COMBINATIONS if t in WITHOUT_TABLE]:
        spec = load_recipe(_recipe(tmp_path, [(kind, qtype)]))
        with pytest.raises(KlapptError) as err:
            build_report(spec, load_data(spec))
        assert "Zeile 9" in str(err.value) and QUESTION_OF[qtype] in str(err.value)


def test_a_kind_that_does_not_suit_the_question_names_the_recipe_line__error(tmp_path):
    spec = load_recipe(_recipe(tmp_path, [("doughnut", "integer")]))
    with pytest.raises(KlapptError) as err:
        build_report(spec, load_data(spec))
    message = str(err.value)
    assert "Zeile 9" in message and "'doughnut'" in message and "anzahl" in message
    assert "möglich: table" in message


def test_every_kind_has_a_drawer_in_every_format__ok():
    for registry in (PPTX, SVG, PRINT):
        missing = [k for k in CHART_KINDS if k not in registry]
        assert not missing, (registry.output, missing)


def test_a_drawer_for_an_unknown_kind_is_refused__error():
    with pytest.raises(ValueError, match="torte"):
        SVG.register("torte")(lambda panel, ident, width, lang: "")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bar"):
        SVG.register("bar")(lambda panel, ident, width, lang: "")


@pytest.mark.parametrize("lang", LANGS)
def test_every_kind_has_its_words_in_both_languages__ok(lang):
    for kind in KINDS:
        assert TEXTS[lang].get(kind.wording), (lang, kind.wording)
    if lang != "de":  # its own words, not the German ones
        assert all(TEXTS[lang][k.wording] != TEXTS["de"][k.wording] for k in KINDS)


def test_the_table_and_the_literal_list_the_same_kinds_in_order__ok():
    assert get_args(KindName) == CHART_KINDS
    assert len(set(CHART_KINDS)) == len(KINDS)


def test_the_kinds_per_question_type_come_from_the_table__ok():
    assert kinds_for("select_multiple") == ("bar", "column", "grouped", "cloud", "trend")
    assert kinds_for("select_one")[-2:] == ("trend", "transitions")
    assert kinds_for("text") == ("cloud",)
    assert kinds_for("integer") == kinds_for("calculate") == ("table",)
    assert kinds_for("geopoint") == ()


def test_every_kind_keeps_whole_labels_and_nothing_under_12_pt__ok(rendered):
    import re

    from lxml import etree

    prs = Presentation(io.BytesIO(rendered[".pptx"]))
    sizes = []
    for slide in prs.slides:
        sizes += [int(x) for x in re.findall(rb'\bsz="(\d+)"', etree.tostring(slide._element))]
        for shape in slide.shapes:
            if shape.has_chart:
                chart = shape.chart
                assert not any("…" in str(c) for c in chart.plots[0].categories)
                xml = etree.tostring(chart._chartSpace)
                sizes += [int(x) for x in re.findall(rb'\bsz="(\d+)"', xml)]
    assert sizes and min(sizes) >= 1200


#: Every return says "ja" and lives in a "Stadtgebiet": "nein" and "Landgebiet" are empty answers.
DATA_EMPTY = DATA.replace("nein", "ja").replace("land", "stadt")


@pytest.fixture(scope="module")
def empty_answers(tmp_path_factory) -> BuiltReport:
    folder = tmp_path_factory.mktemp("leer")
    # (the kinds over waves show the answers the sites gave: see test_trend_report.py)
    combos = [
        (k, t)
        for k, t in RENDERED
        if t == "select_one" and KIND[k].counts == "shares" and not KIND[k].over_waves
    ]
    spec = load_recipe(_recipe(folder, combos))
    (folder / "data.csv").write_text(DATA_EMPTY, encoding="utf-8")
    return build_report(spec, load_data(spec))


def test_an_empty_answer_stays_in_every_kind_and_format__ok(empty_answers):
    from klappt.report.theme import NEUTRAL

    prs = Presentation(io.BytesIO(RENDERERS[".pptx"](empty_answers, None)))
    slides = list(prs.slides)
    panels = _panels(empty_answers)
    assert {p.kind for _, p in panels} == {"doughnut", "pie", "bar", "column", "stacked", "grouped"}
    for n, panel in panels:
        names = [*panel.categories, *(s.name for s in panel.series)]
        assert "nein" in names, (panel.kind, names)
        chart = next(s.chart for s in slides[n - 1].shapes if s.has_chart)
        drawn = [str(c) for c in chart.plots[0].categories] + [
            s.name for s in chart.plots[0].series
        ]
        assert "nein" in drawn, panel.kind
        svg = SVG[panel.kind](panel, "x", 400.0, "de")
        printed = PRINT[panel.kind](panel, "x", 400.0, 225.0, "de")  # print boxes have a height
        for registry, drawn_html in ((SVG, svg), (PRINT, printed)):
            assert ">nein<" in drawn_html, (registry.output, panel.kind)
        # "nein" is a "no" answer: neutral grey wherever it is coloured by its choice
        colours = dict(zip(panel.categories, panel.category_colors, strict=False))
        colours.update(zip((s.name for s in panel.series), panel.series_colors, strict=False))
        assert colours.get("nein") == NEUTRAL, (panel.kind, colours)
