"""Passwords in the web app (issue 16): a user changes their own (German, English), an
administrator (a coordinator of every program) resets another's, a program's coordinator may
not, and nobody but a superuser resets a superuser's. Every test runs on SQLite and on
PostgreSQL (see conftest.py).
"""

from __future__ import annotations

from typing import Any

NEW = "ganz-neues-Passwort-2026"


def _html(response: Any) -> str:
    return response.content.decode()


def test_a_user_changes_their_own_password__ok(web: Any, web_backend: str) -> None:
    from web_helpers import PASSWORD

    web.setup()
    user = web.user()
    c = web.client(user)
    home = _html(c.get("/"))
    assert 'href="/account/password/"' in home  # in the top menu
    page = c.get("/account/password/")
    assert page.status_code == 200
    assert "Altes Passwort" in _html(page) and "Neues Passwort" in _html(page)
    # a wrong old password, then a mismatch, then a weak one: the page says why, nothing changes
    wrong = c.post(
        "/account/password/",
        {"old_password": "falsch-falsch-1", "new_password1": NEW, "new_password2": NEW},
    )
    assert wrong.status_code == 200 and "Das alte Passwort war falsch" in _html(wrong)
    mismatch = c.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"},
    )
    assert mismatch.status_code == 200 and "nicht identisch" in _html(mismatch)
    weak = c.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200 and "zu kurz" in _html(weak)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    done = c.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert done.status_code == 302 and done["Location"] == "/"
    user.refresh_from_db()
    assert user.check_password(NEW) and not user.check_password(PASSWORD)
    after = c.get("/")
    assert after.status_code == 200  # still signed in
    assert "Ihr Passwort wurde geändert." in _html(after)
    # in English
    c.cookies["klappt_lang"] = "en"
    assert "Old password" in _html(c.get("/account/password/"))
    # not signed in: the login page
    r = web.client().get("/account/password/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_an_administrator_resets_another_accounts_password__ok(web: Any, web_backend: str) -> None:
    from django.contrib.auth import get_user_model
    from web_helpers import PASSWORD

    from klappt.web.models import Role

    web.setup()
    admin = web.user(Role.COORDINATOR, program=None)
    analyst = web.user(Role.ANALYST)
    analyst_browser = web.client()
    assert analyst_browser.login(username=analyst.username, password=PASSWORD)
    assert analyst_browser.get("/").status_code == 200
    c = web.client(admin)
    assert "Passwort eines anderen Kontos zurücksetzen" in _html(c.get("/account/password/"))
    page = c.get("/account/reset/")
    assert page.status_code == 200
    unknown = c.post(
        "/account/reset/", {"username": "gibtsnicht", "password1": NEW, "password2": NEW}
    )
    assert "Es gibt kein Konto mit diesem Benutzernamen." in _html(unknown)
    mismatch = c.post(
        "/account/reset/",
        {"username": analyst.username, "password1": NEW, "password2": NEW + "x"},
    )
    assert "Die beiden Passwörter stimmen nicht überein." in _html(mismatch)
    r = c.post(
        "/account/reset/", {"username": analyst.username, "password1": NEW, "password2": NEW}
    )
    assert r.status_code == 302
    analyst.refresh_from_db()
    assert analyst.check_password(NEW)
    # the analyst's open session ended with the old password
    gone = analyst_browser.get("/")
    assert gone.status_code == 302 and gone["Location"].startswith("/login/")
    assert analyst.klappt_memberships.get().role == Role.ANALYST  # the role stays

    # a superuser's password only a superuser resets
    boss = get_user_model().objects.create_superuser("chefin", password=PASSWORD)
    refused = c.post("/account/reset/", {"username": "chefin", "password1": NEW, "password2": NEW})
    assert refused.status_code == 200
    assert "Nur ein Superuser" in _html(refused)
    boss.refresh_from_db()
    assert boss.check_password(PASSWORD)


def test_a_programs_coordinator_may_not_reset_passwords__error(web: Any, web_backend: str) -> None:
    from web_helpers import PASSWORD

    web.setup()
    analyst = web.user()
    c = web.coordinator()  # a coordinator of one program only
    assert 'href="/account/reset/"' not in _html(c.get("/account/password/"))
    assert c.get("/account/reset/").status_code == 403
    r = c.post(
        "/account/reset/", {"username": analyst.username, "password1": NEW, "password2": NEW}
    )
    assert r.status_code == 403
    analyst.refresh_from_db()
    assert analyst.check_password(PASSWORD)
