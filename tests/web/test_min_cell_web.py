"""The project's minimum cell size on the web (issue 15, "Disclosure control"): the results page,
the trends page and the report downloads publish with ``[disclosure] min_cell`` of
``klappt-project.toml``, not the default 3 — 5 withholds a group of four sites, 2 shows a group
of two. Every test runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_disclosure_web import _zip_text
from test_trends_page import _section, _upload, _waves

from klappt.reference import reference_path


@pytest.fixture
def project_min_cell(web: Any) -> Iterator[Any]:
    """Write the project's marker file with a minimum cell size; removed afterwards (the
    child run's project folder is shared by its tests)."""
    if web is None:  # the outer run: the test body does not execute
        yield None
        return
    marker = _marker()

    def write(k: int) -> None:
        marker.write_text(
            f'program = "nicht-gk"\n\n[disclosure]\nmin_cell = {k}\n', encoding="utf-8"
        )

    yield write
    marker.unlink(missing_ok=True)


def _submit(web: Any, wave: Any, sites: tuple[str, ...]) -> None:
    from web_helpers import post_data

    for kommune in sites:
        data = post_data(dict(web.answers_of(kommune)), web.multiple(wave))
        r = web.post(web.client(), wave, data, action="submit", site=kommune)
        assert r.status_code == 302, (kommune, r.content[:500])


def _groups(page: str) -> str:
    return page.split('id="t-lebenswelt"', 1)[1].split("</section>", 1)[0]


def test_results_page_withholds_a_group_of_four_under_a_minimum_of_five__ok(
    web: Any, web_backend: str, project_min_cell: Any
) -> None:
    project_min_cell(5)
    wave = web.setup()
    _submit(web, wave, ("gt", "mk", "bm", "vie"))  # the register's four Kreise
    page = web.analyst().get(f"/p/{web.program.slug}/w/{wave.pk}/results/?by=gebietstyp")
    html = page.content.decode()
    assert "Kreis (&lt; 5)" in html and "Kreis (n = 4)" not in html
    assert "5" in html.split('id="disclosure-note"', 1)[1].split("</p>", 1)[0]
    rows = _groups(html).split("by-groups", 1)[1].split("<tr>")[2:]
    assert rows and all("&lt; 5</td>" in r for r in rows)  # no figure of the four sites


def test_results_page_shows_a_group_of_two_under_a_minimum_of_two__ok(
    web: Any, web_backend: str, project_min_cell: Any
) -> None:
    project_min_cell(2)
    wave = web.setup()
    # one Kreis, two kreisfreie Städte, no kreisangehörige Stadt: two groups withheld, so no
    # group is recomputable and the group of two is shown
    _submit(web, wave, ("gt", "e", "rs"))
    c = web.analyst()
    url = f"/p/{web.program.slug}/w/{wave.pk}/results/?by=gebietstyp"
    html = c.get(url).content.decode()
    assert "kreisfreie Stadt (n = 2)" in html and "Kreis (&lt; 2)" in html
    rows = _groups(html).split("by-groups", 1)[1].split("<tr>")[2:]
    assert rows and all(">2 (" in r or ">1 (" in r or ">0 (" in r for r in rows)
    # the default 3 would have withheld the two: the project's file is what counts
    _marker().unlink()
    html = c.get(url).content.decode()
    assert "kreisfreie Stadt (&lt; 3)" in html and "kreisfreie Stadt (n = 2)" not in html


def _marker() -> Path:
    from django.conf import settings

    from klappt.store.project import MARKER

    return Path(settings.PROJECT_DIR) / MARKER


def _trend_with(web: Any, kept: int) -> str:
    from klappt.store.models import Return

    w21, _ = _waves(web)
    keep = [f"es21-{i:03d}" for i in range(1, kept + 1)]
    Return.objects.filter(wave=w21).exclude(return_id__in=keep).delete()
    assert Return.objects.filter(wave=w21).count() == kept
    c = web.coordinator()
    _upload(c, web.program.slug, "z.yaml", reference_path("mapping_2021_2022.yaml").read_bytes())
    return _section(c.get(f"/p/{web.program.slug}/zeitreihe/").content.decode(), "lebenswelt")


def test_trends_page_withholds_a_wave_of_four_under_a_minimum_of_five__ok(
    web: Any, web_backend: str, project_min_cell: Any
) -> None:
    project_min_cell(5)
    section = _trend_with(web, 4)
    assert "2021 (n = &lt; 5)" in section and "2021 (n = 4)" not in section
    assert "2022 (n = 40)" in section


def test_trends_page_shows_a_wave_of_two_under_a_minimum_of_two__ok(
    web: Any, web_backend: str, project_min_cell: Any
) -> None:
    project_min_cell(2)
    section = _trend_with(web, 2)
    assert "2021 (n = 2)" in section and "&lt; " not in section.split("</thead>", 1)[0]


def test_report_downloads_use_the_projects_minimum__ok(
    web: Any, web_backend: str, project_min_cell: Any
) -> None:
    project_min_cell(5)
    wave = web.setup()
    _submit(web, wave, ("gt", "mk", "bm", "vie"))
    c = web.analyst()
    few = "Rücklauf: 4 Fragebögen – weniger als die Mindestfallzahl von 5."
    import html as htmllib

    page = htmllib.unescape(
        c.get(f"/p/{web.program.slug}/w/{wave.pk}/report.html").content.decode()
    )
    assert few in page
    deck = c.get(f"/p/{web.program.slug}/w/{wave.pk}/report.pptx")
    assert few in _zip_text(deck.content)
    # with a minimum of 4 the same four returns are published
    project_min_cell(4)
    page = htmllib.unescape(
        c.get(f"/p/{web.program.slug}/w/{wave.pk}/report.html").content.decode()
    )
    assert "Mindestfallzahl" not in page and "Rücklauf: 4 von" in page


def test_site_reports_use_the_projects_minimum__ok(
    web: Any, web_backend: str, project_min_cell: Any
) -> None:
    from test_site_reports_web import _pptx_text, _release, _report, _wave

    project_min_cell(5)
    wave = _wave(web, ("gt", "e", "mk", "bm", "vie", "rs"))
    _release(web, wave)
    wave.closed_at = wave.opened_at
    wave.save()
    text = " ".join(_pptx_text(_report(web, wave, "gt", "pptx").content).split())
    assert "weniger als 5 Kommunen" in text and "weniger als 3 " not in text
