"""Trends in reports (issue 19): the reference deck's three-wave trend and its panel of the same
sites, checked against separate tabulations with the mapping applied by hand and against direct
counts over the site ids; the live numbers trend()/change()/stayed(); a question missing in one
wave; mistakes naming their line; both kinds in every format."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from pptx import Presentation

from klappt.errors import KlapptError
from klappt.reference import load_reference, reference_path
from klappt.report import build_report, load_recipe
from klappt.report.built import BuiltPanel, BuiltReport
from klappt.report.output import RENDERERS
from klappt.report.sources import load_data
from klappt.report.wording import exact_share, share

#: 2021's two "ja" answers are 2022's one (mapping_2021_2022.yaml)
MERGED = {"ja_umfassend": "ja", "ja_einzeln": "ja", "nein": "nein"}


@pytest.fixture(scope="module")
def deck() -> BuiltReport:
    spec = load_recipe(reference_path("recipe_2022.yaml"))
    return build_report(spec, load_data(spec), "de")


def _panel(built: BuiltReport, kind: str) -> tuple[int, BuiltPanel]:
    for n, s in enumerate(built.slides, start=1):
        for p in s.panels:
            if p.kind == kind:
                return n, p
    raise AssertionError(kind)


def _answers(wave: str, question: str) -> pl.DataFrame:
    _, rs, _ = load_reference(wave)
    return pl.DataFrame(
        {
            "site": rs.frame.get_column("kommune").cast(pl.String),
            "answer": rs.frame.get_column(question).cast(pl.String),
        }
    )


def _by_hand(wave: str, question: str, recode: dict[str, str] | None = None) -> dict[str, int]:
    """The counts of one wave's own question, its choices renamed as the mapping says."""
    counts: dict[str, int] = {}
    for a in _answers(wave, question).get_column("answer").drop_nulls().to_list():
        c = (recode or {}).get(a, a)
        counts[c] = counts.get(c, 0) + 1
    return counts


def test_trend_chart_equals_each_wave_tabulated_and_mapped_by_hand__ok(deck):
    _, p = _panel(deck, "trend")
    assert p.question == "lebenswelt" and p.categories == ("2020", "2021", "2022")
    own = [
        _by_hand("2020", "lebenswelt_konzept"),
        _by_hand("2021", "lw_massnahmen", MERGED),  # two choices merged into "ja"
        _by_hand("2022", "lebenswelt"),
    ]
    assert own[1]["ja"] == _by_hand("2021", "lw_massnahmen").get("ja_umfassend", 0) + (
        _by_hand("2021", "lw_massnahmen").get("ja_einzeln", 0)
    )
    by_series = {s.name: s for s in p.series}
    for i, counts in enumerate(own):
        base = sum(counts.values())
        for choice, label in (("ja", "ja"), ("nein", "nein")):
            assert by_series[label].counts[i] == counts[choice]
            assert by_series[label].values[i] == exact_share(counts[choice], base)
    # the seed's printed figures stay: 2020 18 of 46, 2022 24 of 40
    assert by_series["ja"].counts[0] == 18 and by_series["ja"].counts[2] == 24
    assert p.caption == "2020: n=46, 2021: n=44, 2022: n=40"
    # one fixed colour per choice: "ja" blue, "nein" the neutral grey, as on every other slide
    assert p.series_colors == ("2F6DB5", "6F6F6F")


def test_trend_slide_names_the_question_each_wave_asked__ok(deck):
    n, _ = _panel(deck, "trend")
    asked = [f for f in deck.slides[n - 1].footnotes if f.startswith("Frage ")]
    assert asked == [
        "Frage 2020: „Gibt es Konzepte zur Lebensweltorientierung?“",
        "Frage 2021: „Gibt es Maßnahmen zur lebensweltlichen Integration?“",
    ]
    # the 2022 question is the chart's heading (the recipe gives the chart no title)
    _, p = _panel(deck, "trend")
    assert p.title.startswith("Gibt es in „Gemeinsam klappt’s“ Maßnahmen")
    source = deck.slides[n - 1].footnotes[-1]
    assert "n=46" in source and "n=44" in source and "n=40" in source


def test_transitions_equal_a_direct_count_over_site_ids__ok(deck):
    _, p = _panel(deck, "transitions")
    before = _answers("2021", "lw_massnahmen")
    after = _answers("2022", "lebenswelt")
    joined = before.join(after, on="site", suffix="_22").drop_nulls()
    direct: dict[tuple[str, str], int] = {}
    for a, b in zip(joined["answer"], joined["answer_22"], strict=True):
        direct[(MERGED[a], b)] = direct.get((MERGED[a], b), 0) + 1
    shown = {
        (cat.removeprefix("2021: "), s.name.removeprefix("2022: ")): s.counts[i]
        for s in p.series
        for i, cat in enumerate(p.categories)
    }
    assert {k: v for k, v in shown.items() if v} == direct
    only_21 = len(set(before["site"]) - set(after["site"]))
    only_22 = len(set(after["site"]) - set(before["site"]))
    assert p.caption == (
        f"dieselben {joined.height} Standorte; nur 2021: {only_21}, nur 2022: {only_22}"
    )
    assert p.series_colors == ("2F6DB5", "6F6F6F")


