"""The deck klappt derives without a recipe (issue 15): what the web app and
``klappt report FORM DATA`` give must be a deck, not a table appendix.

Checked on the reference pack (a form of 40 returns from 54 registered sites) and on small
forms written here: grids and scales as one chart, readable titles, one chart kind per question
type, whole-number percentages under a base of 100, title and data slides that name program,
wave, period and response, no verbatim free text, a source line, a clear message for a wave
without returns.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pptx import Presentation
from typer.testing import CliRunner

from klappt import cli
from klappt.errors import ErrorCode, KlapptError
from klappt.instrument import read_instrument
from klappt.reference import load_reference, reference_path
from klappt.report import ReportData, build_report, default_spec, parse_recipe
from klappt.report.coverage import DeckContext, RegisterSite, coverage, read_register
from klappt.report.pptx import render_pptx
from klappt.report.spec import ResultSlide, TextSlide, TitleSlide
from klappt.responses.dataset import load_responses
from klappt.responses.io import read_table

PCT = re.compile(r"^\d+\u202f%$")


@pytest.fixture(scope="module")
def wave2022():
    form, rs, _ = load_reference("2022")
    return form, rs


@pytest.fixture(scope="module")
def derived(wave2022):
    form, rs = wave2022
    sites = read_register(reference_path("register.csv"))
    context = DeckContext(
        wave="2022",
        period="Februar bis März 2022",
        date="07.12.2026",
        coverage=coverage(rs, sites),
        returns=rs.height,
    )
    spec = default_spec(form, "de", "2022", context)
    built = build_report(spec, ReportData.single(form, rs, "2022"))
    return spec, built


def _results(built):
    return [s for s in built.slides if s.kind == "result"]


def test_a_grid_is_one_chart_titled_by_its_group__ok(derived):
    _, built = derived
    grid = next(s for s in _results(built) if s.panels[0].question == "koop_jc")
    assert grid.title == "Weiterentwicklung der Kooperationslandschaft"
    # the heading is the group's question, not its first item ("Jobcenter*")
    assert grid.panels[0].title.startswith("Neue und intensivere Kooperationen")
    assert len(grid.panels[0].categories) == 6
    assert sum(1 for s in _results(built) for p in s.panels if p.question.startswith("koop_")) == 1


def test_slide_titles_are_statements_not_questions__ok(derived):
    _, built = derived
    for s in _results(built):
        assert not s.title.endswith("?"), s.title
        assert "Ihrer Kommune" not in s.title, s.title
        assert "Freitext" not in s.title, s.title
    titles = [s.title for s in _results(built)]
    # "Fortführung der Kooperation mit ABH: Wird die Kooperation …?" -> the statement
    assert "Fortführung der Kooperation mit ABH" in titles


def test_the_report_title_column_names_the_slide__ok(tmp_path):
    form_md = tmp_path / "f.md"
    form_md.write_text(
        "| survey |\n"
        "| | type | name | label | report_title |\n"
        "| | begin_group | g | Wie arbeiten Sie? | Zusammenarbeit vor Ort |\n"
        "| | select_one jn | a | Gibt es in Ihrer Kommune ein Netzwerk? | Kommunen mit Netzwerk |\n"
        "| | select_one jn | b | Gibt es in Ihrer Kommune einen Beirat? | |\n"
        "| | end_group | | | |\n"
        "| choices |\n"
        "| | list_name | name | label |\n"
        "| | jn | ja | ja |\n"
        "| | jn | nein | nein |\n",
        encoding="utf-8",
    )
    form = read_instrument(form_md)
    spec = default_spec(form)
    results = [s for s in spec.slides if isinstance(s, ResultSlide)]
    # a label that only asks is turned into what it asks about (klappt.report.titles); two
    # small charts share a slide under both titles, each chart headed by its question
    assert [s.title for s in results] == ["Kommunen mit Netzwerk und ein Beirat in der Kommune"]
    assert [p.title for p in results[0].panels] == [
        "Gibt es in Ihrer Kommune ein Netzwerk?",
        "Gibt es in Ihrer Kommune einen Beirat?",
    ]


def test_one_kind_of_question_one_kind_of_chart__ok(derived, wave2022):
    form, _ = wave2022
    _, built = derived
    kinds: dict[str, set[str]] = {}
    for s in _results(built):
        for p in s.panels:
            q = form.question(p.question)
            key = "scale" if q.ordered else q.type
            kinds.setdefault(key, set()).add(p.kind)
    assert kinds["select_one"] == {"bar"}
    assert kinds["scale"] == {"stacked"}
    assert kinds["integer"] == {"table"}
    assert kinds["select_multiple"] <= {"bar", "grouped"}


def test_scale_items_and_numbers_of_a_group_share_one_slide__ok(derived):
    _, built = derived
    scale = next(s for s in _results(built) if s.panels[0].kind == "stacked")
    assert scale.title == "Bewertung"
    assert len(scale.panels[0].categories) == 2  # Strukturentwicklung and Zielgruppe
    numbers = next(s for s in _results(built) if s.panels[0].kind == "table")
    table = numbers.panels[0].table
    assert [row[0] for row in table.rows] == [
        # statements as the slide titles, not asked of the respondent (issue 15 review item 6)
        "Wie viele Teilhabemanager:innen (THM, FB6) derzeit in der Kommune tätig sind",
        "Wie viele Vollzeitstellen (VZÄ) das THM insgesamt umfasst",
    ]
    assert table.columns[1:] == ("Basis (n)", "Mittelwert", "Median", "Minimum", "Maximum")
    deck = Presentation(io.BytesIO(render_pptx(built)))
    index = built.slides.index(numbers)
    frame = next(sh for sh in deck.slides[index].shapes if sh.has_table)
    # the table spans the slide's content width, not a 420 pt corner of it
    assert frame.width > deck.slide_width * 0.8
    widths = [c.width for c in frame.table.columns]
    assert widths[0] > 2 * widths[1]  # the questions get room, the numbers what they need


def test_percentages_without_decimals_under_a_base_of_100__ok(derived):
    _, built = derived
    labels = [
        lab
        for s in _results(built)
        for p in s.panels
        if p.unit == "percent"
        for series in p.series
        for lab in series.labels
        if lab not in ("–", "x", "< 3")  # disclosure marks (a site type of one site) are no figures
    ]
    assert labels and all(PCT.match(lab) for lab in labels), labels[:5]


def test_decimals_are_configurable__ok(wave2022):
    form, rs = wave2022
    spec = default_spec(form)
    one = build_report(spec._replace(options={"decimals": 1}), ReportData.single(form, rs))
    labels = [lab for s in one.slides for p in s.panels for x in p.series for lab in x.labels]
    assert "57,5\u202f%" in labels
    with pytest.raises(KlapptError) as exc:
        parse_recipe("options: {decimals: 7}\nslides:\n  - result: a\n", "r.yaml")
    assert exc.value.code is ErrorCode.REPORT_001
    assert "Zeile 1" in exc.value.message("de") and "decimals" in exc.value.message("de")


def test_title_slide_names_program_wave_and_date__ok(wave2022):
    form, _ = wave2022
    context = DeckContext(
        program="Gemeinsam klappt’s", wave="2022", period="Februar bis März 2022", date="07.12.2026"
    )
    title = default_spec(form, "de", "2022", context).slides[0]
    assert isinstance(title, TitleSlide)
    assert title.title == "Gemeinsam klappt’s"
    assert title.subtitle == "Arbeitshilfe Nachhaltigkeit 2022 · Februar bis März 2022"
    assert title.date == "Stand: 07.12.2026"
    title = default_spec(form, "de", "Frühjahr", DeckContext(wave="Frühjahr")).slides[0]
    assert title.title == "Arbeitshilfe Nachhaltigkeit 2022" and title.subtitle == "Welle Frühjahr"


def test_data_slide_gives_the_response_of_the_register__ok(derived):
    spec, built = derived
    data = next(s for s in spec.slides if isinstance(s, TextSlide))
    lines = [b.template for b in data.bullets]
    assert lines == [
        "Erhebungszeitraum: Februar bis März 2022",
        "Rücklauf: 40 von 54 Standorten (74\u202f%)",
        # Aachen, the register's one "kreisangehörige Stadt", is not shown on its own
        "- kreisfreie Städte und weitere: 18 von 23, Kreise: 22 von 31",
    ]
    assert (
        "Rücklauf: 40 von 54 Standorten (74\u202f%)"
        in next(s for s in built.slides if s.kind == "text").bullets
    )


def test_a_site_type_of_one_site_is_counted_with_another__ok(wave2022):
    _, rs = wave2022
    sites = [
        RegisterSite(s.site_id, s.name, s.typ)
        for s in read_register(reference_path("register.csv"))
    ]
    cov = coverage(rs, sites)
    assert cov is not None
    assert all(n >= 3 for _, _, n in cov.by_type)
    assert sum(n for _, _, n in cov.by_type) == 54 and sum(a for _, a, _ in cov.by_type) == 40


def test_cli_report_with_a_register__ok(tmp_path):
    out = tmp_path / "b.pptx"
    result = CliRunner().invoke(
        cli.app,
        [
            "report",
            str(reference_path("arbeitshilfe_2022.xlsx")),
            str(reference_path("returns_2022.csv")),
            "--register",
            str(reference_path("register.csv")),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    texts = [
        sh.text_frame.text
        for slide in Presentation(str(out)).slides
        for sh in slide.shapes
        if sh.has_text_frame
    ]
    assert any("Rücklauf: 40 von 54 Standorten (74\u202f%)" in t for t in texts)
    assert any("Februar bis März 2022" in t for t in texts)


def test_free_text_is_not_quoted_but_its_codes_are_charted__ok(wave2022):
    from klappt.report.sources import load_data

    recipe = parse_recipe(
        "wave: '2022'\nwaves:\n  '2022': {form: arbeitshilfe_2022.xlsx, data: returns_2022.csv,"
        " codebooks: [codebook_notwendigkeit_text.yaml], codings: codings_2022.csv}\n"
        "slides:\n  - section: x\n",
        str(reference_path("recipe_2022.yaml")),
    )
    data = load_data(recipe)
    form = data.wave().instrument
    built = build_report(default_spec(form, "de", "2022"), data)
    shown = {p.question for s in built.slides for p in s.panels}
    assert "notwendigkeit_text__codes" in shown
    assert not any(form.question(q).type == "text" for q in shown)
    assert not any(p.kind == "cloud" for s in built.slides for p in s.panels)
    coded = next(s for s in built.slides if any(p.question.endswith("__codes") for p in s.panels))
    assert "Nennungen:" not in coded.title and "?" not in coded.title


def test_result_slides_carry_a_source_line_the_recipe_can_change__ok(derived, wave2022):
    _, built = derived
    for s in _results(built):
        assert s.footnotes[-1] == "Quelle: Arbeitshilfe Nachhaltigkeit 2022, n=40", s.title
    form, rs = wave2022
    spec = default_spec(form)
    own = build_report(
        spec._replace(options={"source_line": "Daten: {survey} ({n} Rückläufe)"}),
        ReportData.single(form, rs),
    )
    assert (
        _results(own)[0].footnotes[-1] == "Daten: Arbeitshilfe Nachhaltigkeit 2022 (40 Rückläufe)"
    )
    none = build_report(spec._replace(options={"source_line": False}), ReportData.single(form, rs))
    assert not any(f.startswith("Quelle") for s in none.slides for f in s.footnotes)


def test_a_comparison_names_both_sources_once__ok():
    from klappt.report import load_recipe
    from klappt.report.sources import load_data

    spec = load_recipe(reference_path("recipe_2022.yaml"))
    built = build_report(spec, load_data(spec))
    comparison = next(s for s in built.slides if s.headline)
    source = comparison.footnotes[-1]
    assert source.startswith("Quelle: ") and source.count("Quelle") == 1
    assert source.endswith("; Arbeitshilfe Nachhaltigkeit 2022, n=40") and "n=46" in source


def _empty_returns(tmp_path: Path) -> Path:
    header = reference_path("returns_2022.csv").read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "leer.csv"
    path.write_text(header + "\n", encoding="utf-8")
    return path


def test_a_wave_without_returns_gives_a_clear_message__fail(tmp_path):
    from klappt.responses.io import RawTable

    form = read_instrument(reference_path("arbeitshilfe_2022.xlsx"))
    columns = read_table(reference_path("returns_2022.csv")).columns
    # a stored wave whose returns are all still drafts: no submitted return
    rs, _ = load_responses(form, RawTable.from_records(list(columns), [], source="2022.csv"))
    with pytest.raises(KlapptError) as exc:
        build_report(default_spec(form), ReportData.single(form, rs, "2022"))
    assert exc.value.code is ErrorCode.REPORT_011
    assert "Keine eingereichten Rückläufe in Welle 2022" in exc.value.message("de")
    out = tmp_path / "b.pptx"
    result = CliRunner().invoke(
        cli.app,
        [
            "report",
            str(reference_path("arbeitshilfe_2022.xlsx")),
            str(_empty_returns(tmp_path)),
            "--out",
            str(out),
        ],
    )
    # from a file, the reader already refuses a header without rows: a message, no deck
    assert result.exit_code != 0
    assert "keine Rückläufe" in str(result.exception or "") + result.output
    assert not out.exists()


def _klappt(*args: str, cwd: Path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("KLAPPT_PROJECT", "DATABASE_URL")}
    env["KLAPPT_LANG"] = "de"
    done = subprocess.run(
        [sys.executable, "-m", "klappt", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.slow
def test_a_stored_wave_takes_the_register_of_its_project__ok(tmp_path):
    _klappt("init", "projekt", cwd=tmp_path)
    root = tmp_path / "projekt"
    _klappt("register", str(reference_path("register.csv")), cwd=root)
    _klappt(
        "import",
        "2022",
        str(reference_path("arbeitshilfe_2022.xlsx")),
        str(reference_path("returns_2022.csv")),
        cwd=root,
    )
    _klappt("report", "--wave", "2022", "--out", "d.pptx", cwd=root)
    slides = Presentation(str(root / "d.pptx")).slides
    data = " ".join(sh.text_frame.text for sh in slides[2].shapes if sh.has_text_frame)
    assert "Rücklauf: 40 von 54 Standorten (74\u202f%)" in data
    assert "Kreise: 22 von 31" in data


def test_single_choice_in_form_order_multiple_choice_by_frequency__ok(derived):
    _, built = derived
    by_question = {p.question: p for s in _results(built) for p in s.panels}
    multiple = by_question["abh_ueber"].series[0].counts
    assert list(multiple) == sorted(multiple, reverse=True)
    weiter = by_question["bildung_weiter"]
    assert (
        weiter.categories[0] == "ja, weiter wie bisher" and weiter.categories[-1] == "noch unklar"
    )
