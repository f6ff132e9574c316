"""The coordinator manages the returns (issue 16): drafts on the dashboard, corrections and
re-openings with their history, a wave from an earlier wave's form, a form replaced after
sites started, the register's refusal of a questionnaire, a wave's own recipe.

Every test runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parents[2] / "src" / "klappt" / "reference"


def form_v2(folder: Path) -> Path:
    """The reference form, changed after opening: the choice ``intensiviert`` of ``koop_art``
    removed, ``thm_vze`` now a whole number, ``bildung_angebote`` removed, a new question
    ``neu_kontakt``, a fixed label."""
    import openpyxl

    wb = openpyxl.load_workbook(REFERENCE / "arbeitshilfe_2022.xlsx")
    survey, choices, settings = wb["survey"], wb["choices"], wb["settings"]
    for row in list(survey.iter_rows(min_row=2)):
        name = row[1].value
        if name == "thm_vze":
            row[0].value = "integer"
        if name == "lebenswelt":
            row[2].value = "Gibt es Maßnahmen zur lebensweltlichen Integration?"
    for i in range(survey.max_row, 1, -1):
        if survey.cell(i, 2).value == "bildung_angebote":
            survey.delete_rows(i)
    survey.append(["text", "neu_kontakt", "Ansprechperson", "Contact person"])
    for i in range(choices.max_row, 1, -1):
        if choices.cell(i, 1).value == "koop_art" and choices.cell(i, 2).value == "intensiviert":
            choices.delete_rows(i)
    settings.cell(2, 3).value = "2022030101"
    path = folder / "arbeitshilfe_2022_v2.xlsx"
    wb.save(path)
    return path


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;")
    return list(csv.DictReader(io.StringIO(text), dialect=dialect))


def _history(web: Any, wave: Any, site: str = "gt") -> str:
    return f"/p/{web.program.slug}/w/{wave.pk}/sites/{web.site(site).pk}/history/"


def _correct_url(web: Any, wave: Any, site: str = "gt") -> str:
    return f"/p/{web.program.slug}/w/{wave.pk}/sites/{web.site(site).pk}/correct/"


def _correct_post(web: Any, wave: Any, changes: dict[str, Any], reason: str) -> dict[str, Any]:
    """The correction page's form as a browser sends it: every answer, some changed."""
    from klappt.web import instruments
    from klappt.web.models import SiteReturn

    sr = SiteReturn.objects.get(wave=wave, site=web.site("gt"))
    rules = instruments.rules(wave)
    body: dict[str, Any] = {}
    for q in rules.main:
        if q.question.type in ("calculate", "note"):
            continue
        value = sr.values.get(q.name)
        if value in (None, ""):
            continue
        body[q.name] = value.split() if q.question.type == "select_multiple" else value
    body.update(changes)
    body["reason"] = reason
    body["base"] = str(sr.submitted_version)
    return body


# --- drafts, labels, buttons on the dashboard ---------------------------------------------


def test_dashboard_links_drafts_read_only_and_shows_type_labels__ok(
    web: Any, web_backend: str
) -> None:
    wave = web.setup()
    site = web.client()
    r = web.post(site, wave, {"thm_anzahl": "4"}, action="save", site="du")
    assert r.status_code == 302
    coord = web.coordinator()
    html = coord.get(f"/p/{web.program.slug}/w/{wave.pk}/").content.decode()
    du = web.site("du")
    assert f"/w/{wave.pk}/sites/{du.pk}/" in html  # the draft is linked
    assert "kreisfreie Stadt" in html and ">kreisfreie_stadt<" not in html  # label, not code
    # the reminder CSV is a button, outside the filter pills
    nav = html.split('<nav class="filters"', 1)[1].split("</nav>", 1)[0]
    assert "reminders.csv" not in nav and 'id="reminders-csv"' in html
    page = coord.get(f"/p/{web.program.slug}/w/{wave.pk}/sites/{du.pk}/").content.decode()
    assert 'id="draft-note"' in page and "Entwurf" in page
    assert "/correct/" not in page  # a draft is the site's: nothing to correct
    history = coord.get(_history(web, wave, "du")).content.decode()
    assert (
        "Entwurf gespeichert" in history and "/reopen/" not in history
    )  # open: nothing to re-open
    # breadcrumbs lead back to the wave
    assert f'href="/p/{web.program.slug}/w/{wave.pk}/"' in page