def test_live_numbers_trend_change_stayed__ok(deck):
    n, _ = _panel(deck, "trend")
    bullets = deck.slides[n - 1].bullets
    ja = [
        _by_hand(w, q, MERGED if w == "2021" else None)
        for w, q in (
            ("2020", "lebenswelt_konzept"),
            ("2021", "lw_massnahmen"),
            ("2022", "lebenswelt"),
        )
    ]
    pct = [share(c["ja"], sum(c.values()), 0) for c in ja]
    # an arrow only between the waves that asked the same question (2021 and 2022)
    assert bullets[0] == (
        f"Ja-Anteil: 2021: {int(pct[1])}\u00a0% → 2022: {int(pct[2])}\u00a0%; "
        f"2020 (nach Konzepten gefragt): {int(pct[0])}\u00a0%"
    )
    # 2020 asked for concepts, 2021 and 2022 for measures: a change only between the same question
    change = share(24, 40, 4) - share(ja[1]["ja"], sum(ja[1].values()), 4)
    assert (
        bullets[1] == f"Veränderung 2021 bis 2022 (dieselbe Frage): {round(change)} Prozentpunkte"
    )
    assert "kein direkter Vergleich mit 2020" in bullets[2]
    assert not any("2020 bis 2022" in b for b in bullets)
    m, p = _panel(deck, "transitions")
    stayed = p.series[0].counts[0]  # 2021: ja → 2022: ja
    assert deck.slides[m - 1].bullets[0].startswith(f"{stayed} Kommunen hatten 2021 und 2022")


def _recipe(tmp_path: Path, chart: str, extra: str = "") -> Path:
    for name in (
        "checkliste_2020.xlsx",
        "returns_2020.csv",
        "entwicklungsstand_2021.xlsx",
        "returns_2021.csv",
        "arbeitshilfe_2022.xlsx",
        "returns_2022.csv",
        "mapping_2020_2022.yaml",
        "mapping_2021_2022.yaml",
    ):
        shutil.copy(reference_path(name), tmp_path / name)
    text = f"""title: Zeitreihe
waves:
  "2020": {{form: checkliste_2020.xlsx, data: returns_2020.csv}}
  "2021": {{form: entwicklungsstand_2021.xlsx, data: returns_2021.csv}}
  "2022": {{form: arbeitshilfe_2022.xlsx, data: returns_2022.csv}}
trends:
  mappings: [mapping_2020_2022.yaml, mapping_2021_2022.yaml]
  sites: kommune
{extra}slides:
  - result:
      title: Zeitreihe
      chart: {chart}
"""
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_question_missing_in_one_wave_is_shown_for_the_others__ok(tmp_path):
    # ueberleitung: 2020 did not ask it; 2021's "in Vorbereitung" counts as no answer
    spec = load_recipe(_recipe(tmp_path, "{question: ueberleitung, kind: trend}"))
    built = build_report(spec, load_data(spec))
    p = built.slides[0].panels[0]
    assert p.categories == ("2021", "2022")
    counts = _by_hand("2021", "ueberleitung_geplant")
    base_21 = counts["ja"] + counts["nein"]  # in_arbeit: not comparable, not in the base
    assert p.caption == f"2021: n={base_21}, 2022: n=40"
    assert p.series[0].counts == (counts["ja"], 34)


def test_a_trend_of_one_wave_names_the_recipe_line__error(tmp_path):
    spec = load_recipe(_recipe(tmp_path, '{question: lebenswelt, kind: trend, waves: ["2022"]}'))
    with pytest.raises(KlapptError) as exc:
        build_report(spec, load_data(spec))
    assert "mindestens zwei" in exc.value.message("de") and "Zeile 12:" in exc.value.message("de")


def test_a_mapping_to_a_missing_choice_names_the_mapping_line__error(tmp_path):
    path = _recipe(tmp_path, "{question: lebenswelt, kind: trend}")
    mapping = tmp_path / "mapping_2021_2022.yaml"
    mapping.write_text(
        mapping.read_text(encoding="utf-8").replace("ja_einzeln: ja", "ja_einzeln: vielleicht"),
        encoding="utf-8",
    )
    spec = load_recipe(path)
    with pytest.raises(KlapptError) as exc:
        build_report(spec, load_data(spec))
    msg = exc.value.message("de")
    assert "mapping_2021_2022.yaml" in msg and "vielleicht" in msg
    line = next(
        i
        for i, t in enumerate(mapping.read_text(encoding="utf-8").splitlines(), 1)
        if "vielleicht" in t
    )
    assert str(line) in msg


def test_transitions_without_sites_say_how_to_name_them__error(tmp_path):
    path = _recipe(tmp_path, "{question: lebenswelt, kind: transitions}")
    path.write_text(
        path.read_text(encoding="utf-8").replace("  sites: kommune\n", ""), encoding="utf-8"
    )
    spec = load_recipe(path)
    with pytest.raises(KlapptError) as exc:
        build_report(spec, load_data(spec))
    assert "sites: kommune" in exc.value.message("de")


def test_trend_and_panel_slides_in_every_format__ok(deck, tmp_path):
    t, trend = _panel(deck, "trend")
    n, panel = _panel(deck, "transitions")
    prs = Presentation(io.BytesIO(RENDERERS[".pptx"](deck, None)))
    slides = list(prs.slides)
    for k, p in ((t, trend), (n, panel)):
        charts = [s for s in slides[k - 1].shapes if s.has_chart]
        assert [c.label for c in charts[0].chart.plots[0].categories] == list(p.categories)
        assert [s.name for s in charts[0].chart.plots[0].series] == [s.name for s in p.series]
    html = RENDERERS[".html"](deck, None).decode("utf-8")
    assert 'class="chart chart-trend"' in html and 'class="chart chart-transitions"' in html
    if shutil.which("pdftotext"):
        pdf = tmp_path / "r.pdf"
        pdf.write_bytes(RENDERERS[".pdf"](deck, None))
        pages = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout.split("\f")
        assert "2021: nein" in pages[n - 1] and "Frage 2020" in pages[t - 1]
