"""Site reports in the web app (issue 18): release, each link downloads only its own report,
the coordinator's ZIP and the download log; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import subprocess
import zipfile
from typing import Any

from pptx import Presentation

NAMES = {"gt": "Kreis Gütersloh", "e": "Essen", "mk": "Märkischer Kreis", "d": "Düsseldorf"}


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    run = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return run.stdout.decode("utf-8")


def _pptx_text(data: bytes) -> str:
    slides = Presentation(io.BytesIO(data)).slides
    return " ".join(
        sh.text_frame.text for s in slides for sh in s.shapes if getattr(sh, "has_text_frame", 0)
    )


def _wave(web: Any, sites: tuple[str, ...] = ("gt", "e", "mk")) -> Any:
    wave = web.setup()
    site_client = web.client()
    for kommune in sites:
        assert web.submit_reference(site_client, wave, kommune).status_code == 302
    return wave


def _release(web: Any, wave: Any, absent: str = "program") -> Any:
    coord = web.coordinator()
    url = f"/p/{web.program.slug}/w/{wave.pk}/site-reports/release/"
    r = coord.post(url, {"absent": absent})
    assert r.status_code == 302
    return coord


def _report(web: Any, wave: Any, site: str, fmt: str, **extra: Any) -> Any:
    return web.client().get(f"/r/{web.token(site)}/{wave.pk}/bericht.{fmt}", **extra)


def test_nothing_before_the_release__edge(web: Any, web_backend: str) -> None:
    wave = _wave(web)
    assert _report(web, wave, "e", "pdf").status_code == 404
    assert _report(web, wave, "e", "pptx").status_code == 404
    coord = web.coordinator()
    assert coord.get(f"/p/{web.program.slug}/w/{wave.pk}/site-reports/all.zip").status_code == 404
    wave.closed_at = wave.opened_at
    wave.save()
    landing = web.client().get(f"/r/{web.token('e')}/").content.decode()
    assert "bericht.pdf" not in landing
    page = coord.get(f"/p/{web.program.slug}/w/{wave.pk}/").content.decode()
    assert "Nicht freigegeben" in page
    coord.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = coord.get(f"/p/{web.program.slug}/w/{wave.pk}/").content.decode()
    assert "Not released: the sites see no report yet." in english
    assert "Release the site reports" in english


def test_each_link_downloads_its_own_report__ok(web: Any, web_backend: str) -> None:
    from klappt.web.models import SiteReportDownload

    wave = _wave(web)
    coord = _release(web, wave)
    wave.closed_at = wave.opened_at
    wave.save()
    landing = web.client().get(f"/r/{web.token('e')}/").content.decode()
    assert f"/{wave.pk}/bericht.pdf" in landing and f"/{wave.pk}/bericht.pptx" in landing
    pdf = _report(web, wave, "e", "pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "attachment" in pdf["Content-Disposition"]
    text = _pdf_text(pdf.content)
    assert "Essen" in text
    for other in ("gt", "mk"):
        assert NAMES[other] not in text
    pptx = _report(web, wave, "gt", "pptx")
    assert pptx.status_code == 200
    text = _pptx_text(pptx.content)
    assert "Kreis Gütersloh" in text and "Essen" not in text and "Märkischer" not in text
    # the log: who fetched what, and the dashboard says so per site
    got = list(SiteReportDownload.objects.values_list("site__site_id", "fmt"))
    assert sorted(got) == [("e", "pdf"), ("gt", "pptx")]
    page = coord.get(f"/p/{web.program.slug}/w/{wave.pk}/").content.decode()
    assert page.count("1 Mal heruntergeladen") == 2
    assert "2 Standorte haben ihren Bericht abgerufen" in page
    assert "noch nicht abgerufen" in page  # mk


def test_an_open_waves_summary_offers_the_report__ok(web: Any, web_backend: str) -> None:
    """While the wave is still open the link shows the site's submitted answers: the report's
    links are there too, for the link's own site only."""
    wave = _wave(web)
    token = web.token("e")
    before = web.client().get(f"/r/{token}/", follow=True).content.decode()
    assert "Ihr Standortbericht" not in before
    _release(web, wave, absent="none")
    after = web.client().get(f"/r/{token}/", follow=True).content.decode()
    assert f"/r/{token}/{wave.pk}/bericht.pdf" in after
    assert "Ihr Standortbericht" in after
    # Düsseldorf did not return and gets no report: its page offers none
    page = web.client().get(f"/r/{web.token('d')}/", follow=True).content.decode()
    assert "Ihr Standortbericht" not in page


