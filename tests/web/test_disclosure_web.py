"""Disclosure control on the web: the results page broken down by a question withholds a group on
fewer than 3 sites and its recomputable sibling; the deck and report downloads leave out free
text with personal data (the register's contact persons included) and say what they held back.
Every test runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import html as htmllib
import io
import zipfile
from typing import Any

EMAIL = "jana.kowalczyk@kreis-beispiel.de"
PLANTED = f"Ansprechpartnerin: {EMAIL}, Tel. 0241 4327-118"
#: Kreise 4, kreisfreie Städte 3, and Stadt Aachen, the register's only kreisangehörige Stadt
SITES = ("gt", "mk", "bm", "vie", "e", "rs", "ob", "ac_stadt")


def _submit(web: Any, wave: Any) -> None:
    from web_helpers import post_data

    for kommune in SITES:
        answers = dict(web.answers_of(kommune))
        if kommune in ("gt", "mk", "bm"):  # three sites: the minimum alone would not stop it
            answers["verstetigung_text"] = PLANTED
        if kommune in ("e", "rs", "ob"):  # a contact person the register names, nothing else
            answers["mehrwert_text"] = "Absprache mit Kowalczyk"
        data = post_data(answers, web.multiple(wave))
        r = web.post(web.client(), wave, data, action="submit", site=kommune)
        assert r.status_code == 302, (kommune, r.content[:500])


def _zip_text(data: bytes) -> str:
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            blob = z.read(name)
            if name.endswith(".xlsx"):  # a chart's embedded workbook
                parts.append(_zip_text(blob))
            elif name.endswith((".xml", ".rels")):
                parts.append(htmllib.unescape(blob.decode("utf-8")))
    return "\n".join(parts)


def test_results_page_withholds_a_one_site_group_and_its_sibling__ok(
    web: Any, web_backend: str
) -> None:
    wave = web.setup()
    _submit(web, wave)
    c = web.analyst()
    url = f"/p/{web.program.slug}/w/{wave.pk}/results/"
    page = c.get(url + "?by=gebietstyp").content.decode()
    assert 'id="disclosure-note"' in page
    assert "kreisangehörige Stadt (&lt; 3)" in page
    assert "kreisfreie Stadt (x)" in page
    assert "Kreis (n = 4)" in page
    # no figure of Aachen's group: its column holds only the mark
    section = page.split('id="t-lebenswelt"', 1)[1].split("</section>", 1)[0]
    groups = section.split("by-groups", 1)[1]
    rows = [r for r in groups.split("<tr>")[2:]]
    assert rows and all(r.count("&lt; 3</td>") == 1 and r.count(">x</td>") == 1 for r in rows)
    # the plain page has no groups, and an unknown question is ignored
    assert "by-groups" not in c.get(url).content.decode()
    assert "by-groups" not in c.get(url + "?by=nichtda").content.decode()


def test_downloads_hold_back_personal_data_and_say_so__ok(web: Any, web_backend: str) -> None:
    from klappt.store.models import Site

    wave = web.setup()
    site = Site.objects.get(program=web.program, site_id="e")
    site.attributes = {**(site.attributes or {}), "Ansprechpartnerin": "Jana Kowalczyk"}
    site.save()
    _submit(web, wave)
    c = web.analyst()
    report = c.get(f"/p/{web.program.slug}/w/{wave.pk}/report.html")
    assert report.status_code == 200
    page = htmllib.unescape(report.content.decode())
    deck = c.get(f"/p/{web.program.slug}/w/{wave.pk}/report.pptx")
    assert deck.status_code == 200
    xml = _zip_text(deck.content)
    for text in (page, xml):
        assert "kowalczyk" not in text.lower()
        assert "4327" not in text and "kreis-beispiel" not in text
    assert "mit personenbezogenen Angaben nicht ausgewiesen" in page
    assert "mit personenbezogenen Angaben nicht ausgewiesen" in xml
    assert "von weniger als 3 Standorten nicht ausgewiesen" in page