def test_issue_links_only_offered_when_one_is_missing__ok(web: Any, web_backend: str) -> None:
    from klappt.web.models import SiteLink

    web.setup()  # the register issues every site's link
    coord = web.coordinator()
    html = coord.get(f"/p/{web.program.slug}/sites/").content.decode()
    assert "/sites/links/" not in html  # nothing to issue: no button
    r = coord.post(f"/p/{web.program.slug}/sites/links/", follow=True)
    assert "0 Links" not in r.content.decode()
    SiteLink.objects.filter(site=web.site("gt")).delete()
    html = coord.get(f"/p/{web.program.slug}/sites/").content.decode()
    assert "/sites/links/" in html and "(1)" in html


# --- corrections, re-opening, history -------------------------------------------------------


def test_correction_is_a_new_version_with_who_when_why__ok(web: Any, web_backend: str) -> None:
    from klappt.store.models import Return
    from klappt.web.models import ReturnVersion, SiteReturn

    wave = web.setup()
    assert web.submit_reference(web.client(), wave).status_code == 302
    sr = SiteReturn.objects.get(wave=wave, site=web.site("gt"))
    submitted = sr.submitted_version
    user = web.user(name="koordination")
    coord = web.client(user)
    body = _correct_post(web, wave, {"thm_anzahl": "3"}, "Tippfehler, Anruf am 7.12.")
    r = coord.post(_correct_url(web, wave), body)
    assert r.status_code == 302, r.content.decode()[:2000]
    sr.refresh_from_db()
    v = ReturnVersion.objects.get(site_return=sr, number=sr.submitted_version)
    assert v.kind == "correction" and v.author == "koordination"
    assert v.reason == "Tippfehler, Anruf am 7.12." and sr.submitted_version == submitted + 1
    # the earlier submitted version is untouched
    assert ReturnVersion.objects.get(site_return=sr, number=submitted).values["thm_anzahl"] == "2"
    assert Return.objects.get(wave=wave, site=web.site("gt")).values["thm_anzahl"] == "3"
    rows = _csv_rows(coord.get(f"/p/{web.program.slug}/w/{wave.pk}/data.csv").content)
    assert [r["thm_anzahl"] for r in rows] == ["3"]
    # history: who and why; the comparison names only the changed answer
    html = coord.get(_history(web, wave)).content.decode()
    assert "koordination" in html and "Tippfehler, Anruf am 7.12." in html
    table = html.split('id="changes"', 1)[1].split("</table>", 1)[0]
    assert "thm_anzahl" in table and table.count("<tr>") == 2  # header + one change
    assert "<del>2</del>" in table and "<ins>3</ins>" in table
    # a second correction made on the page loaded before the first: refused, nothing lost
    stale = _correct_post(web, wave, {"thm_anzahl": "7"}, "zweiter Anruf") | {"base": "1"}
    r = coord.post(_correct_url(web, wave), stale, follow=True)
    assert "inzwischen geändert" in r.content.decode()
    assert Return.objects.get(wave=wave, site=web.site("gt")).values["thm_anzahl"] == "3"
    # an analyst reads the history but may not correct
    analyst = web.analyst()
    assert analyst.get(_history(web, wave)).status_code == 200
    assert analyst.post(_correct_url(web, wave), body).status_code == 403


