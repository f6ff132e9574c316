"""A group withheld by disclosure control is marked where its bar would be ("< 3", "x"), in
the deck's native charts as in the HTML's and the PDF's drawings, and its figures stay out.

The reference returns grouped by type: the register's Stadt Aachen is alone in its group
("< 3"), and the smaller sibling goes with it ("x"), so neither can be recomputed.
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation
from typer.testing import CliRunner

from klappt.cli import app
from klappt.reference import reference_path

FORM = str(reference_path("arbeitshilfe_2022.xlsx"))
DATA = str(reference_path("returns_2022.csv"))
RECIPE = """\
title: Marken
lang: de
slides:
  - result:
      title: Lebensweltliche Integration nach Gebietstyp
      chart: {question: lebenswelt, by: gebietstyp}
  - result:
      title: Bereiche nach Gebietstyp
      chart: {question: lebenswelt_bereiche, by: gebietstyp, kind: grouped}
"""
FEW, RECOMPUTABLE = "kreisangehörige Stadt (< 3)", "kreisfreie Stadt (x)"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("marks")
    (out / "bericht.yaml").write_text(RECIPE, encoding="utf-8")
    args = ["report", FORM, DATA, "-r", str(out / "bericht.yaml")]
    for ext in ("pptx", "html", "pdf"):
        args += ["-o", str(out / f"bericht.{ext}")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    return {ext: out / f"bericht.{ext}" for ext in ("pptx", "html", "pdf")}


def _charts(pptx: Path) -> list:
    prs = Presentation(str(pptx))
    return [sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart]


@pytest.mark.parametrize("index", [0, 1], ids=["columns", "bars"])
def test_deck_labels_a_withheld_group_with_its_mark_where_the_bar_is__ok(files, index):
    chart = _charts(files["pptx"])[index]
    series = {s.name: s for s in chart.plots[0].series}
    n = len(chart.plots[0].categories)
    for name, mark in ((FEW, "< 3"), (RECOMPUTABLE, "x")):
        points = series[name].points
        texts = [points[i].data_label.text_frame.text for i in range(n)]
        assert texts == [mark] * n
        # an empty bar: nothing of the group's figure is drawn
        assert set(series[name].values) == {0.0}
    # a group that is shown keeps its figures, as numbers (no custom text)
    kreis = next(s for name, s in series.items() if name.startswith("Kreis (n="))
    assert any(v for v in kreis.values)
    assert not kreis.points[0].data_label.has_text_frame


def test_deck_workbook_holds_no_figure_of_a_withheld_group__ok(files):
    chart = _charts(files["pptx"])[0]
    book = openpyxl.load_workbook(io.BytesIO(chart.part.chart_workbook.xlsx_part.blob))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    for name in (FEW, RECOMPUTABLE):
        col = header.index(name)
        assert [r[col].value for r in sheet.iter_rows(min_row=2)] == [None, None]


def test_html_draws_the_mark_as_the_label_of_the_bar__ok(files):
    page = files["html"].read_text(encoding="utf-8")
    svg = page[page.index("<svg") : page.index("</svg>")]
    labels = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    # one "< 3" and one "x" beside each answer (ja, nein), apart from the legend's names
    assert labels.count("< 3") == 2 and labels.count("x") == 2


def test_pdf_draws_the_mark_as_the_label_of_the_bar__ok(files):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(files["pdf"]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    text = text.replace(FEW, "").replace(RECOMPUTABLE, "").replace("< 3: weniger", "")
    # pdftotext may close up the narrow gap of "< 3"
    assert len(re.findall(r"<\s?3", text)) == 2 and len(re.findall(r"(?<!\S)x(?!\S)", text)) >= 2
