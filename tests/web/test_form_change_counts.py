"""After the questionnaire is replaced (issue 16): the check page names the choices added,
removed, renamed and reworded per question, and nothing is dropped silently: the answers the
current form cannot count are named on the deck's and report's slide "Nicht gezählte
Antworten" and on the overview page, and they stay in the data downloads.

Every test runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from test_returns_admin import REFERENCE, _csv_rows, form_v2


def form_v3(folder: Path) -> Path:
    """The reference form with the choices of ``koop_art`` changed: ``intensiviert`` removed,
    ``keine`` renamed to ``keine_neuen`` (same label), ``geplant`` added, ``neu`` reworded."""
    import openpyxl

    wb = openpyxl.load_workbook(REFERENCE / "arbeitshilfe_2022.xlsx")
    choices = wb["choices"]
    for i in range(choices.max_row, 1, -1):
        if choices.cell(i, 1).value != "koop_art":
            continue
        name = choices.cell(i, 2).value
        if name == "intensiviert":
            choices.delete_rows(i)
        elif name == "keine":
            choices.cell(i, 2).value = "keine_neuen"
        elif name == "neu":
            choices.cell(i, 3).value = "es gibt neue Kooperationen (seit 2021)"
    choices.append(["koop_art", "geplant", "Kooperationen sind geplant", "cooperations planned"])
    path = folder / "arbeitshilfe_2022_v3.xlsx"
    wb.save(path)
    return path


def _stage(web: Any, wave: Any, path: Path) -> tuple[Any, str, str]:
    coord = web.coordinator()
    url = f"/p/{web.program.slug}/w/{wave.pk}/form/"
    with path.open("rb") as fh:
        assert coord.post(url, {"what": "upload", "form_file": fh}).status_code == 302
    return coord, url, coord.get(url).content.decode()


def test_check_page_lists_choices_added_removed_renamed_reworded__ok(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    from klappt.web import instruments

    wave = web.setup()
    web.submit_reference(web.client(), wave)
    _coord, _url, html = _stage(web, wave, form_v3(tmp_path))
    changes = html.split('class="choice-changes"', 1)[1].split("</ul>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", changes, re.S)
    users = [q.name for q in instruments.instrument(wave).questions if q.list_name == "koop_art"]
    # the questions sharing the list change alike: one line names them all
    assert len(users) > 1 and len(items) == 1
    (item,) = items
    assert all(f"({name})" in item for name in users)
    assert "neue Antworten: geplant („Kooperationen sind geplant“)" in item
    assert "entfernt: intensiviert" in item
    assert "Code geändert: keine → keine_neuen" in item
    assert "neuer Text: neu" in item and "(seit 2021)" in item
    # a question whose choices did not change is not listed
    assert "(gebietstyp)" not in changes


def test_check_page_without_choice_changes_has_no_list__edge(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    import openpyxl

    wave = web.setup()
    wb = openpyxl.load_workbook(REFERENCE / "arbeitshilfe_2022.xlsx")
    wb["settings"].cell(2, 3).value = "2022030199"
    path = tmp_path / "same.xlsx"
    wb.save(path)
    _coord, _url, html = _stage(web, wave, path)
    assert 'id="check"' in html and "choice-changes" not in html


def test_deck_and_report_name_the_answers_a_replaced_form_does_not_count__ok(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    from pptx import Presentation

    wave = web.setup()
    for kommune in (
        "gt",
        "e",
        "mk",
        "rs",
    ):  # gt, e: koop_jc intensiviert; e, mk, rs: bildung_angebote
        assert web.submit_reference(web.client(), wave, kommune).status_code == 302
    coord, url, html = _stage(web, wave, form_v2(tmp_path))
    sha = html.split('name="sha256" value="', 1)[1].split('"', 1)[0]
    type(wave).objects.filter(pk=wave.pk).update(report={"source": "made with form 1"})
    assert coord.post(url, {"what": "confirm", "sha256": sha}).status_code == 302
    wave.refresh_from_db()
    assert wave.report == {}  # the store's report is made again against the new form
    base = f"/p/{web.program.slug}/w/{wave.pk}"

    report = coord.get(f"{base}/report.html").content.decode()
    assert "Nicht gezählte Antworten" in report
    section = report.split("Nicht gezählte Antworten", 1)[1]
    koop = re.search(
        r"\(koop_jc\): (\d+) Antworten nicht gezählt – Antwortmöglichkeit nicht "
        r"mehr im Fragebogen: intensiviert \(Fragebogen-Fassung 1\)",
        section,
    )
    assert koop and koop.group(1) == "2"
    removed = re.search(
        r"\(bildung_angebote\): (\d+) Antworten nicht gezählt – die Frage steht "
        r"nicht mehr im Fragebogen",
        section,
    )
    assert removed and removed.group(1) == "3"
    assert "Fragebogen ersetzt (jetzt Fassung 2)" in section
    # what a site wrote is never shown, only how many
    assert "Integrationskurse" not in section

    deck = Presentation(io.BytesIO(coord.get(f"{base}/report.pptx").content))
    texts = [
        "\n".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in deck.slides
    ]
    (slide,) = [t for t in texts if "Nicht gezählte Antworten" in t]
    assert "koop_jc" in slide and "intensiviert" in slide and "bildung_angebote" in slide
    assert "Vielen Dank" in texts[-1] and "Nicht gezählte Antworten" in texts[-2]

    dash = coord.get(f"{base}/").content.decode()
    notice = dash.split('id="not-counted"', 1)[1].split("</div>", 1)[0]
    assert "koop_jc" in notice and "bildung_angebote" in notice
    results = coord.get(f"{base}/results/").content.decode()
    assert 'id="not-counted"' in results and "(koop_jc): 2 Antworten nicht gezählt" in results
    # the data keep them, with the version they were made with
    rows = {r["_site_id"]: r for r in _csv_rows(coord.get(f"{base}/data.csv").content)}
    assert rows["gt"]["koop_jc"] == "intensiviert" and rows["gt"]["_form_version"] == "1"
    assert rows["e"]["bildung_angebote"]


def test_deck_without_a_replaced_form_has_no_such_slide__edge(web: Any, web_backend: str) -> None:
    wave = web.setup()
    for kommune in ("gt", "e", "mk"):
        web.submit_reference(web.client(), wave, kommune)
    coord = web.coordinator()
    base = f"/p/{web.program.slug}/w/{wave.pk}"
    assert "Nicht gezählte Antworten" not in coord.get(f"{base}/report.html").content.decode()
    assert 'id="not-counted"' not in coord.get(f"{base}/").content.decode()


def test_many_questions_not_counted_go_on_continuation_slides__edge() -> None:
    """Nothing is cut: beyond seven questions the list goes on on a further slide, before the
    closing slide."""
    from klappt.report.spec import ClosingSlide, ReportSpec, TextSlide
    from klappt.web.notcounted import PER_SLIDE, NotCounted, add_slide

    items = [NotCounted(f"q{i}", f"Frage {i}", "removed", i + 1, forms=(1,)) for i in range(9)]
    spec = ReportSpec(title="Bericht", slides=(TextSlide("Daten"), ClosingSlide()))
    slides = add_slide(spec, items, "de", 2).slides
    assert [type(s).__name__ for s in slides] == [
        "TextSlide",
        "TextSlide",
        "TextSlide",
        "ClosingSlide",
    ]
    first, more = slides[1], slides[2]
    assert first.title == "Nicht gezählte Antworten" and len(first.bullets) == PER_SLIDE
    assert more.title == "Nicht gezählte Antworten (Fortsetzung)" and len(more.bullets) == 2
    assert more.bullets[-1].template == (
        "„Frage 8“ (q8): 9 Antworten nicht gezählt – die Frage steht nicht mehr im Fragebogen "
        "(Fragebogen-Fassung 1)"
    )
    assert add_slide(spec, [], "de", 2) is spec
    english = add_slide(spec, items[:1], "en", 2).slides[1]
    assert english.bullets[0].template.startswith("“Frage 0” (q0): 1 answer not counted")
