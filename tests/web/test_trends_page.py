"""The "Zeitreihe" page of a program (issue 19): every mapped question over the waves with each
wave's own base, equal to a direct count; the mapping shown, uploaded (YAML, XLSX) with its
mistakes shown naming their line or row, and downloaded; the minimum cell size respected.
Every test runs on SQLite and on PostgreSQL (see conftest.py)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

from klappt.reference import reference_path

MERGED = {"ja_umfassend": "ja", "ja_einzeln": "ja", "nein": "nein"}


def _returns(name: str) -> list[dict[str, str]]:
    with reference_path(name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _waves(web: Any) -> tuple[Any, Any]:
    """The pack's synthetic 2021 wave and the 2022 wave, their returns stored with their sites."""
    from django.conf import settings

    from klappt.store.models import Return

    shutil.rmtree(Path(settings.PROJECT_DIR) / "programs" / web.program.slug, ignore_errors=True)
    web.load_register()
    waves = []
    for name, form, data in (
        ("2021", "entwicklungsstand_2021.xlsx", "returns_2021.csv"),
        ("2022", "arbeitshilfe_2022.xlsx", "returns_2022.csv"),
    ):
        wave = web.make_wave(name, form=reference_path(form))
        for i, r in enumerate(_returns(data), start=2):
            Return.objects.create(
                wave=wave,
                return_id=r["_id"],
                row=i,
                site=web.site(r["kommune"]),
                values={k: v for k, v in r.items() if v},
            )
        waves.append(wave)
    return waves[0], waves[1]


def _upload(client: Any, slug: str, name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/p/{slug}/zeitreihe/zuordnung/", {"mapping": SimpleUploadedFile(name, data)}
    )


def _section(page: str, question: str) -> str:
    return page.split(f'id="tr-{question}"', 1)[1].split("</section>", 1)[0]


def test_trend_page_counts_each_wave_through_the_uploaded_mapping__ok(
    web: Any, web_backend: str
) -> None:
    w21, w22 = _waves(web)
    c = web.coordinator()
    url = f"/p/{web.program.slug}/zeitreihe/"
    before = c.get(url).content.decode()
    assert 'id="tr-lebenswelt"' not in before  # renamed in 2021: not the same without a mapping
    r = _upload(
        c, web.program.slug, "zuordnung.yaml", reference_path("mapping_2021_2022.yaml").read_bytes()
    )
    assert r.status_code == 302, r.content[:800]
    page = c.get(url).content.decode()
    section = _section(page, "lebenswelt")
    ja_21 = sum(MERGED[r["lw_massnahmen"]] == "ja" for r in _returns("returns_2021.csv"))
    n_21 = len(_returns("returns_2021.csv"))
    assert f"2021 (n = {n_21})" in section and "2022 (n = 40)" in section
    assert f">{ja_21} (" in section and ">24 (" in section  # 2022: 24 of 40, as printed
    assert "lw_massnahmen" in section  # which question 2021 asked
    # the same sites: transitions as a direct count over site ids
    s21 = {r["kommune"]: MERGED[r["lw_massnahmen"]] for r in _returns("returns_2021.csv")}
    s22 = {r["kommune"]: r["lebenswelt"] for r in _returns("returns_2022.csv")}
    both = [s for s in s21 if s in s22]
    assert f"2021 → 2022: {len(both)}" in section
    stayed = sum(s21[s] == s22[s] == "ja" for s in both)
    assert f'<td>ja</td><td>ja</td><td class="num">{stayed}</td>' in section
    # the mapping shown, with its merged choices
    assert "ja_einzeln → ja" in page and "in_arbeit → nicht vergleichbar" in page
    # and downloadable as YAML and as a workbook
    y = c.get(f"/p/{web.program.slug}/zeitreihe/zuordnung/{w21.pk}-{w22.pk}.yaml")
    assert y.status_code == 200 and b"lw_massnahmen" in y.content
    x = c.get(f"/p/{web.program.slug}/zeitreihe/zuordnung/{w21.pk}-{w22.pk}.xlsx")
    import openpyxl

    wb = openpyxl.load_workbook(
        io.BytesIO(b"".join(x.streaming_content if x.streaming else [x.content]))
    )
    assert wb["Zuordnung"]["B1"].value == "2021"


def test_a_wrong_mapping_is_shown_naming_its_line_and_nothing_kept__error(
    web: Any, web_backend: str
) -> None:
    _waves(web)
    c = web.coordinator()
    text = reference_path("mapping_2021_2022.yaml").read_text(encoding="utf-8")
    bad = text.replace("ja_einzeln: ja", "ja_einzeln: vielleicht")
    r = _upload(c, web.program.slug, "falsch.yaml", bad.encode())
    assert r.status_code == 400
    page = r.content.decode()
    line = next(i for i, t in enumerate(bad.splitlines(), 1) if "vielleicht" in t)
    assert 'id="mapping-error"' in page
    assert f"falsch.yaml, Zeile {line}" in page and "vielleicht" in page
    assert "Noch keine Zuordnung gespeichert." in page
    # an analyst may look but not upload
    r = _upload(web.analyst(), web.program.slug, "zuordnung.yaml", text.encode())
    assert r.status_code == 403


def test_a_wave_under_the_minimum_is_not_shown__ok(web: Any, web_backend: str) -> None:
    from klappt.store.models import Return

    w21, _ = _waves(web)
    Return.objects.filter(wave=w21).exclude(return_id__in=["es21-001", "es21-002"]).delete()
    c = web.coordinator()
    _upload(c, web.program.slug, "z.yaml", reference_path("mapping_2021_2022.yaml").read_bytes())
    section = _section(c.get(f"/p/{web.program.slug}/zeitreihe/").content.decode(), "lebenswelt")
    assert "2021 (n = &lt; 3)" in section
    assert ">1 (" not in section and ">2 (" not in section  # no figure of the two sites
