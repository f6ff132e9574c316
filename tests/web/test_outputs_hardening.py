"""Hostile names and texts in the web app's outputs: formulas in answers stay inert in the CSV and
XLSX downloads, a wave named "2023/24" downloads as a workbook, download names are safe in the
header, a wave without returns shows an empty coding overview, and a "billion laughs" code book
is refused with a message. Every test runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

HOSTILE = '=HYPERLINK("http://x","y")'
FULL_WIDTH = "\uff1dcmd|' /C calc'!A0"


def _submit_hostile(web: Any, wave: Any) -> None:
    """Site mk submits its reference return with formulas in two text answers."""
    from web_helpers import post_data

    answers = dict(web.answers_of("mk"))
    assert answers.get("notwendigkeit_text") and answers.get("mehrwert_text")
    answers["notwendigkeit_text"] = HOSTILE
    answers["mehrwert_text"] = FULL_WIDTH
    data = post_data(answers, web.multiple(wave))
    r = web.post(web.client(), wave, data, action="submit", site="mk")
    assert r.status_code == 302, r.content[:500]


def _assert_inert_workbook(blob: bytes) -> list[str]:
    import openpyxl

    from klappt.spreadsheet import FORMULA_START

    wb = openpyxl.load_workbook(io.BytesIO(blob))
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_START), (cell.coordinate, cell.value)
                    texts.append(cell.value)
    return texts


def test_formulas_in_answers_are_inert_in_csv_and_xlsx__ok(web: Any, web_backend: str) -> None:
    from klappt.spreadsheet import FORMULA_START

    wave = web.setup()
    _submit_hostile(web, wave)
    c = web.analyst()
    base = f"/p/{web.program.slug}/w/{wave.pk}"
    r = c.get(f"{base}/data.csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    cells = [v for row in rows for v in row]
    assert "'" + HOSTILE in cells and "'" + FULL_WIDTH in cells
    assert not [v for v in cells if v.startswith(FORMULA_START)]

    r = c.get(f"{base}/data.xlsx")
    assert r.status_code == 200
    texts = _assert_inert_workbook(r.content)
    assert "'" + HOSTILE in texts and "'" + FULL_WIDTH in texts


@pytest.mark.parametrize("name", ["2023/24", "Welle [Ost]: *?\\ 'x'", "'2023'"])
def test_wave_names_excel_forbids_download_as_a_workbook__ok(
    web: Any, web_backend: str, name: str
) -> None:
    import openpyxl

    web.load_register()
    wave = web.make_wave(name=name)
    assert web.submit_reference(web.client(), wave, "gt").status_code == 302
    r = web.analyst().get(f"/p/{web.program.slug}/w/{wave.pk}/data.xlsx")
    assert r.status_code == 200, r.content[:300]
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    title = wb.worksheets[0].title
    assert not set(title) & set("[]:*?/\\") and len(title) <= 31
    assert not title.startswith("'") and not title.endswith("'")
    assert wb.worksheets[0]["A2"].value  # the return is there


def test_sheet_titles_stay_unique_after_sanitising__ok() -> None:
    from klappt.spreadsheet import sheet_title

    used: set[str] = set()
    titles = [sheet_title(n, used) for n in ("2023/24", "2023:24", "2023?24", "x" * 40, "x" * 35)]
    assert titles[:3] == ["2023_24", "2023_24 (2)", "2023_24 (3)"]
    assert len({t.lower() for t in titles}) == 5 and all(len(t) <= 31 for t in titles)


def _disposition(response: Any) -> tuple[str, str | None]:
    header = response["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    plain = re.search(r'filename="([^"]*)"', header)
    assert plain, header
    star = re.search(r"filename\*=utf-8''(\S+)", header)
    return plain.group(1), star.group(1) if star else None


def test_download_names_are_safe_with_an_ascii_fallback__ok(web: Any, web_backend: str) -> None:
    from urllib.parse import unquote

    web.load_register()
    wave = web.make_wave(name='Müller/2023 "Ost"\\..\x07')
    assert web.submit_reference(web.client(), wave, "gt").status_code == 302
    base = f"/p/{web.program.slug}/w/{wave.pk}"
    c = web.coordinator()
    for tail in ("data.csv", "data.xlsx", "report.html", "reminders.csv"):
        r = c.get(f"{base}/{tail}")
        assert r.status_code == 200, (tail, r.status_code)
        plain, star = _disposition(r)
        assert plain.isascii() and plain.startswith(
            ("ruecklaeufe_gk_", "bericht_gk_", "erinnerung_gk_")
        )
        assert "Mueller-2023" in plain, plain
        assert star is not None, r["Content-Disposition"]
        name = unquote(star)
        assert "Müller-2023" in name
        for bad in ("/", "\\", '"', "'", "\r", "\n", "\x07"):
            assert bad not in name and bad not in plain, (bad, name, plain)
        assert plain.endswith(tail[tail.index(".") :]) and name.endswith(tail[tail.index(".") :])


def test_download_name_of_a_plain_wave_has_no_extended_form__ok(web: Any, web_backend: str) -> None:
    web.load_register()
    wave = web.make_wave(name="2023/24")
    r = web.analyst().get(f"/p/{web.program.slug}/w/{wave.pk}/data.csv")
    assert r.status_code == 200
    assert r["Content-Disposition"] == 'attachment; filename="ruecklaeufe_gk_2023-24.csv"'


def test_coding_overview_of_a_wave_without_returns__ok(web: Any, web_backend: str) -> None:
    wave = web.setup()  # open, nobody has submitted
    for client in (web.coordinator(), web.analyst()):
        r = client.get(f"/p/{web.program.slug}/w/{wave.pk}/coding/")
        assert r.status_code == 200, r.content[:500]
        html = r.content.decode()
        assert "Noch keine Rückläufe" in html, html[-3000:]
        assert "notwendigkeit_text" in html  # the text questions are still listed
    # with a code book stored, every coding page of the empty wave answers, none fails
    from klappt.coding import read_codebook
    from klappt.reference import reference_path
    from klappt.store.coding import save_codebook
    from klappt.web import instruments

    book = read_codebook(reference_path("codebook_notwendigkeit_text.yaml"))
    save_codebook(wave, book, instruments.instrument(wave), by="koordination")
    c = web.analyst()
    base = f"/p/{web.program.slug}/w/{wave.pk}/coding/"
    assert "Codebuch Version 1" in c.get(base).content.decode()
    for tail in ("", "?partial=1", "review/", "agreement/"):
        r = c.get(f"{base}notwendigkeit_text/{tail}")
        assert r.status_code == 200, (tail, r.content[-1500:])
    r = c.post(f"{base}notwendigkeit_text/suggest/")
    assert r.status_code in (200, 302), r.content[-1500:]


def test_billion_laughs_code_book_upload_is_refused__error(web: Any, web_backend: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from klappt.store.coding_models import CodebookVersion

    wave = web.setup()
    laughs = "\n".join(
        [
            'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
            *(
                f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]"
                for p, c in zip("abcdefgh", "bcdefghi", strict=True)
            ),
        ]
    )
    bomb = f"question: notwendigkeit_text\n{laughs}\ncodes:\n  - code: x\n    label: *i\n"
    assert len(bomb.encode()) < 700
    c = web.analyst()
    url = f"/p/{web.program.slug}/w/{wave.pk}/codebooks/"
    r = c.post(url, {"codebook": SimpleUploadedFile("bombe.yaml", bomb.encode())}, follow=True)
    assert r.status_code == 200
    html = r.content.decode()
    assert "bombe.yaml, Zeile 2: YAML-Anker und -Verweise" in html, html[-3000:]
    assert "/tmp/" not in html
    assert not CodebookVersion.objects.filter(wave=wave).exists()


def test_deck_with_a_300_character_answer_of_three_sites__ok(web: Any, web_backend: str) -> None:
    from pptx import Presentation
    from web_helpers import post_data

    long = ("Feste Beratung und Begleitung über alle Ämter und Träger hinweg " * 6)[:300]
    wave = web.setup()
    for site in ("mk", "rs", "bm"):
        answers = dict(web.answers_of(site))
        answers["notwendigkeit_text"] = long
        r = web.post(
            web.client(), wave, post_data(answers, web.multiple(wave)), action="submit", site=site
        )
        assert r.status_code == 302, r.content[:500]
    c = web.analyst()
    html = c.get(f"/p/{web.program.slug}/w/{wave.pk}/report.html")
    assert html.status_code == 200, html.content[-1500:]
    deck = c.get(f"/p/{web.program.slug}/w/{wave.pk}/report.pptx")
    assert deck.status_code == 200, deck.content[-1500:]
    prs = Presentation(io.BytesIO(deck.content))
    texts = [s.text_frame.text for sl in prs.slides for s in sl.shapes if s.has_text_frame]
    texts += [
        str(c)
        for sl in prs.slides
        for s in sl.shapes
        if s.has_chart
        for c in s.chart.plots[0].categories
    ]
    # the derived deck quotes no free text (issue 15), not even a long answer three sites
    # share; it renders, and nowhere on it is the answer, whole or cut
    assert len(prs.slides) > 5
    assert not any("Feste Beratung" in t for t in texts)
