"""Long free text and clouds of choices: a 300-character answer given by three returns makes a
mention longer than a cloud's row (kept whole, wrapped), and ``kind: cloud`` on a select_one counts
choices; both render in every format, from the library and from ``klappt report``."""

from __future__ import annotations

import csv
import io

import pytest
from pptx import Presentation
from typer.testing import CliRunner

from klappt.instrument import read_instrument
from klappt.report.build import build_report
from klappt.report.data import ReportData
from klappt.report.output import RENDERERS
from klappt.report.recipe import default_spec, load_recipe, parse_recipe
from klappt.report.sources import load_data
from klappt.responses.dataset import load_responses
from klappt.responses.io import read_table

LONG = ("Gemeinsame Beratung und Begleitung über alle Ämter hinweg " * 6).strip()[:300]
FORMATS = (".pptx", ".html", ".pdf", ".xlsx")


@pytest.fixture(scope="module")
def long_answers(here, tmp_path_factory):
    """The report tests' 2022 returns, three of which give the same 300-character answer."""
    assert len(LONG) == 300
    folder = tmp_path_factory.mktemp("lang")
    rows = list(csv.DictReader((here / "returns_2022.csv").open(encoding="utf-8")))
    for row in rows[:3]:
        row["mehrwert"] = LONG
    out = folder / "returns.csv"
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return out


def _texts(pptx: bytes) -> list[str]:
    prs = Presentation(io.BytesIO(pptx))
    return [
        shape.text_frame.text
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_text_frame
    ]


def _categories(pptx: bytes) -> list[str]:
    prs = Presentation(io.BytesIO(pptx))
    return [
        str(c)
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_chart
        for c in shape.chart.plots[0].categories
    ]


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_300_character_answer_of_three_returns_renders__ok(here, long_answers, suffix):
    form = read_instrument(here / "form.md")
    rs, _ = load_responses(form, read_table(long_answers))
    # the derived deck leaves free text out (issue 15); a recipe asks for the cloud
    spec = parse_recipe(
        "slides:\n  - result: {title: Mehrwert, chart: {question: mehrwert, kind: cloud}}\n"
    )
    built = build_report(spec, ReportData.single(form, rs))
    assert not any(
        p.kind == "cloud"
        for s in build_report(default_spec(form), ReportData.single(form, rs)).slides
        for p in s.panels
    )
    data = RENDERERS[suffix](built, None)
    assert data[:2] in (b"PK", b"<!", b"%P")
    if suffix == ".pptx":  # the whole mention is on the slide, wrapped, never cut with "…"
        shown = [
            " ".join(t.split())
            for t in _texts(data) + _categories(data)
            if t.startswith("Gemeinsame Beratung")
        ]
        assert shown and all(t == LONG for t in shown), shown


def test_the_cli_writes_the_deck_with_a_long_answer__ok(here, long_answers, tmp_path):
    from klappt import cli

    outs = [tmp_path / f"b{s}" for s in FORMATS]
    args = ["report", str(here / "form.md"), str(long_answers)]
    for o in outs:
        args += ["--out", str(o)]
    result = CliRunner().invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    assert all(o.stat().st_size > 0 for o in outs)


@pytest.fixture(scope="module")
def cloud_of_choices(here, tmp_path_factory):
    folder = tmp_path_factory.mktemp("wolke")
    recipe = folder / "r.yaml"
    recipe.write_text(
        "title: Wolke\nwaves:\n"
        f'  "2022": {{form: {here / "form.md"}, data: {here / "returns_2022.csv"}}}\n'
        "slides:\n"
        "  - result:\n"
        "      title: Gebietstypen\n"
        "      chart: {question: region, kind: cloud}\n",
        encoding="utf-8",
    )
    spec = load_recipe(recipe)
    return build_report(spec, load_data(spec))


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_cloud_of_a_select_one_renders_in_every_format__ok(cloud_of_choices, suffix):
    panel = next(p for s in cloud_of_choices.slides for p in s.panels if p.question == "region")
    assert panel.kind == "cloud"
    data = RENDERERS[suffix](cloud_of_choices, None)
    if suffix == ".pptx":
        texts = _texts(data)
        assert "kreisfreie Stadt" in texts and "Kreis" in texts, texts
    elif suffix == ".html":
        assert "kreisfreie Stadt" in data.decode("utf-8")
    else:
        assert len(data) > 1000
