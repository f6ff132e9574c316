"""Security: headers, CSRF, inert free text, rate limits, formula-proof exports, safe uploads.

Every test runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _pages(web: Any, wave: Any) -> dict[str, tuple[Any, str]]:
    c = web.coordinator()
    s = web.client()
    slug = web.program.slug
    return {
        "login": (web.client(), "/login/"),
        "form": (s, web.form_url(wave)),
        "summary": (s, web.form_url(wave) + "summary/"),
        "dashboard": (c, f"/p/{slug}/w/{wave.pk}/"),
        "sites": (c, f"/p/{slug}/sites/"),
        "results": (c, f"/p/{slug}/w/{wave.pk}/results/"),
        "preview": (c, f"/p/{slug}/w/{wave.pk}/preview/"),
        "detail": (c, f"/p/{slug}/w/{wave.pk}/sites/{web.site('gt').pk}/"),
        "unknown link": (web.client(), "/r/" + "z" * 43 + "/"),
        "not found": (c, "/gibtsnicht/"),
    }


def test_security_headers_on_every_response__ok(web: Any, web_backend: str) -> None:
    wave = web.setup()
    pages = _pages(web, wave)
    pages["static"] = (web.client(), "/static/klappt_web/form.js")
    pages["csv"] = (web.coordinator(), f"/p/{web.program.slug}/w/{wave.pk}/data.csv")
    for name, (client, url) in pages.items():
        r = client.get(url)
        csp = r.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "script-src 'self'" in csp, name
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, name
        assert "frame-ancestors 'none'" in csp, name
        assert r["X-Content-Type-Options"] == "nosniff", name
        assert r["Referrer-Policy"] == "same-origin", name
        assert r["X-Frame-Options"] == "DENY", name


def test_pages_have_no_inline_code_and_nothing_from_elsewhere__ok(
    web: Any, web_backend: str
) -> None:
    wave = web.setup()
    web.submit_reference(web.client(), wave, "gt")
    for name, (client, url) in _pages(web, wave).items():
        html = client.get(url).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert 'src="/static/' in tag or 'type="application/json"' in tag, (name, tag)
        assert not re.search(r"\sstyle=", html), name
        assert not re.search(r"\son[a-z]+=", html), name
        for ref in re.findall(r'(?:src|href|action)="([^"]*)"', html):
            assert not re.match(r"(https?:)?//", ref), (name, ref)


def test_csrf_is_checked_on_every_form__error(web: Any, web_backend: str) -> None:
    wave = web.setup()
    strict = web.client(enforce_csrf_checks=True)
    r = strict.post(web.form_url(wave), {"action": "save", "version": "0", "mehrwert_text": "x"})
    assert r.status_code == 403
    assert (
        "Zurück-Taste" in r.content.decode()
    )  # the friendly page: the entries are still in the browser
    assert strict.post("/login/", {"username": "a", "password": "b"}).status_code == 403
    coordinator = web.client(web.user(), enforce_csrf_checks=True)
    assert coordinator.post(f"/p/{web.program.slug}/w/{wave.pk}/close/").status_code == 403
    # with the token of the page it works
    html = strict.get(web.form_url(wave)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    r = strict.post(
        web.form_url(wave),
        {"csrfmiddlewaretoken": token, "action": "save", "version": version, "mehrwert_text": "x"},
    )
    assert r.status_code == 302


def test_free_text_and_register_names_are_shown_inert_everywhere__ok(
    web: Any, web_backend: str
) -> None:

    from web_helpers import post_data

    wave = web.setup()
    c = web.coordinator()
    site = web.site("gt")
    c.post(
        f"/p/{web.program.slug}/sites/{site.pk}/",
        {"name": "Kreis <b onmouseover=alert(1)>GT</b>", "typ": "kreis", "email": ""},
    )
    answers = dict(web.answers_of("gt"))
    answers["mehrwert_text"] = EVIL
    answers["lebenswelt_angebote"] = EVIL
    s = web.client()
    assert (
        web.post(s, wave, post_data(answers, web.multiple(wave)), action="save").status_code == 302
    )
    html = s.get(web.form_url(wave) + "?edit=1").content.decode()
    assert EVIL not in html and "&lt;script&gt;" in html and "<b onmouseover" not in html
    assert (
        web.post(s, wave, post_data(answers, web.multiple(wave)), action="submit").status_code
        == 302
    )
    pages = _pages(web, wave)
    for name in ("summary", "dashboard", "sites", "detail", "form"):
        client, url = pages[name]
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "onerror=alert" not in html.replace(
            "onerror=alert(1)&gt;", ""
        ), name
        assert "<b onmouseover" not in html, name
    report = c.get(f"/p/{web.program.slug}/w/{wave.pk}/report.html").content.decode()
    assert "<script>alert" not in report and "<img src=x" not in report


def test_guessing_links_is_rate_limited_per_address__error(web: Any, web_backend: str) -> None:
    from django.test import override_settings

    wave = web.setup()
    valid = web.form_url(wave)
    attacker = web.client(REMOTE_ADDR="203.0.113.9")
    with override_settings(KLAPPT_LINK_FAILURES=5):
        for i in range(5):
            assert attacker.get(f"/r/{'g' * 40}{i:03d}/").status_code == 404
        refused = attacker.get(f"/r/{'g' * 43}/")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        # the token is checked first: a valid link opens even from the guessing address
        assert attacker.get(valid).status_code == 200
        assert web.client(REMOTE_ADDR="198.51.100.7").get(f"/r/{'h' * 43}/").status_code == 404


def test_links_are_long_random_and_not_stored__ok(web: Any, web_backend: str) -> None:
    from klappt.web.models import SiteLink

    web.setup()
    tokens = {web.token(s) for s in ("gt", "e", "mk", "bi")}
    assert len(tokens) == 4
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", t) for t in tokens)  # 256 bits
    stored = " ".join(str(v) for row in SiteLink.objects.values() for v in row.values())
    assert not any(t in stored for t in tokens)


def test_exported_cells_cannot_run_as_formulas__ok(web: Any, web_backend: str) -> None:
    from openpyxl import load_workbook
    from web_helpers import post_data

    wave = web.setup()
    answers = dict(web.answers_of("gt"))
    answers["mehrwert_text"] = '=HYPERLINK("http://example.org","klick")'
    answers["verstetigung_text"] = "@SUM(A1:A2)"
    answers["fortfuehrung_text"] = "-2+3"
    answers["lebenswelt_angebote"] = "+49 30 1234"
    s = web.client()
    assert (
        web.post(s, wave, post_data(answers, web.multiple(wave)), action="submit").status_code
        == 302
    )
    c = web.coordinator()
    text = c.get(f"/p/{web.program.slug}/w/{wave.pk}/data.csv").content.decode("utf-8-sig")
    import csv

    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["mehrwert_text"].startswith("'=HYPERLINK")
    assert rows[0]["verstetigung_text"] == "'@SUM(A1:A2)"
    assert rows[0]["lebenswelt_angebote"] == "'+49 30 1234"
    assert rows[0]["thm_anzahl"] == "2"  # numbers stay numbers
    data = c.get(f"/p/{web.program.slug}/w/{wave.pk}/data.xlsx").content
    ws = load_workbook(io.BytesIO(data)).active
    header = [cell.value for cell in ws[1]]
    cell = ws.cell(row=2, column=header.index("mehrwert_text") + 1)
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")  # text, as in the CSV
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)
    assert ws.cell(row=2, column=header.index("thm_anzahl") + 1).value == 2


def test_uploads_are_size_limited__error(web: Any, web_backend: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from klappt.store.models import Wave

    web.load_register()
    c = web.coordinator()
    with override_settings(KLAPPT_MAX_UPLOAD=10_000):
        big = SimpleUploadedFile("gross.xlsx", b"PK" + b"0" * 400_000)
        r = c.post(f"/p/{web.program.slug}/waves/new/", {"name": "x", "form_file": big})
        assert r.status_code == 413
        small = SimpleUploadedFile("gross.xlsx", b"PK" + b"0" * 20_000)
        r = c.post(f"/p/{web.program.slug}/waves/new/", {"name": "x", "form_file": small})
        assert r.status_code == 200 and "zu groß" in r.content.decode()
    assert not Wave.objects.exists()


def _xlsx_with(sheet_xml: bytes) -> bytes:
    from web_helpers import FORM

    src = zipfile.ZipFile(FORM)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            z.writestr(item, data)
    return out.getvalue()


def test_xml_is_parsed_safely__error(web: Any, web_backend: str) -> None:
    import openpyxl.xml
    from django.core.files.uploadedfile import SimpleUploadedFile

    from klappt.store.models import Wave

    assert openpyxl.xml.DEFUSEDXML  # openpyxl reads through defusedxml
    web.load_register()
    c = web.coordinator()
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
            for i in range(1, 10)
        )
        + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    r = c.post(
        f"/p/{web.program.slug}/waves/new/",
        {"name": "x", "form_file": SimpleUploadedFile("lol.xlsx", _xlsx_with(laughs))},
    )
    assert r.status_code == 200 and 'id="error-summary"' in r.content.decode()
    # a zip bomb: a tiny file that unpacks to 60 MB of zeros is not opened
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    r = c.post(
        f"/p/{web.program.slug}/waves/new/",
        {"name": "x", "form_file": SimpleUploadedFile("bombe.xlsx", bomb.getvalue())},
    )
    assert r.status_code == 200 and "überschreitet die Grenze" in r.content.decode()
    assert not Wave.objects.exists()
