"""Hardening checked against a real ``klappt serve`` (gunicorn), on SQLite and on PostgreSQL.

* guessing links and passwords slows the guesser, never the owner of a valid link or password;
  ``X-Forwarded-For`` counts only when ``KLAPPT_TRUSTED_PROXIES`` says a proxy is in front;
* the server's log never shows a link's token, and refused requests leave one line, not a
  traceback;
* the project's ``.klappt/`` folder and every file in it are for the owner alone.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from databases import PASSWORD, served_project
from http_session import Session, csrf_token, form_state, klappt
from reference_data import answers_for, post_data


def _inner() -> bool:
    return bool(os.environ.get("KLAPPT_WEB_BACKEND"))


def _login(s: Session, password: str, xff: str | None = None, user: str = "koordination") -> int:
    page = s.get("/login/")
    if page.status != 200:
        return page.status
    headers = {"X-Forwarded-For": xff} if xff else {}
    body = urlencode(
        {
            "username": user,
            "password": password,
            "csrfmiddlewaretoken": csrf_token(page.text),
        }
    ).encode()
    return s.request(
        "POST",
        "/login/",
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": s.base + "/login/",
            **headers,
        },
    ).status


def test_guessing_slows_the_guesser_not_the_owner__error(web_backend: str, tmp_path: Path) -> None:
    if not _inner():
        return
    limits = {
        "KLAPPT_LINK_FAILURES": "5",
        "KLAPPT_LOGIN_FAILURES": "3",
        "KLAPPT_TRUSTED_PROXIES": "1",
    }
    with served_project(web_backend, tmp_path, **limits) as p:
        server = p["server"]
        valid = p["links"]["gt"] + f"{p['wave']}/"
        attacker = Session(server.base)
        bad = [f"/r/{'x' * 40}{i:03d}/" for i in range(12)]
        guess = {"X-Forwarded-For": "192.0.2.66"}
        codes = [attacker.request("GET", path, headers=guess).status for path in bad]
        assert codes[:5] == [404] * 5 and set(codes[5:]) == {429}
        refused = attacker.request("GET", bad[0], headers=guess)
        assert refused.status == 429 and int(refused.headers["retry-after"]) >= 1
        # the valid link works from the guessing address, with or without the header
        assert attacker.request("GET", valid, headers=guess).status == 200
        assert Session(server.base).get(valid).status == 200
        # behind the trusted proxy, another client's address counts on its own
        other = Session(server.base).request(
            "GET", bad[1], headers={"X-Forwarded-For": "192.0.2.7"}
        )
        assert other.status == 404
        # a client cannot choose its address: what it sends stands left of the proxy's entry
        spoof = Session(server.base).request(
            "GET", bad[2], headers={"X-Forwarded-For": "192.0.2.8, 192.0.2.66"}
        )
        assert spoof.status == 429

        # passwords: the owner's browser logged in before; an attacker guesses its password
        owner = Session(server.base)
        assert _login(owner, PASSWORD) == 302
        owner.cookies.pop("klappt_session")  # the browser was closed: only the device cookie stays
        thief = Session(server.base)
        tries = [_login(thief, f"falsch-{i:04d}-geraten", xff="192.0.2.99") for i in range(6)]
        assert tries[:3] == [200] * 3 and set(tries[3:]) == {429}
        # the account is held up for a browser that never logged in to it, from any address ...
        assert _login(Session(server.base), PASSWORD, xff="192.0.2.100") == 429
        # ... but its owner's browser gets in, from the attacker's own address too
        assert _login(owner, PASSWORD, xff="192.0.2.99") == 302
        assert owner.get("/").status == 200

    # without KLAPPT_TRUSTED_PROXIES the header is ignored: every request is 127.0.0.1's
    with served_project(web_backend, tmp_path / "ohne", KLAPPT_LINK_FAILURES="3") as p:
        s = Session(p["server"].base)
        codes = [
            s.request("GET", path, headers={"X-Forwarded-For": f"192.0.2.{i}"}).status
            for i, path in enumerate(bad[:5])
        ]
        assert codes == [404, 404, 404, 429, 429]
        assert s.get(p["links"]["gt"] + f"{p['wave']}/").status == 200


def _submit(s: Session, path: str, data: dict[str, Any]) -> Any:
    page = s.get(path + "?edit=1")
    version, csrf = form_state(page.text)
    body = {**data, "action": "submit", "version": version, "key": secrets.token_hex(16)}
    return s.post(path, {**body, "csrfmiddlewaretoken": csrf})


def test_the_log_shows_no_token_and_no_traceback__ok(web_backend: str, tmp_path: Path) -> None:
    if not _inner():
        return
    with served_project(web_backend, tmp_path, KLAPPT_ACCESS_LOG="-") as p:
        server, env = p["server"], p["env"]
        klappt(
            [
                *("createuser", "leserin", "--role", "analyst", "--password-stdin"),
                *("--project", str(p["project"])),
            ],
            env,
            stdin=PASSWORD + "\n",
        )
        tokens = [path.strip("/").split("/")[-1] for path in p["links"].values()]
        form = p["links"]["gt"] + f"{p['wave']}/"
        s = Session(server.base)
        assert s.get(form).status == 200
        assert _submit(s, form, {}).status == 422  # required answers missing
        assert s.post(form, {"action": "save"}).status == 403  # no CSRF token
        bad = "B" * 43
        assert Session(server.base).get(f"/r/{bad}/").status == 404
        evil = s.request("GET", form, headers={"Host": "evil.example"})
        assert evil.status == 400
        reader = Session(server.base)
        assert _login(reader, PASSWORD, user="leserin") == 302
        assert reader.get(f"/p/{p['slug']}/sites/upload/").status == 403  # coordinators only
        # a Referer with a link, as a browser sends it from the form's page
        s.request("GET", "/static/klappt_web/klappt.css", headers={"Referer": server.base + form})
    log = (tmp_path / "server.log").read_text(encoding="utf-8", errors="replace")
    assert "Unprocessable Entity: /r/***/" in log  # Django's line is there, masked
    assert '"GET /r/***/' in log  # and the access log's
    assert "evil.example" in log and "Forbidden" in log
    for token in [*tokens, bad]:
        assert token not in log
    assert "Traceback" not in log


def test_the_state_folder_is_for_the_owner_alone__ok(web_backend: str, tmp_path: Path) -> None:
    if not _inner():
        return
    old = os.umask(0o022)  # what most systems give: files 0644
    try:
        with served_project(web_backend, tmp_path) as p:
            path = p["links"]["gt"] + f"{p['wave']}/"
            s = Session(p["server"].base)
            assert _submit(s, path, post_data(answers_for("gt"))).status == 302
            # the analysis's snapshot of the wave
            klappt(["tabulate", "--wave", "2022", "--project", str(p["project"])], p["env"])
            state = p["project"] / ".klappt"
            found = _modes(state)
            if web_backend == "sqlite":
                assert {"klappt.sqlite3", "klappt.sqlite3-wal", "klappt.sqlite3-shm"} <= {
                    q.name for q in found
                }
            assert "secret_key" in {q.name for q in found}
            assert any(q.suffix == ".parquet" for q in found), sorted(found)
            assert {q: oct(m) for q, m in found.items() if m & 0o077} == {}
            # an older project, readable by everyone, is tightened when it is opened, with a note
            for q in [state, *state.rglob("*")]:
                q.chmod(0o755 if q.is_dir() else 0o644)
            done = klappt(["migrate", "--project", str(p["project"])], p["env"])
            assert "Hinweis" in done.stderr and "0700" in done.stderr
            assert {q: oct(m) for q, m in _modes(state).items() if m & 0o077} == {}
    finally:
        os.umask(old)


def _modes(state: Path) -> dict[Path, int]:
    return {q: stat.S_IMODE(q.stat().st_mode) for q in [state, *state.rglob("*")]}
