"""Returns collected on the web come out exactly as the analysis reads them.

The 40 reference returns of 2022 are submitted through the form; the CSV and XLSX downloads,
read by ``klappt tabulate``'s reader, give the same tables as the reference data file, and the
stored wave is what ``klappt tabulate --wave`` (``load_wave``) reads.
Every test runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any


def _tabulate(path: Path) -> dict[str, Any]:
    from web_helpers import FORM

    from klappt.analysis.tabulate import tabulate
    from klappt.instrument import read_instrument
    from klappt.responses.dataset import load_responses
    from klappt.responses.io import read_table

    rs, report = load_responses(read_instrument(FORM), read_table(path))
    assert report.ok, report.to_dict()["problems"][:5]
    return tabulate(rs, lang="de").to_dict()


def test_web_returns_tabulate_like_the_reference_data__ok(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    from web_helpers import RETURNS, reference_returns

    wave = web.setup()
    site = web.client()
    for row in reference_returns():
        r = web.submit_reference(site, wave, row["kommune"])
        assert r.status_code == 302, (row["kommune"], r.content.decode()[:2000])
    c = web.analyst()
    dashboard = c.get(f"/p/{web.program.slug}/w/{wave.pk}/").content.decode()
    assert 'id="ruecklauf">40 von 54<' in dashboard

    csv_path = tmp_path / "download.csv"
    csv_path.write_bytes(c.get(f"/p/{web.program.slug}/w/{wave.pk}/data.csv").content)
    xlsx_path = tmp_path / "download.xlsx"
    xlsx_path.write_bytes(c.get(f"/p/{web.program.slug}/w/{wave.pk}/data.xlsx").content)
    expected = _tabulate(RETURNS)
    assert _tabulate(csv_path) == expected
    assert _tabulate(xlsx_path) == expected
    assert expected["responses"] == 40

    # the results page shows the same counts
    html = c.get(f"/p/{web.program.slug}/w/{wave.pk}/results/").content.decode()
    lebenswelt = next(t for t in expected["tables"] if t["question"] == "lebenswelt")
    assert f"n = {lebenswelt['base']}" in html

    # the header follows the conventions: meta, then the question names in form order
    header = csv_path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header[:5] == ["_id", "_submission_time", "_site_id", "_site_name", "_version"]
    # issue 16: which questionnaire each return was made with, after the metadata
    assert header[5] == "_form_version"
    assert header[6:9] == ["kommune", "gebietstyp", "ausfuelldatum"]


def test_submitted_wave_is_what_tabulate_wave_reads__ok(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    from klappt.analysis.tabulate import tabulate
    from klappt.store import api

    wave = web.setup()
    site = web.client()
    for kommune in ("gt", "e", "mk", "k"):
        assert web.submit_reference(site, wave, kommune).status_code == 302
    project = tmp_path / "projekt"
    (project / ".klappt").mkdir(parents=True)
    (project / "klappt-project.toml").write_text(
        f'program = "{web.program.slug}"\n', encoding="utf-8"
    )
    _form, rs, report = api.load_wave(project, "2022")
    assert rs.height == 4 and report.ok
    tab = tabulate(rs, lang="de").to_dict()
    assert tab["responses"] == 4
    assert [w.name for w in api.list_waves(project)] == ["2022"]
    # a fifth return changes what the analysis reads (the snapshot is keyed by the content)
    assert web.submit_reference(site, wave, "do").status_code == 302
    _form, rs5, _ = api.load_wave(project, "2022")
    assert rs5.height == 5


def test_xlsx_download_opens_with_the_header_in_row_one__ok(web: Any, web_backend: str) -> None:
    from openpyxl import load_workbook

    wave = web.setup()
    assert web.submit_reference(web.client(), wave, "gt").status_code == 302
    data = web.coordinator().get(f"/p/{web.program.slug}/w/{wave.pk}/data.xlsx").content
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.title == "2022"
    assert ws["A1"].value == "_id" and ws["A2"].value == "gt"
