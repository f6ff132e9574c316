"""Dates that end access: links valid until a day, waves that close by themselves some days
after their deadline. Every test runs on SQLite and on PostgreSQL (see conftest.py)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone


def _html(response: Any) -> str:
    return response.content.decode()


def _messages(client: Any, url: str) -> str:
    return _html(client.get(url))


# --- links with an expiry date ---------------------------------------------------------------


def test_a_link_past_its_expiry_date_says_so_in_the_pages_language__error(
    web: Any, web_backend: str
) -> None:
    from klappt.web.models import RateBucket, SiteLink

    wave = web.setup()
    c = web.coordinator()
    site = web.site("gt")
    token = web.token("gt")
    today = timezone.localdate()
    r = c.post(f"/p/{web.program.slug}/sites/{site.pk}/expiry/", {"link-expires": today})
    assert r.status_code == 302
    link = SiteLink.objects.get(site=site, revoked_at__isnull=True)
    assert timezone.localtime(link.expires_at).date() == today  # valid through the whole day
    assert web.client().get(f"/r/{token}/").status_code == 200  # still open today: the form
    edit = _messages(c, f"/p/{web.program.slug}/sites/{site.pk}/")
    assert "gültig bis" in edit

    SiteLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    r = web.client().get(f"/r/{token}/{wave.pk}/")
    html = _html(r)
    assert r.status_code == 410
    assert "Dieser Link ist abgelaufen" in html and "Ihre gespeicherten Angaben" not in html
    assert "Nichts, was Sie gespeichert haben, geht verloren" in html
    english = web.client()
    english.cookies["klappt_lang"] = "en"  # German unless the page's language switch says so
    r = english.get(f"/r/{token}/")
    assert r.status_code == 410 and "This link has expired" in _html(r)
    assert "valid until" in _html(r)
    # like a revoked link, it counts towards the rate limit of the address
    assert RateBucket.objects.get(key__startswith="link:").count == 2
    # the coordinator sees it, and can lift the date
    assert "abgelaufen am" in _messages(c, f"/p/{web.program.slug}/sites/{site.pk}/")
    c.post(f"/p/{web.program.slug}/sites/{site.pk}/expiry/", {"link-expires": ""})
    assert SiteLink.objects.get(pk=link.pk).expires_at is None
    assert web.client().get(f"/r/{token}/").status_code == 200


def test_an_expiry_date_in_the_past_is_refused__error(web: Any, web_backend: str) -> None:
    from klappt.web.models import SiteLink

    web.setup()
    c = web.coordinator()
    site = web.site("gt")
    web.token("gt")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    r = c.post(f"/p/{web.program.slug}/sites/{site.pk}/expiry/", {"link-expires": yesterday})
    assert r.status_code == 302
    assert "heute oder einen späteren Tag" in _messages(c, r["Location"])
    assert SiteLink.objects.get(site=site, revoked_at__isnull=True).expires_at is None


def test_all_links_get_one_expiry_date_and_a_reissued_link_keeps_it__ok(
    web: Any, web_backend: str
) -> None:
    import csv
    import io

    from klappt.web.models import SiteLink

    web.setup()
    c = web.coordinator()
    c.post(f"/p/{web.program.slug}/w/{web.make_wave('2023').pk}/open/")  # issues every link
    day = timezone.localdate() + dt.timedelta(days=30)
    r = c.post(f"/p/{web.program.slug}/sites/", {"all-expires": day})
    assert r.status_code == 302
    assert "54 Links sind gültig bis" in _messages(c, r["Location"])
    active = SiteLink.objects.filter(site__program=web.program, revoked_at__isnull=True)
    assert {timezone.localtime(x.expires_at).date() for x in active} == {day}
    site = web.site("gt")
    c.post(f"/p/{web.program.slug}/sites/{site.pk}/reissue/")
    new = SiteLink.objects.get(site=site, revoked_at__isnull=True)
    assert timezone.localtime(new.expires_at).date() == day
    text = c.get(f"/p/{web.program.slug}/sites/links.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["valid_until"] for r in rows} == {day.isoformat()}


# --- waves that close by themselves ------------------------------------------------------------


def _set_deadline(c: Any, web: Any, wave: Any, day: dt.date, grace: Any) -> Any:
    return c.post(
        f"/p/{web.program.slug}/w/{wave.pk}/settings/",
        {"what": "deadline", "deadline": day.isoformat(), "grace_days": grace},
    )


def test_a_wave_closes_by_itself_days_after_its_deadline__ok(web: Any, web_backend: str) -> None:
    from klappt.store.models import Wave
    from klappt.web.models import SiteReturn, WaveSchedule

    wave = web.setup()
    c = web.coordinator()
    today = timezone.localdate()
    r = _set_deadline(c, web, wave, today, 7)
    assert r.status_code == 302
    schedule = WaveSchedule.objects.get(wave=wave)
    assert timezone.localtime(schedule.closes_at).date() == today + dt.timedelta(days=7)
    assert "schließt automatisch am" in _messages(c, r["Location"])
    site = web.client()
    form = _html(site.get(web.form_url(wave)))
    assert "Die Befragung schließt am" in form  # the sites are told
    version = web.version(site, web.form_url(wave))

    # a week later (moved back here instead of waiting)
    moment = timezone.now() - dt.timedelta(minutes=5)
    WaveSchedule.objects.filter(pk=schedule.pk).update(closes_at=moment)
    r = web.post(site, wave, {"mehrwert_text": "spät"}, version=version)
    html = _html(r)
    assert r.status_code == 409 and "spät</textarea>" in html  # nothing entered is lost
    assert not SiteReturn.objects.filter(wave=wave, version__gt=0).exists()
    w = Wave.objects.get(pk=wave.pk)
    assert w.closed_at == moment and not w.is_open  # closed at its moment, as by hand
    r = site.get(web.form_url(wave))
    assert r["Location"].endswith("/summary/")
    summary = _html(site.get(r["Location"]))
    assert re.search(r"Diese Befragung wurde am \d\d\.\d\d\.\d{4}, \d\d:\d\d geschlossen", summary)
    dash = _messages(c, f"/p/{web.program.slug}/w/{wave.pk}/")
    assert "geschlossen am" in dash and "geschlossen</span>" in dash


def test_a_page_closes_a_due_wave_before_showing_it__ok(web: Any, web_backend: str) -> None:
    from klappt.store.models import Wave
    from klappt.web.models import WaveSchedule

    wave = web.setup()
    c = web.coordinator()
    _set_deadline(c, web, wave, timezone.localdate(), 0)
    WaveSchedule.objects.filter(wave=wave).update(closes_at=timezone.now())
    assert Wave.objects.get(pk=wave.pk).is_open  # nobody looked yet
    r = web.client().get(f"/r/{web.token('gt')}/")
    assert r.status_code == 200  # no open wave any more: the list of waves, not the form
    assert "geschlossen" in _html(r)
    assert not Wave.objects.get(pk=wave.pk).is_open


def test_opening_a_closed_wave_again_switches_automatic_closing_off__ok(
    web: Any, web_backend: str
) -> None:
    from klappt.store.models import Wave
    from klappt.web.models import WaveSchedule

    wave = web.setup()
    c = web.coordinator()
    past = timezone.localdate() - dt.timedelta(days=10)
    r = _set_deadline(c, web, wave, past, 2)  # its closing day has passed already
    assert "ist jetzt geschlossen" in _messages(c, r["Location"])
    assert not Wave.objects.get(pk=wave.pk).is_open
    r = c.post(f"/p/{web.program.slug}/w/{wave.pk}/open/")
    assert "automatische Schließen ist ausgeschaltet" in _messages(c, r["Location"])
    assert Wave.objects.get(pk=wave.pk).is_open
    schedule = WaveSchedule.objects.get(wave=wave)
    assert schedule.closes_at is None and schedule.grace_days is None


def test_automatic_closing_without_a_deadline_is_refused__error(web: Any, web_backend: str) -> None:
    from klappt.web.models import WaveSchedule

    wave = web.setup()
    c = web.coordinator()
    r = c.post(
        f"/p/{web.program.slug}/w/{wave.pk}/settings/",
        {"what": "deadline", "deadline": "", "grace_days": "3"},
    )
    html = _html(r)
    assert r.status_code == 200
    assert re.search(r'id="id_grace_days_error">.*braucht eine Frist', html, re.S)
    # the field names its hint and its problem, so a screen reader reads both
    assert 'aria-describedby="id_grace_days_helptext id_grace_days_error"' in html
    assert 'id="id_grace_days_helptext"' in html
    assert not WaveSchedule.objects.filter(wave=wave).exists()
