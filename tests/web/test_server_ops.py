"""Operations against a real ``klappt serve`` (issue 16): the site link opens its form without a
redirect, responses are compressed where the client accepts it, and the server's log shows no
link token and no traceback for the requests a server refuses every day.

The client is :class:`http_session.Session` (no redirect followed, no Accept-Encoding unless a
test sends one). Each test runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import gzip
import os
import secrets
from pathlib import Path

from databases import served_project
from http_session import Session, form_state


def _inner() -> bool:
    return bool(os.environ.get("KLAPPT_WEB_BACKEND"))


def test_the_link_opens_the_form_compressed_and_logs_no_token__ok(
    web_backend: str, tmp_path: Path
) -> None:
    if not _inner():
        return  # the outer run: the test runs in the child process of its backend
    import brotli

    with served_project(web_backend, tmp_path, KLAPPT_ACCESS_LOG="-") as p:
        server = p["server"]
        link = p["links"]["gt"]
        tokens = [path.strip("/").split("/")[-1] for path in p["links"].values()]
        site = Session(server.base)

        # the personal link answers with the form itself: no redirect before it
        page = site.get(link)
        assert page.status == 200, (page.status, page.location)
        assert 'id="klappt-form"' in page.text and not page.location
        assert "content-encoding" not in page.headers  # the client did not ask for it
        # ... and the form posts back to the link's address: a draft is saved there
        version, csrf = form_state(page.text)
        saved = site.post(
            link,
            {
                "action": "save",
                "version": version,
                "key": secrets.token_hex(16),
                "csrfmiddlewaretoken": csrf,
            },
        )
        assert saved.status == 302, saved.text[:500]
        assert saved.location.startswith(f"{link}{p['wave']}/")
        again = site.get(link)
        assert again.status == 200 and form_state(again.text)[0] == version + 1

        # compressed where the client accepts it: gzip, or brotli when it says br
        zipped = site.request("GET", link, headers={"Accept-Encoding": "gzip"})
        assert zipped.headers.get("content-encoding") == "gzip"
        assert "Accept-Encoding" in zipped.headers.get("vary", "")
        html = gzip.decompress(zipped.body).decode()
        assert 'id="klappt-form"' in html and len(zipped.body) < len(html.encode()) / 3
        br = site.request("GET", link, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert br.headers.get("content-encoding") == "br"
        assert 'id="klappt-form"' in brotli.decompress(br.body).decode()
        refused = site.request("GET", link, headers={"Accept-Encoding": "br;q=0, gzip"})
        assert refused.headers.get("content-encoding") == "gzip"
        css = site.request(
            "GET", "/static/klappt_web/klappt.css", headers={"Accept-Encoding": "gzip"}
        )
        assert css.status == 200 and css.headers.get("content-encoding") == "gzip"
        assert b"{" in gzip.decompress(css.body)
        # a workbook is a zip already: it goes out as it is
        coordinator = p["session"]
        xlsx = coordinator.request(
            "GET",
            f"/p/{p['slug']}/w/{p['wave']}/data.xlsx",
            headers={"Accept-Encoding": "gzip, br"},
        )
        assert xlsx.status == 200 and "content-encoding" not in xlsx.headers
        assert xlsx.body.startswith(b"PK")
        data = coordinator.request(
            "GET",
            f"/p/{p['slug']}/w/{p['wave']}/data.csv?dialect=excel-de",
            headers={"Accept-Encoding": "gzip"},
        )
        assert data.status == 200
        if "content-encoding" in data.headers:  # a tiny file stays as it is
            assert gzip.decompress(data.body).startswith(b"\xef\xbb\xbf_id;")

        # what a server refuses every day, each with the link in it
        form = link + f"{p['wave']}/"
        assert site.request("HEAD", form).status == 405  # the form page takes GET and POST
        assert site.request("PUT", link).status == 403  # unsafe, without a CSRF token
        assert Session(server.base).post(form, {"action": "save"}).status == 403  # no CSRF
        assert site.request("GET", form, headers={"Host": "evil.example"}).status == 400
        assert site.request("GET", link.rstrip("/")).status == 301  # the slash is added
        assert Session(server.base).get(f"/r/{'Q' * 43}/").status == 404
        quoted = link.replace("/r/", "/r%2F")
        site.request("GET", f"/login/?next={quoted}", headers={"Referer": server.base + form})
    log = (tmp_path / "server.log").read_text(encoding="utf-8", errors="replace")
    assert f"Method Not Allowed: /r/***/{p['wave']}/" in log
    assert "Forbidden (CSRF cookie not set.): /r/***/" in log
    assert "Invalid HTTP_HOST header: 'evil.example'" in log
    assert "Not Found: /r/***/" in log
    for token in [*tokens, "Q" * 43]:
        assert token not in log
    assert "Traceback" not in log
