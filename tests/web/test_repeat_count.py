"""``repeat_count``: the form, not the site, sets how many entries a repeat holds.

Without JavaScript (Django's test client) here; live in the page in test_browser.py. Every test
runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

COUNT_MD = """\
| survey |              |        |                     |              |          |
|        | type         | name   | label               | repeat_count | required |
|        | integer      | anzahl | Wie viele Projekte? |              |          |
|        | begin_repeat | proj   | Projekte            | ${anzahl}    |          |
|        | text         | titel  | Titel               |              | yes      |
|        | end_repeat   |        |                     |              |          |
|        | begin_repeat | kontakt| Ansprechpersonen    | 2            |          |
|        | text         | person | Name                |              |          |
|        | end_repeat   |        |                     |              |          |
|        | begin_repeat | frei   | Weitere Hinweise    |              |          |
|        | text         | notiz  | Hinweis             |              |          |
|        | end_repeat   |        |                     |              |          |
"""


def _wave(web: Any, tmp_path: Path) -> Any:
    path = tmp_path / "zahl.md"
    path.write_text(COUNT_MD, encoding="utf-8")
    web.load_register()
    return web.make_wave(name="zahl", form=path)


def _entries(repeat: str, *entries: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {f"{repeat}[]": [str(i) for i in range(1, len(entries) + 1)]}
    for i, entry in enumerate(entries, start=1):
        out.update({f"{repeat}[{i}]/{k}": v for k, v in entry.items()})
    return out


def test_rules_evaluate_repeat_count__ok(web: Any, web_backend: str, tmp_path: Path) -> None:
    from klappt.responses.one_return import MAX_ENTRIES
    from klappt.web import instruments

    rules = instruments.rules(_wave(web, tmp_path))
    assert set(rules.counts) == {"proj", "kontakt"}  # "frei" is filled as the site likes
    assert rules.entry_count("frei", {}) is None
    assert rules.entry_count("kontakt", {}) == 2
    assert [rules.entry_count("proj", {"anzahl": v}) for v in ("3", "0", None, "x", "-2")] == [
        3,
        0,
        0,
        0,
        0,
    ]
    assert rules.entry_count("proj", {"anzahl": "2.7"}) == 2
    assert rules.entry_count("proj", {"anzahl": "100000"}) == MAX_ENTRIES  # a return is bounded


def test_a_new_form_shows_the_counted_entries_without_add_or_remove__ok(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    wave = _wave(web, tmp_path)
    html = web.client().get(web.form_url(wave)).content.decode()
    # two contact entries from the start, no project entry before the number is given
    assert 'name="kontakt[1]/person"' in html and 'name="kontakt[2]/person"' in html
    assert 'name="kontakt[3]/person"' not in html and 'name="proj[1]/titel"' not in html
    assert 'value="add:kontakt"' not in html and 'value="add:proj"' not in html
    assert not re.search(r'value="remove:(kontakt|proj):', html)
    assert html.count("Die Zahl der Einträge ergibt sich aus Ihren Angaben") == 2
    assert 'value="add:frei"' in html  # the uncounted repeat keeps its buttons


def test_saving_fits_the_entries_to_the_number__ok(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    from klappt.web.models import SiteReturn

    wave = _wave(web, tmp_path)
    c = web.client()
    data = {"anzahl": "3", **_entries("proj", {"titel": "Sprachcafé"})}
    assert web.post(c, wave, data).status_code == 302
    sr = SiteReturn.objects.get(wave=wave)
    assert [e.get("titel") for e in sr.values["proj"]] == ["Sprachcafé", None, None]
    assert len(sr.values["kontakt"]) == 2
    three = _entries("proj", {"titel": "Sprachcafé"}, {"titel": "Lotsen"}, {"titel": "Kita"})
    assert web.post(c, wave, {"anzahl": "3", **three}).status_code == 302
    # the number goes down: the last entries go, the earlier version keeps them
    assert web.post(c, wave, {"anzahl": "1", **three}).status_code == 302
    sr.refresh_from_db()
    assert sr.values["proj"] == [{"titel": "Sprachcafé"}]
    assert [e["titel"] for e in sr.versions.get(number=2).values["proj"]] == [
        "Sprachcafé",
        "Lotsen",
        "Kita",
    ]
    # a hand-made "add" cannot grow a counted repeat
    r = web.post(c, wave, {"anzahl": "1", **_entries("proj", {"titel": "A"})}, action="add:proj")
    assert r.status_code == 302
    sr.refresh_from_db()
    assert sr.values["proj"] == [{"titel": "A"}]


def test_a_counted_entry_left_empty_is_a_mistake__error(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    from klappt.web.models import SiteReturn

    wave = _wave(web, tmp_path)
    r = web.post(
        web.client(), wave, {"anzahl": "2", **_entries("proj", {"titel": "A"})}, action="submit"
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert re.search(r'id="q-proj-2-titel-error">.*Bitte beantworten', html, re.S)
    assert 'id="q-proj-1-titel-error" hidden>' in html
    sr = SiteReturn.objects.get(wave=wave)
    assert sr.status == "draft" and len(sr.values["proj"]) == 2  # kept as a draft
