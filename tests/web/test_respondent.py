"""A site fills its form through its link: drafts, checks, submit, summary, versions, conflicts.

Every test runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import re
from typing import Any

import pytest


def _html(response: Any) -> str:
    return response.content.decode()


def test_link_opens_the_sites_form_prefilled__ok(web: Any, web_backend: str) -> None:
    wave = web.setup()
    c = web.client()
    # the link answers with the form itself, no redirect before it (issue 16) ...
    r = c.get(f"/r/{web.token('gt')}/")
    assert r.status_code == 200 and 'id="klappt-form"' in _html(r)
    # ... and the same form at the wave's own address
    r = c.get(f"/r/{web.token('gt')}/{wave.pk}/")
    html = _html(r)
    assert r.status_code == 200
    assert "Kreis Gütersloh" in html and "Arbeitshilfe Nachhaltigkeit 2022" in html
    # the site's own code and type come from the register; the municipality is shown, not
    # offered as a choice on the site's own link (issue 17)
    assert 'name="kommune"' in html and '<select name="kommune"' not in html
    assert re.search(r'<p class="locked-value" id="q-kommune"[^>]*>Kreis Gütersloh</p>', html)
    assert '<input type="hidden" name="kommune" value="gt">' in html
    assert re.search(r'name="gebietstyp" id="q-gebietstyp-0" value="kreis" checked', html)
    assert "no-store" in r["Cache-Control"]
    # the conditional follow-up is rendered hidden, with its condition for the browser
    assert re.search(r'data-q="abh_ueber" hidden', html)
    assert 'id="klappt-logic"' in html and "abh_fortfuehrung" in html


def test_draft_is_saved_and_shown_again_from_another_browser__ok(
    web: Any, web_backend: str
) -> None:
    from klappt.web.models import ReturnVersion, SiteReturn

    wave = web.setup()
    a = web.client()
    r = web.post(
        a,
        wave,
        {"lebenswelt": "ja", "lebenswelt_angebote": "Sportfest <b>2022</b>", "thm_anzahl": "3"},
    )
    assert r.status_code == 302
    sr = SiteReturn.objects.get(wave=wave, site=web.site("gt"))
    assert sr.status == "draft" and sr.version == 1
    assert sr.values["lebenswelt_angebote"] == "Sportfest <b>2022</b>"
    assert ReturnVersion.objects.filter(site_return=sr).count() == 1
    b = web.client()  # another browser: no cookie, same link
    html = _html(b.get(web.form_url(wave) + "?edit=1"))
    assert "Sportfest &lt;b&gt;2022&lt;/b&gt;</textarea>" in html
    assert re.search(r'name="lebenswelt" id="q-lebenswelt-0" value="ja" checked', html)
    assert 'value="3"' in html


def test_submit_with_problems_names_them_next_to_the_fields_and_keeps_the_entries__error(
    web: Any, web_backend: str
) -> None:
    from klappt.web.models import SiteReturn

    wave = web.setup()
    c = web.client()
    data = {"lebenswelt": "ja", "thm_anzahl": "99", "thm_vze": "zwei"}
    r = web.post(c, wave, data, action="submit")
    html = _html(r)
    assert r.status_code == 422
    assert 'id="error-summary"' in html and 'role="alert"' in html
    # required, constraint (with the form's own message) and type problems, each at its field
    assert re.search(
        r'id="q-thm_anzahl-error">.*Bitte eine Zahl zwischen 0 und 50 eingeben', html, re.S
    )
    assert re.search(r'aria-describedby="q-thm_anzahl-hint q-thm_anzahl-error"', html)
    assert re.search(r'id="q-lebenswelt_angebote-error"', html)  # conditional required
    assert 'id="q-thm_vze-error"' in html
    assert '<a href="#q-ausfuelldatum">' in html
    # nothing entered is lost: a draft with the entries
    sr = SiteReturn.objects.get(wave=wave, site=web.site("gt"))
    assert (
        sr.status == "draft" and sr.values["thm_anzahl"] == "99" and sr.values["thm_vze"] == "zwei"
    )
    assert 'value="99"' in html


def test_submit_stores_the_return_in_the_store__ok(web: Any, web_backend: str) -> None:
    from klappt.store.models import Return, Wave
    from klappt.web.models import SiteReturn

    wave = web.setup()
    c = web.client()
    r = web.submit_reference(c, wave, "gt")
    assert r.status_code == 302, _html(r)[:3000]
    assert r["Location"].endswith("/summary/")
    sr = SiteReturn.objects.get(wave=wave, site=web.site("gt"))
    assert sr.status == "submitted" and sr.submitted_version == sr.version == 1
    ret = Return.objects.get(wave=wave)
    ref = web.answers_of("gt")
    assert ret.return_id == "gt" and ret.site.site_id == "gt"
    assert ret.values["koop_beratung"] == "neu intensiviert"
    assert ret.values["thm_vze"] == "1.5" and ret.values["kommune"] == "gt"
    for k, v in ref.items():
        if not k.startswith("_"):
            assert (ret.values.get(k) or "") == v.replace("\r\n", "\n"), k
    w = Wave.objects.get(pk=wave.pk)
    assert w.responses == 1 and w.columns[:5] == [
        "_id",
        "_submission_time",
        "_site_id",
        "_site_name",
        "_version",
    ]
    summary = c.get(r["Location"])
    html = _html(summary)
    assert "Vielen Dank" in html or "Thank you" in html
    assert "THM wird zu KIM-Koordination" in html and "data-print" in html


def test_not_relevant_answers_are_dropped_on_submit__ok(web: Any, web_backend: str) -> None:
    from klappt.store.models import Return

    wave = web.setup()
    c = web.client()
    answers = dict(web.answers_of("gt"))
    # answered the follow-up, then changed the answer it depends on (the browser only hid it)
    answers["abh_fortfuehrung"] = "nein"
    answers["abh_ueber"] = "angebote"
    from web_helpers import post_data

    r = web.post(c, wave, post_data(answers, web.multiple(wave)), action="submit")
    assert r.status_code == 302
    assert Return.objects.get(wave=wave).values["abh_ueber"] is None


def test_double_submit_is_stored_once__ok(web: Any, web_backend: str) -> None:
    from web_helpers import post_data

    from klappt.store.models import Return
    from klappt.web.models import ReturnVersion

    wave = web.setup()
    c = web.client()
    data = post_data(web.answers_of("gt"), web.multiple(wave))
    version = web.version(c, web.form_url(wave))
    first = web.post(c, wave, data, action="submit", version=version, key="k" * 32)
    second = web.post(c, wave, data, action="submit", version=version, key="k" * 32)
    assert first.status_code == second.status_code == 302
    assert second["Location"].endswith("/summary/")
    assert Return.objects.filter(wave=wave).count() == 1
    assert ReturnVersion.objects.filter(kind="submit").count() == 1


def test_stale_tab_gets_a_conflict_and_keeps_its_entries__error(web: Any, web_backend: str) -> None:
    from klappt.web.models import SiteReturn

    wave = web.setup()
    c = web.client()
    url = web.form_url(wave)
    v0 = web.version(c, url)
    assert web.post(c, wave, {"mehrwert_text": "Tab A"}, version=v0).status_code == 302
    r = web.post(c, wave, {"mehrwert_text": "Tab B"}, version=v0)  # the other tab, still at v0
    html = _html(r)
    assert r.status_code == 409
    assert 'id="problem"' in html and "Tab B</textarea>" in html
    assert SiteReturn.objects.get(wave=wave).values["mehrwert_text"] == "Tab A"
    # saving again from the conflict page replaces the other version deliberately
    v1 = int(re.search(r'name="version" value="(\d+)"', html).group(1))
    # the conflict page says so: this save keeps the other tab's version (same browser)
    assert 'name="after_conflict" value="1"' in html
    again = {"mehrwert_text": "Tab B", "after_conflict": "1"}
    assert web.post(c, wave, again, version=v1).status_code == 302
    sr = SiteReturn.objects.get(wave=wave)
    assert sr.values["mehrwert_text"] == "Tab B" and sr.versions.count() == 2


def test_closed_wave_refuses_changes_and_shows_the_entries__error(
    web: Any, web_backend: str
) -> None:
    from django.utils import timezone

    from klappt.web.models import SiteReturn

    wave = web.setup()
    c = web.client()
    url = web.form_url(wave)
    version = web.version(c, url)
    wave.closed_at = timezone.now()
    wave.save()
    r = web.post(c, wave, {"mehrwert_text": "zu spät"}, version=version)
    html = _html(r)
    assert r.status_code == 409 and "zu spät</textarea>" in html and 'id="problem"' in html
    assert not SiteReturn.objects.filter(wave=wave, version__gt=0).exists()
    # GET of a closed wave shows the summary page
    assert c.get(url)["Location"].endswith("/summary/")


def test_changes_after_submitting_keep_every_version__ok(web: Any, web_backend: str) -> None:
    from web_helpers import post_data

    from klappt.store.models import Return
    from klappt.web.models import SiteReturn

    wave = web.setup()
    c = web.client()
    assert web.submit_reference(c, wave, "gt").status_code == 302
    data = post_data(web.answers_of("gt"), web.multiple(wave))
    data["mehrwert_text"] = "geändert"
    assert web.post(c, wave, data, action="save").status_code == 302
    sr = SiteReturn.objects.get(wave=wave)
    assert sr.status == "submitted" and sr.pending_changes
    assert Return.objects.get(wave=wave).values["mehrwert_text"] != "geändert"  # not sent yet
    html = _html(c.get(web.form_url(wave).replace(f"/{wave.pk}/", f"/{wave.pk}/summary/")))
    assert "nicht abgesendet" in html or "not submitted yet" in html
    assert web.post(c, wave, data, action="submit").status_code == 302
    sr.refresh_from_db()
    assert [v.kind for v in sr.versions.order_by("number")] == ["submit", "draft", "submit"]
    assert Return.objects.get(wave=wave).values["mehrwert_text"] == "geändert"
    assert Return.objects.filter(wave=wave).count() == 1


@pytest.mark.parametrize("token", ["x" * 43, "kurz", "A" * 43])
def test_unknown_link__error(web: Any, web_backend: str, token: str) -> None:
    web.setup()
    r = web.client().get(f"/r/{token}/")
    assert r.status_code == 404
    assert "Link" in _html(r)


def test_revoked_link_says_it_was_replaced_and_the_new_one_works__error(
    web: Any, web_backend: str
) -> None:
    from klappt.web import links

    wave = web.setup()
    old = web.token("gt")
    links.issue(web.site("gt"))
    r = web.client().get(f"/r/{old}/")
    assert r.status_code == 410
    assert "ersetzt" in _html(r) or "replaced" in _html(r)
    assert web.client().get(web.form_url(wave)).status_code == 200


def test_a_link_reaches_only_its_own_return__error(web: Any, web_backend: str) -> None:
    from klappt.web.models import SiteReturn

    wave = web.setup()
    c = web.client()
    assert web.post(c, wave, {"mehrwert_text": "nur Gütersloh"}, site="gt").status_code == 302
    html = _html(c.get(web.form_url(wave, "bi") + "?edit=1"))
    assert "nur Gütersloh" not in html
    # another program's wave through this site's link: not found
    from klappt.store.models import Program

    other = Program.objects.create(name="Anderes", slug="anderes")
    w2 = web.make_wave(name="x")
    w2.program = other
    w2.save()
    assert c.get(f"/r/{web.token('gt')}/{w2.pk}/").status_code == 404
    assert SiteReturn.objects.filter(site=web.site("bi")).count() == 0


def test_wave_not_opened_is_not_reachable__error(web: Any, web_backend: str) -> None:
    web.load_register()
    wave = web.make_wave(open_=False)
    c = web.client()
    assert c.get(f"/r/{web.token('gt')}/{wave.pk}/").status_code == 404
    html = _html(c.get(f"/r/{web.token('gt')}/"))
    assert "keine offene" in html or "no open survey" in html


def test_english_page_with_english_form_labels__ok(web: Any, web_backend: str) -> None:
    wave = web.setup()
    c = web.client()
    r = c.post("/i18n/setlang/", {"language": "en", "next": web.form_url(wave)})
    assert r.status_code == 302
    html = _html(c.get(web.form_url(wave)))
    assert ("Save draft" in html and "District" in html) or "Please choose your district" in html
    assert '<html lang="en">' in html


ALL_TYPES_MD = """\
| survey   |                          |             |                       |            |                   |                    |             |
|          | type                     | name        | label                 | hint       | relevant          | constraint         | appearance  | calculation |
|          | note                     | hallo       | Willkommen            |            |                   |                    |             |  |
|          | select_one farbe or_other| farbe       | Lieblingsfarbe        |            |                   |                    |             |  |
|          | integer                  | anzahl      | Anzahl                | 0 bis 9    |                   | . >= 0 and . <= 9  |             |  |
|          | calculate                | doppelt     |                       |            |                   |                    |             | ${anzahl} * 2 |
|          | acknowledge              | ok          | Einverstanden?        |            |                   |                    |             |  |
|          | time                     | uhr         | Uhrzeit               |            |                   |                    |             |  |
|          | begin_group              | bew         | Bewertung             |            |                   |                    | field-list  |  |
|          | select_one skala         | bew_a       | Angebot A             |            |                   |                    | likert      |  |
|          | select_one skala         | bew_b       | Angebot B             |            |                   |                    | likert      |  |
|          | end_group                |             |                       |            |                   |                    |             |  |
|          | begin_group              | aussen      | Außen                 |            | ${anzahl} > 0     |                    |             |  |
|          | text                     | innen_text  | Text außen            |            |                   |                    |             |  |
|          | begin_group              | innen       | Innen                 |            |                   |                    |             |  |
|          | decimal                  | wert        | Wert                  |            |                   |                    |             |  |
|          | date                     | tag         | Tag                   |            |                   |                    |             |  |
|          | end_group                |             |                       |            |                   |                    |             |  |
|          | end_group                |             |                       |            |                   |                    |             |  |
|          | begin_repeat             | kinder      | Kinder                |            |                   |                    |             |  |
|          | text                     | kind_name   | Name                  |            |                   |                    |             |  |
|          | end_repeat               |             |                       |            |                   |                    |             |  |
| choices  |                          |             |                       |            |                   |                    |             |  |
|          | list_name                | name        | label                 |            |                   |                    |             |  |
|          | farbe                    | rot         | Rot                   |            |                   |                    |             |  |
|          | farbe                    | blau        | Blau                  |            |                   |                    |             |  |
|          | skala                    | gut         | gut                   |            |                   |                    |             |  |
|          | skala                    | mittel      | mittel                |            |                   |                    |             |  |
|          | skala                    | schlecht    | schlecht              |            |                   |                    |             |  |
"""


def test_every_question_type_renders_and_submits__ok(
    web: Any, web_backend: str, tmp_path: Any
) -> None:
    """Notes, "other, please specify", a Likert grid, nested and conditional groups, time,
    acknowledge, calculate and a repeat (no entries yet: only the button to add one)."""
    from klappt.store.models import Return

    path = tmp_path / "alle_typen.md"
    path.write_text(ALL_TYPES_MD, encoding="utf-8")
    web.load_register()
    wave = web.make_wave(name="typen", form=path)
    c = web.client()
    html = _html(c.get(web.form_url(wave)))
    assert '<div class="q note" data-q="hallo"><p>Willkommen</p></div>' in html  # shown
    assert re.search(r'data-q="farbe_other" hidden', html) and 'class="q q-other"' in html
    assert '<table class="grid" id="g-bew">' in html and 'type="radio" name="bew_a"' in html
    assert 'aria-labelledby="q-bew_a-label g-bew-c0"' in html
    assert 'type="time"' in html and 'name="ok" id="q-ok-0" value="OK"' in html
    assert re.search(r'<section class="step" id="s-aussen" data-g="aussen"[^>]*hidden', html)
    assert 'id="s-innen"' in html and "online nicht beantworten" not in html
    assert 'data-repeat="kinder"' in html and 'name="action" value="add:kinder"' in html
    assert 'name="kinder[__i__]/kind_name"' in html  # in the <template> the browser copies
    data = {
        "farbe": "other",
        "farbe_other": "Türkis",
        "anzahl": "3",
        "ok": "OK",
        "uhr": "09:30",
        "bew_a": "gut",
        "bew_b": "schlecht",
        "innen_text": "außen",
        "wert": "2,5",
        "tag": "2024-05-31",
    }
    r = web.post(c, wave, data, action="submit")
    assert r.status_code == 302, _html(r)[:2000]
    values = Return.objects.get(wave=wave).values
    assert values["farbe"] == "other" and values["farbe_other"] == "Türkis"
    assert values["doppelt"] == "6" and values["wert"] == "2.5" and values["uhr"] == "09:30"
    assert values["bew_b"] == "schlecht" and values["tag"] == "2024-05-31"
    summary = _html(c.get(web.form_url(wave) + "summary/"))
    assert "Türkis" in summary and "31.05.2024" in summary and "2,5" in summary
