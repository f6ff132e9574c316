"""Downloads German Excel opens (issue 16): the two CSV dialects, the labels option, the XLSX with
real dates, and the reminder and link lists in words and local time.

Every file is read back the way a person's program would: Python's ``csv`` in the German
dialect (semicolon, decimal comma, ``TT.MM.JJJJ``, BOM), openpyxl for the workbook, and
``klappt tabulate``'s reader for both dialects (the same tables). Every test runs on SQLite and
on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
SITES = ("gt", "e", "rs")


def _rows(body: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def _submitted(web: Any, wave: Any) -> dict[str, dt.datetime]:
    """The sites' submission times in Berlin time, from the database."""
    from klappt.web.models import SiteReturn

    return {
        sr.site.site_id: sr.submitted_at.astimezone(BERLIN).replace(microsecond=0)
        for sr in SiteReturn.objects.filter(wave=wave).select_related("site")
        if sr.submitted_at
    }


def _tabulate(path: Path) -> dict[str, Any]:
    from web_helpers import FORM

    from klappt.analysis.tabulate import tabulate
    from klappt.instrument import read_instrument
    from klappt.responses.dataset import load_responses
    from klappt.responses.io import read_table

    rs, report = load_responses(read_instrument(FORM), read_table(path))
    assert report.ok, report.to_dict()["problems"][:5]
    return tabulate(rs, lang="de").to_dict()


def _wave_with_returns(web: Any) -> tuple[Any, str]:
    wave = web.setup()
    site = web.client()
    for kommune in SITES:
        assert web.submit_reference(site, wave, kommune).status_code == 302
    return wave, f"/p/{web.program.slug}/w/{wave.pk}"


def test_data_csv_in_the_german_excel_dialect__ok(
    web: Any, web_backend: str, tmp_path: Path
) -> None:
    wave, base = _wave_with_returns(web)
    c = web.analyst()
    r = c.get(f"{base}/data.csv?dialect=excel-de")
    assert r.status_code == 200
    assert "_excel.csv" in r["Content-Disposition"]
    body = r.content
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the umlauts
    rows = _rows(body, ";")
    header, data = rows[0], rows[1:]
    assert header[:5] == ["_id", "_submission_time", "_site_id", "_site_name", "_version"]
    assert len(data) == len(SITES) and all(len(row) == len(header) for row in data)
    col = {name: i for i, name in enumerate(header)}
    by_site = {row[col["kommune"]]: row for row in data}
    when = _submitted(web, wave)
    for kommune in SITES:
        row, answers = by_site[kommune], web.answers_of(kommune)
        # decimal comma, dates TT.MM.JJJJ, the submission in Berlin time without an offset
        assert "." not in row[col["thm_vze"]]
        assert float(row[col["thm_vze"]].replace(",", ".")) == float(answers["thm_vze"])
        day = dt.date.fromisoformat(answers["ausfuelldatum"])
        assert row[col["ausfuelldatum"]] == day.strftime("%d.%m.%Y")
        assert row[col["_submission_time"]] == when[kommune].strftime("%d.%m.%Y %H:%M:%S")
    assert by_site["gt"][col["thm_vze"]] == "1,5"  # the reference data: 1.5

    # the standard dialect: comma, decimal point, ISO, the same local time with its offset
    std = c.get(f"{base}/data.csv?dialect=standard").content
    assert not std.startswith(b"\xef\xbb\xbf")
    srows = _rows(std, ",")
    assert srows[0] == header
    sby = {row[col["kommune"]]: row for row in srows[1:]}
    assert sby["gt"][col["thm_vze"]] == "1.5"
    assert sby["gt"][col["ausfuelldatum"]] == web.answers_of("gt")["ausfuelldatum"]
    stamp = dt.datetime.fromisoformat(sby["gt"][col["_submission_time"]])
    assert stamp.utcoffset() == when["gt"].utcoffset()  # local, not UTC
    assert stamp == when["gt"]
    # no dialect asked for: the standard one, as before
    assert c.get(f"{base}/data.csv").content == std

    # klappt tabulate reads both and counts the same
    german, standard = tmp_path / "de.csv", tmp_path / "std.csv"
    german.write_bytes(body)
    standard.write_bytes(std)
    assert _tabulate(german) == _tabulate(standard)
    assert _tabulate(standard)["responses"] == len(SITES)


