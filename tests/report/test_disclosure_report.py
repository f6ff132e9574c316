"""Disclosure control in every report format: the deck (with its chart workbooks), the HTML, the
PDF and the Excel report publish no group on fewer sites than the minimum, no group that could
be worked out from the others, no free-text mention of fewer sites and no personal data.

The reference returns of 2022 as they are, with one thing planted: three sites wrote the same
contact line (an e-mail address and a phone number) into their answer on Verstetigung, so only
the personal-data rule, not the minimum of 3 sites, can keep it out.
"""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from pptx import Presentation
from typer.testing import CliRunner

from klappt.analysis.disclosure import protect_mentions
from klappt.cli import app
from klappt.coding.mentions import count_mentions
from klappt.coding.privacy import contact_names, has_personal_data, redact
from klappt.errors import KlapptError
from klappt.reference import reference_path
from klappt.report.recipe import load_recipe

FORM = str(reference_path("arbeitshilfe_2022.xlsx"))
EMAIL = "jana.kowalczyk@kreis-beispiel.de"
PHONE = "0241 4327-118"
PLANTED = f"Ansprechpartnerin: {EMAIL}, Tel. {PHONE}"
#: a mention of mehrwert_text that exactly two sites gave in the reference returns
TWO_SITES = "Die Belange der Zielgruppe sind sichtbar geworden."
FEW = "< 3: weniger als 3 Standorte"
RECIPE = """\
title: Schutz einzelner Standorte
lang: de
slides:
  - result:
      title: Lebensweltliche Integration nach Gebietstyp
      chart: {question: lebenswelt, by: gebietstyp}
  - result:
      title: Verstetigung
      chart: {question: verstetigung_text}
  - result:
      title: Mehrwert
      chart: {question: mehrwert_text, top: 60}
"""
runner = CliRunner()


def _klappt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "300"}
    return subprocess.run(
        [sys.executable, "-m", "klappt", *args], capture_output=True, text=True, env=env
    )


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("disclosure")
    frame = pl.read_csv(reference_path("returns_2022.csv"), infer_schema_length=0)
    planted = {"ah22-001", "ah22-002", "ah22-003"}
    frame = frame.with_columns(
        pl.when(pl.col("_id").is_in(planted))
        .then(
            pl.concat_str(
                [pl.col("verstetigung_text").fill_null(""), pl.lit(PLANTED)], separator="\n"
            )
        )
        .otherwise(pl.col("verstetigung_text"))
        .alias("verstetigung_text")
    )
    frame.write_csv(folder / "returns.csv")
    (folder / "bericht.yaml").write_text(RECIPE, encoding="utf-8")
    return folder


def _report(pack: Path, out: Path, *extra: str, formats=("pptx", "html", "pdf", "xlsx")) -> dict:
    out.mkdir(exist_ok=True)
    args = ["report", FORM, str(pack / "returns.csv"), "-r", str(pack / "bericht.yaml")]
    for ext in formats:
        args += ["-o", str(out / f"bericht.{ext}")]
    res = runner.invoke(app, [*args, *extra])
    assert res.exit_code == 0, res.output
    return {ext: out / f"bericht.{ext}" for ext in formats}


@pytest.fixture(scope="module")
def published(pack, tmp_path_factory) -> dict:
    return _report(pack, tmp_path_factory.mktemp("published"))


