"""``klappt wave correct`` reaches into repeated sections (issue 16), as the correction page
does: ``--set proj[2]/titel=…`` edits an entry, ``--set`` on the entry after the last (or
``--add proj``) adds one, ``--remove proj[1]`` removes one; checked as in the browser, one new
version whose history names ``proj[2]/titel``. Real processes against a real ``klappt serve``
on SQLite and PostgreSQL (see conftest.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from databases import served_project
from test_repeats import REPEAT_MD, _entries
from test_returns_cli import _send, run


@pytest.fixture
def served(web_backend: str, tmp_path: Path) -> Any:
    if not os.environ.get("KLAPPT_WEB_BACKEND"):
        yield None  # the outer run: the test runs in the child process of its backend
        return
    form = tmp_path / "projekte.md"
    form.write_text(REPEAT_MD, encoding="utf-8")
    with served_project(web_backend, tmp_path, form=form) as project:
        yield project


def correct(env: dict[str, str], *edits: str, lang: str = "de") -> Any:
    return run(["wave", "correct", "2022", "gt", *edits, "--reason", "Anruf", "--lang", lang], env)


def diff(env: dict[str, str], a: int, b: int) -> list[str]:
    """The rows of ``history --compare a b``: question, before, after."""
    r = run(["wave", "history", "2022", "gt", "--compare", str(a), str(b)], env)
    assert r.returncode == 0, r.stderr
    table = r.stdout.split("Geänderte Antworten", 1)[1]
    # the body's rows (the header is drawn with ┃)
    return [" ".join(x.replace("│", " ").split()) for x in table.splitlines() if "│" in x]


def test_entries_of_a_repeat_corrected_from_the_command_line__ok(
    served: dict[str, Any], web_backend: str
) -> None:
    server, wave, links, env = served["server"], served["wave"], served["links"], served["env"]
    data = {
        "land": "de",
        "stadt": "b",
        "anzahl": "2",
        **_entries({"titel": "Lotsen", "jahre": "1"}, {"titel": "Sprachcafe", "jahre": "2"}),
    }
    assert _send(server, f"{links['gt']}{wave}/", data, "submit") == 302

    # an entry's answer edited: one new version, the history names the answer in the entry
    r = correct(env, "--set", "proj[2]/titel=Sprachcafé")
    assert r.returncode == 0 and "Version 2 (proj[2]/titel)" in r.stderr, r.stderr
    assert diff(env, 1, 2) == ["proj[2]/titel Sprachcafe Sprachcafé"]

    # checked as a site's submit is: constraint, required-if, type, choice; nothing written
    r = correct(env, "--set", "proj[1]/jahre=11")
    assert r.returncode == 2 and "proj[1]/jahre" in r.stderr and "höchstens 10 Jahre" in r.stderr
    r = correct(env, "--set", "proj[3]/titel=Paten", "--set", "proj[3]/jahre=3")
    assert r.returncode == 2 and "proj[3]/warum" in r.stderr, r.stderr
    r = correct(env, "--set", "proj[1]/jahre=lange")
    assert r.returncode == 2 and "proj[1]/jahre" in r.stderr
    r = correct(env, "--set", "stadt=xx")
    assert r.returncode == 2 and "stadt" in r.stderr
    for r in (correct(env, "--set", "proj[1]/jahre=11", lang="en"),):
        assert r.returncode == 2 and "not saved" in r.stderr and "proj[1]/jahre" in r.stderr

    # the entry after the last adds one (either order), --add appends an empty one to fill
    r = correct(
        env,
        "--set", "proj[4]/titel=Netzwerk",
        "--set", "proj[3]/titel=Paten",
        "--set", "proj[3]/jahre=3",
        "--set", "proj[3]/warum=gut angenommen",
    )  # fmt: skip
    assert r.returncode == 0 and "Version 3" in r.stderr, r.stderr
    rows = diff(env, 2, 3)
    assert "proj[3]/titel – Paten" in rows and "proj[4]/titel – Netzwerk" in rows
    assert "proj[3]/warum – gut angenommen" in rows and not any("proj[1]" in x for x in rows)
    r = correct(env, "--add", "proj", "--set", "proj[5]/titel=Beratung", "--set", "anzahl=5")
    assert r.returncode == 0 and "Version 4" in r.stderr, r.stderr
    assert diff(env, 3, 4) == ["anzahl 2 5", "proj[5]/titel – Beratung"]

    # an entry removed: the later ones move up, the history shows it by the fields' numbers
    r = correct(env, "--remove", "proj[1]", "--set", "anzahl=4")
    assert r.returncode == 0 and "Version 5" in r.stderr, r.stderr
    rows = diff(env, 4, 5)
    assert "proj[1]/titel Lotsen Sprachcafé" in rows and "proj[5]/titel Beratung –" in rows

    # one clear message, exit 2, nothing written: unknown repeat, number out of range, question
    cases = [
        (["--set", "projekte[1]/titel=x"], "projekte ist keine Wiederholungsgruppe", "proj"),
        (["--set", "proj[9]/titel=x"], "proj hat 4 Einträge", "proj[5]"),
        (["--set", "proj[0]/titel=x"], "proj hat 4 Einträge", "--add proj"),
        (["--remove", "proj[5]"], "proj hat 4 Einträge", "1 bis 4"),
        (["--remove", "proj"], "proj hat 4 Einträge", "proj[5]"),
        (["--set", "proj[1]/dank=x"], "dank ist keine Frage in proj", "titel, jahre, warum"),
        (["--set", "nirgends=1"], "nirgends ist keine Frage des Hauptteils", "anzahl"),
        (["--add", "nirgends"], "nirgends ist keine Wiederholungsgruppe", "proj"),
        (["--set", "proj[1]/titel"], "FRAGE=WERT", "proj[1]/titel"),
        ([], "Nichts zu korrigieren", "--remove"),
    ]
    for edits, problem, hint in cases:
        r = correct(env, *edits)
        assert r.returncode == 2, (edits, r.stderr)
        assert problem in r.stderr and hint in r.stderr, (edits, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr  # one message
    r = correct(env, "--set", "proj[9]/titel=x", lang="en")
    assert r.returncode == 2 and "proj has 4 entries" in r.stderr, r.stderr
    r = run(["wave", "history", "2022", "gt"], env)
    assert re.search(r"│\s*5\s*│\s*korrigiert", r.stdout) and not re.search(r"│\s*6\s*│", r.stdout)