def test_labels_instead_of_codes_with_a_second_header_row__ok(web: Any, web_backend: str) -> None:
    from klappt.web import instruments

    wave, base = _wave_with_returns(web)
    form = instruments.instrument(wave)
    q = {x.name: x for x in form.questions}
    rows = _rows(web.analyst().get(f"{base}/data.csv?dialect=excel-de&labels=1").content, ";")
    header, labels, data = rows[0], rows[1], rows[2:]
    col = {name: i for i, name in enumerate(header)}
    assert len(data) == len(SITES)
    assert labels[col["gebietstyp"]] == q["gebietstyp"].label("de") == "Gebietstyp"
    assert labels[col["_site_name"]] == "Standort"
    assert labels[col["_submission_time"]] == "Abgesandt am"
    gt = next(row for row in data if row[col["_site_id"]] == "gt")
    answers = web.answers_of("gt")
    assert gt[col["gebietstyp"]] == q["gebietstyp"].choice(answers["gebietstyp"]).label("de")
    assert gt[col["gebietstyp"]] == "Kreis"
    chosen = answers["koop_jc"].split()
    assert gt[col["koop_jc"]] == "; ".join(q["koop_jc"].choice(n).label("de") for n in chosen)
    assert gt[col["thm_vze"]] == "1,5"  # numbers stay numbers


def test_xlsx_has_real_dates_a_frozen_filtered_header_and_the_questions__ok(
    web: Any, web_backend: str
) -> None:
    from openpyxl import load_workbook

    wave, base = _wave_with_returns(web)
    when = _submitted(web, wave)
    c = web.analyst()
    wb = load_workbook(io.BytesIO(c.get(f"{base}/data.xlsx").content))
    assert wb.sheetnames == [str(wave.name), "Fragen"]
    ws = wb.worksheets[0]
    header = [cell.value for cell in ws[1]]
    col = {name: i + 1 for i, name in enumerate(header)}
    assert ws.freeze_panes == "A2"
    last = ws.cell(row=1, column=len(header)).column_letter
    assert ws.auto_filter.ref == f"A1:{last}{len(SITES) + 1}"
    rows = {ws.cell(row=i, column=col["_site_id"]).value: i for i in range(2, len(SITES) + 2)}
    gt = rows["gt"]
    filled = ws.cell(row=gt, column=col["ausfuelldatum"])
    assert filled.is_date and filled.value == dt.datetime(2022, 2, 1)
    assert filled.number_format == "DD.MM.YYYY"
    sent = ws.cell(row=gt, column=col["_submission_time"])
    assert sent.is_date and sent.number_format == "DD.MM.YYYY HH:MM:SS"
    assert sent.value == when["gt"].replace(tzinfo=None)  # Berlin time, as on the dashboard
    assert ws.cell(row=gt, column=col["thm_vze"]).value == 1.5
    assert ws.cell(row=gt, column=col["gebietstyp"]).value == "kreis"
    # widths follow the content: the site's name column is wider than the version's
    letter = ws.cell(row=1, column=col["_site_name"]).column_letter
    version = ws.cell(row=1, column=col["_version"]).column_letter
    assert ws.column_dimensions[letter].width > ws.column_dimensions[version].width

    qs = wb["Fragen"]
    assert [cell.value for cell in qs[1]] == ["name", "typ", "frage", "antworten"]
    by_name = {row[0].value: [x.value for x in row] for row in qs.iter_rows(min_row=2)}
    assert by_name["gebietstyp"][1:3] == ["select_one", "Gebietstyp"]
    assert "kreis = Kreis" in by_name["gebietstyp"][3]
    assert by_name["thm_vze"][1] == "decimal" and by_name["thm_vze"][3] is None

    # labels: the question labels in row 2, frozen with the header; choice labels in the cells
    wl = load_workbook(io.BytesIO(c.get(f"{base}/data.xlsx?labels=1").content)).worksheets[0]
    assert wl.freeze_panes == "A3"
    assert wl.cell(row=2, column=col["gebietstyp"]).value == "Gebietstyp"
    values = {wl.cell(row=i, column=col["gebietstyp"]).value for i in range(3, len(SITES) + 3)}
    assert "Kreis" in values and "kreis" not in values
    assert wl.auto_filter.ref.startswith("A2:")


