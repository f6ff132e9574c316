"""Hardening of what the web app stores: control characters, one password policy, a bounded
number of versions per return. Every test runs on SQLite and on PostgreSQL (see conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def test_nul_in_an_answer_is_dropped_and_the_answer_kept__ok(web: Any, web_backend: str) -> None:
    from klappt.store.models import Return
    from klappt.web.models import ReturnVersion, SiteReturn

    wave = web.setup()
    c = web.client()
    typed = "Sport\x00fest\x07 im\tPark\nund mehr"
    r = web.post(c, wave, {"lebenswelt": "ja", "lebenswelt_angebote": typed})
    assert r.status_code == 302
    sr = SiteReturn.objects.get(wave=wave, site=web.site("gt"))
    assert sr.values["lebenswelt_angebote"] == "Sportfest im\tPark\nund mehr"
    assert ReturnVersion.objects.filter(site_return=sr).count() == 1
    # the draft is shown again, and a submit with a NUL goes through too
    assert "Sportfest im" in c.get(web.form_url(wave)).content.decode()
    from reference_data import post_data

    data = post_data(web.answers_of("gt"), web.multiple(wave))
    data["lebenswelt_angebote"] = "Lauf\x00treff"
    r = web.post(c, wave, data, action="submit")
    assert r.status_code == 302, r.content.decode()[:2000]
    ret = Return.objects.get(wave=wave, site=web.site("gt"))
    assert ret.values["lebenswelt_angebote"] == "Lauftreff"


def test_nul_in_an_uploaded_register_is_dropped__ok(web: Any, web_backend: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from klappt.store.models import Site

    c = web.coordinator()
    # a NUL in the first 4 KB reads as a binary file; further down it reaches the database
    filler = b"".join(b"Ort %03d,kreis\n" % i for i in range(400))
    data = b"name,typ\n" + filler + b"Alt\x00stadt,kr\x00eis\n"
    r = c.post(
        f"/p/{web.program.slug}/sites/upload/",
        {"register_file": SimpleUploadedFile("standorte.csv", data)},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    site = Site.objects.get(program=web.program, name="Altstadt")
    assert site.typ == "kreis"


WEAK = ("aaaaaaaaaa", "1234567890", "qwertyuiop")


def test_members_page_refuses_what_createuser_refuses__error(web: Any, web_backend: str) -> None:
    from django.contrib.auth import get_user_model

    c = web.coordinator()
    url = f"/p/{web.program.slug}/members/"
    for weak in WEAK:
        r = c.post(url, {"username": "neu", "password": weak, "role": "analyst"})
        assert r.status_code == 200, weak
        assert "Passwort" in r.content.decode()  # Django's own German message
    english = web.coordinator()
    english.cookies["klappt_lang"] = "en"
    r = english.post(url, {"username": "neu", "password": "1234567890", "role": "analyst"})
    assert "entirely numeric" in r.content.decode()
    r = c.post(url, {"username": "lindenblatt", "password": "lindenblatt1", "role": "analyst"})
    assert r.status_code == 200  # too like the user name
    assert not get_user_model().objects.filter(username__in=["neu", "lindenblatt"]).exists()
    r = c.post(url, {"username": "neu", "password": "Lindenblatt-Segelboot-7", "role": "analyst"})
    assert r.status_code == 302
    assert get_user_model().objects.get(username="neu").check_password("Lindenblatt-Segelboot-7")


def test_createuser_uses_the_same_policy_in_both_languages__error(tmp_path: Path) -> None:
    """The command line (SQLite project; the policy does not depend on the database)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "KLAPPT_PROJECT")
    }
    env["COLUMNS"] = "400"  # the message on one line
    project = tmp_path / "projekt"
    subprocess.run([sys.executable, "-m", "klappt", "init", str(project)], env=env, check=True)

    def createuser(password: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                *(sys.executable, "-m", "klappt", "createuser", "konto", "--password-stdin"),
                *("--project", str(project), *extra),
            ],
            input=password + "\n",
            capture_output=True,
            text=True,
            env=env,
        )

    for weak in WEAK:
        done = createuser(weak)
        assert done.returncode == 2, (weak, done.stderr)
        assert "Passwort" in done.stderr
    done = createuser("1234567890", "--lang", "en")
    assert done.returncode == 2 and "entirely numeric" in done.stderr
    assert createuser("Lindenblatt-Segelboot-7").returncode == 0


def test_drafts_of_one_link_stay_bounded_and_submits_stay__ok(web: Any, web_backend: str) -> None:
    from klappt.web.models import ReturnVersion, SiteReturn

    wave = web.setup()
    a, b = web.client(), web.client()
    text = "x" * 20000
    for i in range(50):
        client = a if i < 30 else (a, b)[i % 2]  # one browser, then two taking turns
        r = web.post(client, wave, {"lebenswelt": "ja", "lebenswelt_angebote": f"{i} {text}"})
        assert r.status_code == 302
    sr = SiteReturn.objects.get(wave=wave, site=web.site("gt"))
    assert sr.version == 50
    kept = ReturnVersion.objects.filter(site_return=sr)
    # 30 saves of one browser are one draft; the 20 alternating ones each keep theirs, of
    # which the newest 20 drafts stay
    assert kept.count() == 20
    assert kept.order_by("-number").first().values["lebenswelt_angebote"].startswith("49 ")
    r = web.submit_reference(a, wave)
    assert r.status_code == 302
    submitted = kept.filter(kind="submit").values_list("number", flat=True).get()
    for i in range(25):
        web.post(a, wave, {"lebenswelt": "ja", "lebenswelt_angebote": f"n{i} {text}"})
    assert kept.filter(kind="submit").values_list("number", flat=True).get() == submitted
    assert kept.filter(kind="draft").count() <= 20
    stored = sum(len(str(v)) for v in kept.values_list("values", flat=True))
    assert stored < 21 * (len(text) + 1000)


def test_one_answer_set_is_bounded_by_the_post_limit__error(web: Any, web_backend: str) -> None:
    from klappt.web.models import SiteReturn

    wave = web.setup()
    c = web.client()
    big = {"lebenswelt_angebote": "y" * (3 * 1024 * 1024)}
    r = web.post(c, wave, big)
    assert r.status_code in (400, 413)
    assert not SiteReturn.objects.filter(wave=wave, site=web.site("gt"), version__gt=0).exists()


def test_trusted_proxies_by_address_name_the_client__ok(web: Any, web_backend: str) -> None:
    from django.test import RequestFactory, override_settings

    from klappt.web.ratelimit import client_address

    def address(remote: str, forwarded: str) -> str:
        request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
        return client_address(request)

    assert address("10.0.0.5", "198.51.100.3") == "10.0.0.5"  # no setting: header ignored
    with override_settings(KLAPPT_TRUSTED_PROXIES="10.0.0.0/24, 10.0.1.7"):
        assert address("10.0.0.5", "gefälscht, 198.51.100.3, 10.0.1.7") == "198.51.100.3"
        assert address("192.0.2.1", "198.51.100.3") == "192.0.2.1"  # not from a proxy
        assert address("10.0.0.5", "") == "10.0.0.5"
    with override_settings(KLAPPT_TRUSTED_PROXIES="2"):
        assert address("10.0.0.5", "gefälscht, 198.51.100.3, 10.0.0.9") == "198.51.100.3"
        assert address("10.0.0.5", "198.51.100.3") == "10.0.0.5"  # fewer entries than hops