def _zip_text(data: bytes) -> str:
    """Every XML part of an OOXML file, the workbooks embedded in it (chart data) included."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            blob = z.read(name)
            if name.endswith((".xlsx", ".xlsm")):
                parts.append(_zip_text(blob))
            elif name.endswith((".xml", ".rels")):
                parts.append(html.unescape(blob.decode("utf-8")))
    return "\n".join(parts)


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _texts(files: dict) -> dict[str, str]:
    """What a reader of each format can see, and what the files hold."""
    return {
        "pptx": _zip_text(files["pptx"].read_bytes()),
        "xlsx": _zip_text(files["xlsx"].read_bytes()),
        "html": html.unescape(files["html"].read_text(encoding="utf-8")),
        "pdf": _pdf_text(files["pdf"]),
    }


def _series(pptx: Path, question: str) -> dict[str, tuple]:
    prs = Presentation(str(pptx))
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_chart and shape.name == f"Chart {question}":
                return {s.name: tuple(s.values) for s in shape.chart.plots[0].series}
    raise AssertionError(f"no chart of {question}")


# -- one site alone in its group ----------------------------------------------------------------


def test_one_site_group_and_its_sibling_are_withheld_in_the_deck__ok(published, pack, tmp_path):
    series = _series(published["pptx"], "lebenswelt")
    # Stadt Aachen is the only kreisangehörige Stadt; Kreise and kreisfreie Städte would give
    # its answer back from the total, so the smaller of them goes as well
    # empty bars, labelled with their mark (the workbook's cells stay empty: see
    # test_withheld_marks.py); a chart draws no label on a point without a value
    assert series["kreisangehörige Stadt (< 3)"] == (0.0, 0.0)
    assert series["kreisfreie Stadt (x)"] == (0.0, 0.0)
    assert series["Kreis (n=22)"] == pytest.approx((72.7, 27.3), abs=0.05)
    texts = _texts(published)
    assert FEW in texts["pptx"] and "x: nicht ausgewiesen, da aus Gesamtwert" in texts["pptx"]
    assert "(n=1)" not in texts["pptx"] and "(n=17)" not in texts["pptx"]
    # an analyst's own deck (minimum 1) shows what was withheld: the check could fail
    raw = _report(pack, tmp_path / "raw", "--min-cell", "1", formats=("pptx",))
    assert "kreisangehörige Stadt (n=1)" in _series(raw["pptx"], "lebenswelt")


@pytest.mark.parametrize("fmt", ["html", "pdf", "xlsx"])
def test_one_site_group_is_marked_with_a_footnote_in_every_format__ok(published, fmt):
    text = _texts(published)[fmt]
    flat = " ".join(text.split())
    assert "kreisangehörige Stadt (< 3)" in flat and "kreisfreie Stadt (x)" in flat
    assert FEW in flat
    assert "(n=1)" not in flat and "kreisangehörige Stadt (n" not in flat


def test_excel_report_has_marks_not_figures_for_withheld_groups__ok(published):
    wb = openpyxl.load_workbook(published["xlsx"])
    sheet = next(ws for ws in wb.worksheets[1:] if "lebenswelt" in str(ws["A2"].value))
    rows = list(sheet.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "Antwort")
    columns = rows[head]
    data = rows[head + 1 : head + 3]
    for j, name in enumerate(columns):
        if name and ("(< 3)" in name or "(x)" in name):
            assert {r[j] for r in data} <= {"< 3", "x"}, name
    kreis = columns.index("Kreis (n=22): Anzahl")
    assert [r[kreis] for r in data] == [16, 6]


# -- personal data and mentions of few sites ------------------------------------------------------


def test_planted_email_and_phone_never_reach_any_format__ok(published):
    for fmt, text in _texts(published).items():
        flat = " ".join(text.split())
        assert "kowalczyk" not in flat.lower(), fmt
        assert "4327" not in flat, fmt
        assert "kreis-beispiel" not in flat, fmt
        assert "mit personenbezogenen Angaben nicht ausgewiesen" in flat, fmt


def test_planted_contact_is_withheld_for_personal_data_not_for_too_few_sites__ok(pack):
    res = runner.invoke(
        app, ["disclosure", FORM, str(pack / "returns.csv"), "--min-cell", "1", "--json", "-"]
    )
    assert res.exit_code == 1, res.output
    import json

    held = json.loads(res.stdout)["mentions"]
    planted = [h for h in held if h["question"] == "verstetigung_text"]
    assert planted and all(h["reason"] == "personal" for h in planted)
    assert all(h["count"] == 3 for h in planted)  # three sites: the minimum would not stop it
    assert EMAIL not in res.stdout and "4327" not in res.stdout  # the listing is redacted too


def test_mention_of_two_sites_is_withheld_with_three_and_shown_with_two__ok(
    published, pack, tmp_path
):
    html = published["html"].read_text(encoding="utf-8")
    assert TWO_SITES not in html
    assert "von weniger als 3 Standorten nicht ausgewiesen" in html
    two = _report(pack, tmp_path / "two", "--min-cell", "2", formats=("html",))
    assert TWO_SITES in two["html"].read_text(encoding="utf-8")
    listing = runner.invoke(app, ["disclosure", FORM, str(pack / "returns.csv")])
    assert TWO_SITES in " ".join(listing.output.split())
    assert "nur 2 Standorte" in listing.output
    relaxed = runner.invoke(app, ["disclosure", FORM, str(pack / "returns.csv"), "--min-cell", "2"])
    assert TWO_SITES not in " ".join(relaxed.output.split())


def test_disclosure_listing_says_one_site_and_no_answer_in_words__ok(pack):
    """ "nur 1 Standort" in the singular; a group nobody in it answered (Aachen skipped the
    follow-ups of lebenswelt) is listed as such, not as "nur 0 Standorte"."""
    args = ["disclosure", FORM, str(pack / "returns.csv"), "--by", "gebietstyp"]
    de = " ".join(runner.invoke(app, args).output.split())
    assert "lebenswelt · kreisangehörige Stadt: nur 1 Standort " in de + " "
    assert "lebenswelt_angebote · kreisangehörige Stadt: keine Antwort in dieser Gruppe" in de
    assert "nur 1 Standorte" not in de and "nur 0 " not in de
    en = " ".join(runner.invoke(app, [*args, "--lang", "en"]).output.split())
    assert re.search(r"lebenswelt · [^:·]*: only 1 site lebenswelt_angebote", en)
    assert re.search(r"lebenswelt_angebote · [^:·]*: no answer in this group", en)
    assert "only 1 sites" not in en and "only 0 " not in en


def test_recipe_sets_the_minimum__ok(pack, tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(RECIPE + "disclosure: {min_cell: 2}\n", encoding="utf-8")
    assert load_recipe(recipe).min_cell == 2
    out = tmp_path / "r.html"
    res = runner.invoke(
        app, ["report", FORM, str(pack / "returns.csv"), "-r", str(recipe), "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert TWO_SITES in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("value", ["0", "-1", "drei"])
def test_recipe_minimum_below_one_names_the_line_and_writes_nothing__error(pack, tmp_path, value):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(RECIPE + f"disclosure:\n  min_cell: {value}\n", encoding="utf-8")
    with pytest.raises(KlapptError) as err:
        load_recipe(recipe)
    line = RECIPE.count("\n") + 2
    assert f"Zeile {line}" in str(err.value) and "Mindestfallzahl" in str(err.value)
    out = tmp_path / "r.pptx"
    res = _klappt("report", FORM, str(pack / "returns.csv"), "-r", str(recipe), "-o", str(out))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert f"r.yaml, Zeile {line}" in " ".join(res.stderr.split())
    assert not out.exists() and not list(tmp_path.glob("*.pptx*"))


def test_report_min_cell_option_below_one_is_refused__error(pack, tmp_path):
    out = tmp_path / "r.html"
    res = _klappt("report", FORM, str(pack / "returns.csv"), "-o", str(out), "--min-cell", "0")
    assert res.returncode == 2 and "Mindestfallzahl 0" in res.stderr
    assert "Traceback" not in res.stderr and not out.exists()


# -- the rules themselves --------------------------------------------------------------------------


def test_contact_names_of_the_register_count_as_personal_data__ok():
    names = contact_names(
        [{"name": "Aachen", "Ansprechpartnerin": "Jana Kowalczyk"}, {"contact": "a@b.de"}]
    )
    assert names == ("Jana Kowalczyk",)
    assert has_personal_data("Absprache mit Kowalczyk im Mai", names)
    assert not has_personal_data("Absprache mit Kowalczyk im Mai")  # unknown without the register
    assert not has_personal_data("Kooperation mit dem Jobcenter", names)
    assert redact("mit Kowalczyk", names=names) == "mit [Name]"


def test_mentions_are_published_only_from_the_minimum_and_without_personal_data__ok():
    answers = [
        ("1", "Sprachcafé; Frau Schneider anrufen"),
        ("2", "Sprachcafé; Frau Schneider anrufen"),
        ("3", "Sprachcafé; Frau Schneider anrufen; Nähkurs"),
        ("4", "Nähkurs"),
    ]
    shown, held = protect_mentions("q", count_mentions(answers), 3)
    assert [m.text for m in shown] == ["Sprachcafé"]
    assert {(h.text, h.count, h.reason) for h in held} == {
        ("Frau [Name] anrufen", 3, "personal"),
        ("Nähkurs", 2, "few"),
    }
    shown, held = protect_mentions("q", count_mentions(answers), 2)
    assert sorted(m.text for m in shown) == ["Nähkurs", "Sprachcafé"]
    assert re.search("Schneider", repr(held)) is None


# -- compared waves ------------------------------------------------------------------------------


def test_a_compared_wave_on_too_few_sites_is_withheld__ok(here):
    from klappt.report.build import build_report
    from klappt.report.html import render_html
    from klappt.report.sources import load_data

    # the small program: 8 returns in 2020, 10 in 2022; a minimum of 9 withholds 2020
    spec = load_recipe(here / "recipe.yaml")
    with pytest.raises(KlapptError) as err:  # its finding names a mention that is withheld now
        build_report(spec, load_data(spec), min_cell=9)
    lines = (here / "recipe.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(lines, 1) if "top_mention('angebote')" in t)
    assert f"Zeile {line}" in str(err.value) and "zurückgehalten" in str(err.value)
    slides_only = [s for s in spec.slides if getattr(s, "findings", ()) == ()]
    spec = replace(spec, slides=tuple(slides_only))
    built = build_report(spec, load_data(spec), min_cell=9)
    slides = {s.title: s for s in built.slides}
    items = slides["Lebensweltliche Integration 2020 und 2022"]
    panel = items.panels[0]
    assert panel.categories[0] == "2020: haben Konzepte (< 9)"
    assert panel.series[0].values[0] is None and panel.series[0].values[1] is not None
    assert panel.series[0].labels[0] == "< 9" and items.headline.startswith("2020: < 9 → 2022: ")
    assert "< 9: weniger als 9 Standorte – zum Schutz einzelner Standorte nicht ausgewiesen" in (
        items.footnotes
    )
    assert panel.table is not None and panel.table.rows[0][2:] == ("< 9", "< 9", "< 9")
    waves = slides["Bewertung der Strukturentwicklung im Vergleich"].panels[0]
    first = waves.series[0]
    assert first.name == "2020 (< 9)" and set(first.values) == {None}
    assert set(first.labels) == {"< 9"} and first.withheld == "primary"
    assert waves.series[1].name.startswith("2022 (n=10)")
    page = render_html(built)
    assert "2020 (&lt; 9)" in page or "2020 (< 9)" in page
    # with the default minimum both waves are compared
    plain = build_report(spec, load_data(spec))
    compared = next(s for s in plain.slides if s.title == items.title).panels[0]
    assert None not in compared.series[0].values


def test_notes_on_one_mention_or_one_return_are_singular__ok():
    from klappt.analysis.disclosure import WithheldMention
    from klappt.report.spec import ReportSpec, TitleSlide
    from klappt.report.withheld import mention_notes, too_few_spec

    one = [WithheldMention("q", "[E-Mail]", 1, "personal"), WithheldMention("q", "a", 1, "few")]
    assert mention_notes(one, 3, "de") == (
        "1 Nennung von weniger als 3 Standorten nicht ausgewiesen (Schutz einzelner Standorte)",
        "1 Nennung mit personenbezogenen Angaben nicht ausgewiesen",
    )
    assert mention_notes(one * 2, 3, "en") == (
        "2 mentions by fewer than 3 sites not shown (to protect single sites)",
        "2 mentions with personal data not shown",
    )
    spec = ReportSpec(title="T", slides=(TitleSlide(title="T"),))
    for lang, n, said in (
        ("de", 1, "Rücklauf: 1 Fragebogen –"),
        ("de", 2, "Rücklauf: 2 Fragebögen –"),
        ("en", 1, "Response: 1 questionnaire –"),
        ("en", 2, "Response: 2 questionnaires –"),
    ):
        notice = too_few_spec(spec, n, 3, lang).slides[1]
        assert notice.bullets[0].template.startswith(said), notice.bullets[0]
