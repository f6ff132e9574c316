"""The coordinator's work on returns from the command line (issue 16), against a real
``klappt serve``: sites fill in through their links over HTTP, then ``klappt wave
replace-form|correct|reopen|history`` and ``klappt wave open --from-wave`` run as real
processes on the served project's database (SQLite and PostgreSQL, see conftest.py)."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from databases import served_project
from http_session import Session, form_state
from reference_data import answers_for, post_data
from test_returns_admin import form_v2


@pytest.fixture
def served(web_backend: str, tmp_path: Path) -> Any:
    if not os.environ.get("KLAPPT_WEB_BACKEND"):
        yield None  # the outer run: the test runs in the child process of its backend
        return
    with served_project(web_backend, tmp_path) as project:
        yield project


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(
        [sys.executable, "-m", "klappt", *args, "--program", "default"],
        env={**env, "COLUMNS": "250"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in r.stderr, r.stderr
    return r


def _send(server: Any, path: str, data: dict[str, Any], action: str) -> int:
    s = Session(server.base)
    version, token = form_state(s.get(path + "?edit=1").text)
    body = {**data, "action": action, "version": str(version), "csrfmiddlewaretoken": token}
    return s.post(path, body).status


def test_returns_managed_from_the_command_line__ok(
    served: dict[str, Any], web_backend: str, tmp_path: Path
) -> None:
    server, wave, links, env = served["server"], served["wave"], served["links"], served["env"]
    coord = served["session"]
    assert _send(server, f"{links['gt']}{wave}/", post_data(answers_for("gt")), "submit") == 302
    draft = {"koop_jc": ["intensiviert"], "thm_vze": "2.5"}
    assert _send(server, f"{links['du']}{wave}/", draft, "save") == 302

    # checked and shown, nothing changed without --yes (exit 1: answers that no longer fit)
    v2 = form_v2(tmp_path)
    r = run(["wave", "replace-form", "2022", str(v2)], env)
    assert r.returncode == 1, r.stderr
    assert "Duisburg" in r.stdout and "intensiviert" in r.stdout and "thm_vze" in r.stdout
    # the choices removed, once for the questions sharing the list
    assert re.search(r"koop_jc, koop_aa, [\w, ]+: entfernt: intensiviert", r.stdout), r.stdout
    assert "nichts wurde geändert" in r.stderr
    page = coord.get(f"/p/default/w/{wave}/form/").text
    assert "Fassung 1" in page and 'id="plan"' not in page
    # a form that fails to parse: one message naming the file, exit 2
    broken = tmp_path / "kaputt.xlsx"
    broken.write_bytes(b"PK\x03\x04 no workbook")
    r = run(["wave", "replace-form", "2022", str(broken), "--yes"], env)
    assert r.returncode == 2 and "kaputt.xlsx" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1  # one message
    r = run(["wave", "replace-form", "2022", str(v2), "--yes", "--by", "koordination"], env)
    assert r.returncode == 0 and "Fassung 2" in r.stderr, r.stderr
    r = run(["wave", "history", "2022", "du"], env)
    assert "neuer Fragebogen" in r.stdout and "koordination" in r.stdout
    # the deck of `klappt report --wave` names what the new form does not count, as the web's
    # (one return: a minimum cell size of 1, else the deck would show no results at all)
    deck = tmp_path / "bericht.html"
    args = ["report", "--wave", "2022", "--min-cell", "1", "--out", str(deck)]
    r = subprocess.run(
        [sys.executable, "-m", "klappt", *args],
        env={**env, "COLUMNS": "250"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    shown = deck.read_text(encoding="utf-8").split("Nicht gezählte Antworten", 1)
    assert len(shown) == 2 and "intensiviert" in shown[1] and "(koop_jc)" in shown[1]

    # a correction: a new version with who and why, the answers compared
    r = run(["wave", "correct", "2022", "gt", "--set", "thm_anzahl=3", "--reason", " "], env)
    assert r.returncode == 2 and "Grund" in r.stderr
    r = run(["wave", "correct", "2022", "gt", "--set", "thm_anzahl=drei", "--reason", "x"], env)
    assert r.returncode == 2 and "thm_anzahl" in r.stderr
    r = run(
        ["wave", "correct", "2022", "gt", "--set", "thm_anzahl=3", "--reason", "Anruf 7.12."],
        env,
    )
    assert r.returncode == 0 and "Version 2" in r.stderr, r.stderr
    r = run(["wave", "history", "2022", "gt", "--compare", "1", "2"], env)
    assert "Anruf 7.12." in r.stdout
    diff = r.stdout.split("Geänderte Antworten", 1)[1]
    assert "thm_anzahl" in diff and "2" in diff and "3" in diff and "koop_jc" not in diff
    data = coord.get(f"/p/default/w/{wave}/data.csv").body.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(data.splitlines()[0], delimiters=",;")
    rows = list(csv.DictReader(io.StringIO(data), dialect=dialect))
    assert [(r["_site_id"], r["thm_anzahl"], r["_form_version"]) for r in rows] == [
        ("gt", "3", "1")
    ]

    # re-opened after closing: the site's link opens the form again
    assert run(["wave", "close", "2022"], env).returncode == 0
    r = run(["wave", "reopen", "2022", "gt", "--reason", "Standort meldet Fehler"], env)
    assert r.returncode == 0, r.stderr
    form = Session(server.base).get(f"{links['gt']}{wave}/")
    assert form.status == 200 and 'name="version"' in form.text

    # the next wave starts from a copy of this one's form
    r = run(["wave", "open", "2023", "--from-wave", "2022"], env)
    assert r.returncode == 0 and "angelegt" in r.stderr, r.stderr
    r = run(["wave", "open", "2024", "--from-wave", "2022", "--form", str(v2)], env)
    assert r.returncode == 2 and "nicht beides" in r.stderr
