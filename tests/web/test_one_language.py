"""One language per screen (issue 17): every page of the web app, coordinator's and site's, in
German and in English, shows no text of the other language; both translation catalogues are
complete, without fuzzy entries; dates and numbers take the language's form.

The pages are rendered with the reference program (register, the bilingual 2022 form, three
returns submitted and one draft), so the results, the history and the coding pages have
content. The user's own data (site names, answers, the form's labels in the page's language)
is taken out of the text before it is searched for words of the other language
(tests/web/language_markers.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from every_page import SUBMITTED, pages, seed
from language_markers import foreign_words, in_context, visible_text, without

LOCALE = Path(__file__).resolve().parents[2] / "src" / "klappt" / "web" / "locale"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_both_catalogues_are_complete_and_nothing_is_fuzzy__ok(lang: str) -> None:
    po = LOCALE / lang / "LC_MESSAGES" / "django.po"
    text = po.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt (gettext) is not installed")
    done = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    # "595 translated messages." and nothing untranslated or fuzzy
    statistics = done.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages?\.", statistics), statistics


def _user_data(web: Any, wave: Any, lang: str) -> list[str]:
    from klappt.store.models import Site
    from klappt.web import instruments, mail

    form = instruments.instrument(wave)
    data = [web.program.name, web.program.slug, wave.name, form.title, form.form_id]
    for site in Site.objects.filter(program=web.program):
        data += [site.name, site.site_id, site.typ, str(site.attributes.get("email", ""))]
    for q in form.questions:
        label = q.labels.get(lang, "")
        data += [q.name, label, q.hints.get(lang, ""), *label.split(": ")]
        data += list(q.constraint_messages.values())
        data += [c.labels.get(lang, "") for c in q.choices] + [c.name for c in q.choices]
    for g in form.groups:
        data += [g.name, g.labels.get(lang, ""), *g.hints.values()]
    for kommune in SUBMITTED:
        data += [v for k, v in web.answers_of(kommune).items() if not k.startswith("_")]
    # the form's own names in another language: "Employment agency (Agentur für Arbeit)"
    data += [part for text in list(data) for part in re.findall(r"\(([^()]+)\)", text or "")]
    # the texts of the mails to the sites: written for them, in the sites' language
    for subject, body in mail.DEFAULTS.values():
        data += [p.strip() for p in re.split(r"\{[^{}]*\}|\n", subject + "\n" + body)]
    return data


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_page_speaks_one_language__ok(web: Any, web_backend: str, lang: str) -> None:
    from django.conf import settings

    from klappt.web.models import Role

    wave = seed(web)
    admin = web.client(web.user(Role.COORDINATOR, program=None, name="koordination"))
    visitor = web.client()
    for client in (admin, visitor):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    data = [*_user_data(web, wave, lang), "koordination"]
    found: dict[str, list[str]] = {}
    for who, url in pages(web, wave):
        client = admin if who == "coordinator" else visitor
        r = client.get(url)
        assert r.status_code in (200, 404), (url, r.status_code)
        assert r["Content-Language"] == lang, url
        text = without(visible_text(r.content.decode()), data)
        wrong = foreign_words(text, lang)
        if wrong:
            found[url] = [in_context(text, w) for w in sorted(set(wrong))]
    assert not found, "\n".join(f"{url}: {' | '.join(words)}" for url, words in found.items())


def test_dates_and_numbers_take_the_languages_form__ok(web: Any, web_backend: str) -> None:
    """The results page: German 1,5 and 31.01.2027; English 1.5 and 31 Jan 2027; no doubled
    full stop after a time ("1:50 p.m..")."""
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    wave = web.setup()
    wave.deadline = timezone.make_aware(dt.datetime(2027, 1, 31, 13, 50))
    wave.save()
    sender = web.client()
    for kommune in SUBMITTED:
        assert web.submit_reference(sender, wave, kommune).status_code == 302
    c = web.coordinator()
    pages = {}
    for lang in ("de", "en"):
        c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        pages[lang] = {
            name: visible_text(c.get(url).content.decode())
            for name, url in (
                ("results", f"/p/{web.program.slug}/w/{wave.pk}/results/"),
                ("dashboard", f"/p/{web.program.slug}/w/{wave.pk}/"),
            )
        }
    de, en = pages["de"], pages["en"]
    assert "31.01.2027" in de["dashboard"], de["dashboard"][:3000]
    assert "31 Jan 2027" in en["dashboard"], en["dashboard"][:3000]
    for text in (*de.values(), *en.values()):
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text), text[:3000]  # no ISO dates
        assert ".." not in text.replace("...", "")
    # the mean of thm_vze (decimal): a comma in German, a point in English
    assert re.search(r"\d,\d", de["results"]) and not re.search(r"\b\d+\.\d\b", de["results"])
    assert re.search(r"\d\.\d", en["results"]) and not re.search(r"\b\d+,\d\b", en["results"])


def test_the_browser_language_picks_the_forms_language_on_the_first_visit__ok(
    web: Any, web_backend: str
) -> None:
    from django.conf import settings

    wave = web.setup()
    url = web.form_url(wave, "gt")
    first = web.client().get(url, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9,de;q=0.5")
    assert first["Content-Language"] == "en"
    assert first.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"  # kept for the next pages
    # German first in the browser, or a language the app does not speak: German
    assert web.client().get(url, HTTP_ACCEPT_LANGUAGE="de-DE,en;q=0.8")["Content-Language"] == "de"
    assert web.client().get(url, HTTP_ACCEPT_LANGUAGE="fr-FR")["Content-Language"] == "de"
    # a chosen language wins over the browser's; the coordinator's pages keep German
    chosen = web.client()
    chosen.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    assert chosen.get(url, HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "de"
    login = web.client().get("/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert login["Content-Language"] == "de"


def test_a_form_without_the_browsers_language_stays_in_its_own__ok(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label"])
    survey.append(["integer", "anzahl", "Wie viele?"])
    book.create_sheet("settings").append(["form_title"])
    book["settings"].append(["Nur deutsch"])
    path = tmp_path / "nur_deutsch.xlsx"
    book.save(path)
    web.load_register()
    wave = web.make_wave(name="2023", form=path)
    r = web.client().get(web.form_url(wave, "gt"), HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    assert r["Content-Language"] == "de"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_wrong_file_as_a_form_is_refused_in_one_language__ok(
    web: Any, web_backend: str, lang: str, tmp_path: Path
) -> None:
    """Issue 17: "the wrong-file error of the wave upload is half German" -- a data table
    uploaded as the questionnaire, and a workbook without the sheet 'survey'."""
    import openpyxl
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from reference_data import RETURNS

    web.load_register()
    c = web.coordinator()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    book = openpyxl.Workbook()
    book.active.title = "Daten"
    book.active.append(["kommune", "anzahl"])
    book.save(tmp_path / "daten.xlsx")
    for name, data in (
        ("returns_2022.csv", RETURNS.read_bytes()),
        ("daten.xlsx", (tmp_path / "daten.xlsx").read_bytes()),
    ):
        upload = SimpleUploadedFile(name, data)
        r = c.post(f"/p/{web.program.slug}/waves/new/", {"name": "2023", "form_file": upload})
        assert r.status_code == 200, name
        html = r.content.decode()
        found = re.search(r'id="error-summary">(.*?)</div>', html, re.S)
        assert found, html[:3000]
        text = visible_text(found.group(1)).replace(name, "")
        assert not foreign_words(text, lang), text


def test_every_text_of_the_source_is_in_the_catalogues__ok(tmp_path: Path) -> None:
    """``makemessages`` over a copy of the web app finds no message the German catalogue lacks
    (a ``_()`` inside an f-string is invisible to it: "– please choose –" was never translated)."""
    if shutil.which("xgettext") is None or shutil.which("msgattrib") is None:
        pytest.skip("gettext (xgettext, msgattrib) is not installed")
    import os
    import sys

    web = LOCALE.parent
    copy = tmp_path / "web"
    shutil.copytree(web, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    project = tmp_path / "project"
    (project / ".klappt").mkdir(parents=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "klappt.web.settings",
        "KLAPPT_PROJECT": str(project),
    }
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "de", "--no-wrap"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    po = copy / "locale" / "de" / "LC_MESSAGES" / "django.po"
    missing = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ids = re.findall(r'^msgid "(.+)"$', missing + fuzzy, re.M)
    assert ids == [], ids