def test_english_workbook_names_its_questions_sheet_and_dates_in_iso__ok(
    web: Any, web_backend: str
) -> None:
    from openpyxl import load_workbook

    _wave, base = _wave_with_returns(web)
    c = web.analyst()
    c.cookies["klappt_lang"] = "en"
    wb = load_workbook(io.BytesIO(c.get(f"{base}/data.xlsx").content))
    assert wb.sheetnames[-1] == "Questions"
    ws = wb.worksheets[0]
    col = {cell.value: cell.column for cell in ws[1]}
    assert ws.cell(row=2, column=col["ausfuelldatum"]).number_format == "YYYY-MM-DD"


def test_reminders_and_links_in_words_and_local_time__ok(web: Any, web_backend: str) -> None:
    from klappt.web.models import SiteReturn

    wave = web.setup()
    site = web.client()
    assert web.submit_reference(site, wave, "gt").status_code == 302
    # a draft for "e"
    data = {k: v for k, v in web.answers_of("e").items() if k in ("gebietstyp", "kommune")}
    assert web.post(site, wave, data, action="save", site="e").status_code in (200, 302)
    draft = SiteReturn.objects.get(wave=wave, site__site_id="e")
    assert draft.version
    c = web.coordinator()
    body = c.get(f"/p/{web.program.slug}/w/{wave.pk}/reminders.csv?dialect=excel-de").content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = _rows(body, ";")
    col = {name: i for i, name in enumerate(rows[0])}
    by_site = {row[col["site_id"]]: row for row in rows[1:]}
    assert "gt" not in by_site  # submitted: no reminder
    assert by_site["e"][col["status"]] == "Entwurf"
    assert by_site["mk"][col["status"]] == "nicht begonnen"
    changed = draft.updated_at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M:%S")
    assert by_site["e"][col["last_change"]] == changed
    assert by_site["mk"][col["last_change"]] == ""
    # in English the words are English and the standard dialect writes ISO with the offset
    en = web.coordinator()
    en.cookies["klappt_lang"] = "en"
    std = _rows(en.get(f"/p/{web.program.slug}/w/{wave.pk}/reminders.csv").content, ",")
    sby = {row[col["site_id"]]: row for row in std[1:]}
    assert sby["e"][col["status"]] == "draft" and sby["mk"][col["status"]] == "not started"
    stamp = dt.datetime.fromisoformat(sby["e"][col["last_change"]])
    assert stamp == draft.updated_at.replace(microsecond=0)
    assert stamp.utcoffset() == draft.updated_at.astimezone(BERLIN).utcoffset()

    # the links: a validity date as TT.MM.JJJJ
    web.site("gt")
    web.token("gt")
    day = dt.date(2031, 3, 5)
    r = c.post(f"/p/{web.program.slug}/sites/", {"all-expires": day.isoformat()})
    assert r.status_code in (200, 302)
    links = _rows(c.get(f"/p/{web.program.slug}/sites/links.csv?dialect=excel-de").content, ";")
    lcol = {name: i for i, name in enumerate(links[0])}
    gt = next(row for row in links[1:] if row[lcol["site_id"]] == "gt")
    assert gt[lcol["valid_until"]] == "05.03.2031"
    assert re.search(r"/r/[A-Za-z0-9_-]+/$", gt[lcol["link"]])


def test_dashboard_offers_both_dialects_and_labels__ok(web: Any, web_backend: str) -> None:
    wave = web.setup()
    html = web.coordinator().get(f"/p/{web.program.slug}/w/{wave.pk}/").content.decode()
    assert 'name="dialect"' in html
    assert '<option value="excel-de" selected>' in html
    assert 'value="standard"' in html
    assert 'name="labels"' in html
    assert f'formaction="/p/{web.program.slug}/w/{wave.pk}/data.xlsx"' in html
    assert f'formaction="/p/{web.program.slug}/w/{wave.pk}/reminders.csv"' in html
