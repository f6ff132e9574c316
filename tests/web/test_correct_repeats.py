"""A coordinator's correction reaches into repeated sections (issue 16): entries are edited,
added and removed on the correction page (buttons that show the page again and save nothing),
checked as a site's submit is, saved as one new version, and the version history names the
changed answers inside the repeat (``proj[1]/titel``). The repeat's table in the downloads
follows. Every test runs on SQLite and on PostgreSQL (see conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from test_repeats import _entries, _html, _wave


def _submitted(web: Any, tmp_path: Path) -> Any:
    wave, _path = _wave(web, tmp_path)
    data = {
        "land": "de",
        "stadt": "b",
        "anzahl": "2",
        **_entries({"titel": "Lotsen", "jahre": "1"}, {"titel": "Sprachcafe", "jahre": "2"}),
    }
    assert web.post(web.client(), wave, data, action="submit").status_code == 302
    return wave


def _urls(web: Any, wave: Any) -> tuple[str, str]:
    base = f"/p/{web.program.slug}/w/{wave.pk}/sites/{web.site('gt').pk}"
    return f"{base}/correct/", f"{base}/history/"


def _page_post(html: str) -> dict[str, Any]:
    """The correction form as the browser would send it, from the page's own fields."""
    body: dict[str, Any] = {}
    for m in re.finditer(r'<input type="(?:hidden|text)"[^>]*name="([^"]+)" value="([^"]*)"', html):
        body.setdefault(m.group(1), []).append(m.group(2))
    for m in re.finditer(r'<textarea id="[^"]*" name="([^"]+)"[^>]*>([^<]*)</textarea>', html):
        if m.group(1) != "reason":
            body[m.group(1)] = m.group(2)
    for m in re.finditer(r'<select id="[^"]*" name="([^"]+)".*?</select>', html, re.S):
        picked = re.search(r'<option value="([^"]*)" selected', m.group(0))
        body[m.group(1)] = picked.group(1) if picked else ""
    body.pop("csrfmiddlewaretoken", None)
    return body


def test_correction_edits_adds_and_removes_entries_with_history__ok(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    from klappt.web.models import ReturnVersion, SiteReturn

    wave = _submitted(web, tmp_path)
    coord = web.coordinator()
    correct, history = _urls(web, wave)
    html = _html(coord.get(correct))
    assert 'id="entry-proj-1"' in html and 'id="entry-proj-2"' in html
    assert re.search(r'name="proj\[2\]/titel"[^>]*>Sprachcafe</textarea>', html)

    # "add an entry" shows the page again with an empty third entry and saves nothing
    body = _page_post(html)
    r = coord.post(correct, {**body, "action": "add:proj"})
    assert r.status_code == 200 and 'id="entry-proj-3"' in _html(r)
    sr = SiteReturn.objects.get(wave=wave)
    assert sr.version == sr.submitted_version and len(sr.values["proj"]) == 2

    # remove entry 1, fix the typo in (old) entry 2, fill the new one; then save
    body = _page_post(_html(r))
    r = coord.post(correct, {**body, "action": "remove:proj:1"})
    html = _html(r)
    assert 'id="entry-proj-3"' not in html and ">Lotsen<" not in html
    body = _page_post(html)
    body |= {
        "proj[1]/titel": "Sprachcafé",
        "proj[2]/titel": "Patenschaften",
        "proj[2]/jahre": "3",
        "proj[2]/warum": "gut angenommen",
        "reason": "Telefonat mit dem Standort",
    }
    r = coord.post(correct, body)
    assert r.status_code == 302, _html(r)[:3000]
    sr.refresh_from_db()
    assert sr.values["proj"] == [
        {"titel": "Sprachcafé", "jahre": "2", "warum": None},
        {"titel": "Patenschaften", "jahre": "3", "warum": "gut angenommen"},
    ]
    v = ReturnVersion.objects.get(site_return=sr, number=sr.submitted_version)
    assert v.kind == "correction" and v.reason == "Telefonat mit dem Standort"

    page = _html(coord.get(history))
    changes = page.split('id="changes"', 1)[1].split("</table>", 1)[0]
    rows = dict(re.findall(r"\((proj\[\d\]/\w+)\)</span></th><td><del>([^<]*)</del>", changes))
    assert rows["proj[1]/titel"] == "Lotsen" and rows["proj[2]/titel"] == "Sprachcafe"
    assert "proj[2]/warum" in rows and "Patenschaften" in changes
    assert "gut angenommen" in changes

    # the repeat's table in the downloads holds the corrected entries
    data = coord.get(f"/p/{web.program.slug}/w/{wave.pk}/data/proj.csv").content
    text = data.decode("utf-8-sig")
    assert "Patenschaften" in text and "Lotsen" not in text


def test_correction_of_an_entry_is_checked_and_nothing_saved__error(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    from klappt.web.models import SiteReturn

    wave = _submitted(web, tmp_path)
    coord = web.coordinator()
    correct, _history = _urls(web, wave)
    body = _page_post(_html(coord.get(correct)))
    body |= {"proj[2]/jahre": "12", "proj[1]/titel": "", "reason": "Tippfehler"}
    r = coord.post(correct, body)
    html = _html(r)
    assert r.status_code == 422 and 'id="error-summary"' in html
    assert 'id="err-proj-2-jahre"' in html and "höchstens 10 Jahre" in html
    assert 'id="err-proj-1-titel"' in html  # required inside the entry
    sr = SiteReturn.objects.get(wave=wave)
    assert sr.version == sr.submitted_version
    assert [e["titel"] for e in sr.values["proj"]] == ["Lotsen", "Sprachcafe"]


def test_removing_every_entry_is_a_change__edge(web: Any, web_backend: str, tmp_path: Path) -> None:
    from klappt.web.models import SiteReturn

    wave = _submitted(web, tmp_path)
    coord = web.coordinator()
    correct, _history = _urls(web, wave)
    html = _html(coord.get(correct))
    for _ in range(2):
        html = _html(coord.post(correct, {**_page_post(html), "action": "remove:proj:1"}))
    assert "entry-proj-" not in html
    body = _page_post(html) | {"anzahl": "0", "reason": "keine Projekte"}
    r = coord.post(correct, body)
    assert r.status_code == 302, _html(r)[:2000]
    assert SiteReturn.objects.get(wave=wave).values.get("proj") in ([], None)
