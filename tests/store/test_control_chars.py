"""Text with NUL and other control characters from a file is stored alike on both databases.

PostgreSQL refuses a NUL byte in text and JSON; the store drops the C0 control characters
(except tab, line feed, carriage return) from registers and data files before storing them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

FORM_MD = """\
| survey   |            |           |           |
|          | type       | name      | label     |
|          | text       | kommune   | Kommune   |
|          | text       | bemerkung | Bemerkung |
| settings |            |           |           |
|          | form_title | form_id   | version   |
|          | NUL        | nul       | 1         |
"""


def test_nul_in_register_and_data_is_dropped_not_refused__ok(
    store: Any, project: Path, tmp_path: Path
) -> None:
    from klappt.store.models import Return, Site

    # a NUL in the first 4 KB reads as a binary file; further down it reaches the database
    filler = b"".join(b"F%03d,Ort %03d,kreis,\n" % (i, i) for i in range(300))
    register = tmp_path / "standorte.csv"
    register.write_bytes(
        b"site_id,name,typ,notiz\n" + filler + b"K01,Alt\x00stadt,kreis,a\x01b\nK02,Berg,kreis,\n"
    )
    assert store.import_register(project, register) == 302
    sites = dict(Site.objects.values_list("site_id", "name"))
    assert sites["K01"] == "Altstadt" and sites["K02"] == "Berg"
    assert Site.objects.get(site_id="K01").attributes == {"notiz": "ab"}

    form = tmp_path / "bogen.md"
    form.write_text(FORM_MD, encoding="utf-8")
    data = tmp_path / "daten.csv"
    rows = b"".join(b"f%03d,F%03d,text %03d\n" % (i, i, i) for i in range(300))
    data.write_bytes(b"_uuid,kommune,bemerkung\n" + rows + b"u1,K01,gut\x00 so\x0b!\tja\nu2,K02,\n")
    result = store.import_wave(project, "2024", form, data)
    assert result.responses == 302
    stored = dict(Return.objects.values_list("return_id", "values"))
    assert stored["u1"]["bemerkung"] == "gut so!\tja"
