"""Coordinators' and analysts' pages: every view, every permission, the bad inputs.

Every test runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

#: (url template, method, who may) – who: "read" = coordinator and analyst, "coord" = coordinator
PAGES = [
    ("/p/{slug}/", "get", "read"),
    ("/p/{slug}/w/{wave}/", "get", "read"),
    ("/p/{slug}/w/{wave}/?status=missing", "get", "read"),
    ("/p/{slug}/w/{wave}/preview/", "get", "read"),
    ("/p/{slug}/w/{wave}/results/", "get", "read"),
    ("/p/{slug}/w/{wave}/data.csv", "get", "read"),
    ("/p/{slug}/w/{wave}/data.xlsx", "get", "read"),
    ("/p/{slug}/w/{wave}/sites/{site}/", "get", "read"),
    ("/p/{slug}/w/{wave}/settings/", "get", "coord"),
    ("/p/{slug}/w/{wave}/reminders.csv", "get", "coord"),
    ("/p/{slug}/w/{wave}/open/", "post", "coord"),
    ("/p/{slug}/w/{wave}/close/", "post", "coord"),
    ("/p/{slug}/sites/", "get", "coord"),
    ("/p/{slug}/sites/upload/", "get", "coord"),
    ("/p/{slug}/sites/links.csv", "get", "coord"),
    ("/p/{slug}/sites/links/", "post", "coord"),
    ("/p/{slug}/sites/{site}/", "get", "coord"),
    ("/p/{slug}/sites/{site}/reissue/", "post", "coord"),
    ("/p/{slug}/sites/{site}/revoke/", "post", "coord"),
    ("/p/{slug}/members/", "get", "coord"),
    ("/p/{slug}/waves/new/", "get", "coord"),
]


def _url(template: str, web: Any, wave: Any) -> str:
    return template.format(slug=web.program.slug, wave=wave.pk, site=web.site("gt").pk)


def test_every_page_needs_a_login__error(web: Any, web_backend: str) -> None:
    wave = web.setup()
    c = web.client()
    for template, method, _who in PAGES:
        r = getattr(c, method)(_url(template, web, wave))
        assert r.status_code == 302 and "/login/" in r["Location"], template


def test_roles_decide_what_a_user_may_do__ok(web: Any, web_backend: str) -> None:
    from klappt.web.models import Role

    wave = web.setup()
    coordinator = web.coordinator()
    analyst = web.analyst()
    stranger = web.client(web.user(role=None))
    everywhere = web.client(web.user(Role.COORDINATOR, program=None))  # every program
    for template, method, who in PAGES:
        url = _url(template, web, wave)
        r = getattr(coordinator, method)(url)
        assert r.status_code in (200, 302), (template, r.status_code)
        r = getattr(analyst, method)(url)
        assert r.status_code == (403 if who == "coord" else 200), (template, r.status_code)
        r = getattr(stranger, method)(url)
        assert r.status_code == 403, (template, r.status_code)
        r = getattr(everywhere, method)(url)
        assert r.status_code in (200, 302), (template, r.status_code)


def test_unknown_program_wave_or_site__error(web: Any, web_backend: str) -> None:
    wave = web.setup()
    c = web.coordinator()
    assert c.get("/p/gibtsnicht/").status_code == 404
    assert c.get(f"/p/{web.program.slug}/w/99999/").status_code == 404
    assert c.get(f"/p/{web.program.slug}/sites/99999/").status_code == 404
    assert c.get(f"/p/{web.program.slug}/w/{wave.pk}/report.exe").status_code == 404


def test_login_and_logout__ok(web: Any, web_backend: str) -> None:
    from web_helpers import PASSWORD

    web.setup()
    user = web.user(name="anna")
    c = web.client()
    r = c.get("/login/")
    assert r.status_code == 200 and 'autocomplete="current-password"' in r.content.decode()
    r = c.post("/login/", {"username": "anna", "password": PASSWORD})
    assert r.status_code == 302
    assert c.get("/").status_code == 200
    html = c.get("/").content.decode()
    assert "Gemeinsam klappt&#x27;s" in html
    assert c.post("/logout/").status_code == 302
    assert c.get("/").status_code == 302
    assert user.is_active


def test_failed_logins_are_rate_limited__error(web: Any, web_backend: str) -> None:
    from django.test import override_settings
    from web_helpers import PASSWORD

    web.user(name="anna")
    c = web.client()
    with override_settings(KLAPPT_LOGIN_FAILURES=3):
        for _ in range(3):
            assert (
                c.post("/login/", {"username": "anna", "password": "falsch-falsch"}).status_code
                == 200
            )
        r = c.post("/login/", {"username": "anna", "password": PASSWORD})
    assert r.status_code == 429


def test_home_lists_only_the_users_programs__ok(web: Any, web_backend: str) -> None:
    from klappt.store.models import Program

    web.setup()
    Program.objects.create(name="Geheim", slug="geheim")
    html = web.coordinator().get("/").content.decode()
    assert "Gemeinsam klappt" in html and "Geheim" not in html
    assert "/programs/new/" not in html


def test_new_program_only_for_coordinators_of_every_program__ok(web: Any, web_backend: str) -> None:
    from klappt.store.models import Program
    from klappt.web.models import Membership, Role

    assert web.coordinator().get("/programs/new/").status_code == 403
    boss = web.user(Role.COORDINATOR, program=None)
    c = web.client(boss)
    assert c.post("/programs/new/", {"name": "Neues Programm"}).status_code == 302
    p = Program.objects.get(slug="neues-programm")
    assert Membership.objects.filter(user=boss, program=p, role=Role.COORDINATOR).exists()
    r = c.post("/programs/new/", {"name": "Neues Programm"})
    assert r.status_code == 200 and "gibt es schon" in r.content.decode()


def test_wave_upload_checks_the_xlsform_and_names_sheet_and_row__error(
    web: Any, web_backend: str
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from klappt.store.models import Wave

    web.load_register()
    c = web.coordinator()
    broken = (
        b"| survey  |               |       |       |                       |\n"
        b"|         | type          | name  | label | relevant              |\n"
        b"|         | select_one yn | frage | Frage |                       |\n"
        b"|         | text          | folge | Folge | ${gibtsnicht} = 'ja'  |\n"
        b"| choices |               |       |       |                       |\n"
        b"|         | list_name     | name  | label |                       |\n"
        b"|         | yn            | ja    | ja    |                       |\n"
    )
    r = c.post(
        f"/p/{web.program.slug}/waves/new/",
        {"name": "2024", "form_file": SimpleUploadedFile("kaputt.md", broken)},
    )
    html = r.content.decode()
    assert r.status_code == 200 and 'id="error-summary"' in html
    assert (
        "Fehler im Fragebogen kaputt.md: Blatt &#x27;survey&#x27;, Zeile 3, Spalte &#x27;relevant&#x27;"
        in html
    )
    assert "gibtsnicht" in html and "/tmp" not in html
    assert not Wave.objects.exists()
    r = c.post(
        f"/p/{web.program.slug}/waves/new/",
        {"name": "2024", "form_file": SimpleUploadedFile("daten.csv", b"a,b\n1,2\n")},
    )
    assert r.status_code == 200 and not Wave.objects.exists()
    r = c.post(
        f"/p/{web.program.slug}/waves/new/",
        {"name": "2024", "form_file": SimpleUploadedFile("x.exe", b"MZ")},
    )
    assert "Bitte laden Sie eine Datei vom Typ" in r.content.decode()


def test_wave_upload_preview_open_and_close__ok(web: Any, web_backend: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from web_helpers import FORM

    from klappt.store.models import Wave

    web.load_register()
    c = web.coordinator()
    r = c.post(
        f"/p/{web.program.slug}/waves/new/",
        {
            "name": "2024",
            "form_file": SimpleUploadedFile(FORM.name, FORM.read_bytes()),
            "deadline": "2024-03-31",
        },
    )
    assert r.status_code == 302
    wave = Wave.objects.get(name="2024")
    assert wave.form_title == "Arbeitshilfe Nachhaltigkeit 2022" and not wave.is_open
    assert wave.deadline.date().isoformat() == "2024-03-31"
    html = c.get(r["Location"]).content.decode()
    assert "Arbeitshilfe Nachhaltigkeit 2022" in html
    preview = c.get(f"/p/{web.program.slug}/w/{wave.pk}/preview/").content.decode()
    assert (
        "Vorschau" in preview and 'data-preview="1"' in preview and 'value="submit"' not in preview
    )
    assert c.post(f"/p/{web.program.slug}/w/{wave.pk}/open/").status_code == 302
    wave.refresh_from_db()
    assert wave.is_open
    assert web.client().get(web.form_url(wave)).status_code == 200
    html = web.client().get(web.form_url(wave)).content.decode()
    assert "31.03.2024" in html
    assert c.post(f"/p/{web.program.slug}/w/{wave.pk}/close/").status_code == 302
    wave.refresh_from_db()
    assert not wave.is_open and wave.closed_at is not None


def test_form_cannot_be_replaced_once_sites_started__error(web: Any, web_backend: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from web_helpers import FORM

    wave = web.setup()
    c = web.coordinator()
    url = f"/p/{web.program.slug}/w/{wave.pk}/settings/"
    upload = {"what": "form", "form_file": SimpleUploadedFile(FORM.name, FORM.read_bytes())}
    assert c.post(url, upload).status_code == 302  # nobody started yet
    web.post(web.client(), wave, {"mehrwert_text": "x"})
    r = c.post(url, {"what": "form", "form_file": SimpleUploadedFile(FORM.name, FORM.read_bytes())})
    assert r.status_code == 200 and "nicht mehr ersetzen" in r.content.decode()
    r = c.post(url, {"what": "deadline", "deadline": "2030-01-31"})
    assert r.status_code == 302
    wave.refresh_from_db()
    assert wave.deadline.year == 2030


def test_register_upload_with_duplicate_or_missing_names_changes_nothing__error(
    web: Any, web_backend: str
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from klappt.store.models import Site

    c = web.coordinator()
    text = "site_id,name,typ,email\nk1,Altstadt,kreis,a@example.org\nk2,,kreis,\nk3,Altstadt,kreis,\nk1,Bergheim,kreis,\n"
    r = c.post(
        f"/p/{web.program.slug}/sites/upload/",
        {"register_file": SimpleUploadedFile("standorte.csv", text.encode())},
    )
    html = r.content.decode()
    assert r.status_code == 200 and 'id="error-summary"' in html
    assert "Zeile 3: Der Name fehlt" in html
    assert "Zeile 4: Der Name „Altstadt“ steht schon in Zeile 2" in html
    assert "Zeile 5: Die Kennung „k1“ steht schon in Zeile 2" in html
    assert not Site.objects.exists()
    r = c.post(
        f"/p/{web.program.slug}/sites/upload/",
        {"register_file": SimpleUploadedFile("standorte.csv", b"kennung,ort\nk1,x\n")},
    )
    assert "Spalte „name“ fehlt" in r.content.decode()


def test_register_upload_issues_links_and_keeps_them_on_reupload__ok(
    web: Any, web_backend: str
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from klappt.store.models import Site
    from klappt.web.models import SiteLink

    c = web.coordinator()
    wb = Workbook()
    ws = wb.active
    ws.append(["name", "typ", "E-Mail", "einwohner"])
    ws.append(["Altstadt", "kreis", "a@example.org", 1200])
    ws.append(["Bergheim", "stadt", "", 800])
    buf = io.BytesIO()
    wb.save(buf)
    r = c.post(
        f"/p/{web.program.slug}/sites/upload/",
        {"register_file": SimpleUploadedFile("standorte.xlsx", buf.getvalue())},
    )
    assert r.status_code == 302
    sites = list(Site.objects.order_by("position"))
    assert [s.site_id for s in sites] == ["altstadt", "bergheim"]
    assert sites[0].attributes["E-Mail"] == "a@example.org"
    links_before = set(SiteLink.objects.values_list("token_hash", flat=True))
    assert len(links_before) == 2
    r = c.post(
        f"/p/{web.program.slug}/sites/upload/",
        {
            "register_file": SimpleUploadedFile(
                "standorte.csv", b"name,typ\nAltstadt,kreis\nNeustadt,stadt\n"
            )
        },
    )
    assert r.status_code == 302
    assert set(Site.objects.values_list("name", flat=True)) == {"Altstadt", "Neustadt"}
    assert (
        SiteLink.objects.filter(token_hash__in=links_before, revoked_at__isnull=True).count() == 1
    )


def test_sites_page_lists_links_and_the_csv_for_a_mail_merge__ok(
    web: Any, web_backend: str
) -> None:
    web.setup()
    c = web.coordinator()
    html = c.get(f"/p/{web.program.slug}/sites/").content.decode()
    urls = re.findall(r'value="(http://testserver/r/[A-Za-z0-9_-]{43}/)"', html)
    assert len(urls) == 54
    r = c.get(f"/p/{web.program.slug}/sites/links.csv")
    text = r.content.decode("utf-8-sig")
    assert r["Content-Type"].startswith("text/csv") and "no-store" in r["Cache-Control"]
    lines = text.strip().splitlines()
    assert lines[0] == "site_id,name,typ,email,link,valid_until" and len(lines) == 55
    assert all(u in text for u in urls)
    # every link opens its own site's form
    assert web.client().get(urls[0].replace("http://testserver", "")).status_code in (200, 302)


def test_site_edit_reissue_and_revoke__ok(web: Any, web_backend: str) -> None:
    wave = web.setup()
    c = web.coordinator()
    site = web.site("gt")
    old = web.token("gt")
    url = f"/p/{web.program.slug}/sites/{site.pk}/"
    r = c.post(url, {"name": "Kreis Gütersloh", "typ": "kreis", "email": "kim@example.org"})
    assert r.status_code == 302
    site.refresh_from_db()
    assert site.attributes["email"] == "kim@example.org"
    r = c.post(url, {"name": "Bielefeld", "typ": "x", "email": ""})
    assert "hat diesen Namen schon" in r.content.decode()
    assert c.post(url + "reissue/").status_code == 302
    new = web.token("gt")
    assert new != old
    assert web.client().get(f"/r/{old}/").status_code == 410
    assert web.client().get(f"/r/{new}/{wave.pk}/").status_code == 200
    assert c.post(url + "revoke/").status_code == 302
    assert web.client().get(f"/r/{new}/").status_code == 410


def test_members_page_gives_an_analyst_access__ok(web: Any, web_backend: str) -> None:
    from django.contrib.auth import get_user_model

    from klappt.web.models import Membership

    wave = web.setup()
    c = web.coordinator()
    url = f"/p/{web.program.slug}/members/"
    r = c.post(url, {"username": "berta", "password": "", "role": "analyst"})
    assert "braucht ein erstes Passwort" in r.content.decode()
    r = c.post(url, {"username": "berta", "password": "lang-genug-1234", "role": "analyst"})
    assert r.status_code == 302
    berta = get_user_model().objects.get(username="berta")
    m = Membership.objects.get(user=berta)
    assert m.role == "analyst"
    b = web.client()
    assert b.login(username="berta", password="lang-genug-1234")
    assert b.get(f"/p/{web.program.slug}/w/{wave.pk}/results/").status_code == 200
    assert b.get(f"/p/{web.program.slug}/sites/").status_code == 403
    assert c.post(url, {"remove": m.pk}).status_code == 302
    assert b.get(f"/p/{web.program.slug}/w/{wave.pk}/results/").status_code == 403


def test_dashboard_counts_and_filters_the_missing_sites__ok(web: Any, web_backend: str) -> None:
    wave = web.setup()
    site_client = web.client()
    assert web.submit_reference(site_client, wave, "gt").status_code == 302
    assert web.submit_reference(site_client, wave, "e").status_code == 302
    web.post(site_client, wave, {"mehrwert_text": "angefangen"}, site="hf")
    c = web.coordinator()
    html = c.get(f"/p/{web.program.slug}/w/{wave.pk}/").content.decode()
    assert re.search(r'id="ruecklauf">2 von 54<', html)
    assert 'max="54" value="2"' in html
    missing = c.get(f"/p/{web.program.slug}/w/{wave.pk}/?status=missing").content.decode()
    assert "Kreis Gütersloh" not in missing and "Kreis Herford" in missing
    assert missing.split("<tbody>")[1].count('class="pill pill-') == 52
    drafts = c.get(f"/p/{web.program.slug}/w/{wave.pk}/?status=draft").content.decode()
    assert drafts.split("<tbody>")[1].count('class="pill pill-') == 1
    reminders = c.get(f"/p/{web.program.slug}/w/{wave.pk}/reminders.csv").content.decode(
        "utf-8-sig"
    )
    lines = reminders.strip().splitlines()
    assert len(lines) == 53 and lines[0] == "site_id,name,email,status,last_change,link"
    # the status in words, as on the dashboard (issue 16), not its code
    assert any(line.startswith("hf,") and ",Entwurf," in line for line in lines)
    detail = c.get(f"/p/{web.program.slug}/w/{wave.pk}/sites/{web.site('gt').pk}/").content.decode()
    assert "THM wird zu KIM-Koordination" in detail and "Versionen" in detail


def test_results_page_and_report_downloads__ok(web: Any, web_backend: str) -> None:
    from pptx import Presentation

    wave = web.setup()
    site_client = web.client()
    for kommune in ("gt", "e", "mk"):
        assert web.submit_reference(site_client, wave, kommune).status_code == 302
    c = web.analyst()
    html = c.get(f"/p/{web.program.slug}/w/{wave.pk}/results/").content.decode()
    assert "3 abgesendete Rückläufe" in html and "n = 3" in html
    r = c.get(f"/p/{web.program.slug}/w/{wave.pk}/report.html")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    assert b"<html" in r.content[:2000].lower()
    r = c.get(f"/p/{web.program.slug}/w/{wave.pk}/report.pptx")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    deck = Presentation(io.BytesIO(r.content))
    assert len(deck.slides) > 5


@pytest.mark.parametrize("lang", ["de", "en"])
def test_pages_in_both_languages__ok(web: Any, web_backend: str, lang: str) -> None:
    wave = web.setup()
    c = web.coordinator()
    c.post("/i18n/setlang/", {"language": lang, "next": "/"})
    html = c.get(f"/p/{web.program.slug}/w/{wave.pk}/").content.decode()
    assert f'<html lang="{lang}">' in html
    assert ("Rückläufe abgesendet" if lang == "de" else "returns submitted") in html


def test_german_unless_english_was_chosen__ok(web: Any, web_backend: str) -> None:
    web.setup()
    c = web.client()
    html = c.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="de">' in html and "Anmelden" in html
    c.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert "Log in" in c.get("/login/").content.decode()