def test_correction_refused_without_reason_or_with_a_bad_answer__error(
    web: Any, web_backend: str
) -> None:
    from klappt.store.models import Return
    from klappt.web.models import SiteReturn

    wave = web.setup()
    web.submit_reference(web.client(), wave)
    coord = web.coordinator()
    before = SiteReturn.objects.get(wave=wave, site=web.site("gt")).version
    r = coord.post(_correct_url(web, wave), _correct_post(web, wave, {"thm_anzahl": "3"}, " "))
    assert r.status_code == 422 and "Grund" in r.content.decode()
    r = coord.post(
        _correct_url(web, wave), _correct_post(web, wave, {"thm_anzahl": "drei"}, "Anruf")
    )
    assert r.status_code == 422 and "Zahl ein" in r.content.decode()
    # gt answered abh_fortfuehrung "nein": the follow-up abh_ueber does not apply
    r = coord.post(
        _correct_url(web, wave), _correct_post(web, wave, {"abh_ueber": ["turnus"]}, "x")
    )
    assert r.status_code == 422 and "gilt nach den übrigen Antworten nicht" in r.content.decode()
    assert SiteReturn.objects.get(wave=wave, site=web.site("gt")).version == before
    assert Return.objects.get(wave=wave, site=web.site("gt")).values["thm_anzahl"] == "2"
    # a draft cannot be corrected: it is the site's
    web.post(web.client(), wave, {"thm_anzahl": "1"}, site="du")
    r = coord.get(_correct_url(web, wave, "du"), follow=True)
    assert "nicht abgesandt" in r.content.decode()


def test_reopened_return_can_be_submitted_after_the_wave_closed__ok(
    web: Any, web_backend: str
) -> None:
    from klappt.store.models import Return
    from klappt.web.models import ReturnVersion, SiteReturn

    wave = web.setup()
    site = web.client()
    web.submit_reference(site, wave)
    web.post(site, wave, {"thm_anzahl": "1"}, site="du")  # a draft of another site
    coord = web.coordinator()
    coord.post(f"/p/{web.program.slug}/w/{wave.pk}/close/")
    url = f"/p/{web.program.slug}/w/{wave.pk}/sites/{web.site('gt').pk}/reopen/"
    r = coord.post(url, {"reason": ""}, follow=True)
    assert "Grund" in r.content.decode()
    assert SiteReturn.objects.get(wave=wave, site=web.site("gt")).reopened_at is None
    coord.post(url, {"reason": "Standort meldet falsche Zahl der THM"})
    sr = SiteReturn.objects.get(wave=wave, site=web.site("gt"))
    assert sr.reopened_at is not None
    assert ReturnVersion.objects.get(site_return=sr, number=sr.version).kind == "reopen"
    # the site's link opens the form again, although the wave is closed
    assert site.get(web.form_url(wave)).status_code == 200
    data = web.answers_of("gt") | {"thm_anzahl": "5"}
    from reference_data import post_data

    r = web.post(site, wave, post_data(data, web.multiple(wave)), action="submit")
    assert r.status_code == 302
    sr.refresh_from_db()
    assert sr.reopened_at is None and not sr.pending_changes
    assert Return.objects.get(wave=wave, site=web.site("gt")).values["thm_anzahl"] == "5"
    # the other site's draft stays closed
    assert web.post(site, wave, {"thm_anzahl": "2"}, site="du", version=1).status_code == 409


# --- a wave from an earlier wave's form -----------------------------------------------------


def test_wave_starts_from_an_earlier_waves_form__ok(web: Any, web_backend: str) -> None:
    from klappt.store.models import Wave

    wave = web.setup()
    coord = web.coordinator()
    r = coord.post(f"/p/{web.program.slug}/waves/new/", {"name": "2023", "from_wave": str(wave.pk)})
    assert r.status_code == 302
    new = Wave.objects.get(program=web.program, name="2023")
    assert new.form_sha256 == wave.form_sha256 and new.opened_at is None
    r = coord.post(f"/p/{web.program.slug}/waves/new/", {"name": "2024"})
    assert r.status_code == 200 and "Bitte laden Sie einen Fragebogen hoch" in r.content.decode()
    assert not Wave.objects.filter(name="2024").exists()


# --- the register refuses a questionnaire ---------------------------------------------------


def test_register_upload_refuses_an_xlsform_by_name__error(web: Any, web_backend: str) -> None:
    from klappt.store.models import Site

    web.setup()
    n = Site.objects.filter(program=web.program).count()
    coord = web.coordinator()
    with (REFERENCE / "arbeitshilfe_2022.xlsx").open("rb") as fh:
        r = coord.post(f"/p/{web.program.slug}/sites/upload/", {"register_file": fh})
    html = r.content.decode()
    assert "arbeitshilfe_2022.xlsx" in html and "Fragebogen" in html
    assert Site.objects.filter(program=web.program).count() == n


# --- a form replaced after two sites started ------------------------------------------------


