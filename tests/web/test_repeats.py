"""Repeat groups, choice filters, defaults and ``${…}`` in labels, through the site's link.

Without JavaScript (Django's test client): entries are added and removed with the form's
buttons, each saving a draft. Every test runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

REPEAT_MD = """\
| survey   |                  |        |                                 |              |                        |          |                        |             |                    |                |         |
|          | type             | name   | label                           | hint         | relevant               | required | required_message       | constraint  | constraint_message | choice_filter  | default |
|          | select_one land  | land   | Land                            |              |                        | yes      | Bitte das Land angeben |             |                    |                | de      |
|          | select_one stadt | stadt  | Stadt in ${land}                |              |                        |          |                        |             |                    | land = ${land} |         |
|          | integer          | anzahl | Wie viele Projekte?             |              |                        |          |                        | . >= 0      |                    |                |         |
|          | begin_repeat     | proj   | Projekte                        |              | ${anzahl} > 0          |          |                        |             |                    |                |         |
|          | text             | titel  | Titel                           |              |                        | yes      |                        |             |                    |                |         |
|          | integer          | jahre  | Laufzeit von ${titel} in Jahren | ganze Jahre  |                        |          |                        | . <= 10     | höchstens 10 Jahre |                |         |
|          | text             | warum  | Warum so lange?                 |              | ${jahre} > 2           | yes      |                        |             |                    |                |         |
|          | end_repeat       |        |                                 |              |                        |          |                        |             |                    |                |         |
|          | note             | dank   | Danke für ${anzahl} Projekte    |              |                        |          |                        |             |                    |                |         |
| choices  |                  |        |                                 |              |                        |          |                        |             |                    |                |         |
|          | list_name        | name   | label                           | land         |                        |          |                        |             |                    |                |         |
|          | land             | de     | Deutschland                     |              |                        |          |                        |             |                    |                |         |
|          | land             | at     | Österreich                      |              |                        |          |                        |             |                    |                |         |
|          | stadt            | b      | Berlin                          | de           |                        |          |                        |             |                    |                |         |
|          | stadt            | w      | Wien                            | at           |                        |          |                        |             |                    |                |         |
|          | stadt            | h      | Hamburg                         | de           |                        |          |                        |             |                    |                |         |
"""


def _html(response: Any) -> str:
    return response.content.decode()


def _wave(web: Any, tmp_path: Path) -> Any:
    path = tmp_path / "projekte.md"
    path.write_text(REPEAT_MD, encoding="utf-8")
    web.load_register()
    return web.make_wave(name="projekte", form=path), path


def _entries(*entries: dict[str, str]) -> dict[str, Any]:
    """The POST of entries 1, 2, … as the page sends them."""
    out: dict[str, Any] = {"proj[]": [str(i) for i in range(1, len(entries) + 1)]}
    for i, entry in enumerate(entries, start=1):
        out.update({f"proj[{i}]/{k}": v for k, v in entry.items()})
    return out


def test_defaults_and_answers_in_labels_on_a_new_return__ok(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    wave, _path = _wave(web, tmp_path)
    html = _html(web.client().get(web.form_url(wave)))
    assert re.search(r'name="land" id="q-land-0" value="de" checked', html)  # the default
    # ${land} in the label shows the answer's label, in a span the browser keeps current
    assert 'Stadt in <span class="ref" data-ref="land">Deutschland</span>' in html
    # the filter offers the German cities only; Wien is there for the browser, hidden
    assert re.search(
        r'<div class="opt" hidden><input type="radio" name="stadt" [^>]*value="w"', html
    )
    assert re.search(r'<div class="opt"><input type="radio" name="stadt" [^>]*value="h"', html)
    # the repeat applies only with a number of projects: hidden, with no entry yet
    assert re.search(r'<section class="subsection repeat" id="s-proj"[^>]*hidden', html)
    assert "data-no-entries>" in html


def test_entries_are_added_and_removed_without_javascript__ok(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    from klappt.web.models import SiteReturn

    wave, _path = _wave(web, tmp_path)
    c = web.client()
    r = web.post(c, wave, {"land": "de", "anzahl": "2"}, action="add:proj")
    assert r.status_code == 302 and r["Location"].endswith("#e-proj-1")
    sr = SiteReturn.objects.get(wave=wave)
    assert sr.values["proj"] == [{}] and sr.status == "draft"
    html = _html(c.get(r["Location"].split("#")[0]))
    assert 'name="proj[1]/titel"' in html and "Eintrag hinzugefügt" in html
    assert not re.search(r'id="s-proj"[^>]*hidden', html)

    data = {"land": "de", "anzahl": "2", **_entries({"titel": "Sprachcafé", "jahre": "1"})}
    r = web.post(c, wave, data, action="add:proj")
    assert r["Location"].endswith("#e-proj-2")
    sr.refresh_from_db()
    assert [e.get("titel") for e in sr.values["proj"]] == ["Sprachcafé", None]

    two = _entries({"titel": "Sprachcafé", "jahre": "1"}, {"titel": "Lotsen", "jahre": "2"})
    r = web.post(c, wave, {"land": "de", "anzahl": "2", **two}, action="remove:proj:1")
    assert r.status_code == 302
    sr.refresh_from_db()
    assert [e["titel"] for e in sr.values["proj"]] == ["Lotsen"]
    # the removed entry stays in the earlier version
    assert sr.versions.count() == 3
    assert sr.versions.get(number=2).values["proj"][0]["titel"] == "Sprachcafé"
    html = _html(c.get(web.form_url(wave) + "?edit=1"))
    assert 'name="proj[1]/titel" id="q-proj-1-titel" value="Lotsen"' in html
    assert 'name="proj[2]/titel"' not in html


def test_entries_are_checked_each_by_its_own_answers__error(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    from klappt.web.models import SiteReturn

    wave, _path = _wave(web, tmp_path)
    c = web.client()
    data = {
        "land": "de",
        "anzahl": "2",
        **_entries({"titel": "Beratung", "jahre": "5"}, {"titel": "", "jahre": "12"}),
    }
    r = web.post(c, wave, data, action="submit")
    html = _html(r)
    assert r.status_code == 422
    # entry 1: "warum" applies because its own "jahre" is above 2; entry 2: title and constraint
    assert re.search(r'id="q-proj-1-warum-error">.*Bitte beantworten', html, re.S)
    assert re.search(r'id="q-proj-2-titel-error">.*Bitte beantworten', html, re.S)
    assert re.search(r'id="q-proj-2-jahre-error">.*höchstens 10 Jahre', html, re.S)
    assert 'id="q-proj-1-titel-error" hidden>' in html  # nothing wrong there
    assert re.search(r'<a href="#q-proj-2-jahre">Projekte, Eintrag 2: Laufzeit von', html)
    # the label of entry 1 names its own title; its "warum" is shown
    assert 'Laufzeit von <span class="ref" data-ref="titel">Beratung</span>' in html
    assert re.search(r'data-q="proj\[1\]/warum">', html)
    # entry 2's "warum" hangs on a years' answer that breaks its constraint: not required then
    assert 'id="q-proj-2-warum-error" hidden>' in html
    sr = SiteReturn.objects.get(wave=wave)
    assert sr.status == "draft" and sr.values["proj"][1]["jahre"] == "12"  # kept as a draft


def test_a_submitted_return_keeps_its_entries_beside_the_main_table__ok(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    from klappt.store.models import Return
    from klappt.web.models import SiteReturn

    wave, path = _wave(web, tmp_path)
    site = web.client()
    data = {
        "land": "de",
        "stadt": "b",
        "anzahl": "2",
        **_entries(
            {"titel": "=HYPERLINK(1)", "jahre": "1"},
            {"titel": "Lotsen", "jahre": "4", "warum": "bewährt"},
        ),
    }
    r = web.post(site, wave, data, action="submit")
    assert r.status_code == 302, _html(r)[:3000]
    values = Return.objects.get(wave=wave).values
    assert "proj" not in values and "titel" not in values and values["anzahl"] == "2"
    entries = SiteReturn.objects.get(wave=wave).values["proj"]
    assert entries[1] == {"titel": "Lotsen", "jahre": "4", "warum": "bewährt"}
    assert entries[0]["warum"] is None  # did not apply to the first entry

    summary = _html(site.get(r["Location"]))
    assert "Projekte – Eintrag 2" in summary and "bewährt" in summary
    assert "Danke für" not in summary or "note" not in summary  # notes are not answers

    c = web.coordinator()
    dash = _html(c.get(f"/p/{web.program.slug}/w/{wave.pk}/"))
    assert f"/p/{web.program.slug}/w/{wave.pk}/data/proj.csv" in dash
    main = c.get(f"/p/{web.program.slug}/w/{wave.pk}/data.csv").content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(main)))
    meta = ["_id", "_submission_time", "_site_id", "_site_name", "_version", "_form_version"]
    assert header == [*meta, "land", "stadt", "anzahl"]  # the repeat's questions are not here
    rep = c.get(f"/p/{web.program.slug}/w/{wave.pk}/data/proj.csv")
    assert rep.status_code == 200
    rows = list(csv.reader(io.StringIO(rep.content.decode("utf-8-sig"))))
    assert rows == [
        ["_id", "_parent_id", "_index", "titel", "jahre", "warum"],
        ["gt/proj[1]", "gt", "1", "'=HYPERLINK(1)", "1", ""],  # free text neutralised
        ["gt/proj[2]", "gt", "2", "Lotsen", "4", "bewährt"],
    ]
    assert c.get(f"/p/{web.program.slug}/w/{wave.pk}/data/gibtsnicht.csv").status_code == 404
    wb = load_workbook(io.BytesIO(c.get(f"/p/{web.program.slug}/w/{wave.pk}/data.xlsx").content))
    # the questions and their labels come last (issue 16), after the repeats' sheets
    assert wb.sheetnames == ["projekte", "proj", "Fragen"]
    # as in the CSV: an apostrophe before the formula, and a text cell
    assert wb["proj"]["D2"].value == "'=HYPERLINK(1)" and wb["proj"]["D2"].data_type == "s"
    assert [c.value for c in wb["proj"][1]] == [
        "_id",
        "_parent_id",
        "_index",
        "titel",
        "jahre",
        "warum",
    ]

    # the main table goes through klappt tabulate unchanged
    target = tmp_path / "haupt.csv"
    target.write_text(main, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "klappt", "tabulate", str(path), str(target), "--json", "-"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"responses": 1' in done.stdout and '"question": "anzahl"' in done.stdout


def test_an_answer_the_choice_filter_does_not_offer_is_refused__error(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    wave, _path = _wave(web, tmp_path)
    c = web.client()
    r = web.post(c, wave, {"land": "at", "stadt": "b", "anzahl": "0"}, action="submit")
    html = _html(r)
    assert r.status_code == 422
    assert re.search(r'id="q-stadt-error">.*passt nicht zu Ihren früheren Angaben', html, re.S)
    # the answer stays visible (and chosen) although the filter no longer offers it
    assert re.search(
        r'<div class="opt"><input type="radio" name="stadt" [^>]*value="b" checked', html
    )
    assert re.search(
        r'<div class="opt" hidden><input type="radio" name="stadt" [^>]*value="h"', html
    )
    r = web.post(c, wave, {"land": "at", "stadt": "w", "anzahl": "0"}, action="submit")
    assert r.status_code == 302


def test_the_forms_own_required_message__error(web: Any, web_backend: str, tmp_path: Path) -> None:
    wave, _path = _wave(web, tmp_path)
    r = web.post(web.client(), wave, {"anzahl": "0"}, action="submit")
    assert r.status_code == 422
    assert re.search(r'id="q-land-error">.*Bitte das Land angeben', _html(r), re.S)


def test_answers_shown_in_labels_are_inert__ok(web: Any, web_backend: str, tmp_path: Path) -> None:
    wave, _path = _wave(web, tmp_path)
    c = web.client()
    evil = '<img src=x onerror="alert(1)">'
    data = {"land": "de", "anzahl": "1", **_entries({"titel": evil, "jahre": "1"})}
    assert web.post(c, wave, data).status_code == 302
    html = _html(c.get(web.form_url(wave) + "?edit=1"))
    assert evil not in html
    escaped = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    assert f'Laufzeit von <span class="ref" data-ref="titel">{escaped}</span>' in html
