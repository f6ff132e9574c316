"""Uploads beyond the limits of klappt.limits: one message on the page, never a 500.

A form or register hidden behind junk before its ``PK`` signature, a register of a million
columns or half a million rows: each is refused before it is parsed, and nothing is stored.
Every test runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from klappt.reference import reference_path


def _bomb(junk: bytes, size: int = 200 << 20) -> bytes:
    """The reference form plus ``size`` zeros (compressing ~1000:1), behind ``junk``."""
    out = io.BytesIO()
    src = reference_path("arbeitshilfe_2022.xlsx").read_bytes()
    with (
        zipfile.ZipFile(io.BytesIO(src)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        with zout.open("xl/media/zeros.bin", "w") as fh:
            for _ in range(size >> 20):
                fh.write(b"\0" * (1 << 20))
    return junk + out.getvalue()


def _upload(web: Any, url: str, field: str, name: str, data: bytes, extra: dict | None = None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return web.coordinator().post(url, {**(extra or {}), field: SimpleUploadedFile(name, data)})


def test_form_behind_one_junk_byte_is_refused_on_the_page__error(
    web: Any, web_backend: str
) -> None:
    from klappt.store.models import Wave

    web.load_register()
    data = _bomb(b"x")
    assert not data.startswith(b"PK")
    r = _upload(
        web, f"/p/{web.program.slug}/waves/new/", "form_file", "form.xlsx", data, {"name": "x"}
    )
    html = r.content.decode()
    assert r.status_code == 200 and 'id="error-summary"' in html
    assert "überschreitet die Grenze" in html and "KLAPPT_MAX_FORM_UNPACKED_MB" in html
    assert "form.xlsx" in html and "klappt-web-form-" not in html  # no temporary folder shown
    assert not Wave.objects.exists()


def test_register_behind_junk_bytes_is_refused_on_the_page__error(
    web: Any, web_backend: str
) -> None:
    from klappt.store.models import Site

    r = _upload(
        web,
        f"/p/{web.program.slug}/sites/upload/",
        "register_file",
        "standorte.xlsx",
        _bomb(b"\0" * 3),
    )
    html = r.content.decode()
    assert r.status_code == 200 and 'id="error-summary"' in html
    assert "überschreitet die Grenze" in html and "standorte.xlsx" in html
    assert not Site.objects.exists()


def test_register_with_a_million_columns_is_refused_on_the_page__error(
    web: Any, web_backend: str
) -> None:
    from klappt.store.models import Site

    header = "name," + ",".join(f"c{i}" for i in range(1_000_000))
    r = _upload(
        web,
        f"/p/{web.program.slug}/sites/upload/",
        "register_file",
        "standorte.csv",
        (header + "\nAltstadt\n").encode(),
    )
    html = r.content.decode()
    assert r.status_code == 200 and 'id="error-summary"' in html
    assert "KLAPPT_MAX_REGISTER_COLUMNS" in html and "1000001 &gt; 1000" in html
    assert not Site.objects.exists()


def test_register_of_half_a_million_rows_is_refused_on_the_page__error(
    web: Any, web_backend: str
) -> None:
    from klappt.store.models import Site

    body = "name\n" + "".join(f"N{i}\n" for i in range(500_000))
    r = _upload(
        web, f"/p/{web.program.slug}/sites/upload/", "register_file", "standorte.csv", body.encode()
    )
    html = r.content.decode()
    assert r.status_code == 200 and 'id="error-summary"' in html
    assert "KLAPPT_MAX_REGISTER_ROWS" in html
    assert not Site.objects.exists()