def test_form_replaced_after_two_sites_started__ok(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    from klappt.store.models import Return
    from klappt.web.models import FormVersion, ReturnVersion, SiteReturn

    wave = web.setup()
    site = web.client()
    web.submit_reference(site, wave)  # gt: submitted, koop_jc=intensiviert, thm_vze=1.5
    web.post(
        site,
        wave,
        {"koop_jc": ["intensiviert"], "thm_vze": "2.5", "bildung_angebote": "Sprachkurs"},
        site="du",
    )
    du_before = SiteReturn.objects.get(wave=wave, site=web.site("du"))
    old_sha = wave.form_sha256
    coord = web.coordinator()
    url = f"/p/{web.program.slug}/w/{wave.pk}/form/"
    with form_v2(tmp_path).open("rb") as fh:
        r = coord.post(url, {"what": "upload", "form_file": fh})
    assert r.status_code == 302
    html = coord.get(url).content.decode()
    plan = html.split('id="plan"', 1)[1].split("</table>", 1)[0]
    # listed per site before anything changes
    assert "Kreis Gütersloh" in plan and "Duisburg" in plan
    assert "intensiviert" in plan and "thm_vze" in plan and "bildung_angebote" in plan
    assert "neu_kontakt" in html
    wave.refresh_from_db()
    assert wave.form_sha256 == old_sha and not FormVersion.objects.filter(number__gt=0).exists()
    sha = html.split('name="sha256" value="', 1)[1].split('"', 1)[0]
    r = coord.post(url, {"what": "confirm", "sha256": sha})
    assert r.status_code == 302
    wave.refresh_from_db()
    assert wave.form_sha256 == sha and wave.form_version == "2022030101"
    assert list(
        FormVersion.objects.filter(wave=wave).order_by("number").values_list("number", flat=True)
    ) == [1, 2]
    gt = SiteReturn.objects.get(wave=wave, site=web.site("gt"))
    du = SiteReturn.objects.get(wave=wave, site=web.site("du"))
    assert gt.form_number == 1 and du.form_number == 2  # the submitted return keeps its form
    carried = ReturnVersion.objects.get(site_return=du, number=du.version)
    assert carried.kind == "form" and carried.form_number == 2
    assert "bildung_angebote" in carried.reason and "thm_vze" in carried.reason
    # carried over by name; the removed question only in the earlier version
    assert du.values["koop_jc"] == "intensiviert" and du.values["thm_vze"] == "2.5"
    assert "bildung_angebote" not in du.values
    assert (
        ReturnVersion.objects.get(site_return=du, number=du_before.version).values[
            "bildung_angebote"
        ]
        == "Sprachkurs"
    )
    # each return's page shows it in the questionnaire it was made with
    gt_page = coord.get(f"/p/{web.program.slug}/w/{wave.pk}/sites/{web.site('gt').pk}/")
    assert "Gibt es in „Gemeinsam klappt´s“ Maßnahmen" in gt_page.content.decode()
    assert 'id="form-number"' in gt_page.content.decode()
    # the site sees the new form; a tab opened before the change is refused, nothing lost
    page = site.get(web.form_url(wave, "du") + "?edit=1").content.decode()
    assert "neu_kontakt" in page and 'name="bildung_angebote"' not in page
    # the export says which form each return was made with; gt's answers all kept
    rows = _csv_rows(coord.get(f"/p/{web.program.slug}/w/{wave.pk}/data.csv").content)
    assert [(r["_site_id"], r["_form_version"]) for r in rows] == [("gt", "1")]
    assert rows[0]["thm_vze"] == "1.5" and rows[0]["bildung_angebote"] == ""
    from reference_data import post_data

    answers = {k: v for k, v in web.answers_of("mk").items() if k != "bildung_angebote"}
    answers = {k: v.replace("intensiviert", "neu") for k, v in answers.items()}
    answers |= {"kommune": "du", "thm_vze": "2", "neu_kontakt": "Frau A."}
    r = web.post(site, wave, post_data(answers, web.multiple(wave)), action="submit", site="du")
    assert r.status_code == 302, r.content.decode()[-3000:]
    ret = Return.objects.get(wave=wave, site=web.site("du"))
    assert ret.values["_form_version"] == "2" and ret.values["neu_kontakt"] == "Frau A."


def test_new_form_that_fails_to_parse_changes_nothing__error(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    from klappt.web.models import FormVersion

    wave = web.setup()
    web.submit_reference(web.client(), wave)
    broken = tmp_path / "kaputt.xlsx"
    broken.write_bytes(b"PK\x03\x04 no workbook")
    coord = web.coordinator()
    url = f"/p/{web.program.slug}/w/{wave.pk}/form/"
    with broken.open("rb") as fh:
        r = coord.post(url, {"what": "upload", "form_file": fh})
    html = r.content.decode()
    assert r.status_code == 422 and "kaputt.xlsx" in html and html.count('role="alert"') == 1
    assert "Nichts wurde geändert" in html
    assert not FormVersion.objects.exists()
    old = wave.form_sha256
    wave.refresh_from_db()
    assert wave.form_sha256 == old
    # a confirmation of a form nobody checked changes nothing either
    r = coord.post(url, {"what": "confirm", "sha256": "0" * 64})
    wave.refresh_from_db()
    assert r.status_code == 302 and wave.form_sha256 == old


# --- the wave's own recipe ------------------------------------------------------------------


def test_recipe_uploaded_makes_the_deck__ok(web: Any, web_backend: str) -> None:
    from pptx import Presentation

    wave = web.setup()
    for kommune in ("gt", "mk", "rs"):
        web.submit_reference(web.client(), wave, kommune)
    coord = web.coordinator()
    url = f"/p/{web.program.slug}/w/{wave.pk}/recipe/"
    recipe = (
        b"title: Unser eigener Bericht\nslides:\n  - title_slide:\n      title: Unser eigener "
        b"Bericht\n  - result: thm_anzahl\n"
        b"  - text:\n      title: Daten\n      bullets: ['{{ response() }}']\n"
    )
    r = coord.post(
        url, {"what": "upload", "recipe_file": _upload("bericht.yaml", recipe)}, follow=True
    )
    html = r.content.decode()
    assert "Das Rezept wurde gespeichert" in html and 'id="recipe-now"' in html
    deck = coord.get(f"/p/{web.program.slug}/w/{wave.pk}/report.pptx").content
    slides = Presentation(io.BytesIO(deck)).slides
    texts = [sh.text_frame.text for s in slides for sh in s.shapes if sh.has_text_frame]
    assert any("Unser eigener Bericht" in t for t in texts)
    # response() counts the program's register: 3 of its sites answered
    sites = web.program.sites.count()
    assert any(f"Rücklauf: 3 von {sites} Standorten" in t for t in texts), texts
    assert len(slides) == 3


def test_recipe_with_an_error_is_refused_and_nothing_kept__error(
    web: Any, web_backend: str
) -> None:
    from klappt.web.models import WaveRecipe

    wave = web.setup()
    coord = web.coordinator()
    url = f"/p/{web.program.slug}/w/{wave.pk}/recipe/"
    bad = b"slides:\n  - wrong_kind: x\n"
    r = coord.post(url, {"what": "upload", "recipe_file": _upload("bericht.yaml", bad)})
    assert r.status_code == 422 and "bericht.yaml" in r.content.decode()
    assert not WaveRecipe.objects.exists()


def _upload(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/x-yaml")


def test_new_screens_in_english__ok(web: Any, web_backend: str, tmp_path: Path) -> None:
    from django.conf import settings

    wave = web.setup()
    web.submit_reference(web.client(), wave)
    coord = web.coordinator()
    coord.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    dash = coord.get(f"/p/{web.program.slug}/w/{wave.pk}/").content.decode()
    assert "District-free city" in dash and "Replace the questionnaire" in dash
    html = coord.get(_history(web, wave)).content.decode()
    assert "Version history of Kreis Gütersloh" in html and "the site" in html
    assert "Versionsverlauf" not in html
    with form_v2(tmp_path).open("rb") as fh:
        coord.post(f"/p/{web.program.slug}/w/{wave.pk}/form/", {"what": "upload", "form_file": fh})
    page = coord.get(f"/p/{web.program.slug}/w/{wave.pk}/form/").content.decode()
    assert "Choice no longer offered: intensiviert." in page and "The type changed" in page
