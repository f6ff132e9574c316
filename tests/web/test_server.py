"""``klappt serve`` as a real server: gunicorn in a subprocess, a real database per test.

* the production path: ``klappt init``, ``klappt createuser``, ``klappt serve`` (migrations on
  start-up, static files by WhiteNoise, gunicorn), set up through the pages;
* crash safety: the server is killed with SIGKILL while sites are saving; afterwards every
  return is either fully saved or untouched, every acknowledged save is there, and the next
  visit shows the last saved state;
* a bounded load: 200 concurrent clients on 54 sites save drafts and submit; every return is
  stored exactly once and no request fails with a 5xx.

The load and crash tests run with the mail sender ``klappt serve`` starts (issue 16): every
site of the register has an address, ``KLAPPT_EMAIL_URL`` points at a real SMTP server in the
test process (aiosmtpd on 127.0.0.1), and each submit queues a receipt. Afterwards every
receipt reached the relay exactly once, also across the SIGKILL and the restart.

Each test runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import csv
import http.client
import json
import os
import re
import secrets
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from databases import served_project
from http_session import Session, form_state, klappt
from reference_data import REGISTER, answers_for, post_data
from smtp_relay import relay


@pytest.fixture
def served(web_backend: str, tmp_path: Path) -> Any:
    """A project with a coordinator account and an open wave, served by ``klappt serve`` with
    its mail sender delivering to a real SMTP server (``served["smtp"]``)."""
    if not os.environ.get("KLAPPT_WEB_BACKEND"):
        yield None  # the outer run: the test runs in the child process of its backend
        return
    register = tmp_path / "register_mit_adressen.csv"
    with REGISTER.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with register.open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, [*rows[0], "email"])
        out.writeheader()
        out.writerows({**r, "email": f"{r['site_id']}@example.org"} for r in rows)
    # every version stays, so that the crash test can hold each acknowledged save to it
    with (
        relay() as smtp,
        served_project(
            web_backend,
            tmp_path,
            register,
            KLAPPT_LINK_FAILURES="100000",
            KLAPPT_KEEP_DRAFTS="100000",
            KLAPPT_EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}?timeout=20",
            KLAPPT_EMAIL_FROM="Programmbüro <programm@example.org>",
            KLAPPT_BASE_URL="https://umfrage.example.org",
            KLAPPT_EMAIL_PER_MINUTE="100000",
            KLAPPT_EMAIL_RETRY_SECONDS="0.5",
            KLAPPT_EMAIL_LEASE_SECONDS="2",
        ) as project,
    ):
        yield {**project, "smtp": smtp}


def _outbox(served: dict[str, Any]) -> list[dict[str, Any]]:
    conn = _db(served["env"], served["project"])
    try:
        cur = conn.cursor()
        cur.execute(
            "SELECT o.recipient, o.kind, o.trigger, o.status, o.message_id, s.site_id "
            "FROM klappt_web_outboxmessage o JOIN klappt_store_site s ON s.id = o.site_id"
        )
        keys = ("recipient", "kind", "trigger", "status", "message_id", "site")
        return [dict(zip(keys, r, strict=True)) for r in cur.fetchall()]
    finally:
        conn.close()


def _delivered(served: dict[str, Any]) -> list[dict[str, Any]]:
    """The outbox once the sender has worked through it (it polls every few seconds; the wait
    ends as soon as nothing is queued or being sent)."""
    deadline = time.monotonic() + 300
    while True:
        rows = _outbox(served)
        if not [m for m in rows if m["status"] in ("queued", "sending")]:
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"the sender did not finish: {Counter(m['status'] for m in rows)}")
        time.sleep(0.5)


def _each_sent_once(served: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """Every message of the outbox reached the relay exactly once: none twice, none missing
    (``uncertain``: the sender was killed between handing it over and the relay's reply; the
    relay then has it once, and it is never sent again)."""
    got = Counter(m["message_id"] for m in served["smtp"].messages)
    assert all(n == 1 for n in got.values()), [i for i, n in got.items() if n > 1]
    ids = {m["message_id"] for m in rows}
    assert set(got) <= ids  # nothing the outbox does not know
    assert {m["status"] for m in rows} <= {"sent", "uncertain"}, Counter(m["status"] for m in rows)
    for m in rows:
        assert got[m["message_id"]] == 1 or m["status"] == "uncertain", m
        relayed = [r for r in served["smtp"].messages if r["message_id"] == m["message_id"]]
        assert all(r["to"] == [m["recipient"]] for r in relayed)
    # per address: as many as the outbox sent, and at most one more per uncertain message
    to = Counter(a for r in served["smtp"].messages for a in r["to"])
    for address in {m["recipient"] for m in rows}:
        sent = sum(1 for m in rows if m["recipient"] == address and m["status"] == "sent")
        unsure = sum(1 for m in rows if m["recipient"] == address and m["status"] == "uncertain")
        assert sent <= to[address] <= sent + unsure, address


def _db(env: dict[str, str], project: Path) -> Any:
    if env.get("DATABASE_URL"):
        import psycopg

        return psycopg.connect(env["DATABASE_URL"], autocommit=True)
    import sqlite3

    return sqlite3.connect(project / ".klappt" / "klappt.sqlite3")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _state(served: dict[str, Any]) -> dict[str, Any]:
    conn = _db(served["env"], served["project"])
    try:
        cur = conn.cursor()
        cur.execute(
            'SELECT id, site_id, version, status, submitted_version, "values" FROM klappt_web_sitereturn'
        )
        srs = {
            r[0]: {
                "site": r[1],
                "version": r[2],
                "status": r[3],
                "submitted": r[4],
                "values": _json(r[5]),
            }
            for r in cur.fetchall()
        }
        cur.execute(
            'SELECT site_return_id, number, kind, "values", request_key FROM klappt_web_returnversion ORDER BY site_return_id, number'
        )
        versions: dict[int, list[dict[str, Any]]] = {}
        for r in cur.fetchall():
            versions.setdefault(r[0], []).append(
                {"number": r[1], "kind": r[2], "values": _json(r[3]), "key": r[4]}
            )
        cur.execute('SELECT site_id, "values" FROM klappt_store_return')
        store = [(r[0], _json(r[1])) for r in cur.fetchall()]
        cur.execute("SELECT id, site_id FROM klappt_store_site")
        site_ids = dict(cur.fetchall())
    finally:
        conn.close()
    return {"returns": srs, "versions": versions, "store": store, "site_ids": site_ids}


def _check_whole(state: dict[str, Any]) -> None:
    """Every return is whole: its versions run 1..n without gaps, its working copy is version n,
    and a submitted one has exactly one store record holding the submitted version."""
    per_site = Counter(site for site, _ in state["store"])
    assert all(n == 1 for n in per_site.values()), per_site
    store = {site: values for site, values in state["store"]}
    for pk, sr in state["returns"].items():
        vs = state["versions"].get(pk, [])
        assert [v["number"] for v in vs] == list(range(1, sr["version"] + 1)), (
            sr["site"],
            sr["version"],
            [v["number"] for v in vs],
        )
        if vs:
            assert sr["values"] == vs[-1]["values"], sr["site"]
        if sr["status"] == "submitted":
            submitted = vs[sr["submitted"] - 1]
            assert submitted["kind"] == "submit"
            record = store[sr["site"]]
            assert record["_version"] == str(sr["submitted"])
            assert {k: record.get(k) for k in submitted["values"]} == submitted["values"]
        else:
            assert sr["site"] not in store
    submitted_sites = {
        sr["site"] for sr in state["returns"].values() if sr["status"] == "submitted"
    }
    assert set(store) == submitted_sites


def test_serve_runs_gunicorn_with_static_files_and_security_headers__ok(
    served: dict[str, Any], web_backend: str
) -> None:
    server = served["server"]
    s = Session(server.base)
    r = s.get("/login/")
    assert r.status == 200 and r.headers["server"].startswith("gunicorn")
    assert "unsafe-inline" not in r.headers["content-security-policy"]
    static = s.get("/static/klappt_web/klappt.css")
    assert static.status == 200 and static.headers["content-type"].startswith("text/css")
    assert "max-age" in static.headers.get("cache-control", "")
    form = Session(server.base).get(served["links"]["gt"] + f"{served['wave']}/")
    assert form.status == 200 and "Arbeitshilfe Nachhaltigkeit 2022" in form.text
    # migrations are applied already: running them again changes nothing
    done = klappt(["migrate", "--project", str(served["project"])], served["env"])
    assert "(0 Migrationen angewendet)" in done.stderr


def _save(
    s: Session, path: str, data: dict[str, Any], action: str, state: dict[str, Any], tries: int = 30
) -> tuple[int, list[int]]:
    """POST the form; on a version conflict take the version from the answer and send again.

    ``state`` holds the page's version and CSRF token (from a GET or the last answer).
    Returns the final status and every status seen.
    """
    statuses = []
    if "version" not in state:
        page = s.get(path + "?edit=1")
        statuses.append(page.status)
        state["version"], state["token"] = form_state(page.text)
    for _ in range(tries):
        key = secrets.token_hex(16)
        body = {
            **data,
            "action": action,
            "version": state["version"],
            "key": key,
            "csrfmiddlewaretoken": state["token"],
        }
        r = s.post(path, body)
        statuses.append(r.status)
        if r.status == 302:
            state["version"] += 1
            return r.status, statuses
        if r.status != 409:
            return r.status, statuses
        state["version"], state["token"] = form_state(r.text)  # the page of the conflict
    return 409, statuses


def test_load_200_clients_every_return_stored_exactly_once__ok(
    served: dict[str, Any], web_backend: str
) -> None:
    base, wave, links = served["server"].base, served["wave"], served["links"]
    sites = sorted(links)
    assert len(sites) == 54
    barrier = threading.Barrier(200)

    def client(i: int) -> list[int]:
        site = sites[i % len(sites)]
        path = f"{links[site]}{wave}/"
        data = post_data(answers_for(site))
        barrier.wait()
        s = Session(base, timeout=120)
        state: dict[str, Any] = {}
        draft = {**data, "mehrwert_text": f"Entwurf von Client {i}"}
        status, statuses = _save(s, path, draft, "save", state)
        assert status == 302, (site, statuses)
        if i < len(sites):  # one client per site submits
            status, seen = _save(s, path, data, "submit", state)
            statuses += seen
            assert status == 302, (site, seen)
        return statuses

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(client, range(200)))
    seconds = time.monotonic() - started
    statuses = Counter(s for r in results for s in r)
    assert not [s for s in statuses if s >= 500], statuses
    state = _state(served)
    _check_whole(state)
    assert len(state["store"]) == 54
    assert all(sr["status"] == "submitted" for sr in state["returns"].values())
    dashboard = served["session"].get(f"/p/{served['slug']}/w/{wave}/").text
    assert re.search(r'id="ruecklauf">54 von 54<', dashboard)
    # the mail sender ran beside the load: one receipt per site, each delivered once
    mails = _delivered(served)
    assert sorted(m["site"] for m in mails) == sites and {m["kind"] for m in mails} == {"receipt"}
    _each_sent_once(served, mails)
    assert len(served["smtp"].messages) == 54
    print(f"load: {sum(statuses.values())} requests in {seconds:.1f} s, {dict(statuses)}")


def test_kill_9_while_saving_leaves_each_return_whole__ok(
    served: dict[str, Any], web_backend: str
) -> None:
    server = served["server"]
    base, wave, links = server.base, served["wave"], served["links"]
    sites = sorted(links)[:12]
    acknowledged: list[tuple[str, str]] = []
    submits: set[str] = set()
    in_flight = Counter[str]()
    lock = threading.Lock()
    stop = threading.Event()

    def worker(i: int) -> None:
        site = sites[i % len(sites)]
        path = f"{links[site]}{wave}/"
        data = post_data(answers_for(site))
        n = 0
        while not stop.is_set():
            n += 1
            action = "submit" if n % 3 == 0 else "save"
            payload = data if action == "submit" else {**data, "mehrwert_text": f"Stand {i}.{n}"}
            with lock:
                in_flight["now"] += 1
            try:
                s = Session(base, timeout=30)
                page = s.get(path + "?edit=1")
                version, token = form_state(page.text)
                key = secrets.token_hex(16)
                r = s.post(
                    path,
                    {
                        **payload,
                        "action": action,
                        "version": version,
                        "key": key,
                        "csrfmiddlewaretoken": token,
                    },
                )
                if r.status == 302:
                    with lock:
                        acknowledged.append((site, key))
                        if action == "submit":
                            submits.add(key)
                else:
                    assert r.status in (409, 422), r.status
            except (OSError, AttributeError, http.client.HTTPException):
                return  # the server is gone (also in the middle of an answer)
            finally:
                with lock:
                    in_flight["now"] -= 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    # kill once saves have been acknowledged and others are on their way (on a busy machine
    # that takes longer than on a quiet one)
    deadline = time.monotonic() + 60
    time.sleep(2)
    while time.monotonic() < deadline:
        with lock:
            pending = in_flight["now"]
            ready = pending > 0 and len(acknowledged) >= 3 and len(submits) >= 2
        if ready:
            break
        time.sleep(0.05)
    server.kill9()  # SIGKILL to gunicorn's master and every worker, mid-request
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert pending > 0 and acknowledged

    state = _state(served)
    _check_whole(state)
    keys = {v["key"] for vs in state["versions"].values() for v in vs}
    lost = [a for a in acknowledged if a[1] not in keys]
    assert not lost, f"{len(lost)} acknowledged saves are missing"

    # the next visit shows the last saved state
    server.start()
    by_site = {sr["site"]: sr for sr in state["returns"].values()}
    for site in sites:
        site_pk = next(pk for pk, sid in state["site_ids"].items() if sid == site)
        sr = by_site.get(site_pk)
        if sr is None:
            continue
        html = Session(base).get(f"{links[site]}{wave}/?edit=1").text
        expected = sr["values"].get("mehrwert_text") or ""
        shown = re.search(
            r'name="mehrwert_text" id="q-mehrwert_text"[^>]*>([^<]*)</textarea>', html
        )
        assert shown is not None and unescape(shown.group(1)).removeprefix("\n") == expected, site
        assert f'name="version" value="{sr["version"]}"' in html, site

    # the mail sender, killed with the server, started again with it: every submit has its
    # receipt (queued in the submit's transaction), and each message reached the relay once
    mails = _delivered(served)
    _each_sent_once(served, mails)
    site_of = {pk: state["site_ids"][sr["site"]] for pk, sr in state["returns"].items()}
    submitted = Counter(
        (site_of[pk], f"submit:{v['number']}")
        for pk, vs in state["versions"].items()
        for v in vs
        if v["kind"] == "submit"
    )
    receipts = Counter((m["site"], m["trigger"]) for m in mails if m["kind"] == "receipt")
    assert receipts == submitted and submits
    kept = {v["key"] for vs in state["versions"].values() for v in vs if v["kind"] == "submit"}
    assert submits <= kept  # every acknowledged submit among them