def test_a_link_never_reaches_another_sites_report__security(web: Any, web_backend: str) -> None:
    from klappt.store.models import Program, Site, Wave
    from klappt.web import links

    wave = _wave(web)
    _release(web, wave)
    essen = web.site("e")
    token_gt = web.token("gt")
    # the report is the link's site's, whatever else the request names
    for url in (
        f"/r/{token_gt}/{wave.pk}/bericht.pdf?site=e",
        f"/r/{token_gt}/{wave.pk}/bericht.pdf?site_id=e&site_pk={essen.pk}",
    ):
        r = web.client().get(url)
        assert r.status_code == 200
        text = _pdf_text(r.content)
        assert "Kreis Gütersloh" in text and "Essen" not in text
    # a site id in the path is no URL of the app
    for url in (
        f"/r/{token_gt}/{wave.pk}/{essen.pk}/bericht.pdf",
        f"/r/{token_gt}/{wave.pk}/e/bericht.pdf",
        f"/r/{token_gt}/{wave.pk}/bericht.e.pdf",
        f"/r/{token_gt}/{wave.pk}/bericht.html",
    ):
        assert web.client().get(url).status_code == 404, url
    # an unknown or revoked token gets nothing, nor does a site of another program's wave
    assert web.client().get(f"/r/{'x' * 43}/{wave.pk}/bericht.pdf").status_code == 404
    other = Program.objects.create(name="Anderes", slug="anderes")
    stranger = Site.objects.create(program=other, site_id="e", name="Essen Anders")
    token_other = links.token_of(links.issue(stranger))
    assert web.client().get(f"/r/{token_other}/{wave.pk}/bericht.pdf").status_code == 404
    token_mk = web.token("mk")
    links.issue(web.site("mk"))  # a new link: the old one is revoked
    assert web.client().get(f"/r/{token_mk}/{wave.pk}/bericht.pdf").status_code == 410
    assert Wave.objects.count() == 1


def test_the_zip_is_for_coordinators_only__security(web: Any, web_backend: str) -> None:
    wave = _wave(web, ("gt", "e", "mk", "d"))
    coord = _release(web, wave, absent="none")
    url = f"/p/{web.program.slug}/w/{wave.pk}/site-reports/all.zip"
    anonymous = web.client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert web.analyst().get(url).status_code == 403
    # a site's token is no key to it either
    assert web.client().get(url + f"?token={web.token('e')}").status_code == 302
    # each request renders at least one report, then stops when its time is used (0 s here):
    # the page says how far it got, and the next request goes on
    from django.test import override_settings

    with override_settings(KLAPPT_SITE_ZIP_SECONDS=0):
        for done in range(1, 8):
            page = coord.get(url)
            assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
            assert f"{done} von 8 Berichten sind fertig" in page.content.decode()
        r = coord.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    assert coord.get(url).content == r.content  # kept: the same bytes at once
    names = sorted(zipfile.ZipFile(io.BytesIO(r.content)).namelist())
    reports = [n for n in names if not n.endswith(".csv")]
    assert reports == sorted(f"{s}.{f}" for s in ("d", "e", "gt", "mk") for f in ("pdf", "pptx"))
    z = zipfile.ZipFile(io.BytesIO(r.content))
    assert "Düsseldorf" in _pdf_text(z.read("d.pdf"))
    index = z.read(next(n for n in names if n.endswith(".csv"))).decode()
    assert index.count("\n") == 5  # header and the four sites that returned


def test_sites_without_a_return_as_the_coordinator_chose__ok(web: Any, web_backend: str) -> None:
    from klappt.web.models import SiteReportFile, SiteReportRelease

    wave = _wave(web)
    _release(web, wave, absent="none")
    assert _report(web, wave, "d", "pdf").status_code == 404  # Düsseldorf did not return
    assert _report(web, wave, "e", "pdf").status_code == 200
    first = SiteReportRelease.objects.get()
    assert set(first.site_ids) == {"gt", "e", "mk"}
    assert SiteReportFile.objects.filter(release=first).count() == 1
    # released again, short reports for the others: a new release, new bytes
    _release(web, wave, absent="program")
    second = SiteReportRelease.objects.order_by("-number").first()
    assert second.number == 2 and len(second.site_ids) == 54
    r = _report(web, wave, "d", "pdf")
    assert r.status_code == 200
    assert "Düsseldorf" in _pdf_text(r.content)
    assert _report(web, wave, "e", "pdf").status_code == 200
    assert SiteReportFile.objects.filter(release=second).count() == 2
    # the first release's bytes are no longer served: the dashboard counts this release only
    page = web.coordinator().get(f"/p/{web.program.slug}/w/{wave.pk}/").content.decode()
    assert "für 54 Standorte" in page


def test_a_wave_without_returns_is_not_released__error(web: Any, web_backend: str) -> None:
    from klappt.web.models import SiteReportRelease

    wave = web.setup()
    coord = _release(web, wave)
    assert SiteReportRelease.objects.count() == 0
    page = coord.get(f"/p/{web.program.slug}/w/{wave.pk}/").content.decode()
    assert "Nicht freigegeben" in page
    assert "Keine eingereichten Rückläufe (2022)" in page


def test_the_previous_web_wave_is_compared__ok(web: Any, web_backend: str) -> None:
    """An earlier wave of the program with returns gives each site its own previous answer."""
    web.load_register()
    earlier = web.make_wave(name="2020")
    wave = web.make_wave(name="2022")
    client = web.client()
    for w in (earlier, wave):
        for kommune in ("gt", "e", "mk"):
            assert web.submit_reference(client, w, kommune).status_code == 302
    _release(web, wave, absent="none")
    with_before = _pdf_text(_report(web, wave, "e", "pdf").content)
    assert "2020" in with_before and "→" in with_before
    # without the earlier wave's returns there is nothing to compare with
    from klappt.store.models import Return

    Return.objects.filter(wave=earlier).delete()
    _release(web, wave, absent="none")
    alone = _pdf_text(_report(web, wave, "e", "pdf").content)
    assert "Essen" in alone and "→" not in alone
