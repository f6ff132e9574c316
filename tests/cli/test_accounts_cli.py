"""``klappt createuser`` and ``klappt password`` as a person types them (issue 16): the prompts in
German (English with ``--lang en``), asked again after a mismatch or a password the policy
refuses, and ``klappt password`` resets a password without touching the account's roles.

Real processes with the password on stdin (a pipe: the prompts go to stderr), a real project
with its SQLite database; the stored password is checked with Django's ``authenticate``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = "ein-langes-Passwort-42"
OTHER = "noch-ein-Passwort-77"
CLEAN_ENV = ("DJANGO_SETTINGS_MODULE", "KLAPPT_PROJECT", "DATABASE_URL", "KLAPPT_WEB_BACKEND")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}


def _klappt(args: list[str], stdin: str, project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "klappt", *args, "--project", str(project)],
        env={**_env(), "COLUMNS": "200"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _check(project: Path, username: str, password: str) -> tuple[bool, list[tuple[str, str]]]:
    """(does the password open the account, its memberships as (program or '*', role))."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from klappt.web.server import _setup\n"
        "_setup(Path(sys.argv[1]))\n"
        "from django.contrib.auth import authenticate\n"
        "from klappt.web.models import Membership\n"
        "ok = authenticate(username=sys.argv[2], password=sys.argv[3]) is not None\n"
        "rows = Membership.objects.filter(user__username=sys.argv[2])\n"
        "import json\n"
        "print(json.dumps([ok, sorted((m.program.slug if m.program else '*', m.role) for m in rows)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(project), username, password],
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    ok, rows = json.loads(done.stdout)
    return ok, [tuple(r) for r in rows]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("accounts") / "projekt"
    subprocess.run(
        [sys.executable, "-m", "klappt", "init", str(root)],
        env=_env(),
        check=True,
        capture_output=True,
        timeout=120,
    )
    return root


def test_createuser_asks_again_after_a_mismatch_and_a_weak_password_in_german__ok(
    project: Path,
) -> None:
    typed = f"{GOOD}\n{GOOD}x\nkurz\nkurz\n{GOOD}\n{GOOD}\n"
    done = _klappt(["createuser", "koordination"], typed, project)
    assert done.returncode == 0, done.stderr
    err = done.stderr
    assert err.count("Passwort für koordination: ") == 3
    assert err.count("Passwort wiederholen: ") == 3
    assert "Die beiden Eingaben stimmen nicht überein. Bitte noch einmal." in err
    assert "Dieses Passwort ist zu kurz" in err  # Django's policy, in German
    assert "Konto koordination angelegt" in err
    assert "Traceback" not in err
    assert _check(project, "koordination", GOOD) == (True, [("*", "coordinator")])


def test_createuser_prompts_in_english_with_lang_en__ok(project: Path) -> None:
    typed = f"{GOOD}\n{OTHER}\n{OTHER}\n{OTHER}\n"
    done = _klappt(["createuser", "leser", "--role", "analyst", "--lang", "en"], typed, project)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("Password for leser: ") == 2
    assert "Repeat the password: " in done.stderr
    assert "The two entries do not match. Please try again." in done.stderr
    assert "Passwort" not in done.stderr
    assert "Account leser created" in done.stderr
    assert _check(project, "leser", OTHER) == (True, [("*", "analyst")])


def test_createuser_stops_cleanly_when_the_input_ends__error(project: Path) -> None:
    done = _klappt(["createuser", "niemand"], f"{GOOD}\n", project)
    assert done.returncode == 2
    assert "Abgebrochen: kein Passwort." in done.stderr and "Traceback" not in done.stderr
    assert _check(project, "niemand", GOOD) == (False, [])


def test_password_resets_only_the_password__ok(project: Path) -> None:
    typed = f"{OTHER}\n{OTHER}\n"
    assert _klappt(["createuser", "analystin", "--role", "analyst"], typed, project).returncode == 0
    new = "ganz-neues-Passwort-2026"
    done = _klappt(["password", "analystin"], f"{new}\n{new}\n", project)
    assert done.returncode == 0, done.stderr
    assert "Neues Passwort für analystin gesetzt." in done.stderr
    # the new password opens the account, the old one no longer; the role is as it was
    assert _check(project, "analystin", new) == (True, [("*", "analyst")])
    assert _check(project, "analystin", OTHER)[0] is False


def test_password_of_an_unknown_account_or_a_weak_one_is_refused__error(project: Path) -> None:
    done = _klappt(["password", "gibtsnicht", "--password-stdin"], f"{GOOD}\n", project)
    assert done.returncode == 2
    assert "Kein Konto 'gibtsnicht'." in done.stderr and "Traceback" not in done.stderr
    done = _klappt(
        ["password", "koordination", "--password-stdin", "--lang", "en"], "12345\n", project
    )
    assert done.returncode == 2
    assert "This password is too short" in done.stderr
    assert _check(project, "koordination", GOOD)[0] is True  # unchanged


def test_createuser_and_password_speak_one_language__error(project: Path) -> None:
    """Issue 17: the prompts and the refusals in German by default and in English with
    --lang en, from the one catalogue (ACCOUNT_001-005), never Click's English "Invalid value"."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
    from language_markers import foreign_words

    for lang, expected in (("de", "Unbekannte Rolle 'chef'"), ("en", "Unknown role 'chef'")):
        done = _klappt(
            ["createuser", "x", "--role", "chef", "--lang", lang], f"{GOOD}\n{GOOD}\n", project
        )
        assert done.returncode == 2 and expected in done.stderr, done.stderr
        assert "Invalid value" not in done.stderr and "Traceback" not in done.stderr
        assert not foreign_words(done.stderr.replace("'chef'", ""), lang), done.stderr
    for lang, expected in (("de", "Passwort für"), ("en", "Password for")):
        done = _klappt(["createuser", "y", "--lang", lang], "", project)  # no password typed
        assert expected in done.stderr, done.stderr
        assert not foreign_words(done.stderr, lang), done.stderr
    done = _klappt(
        ["password", "niemand", "--password-stdin", "--lang", "en"], f"{GOOD}\n", project
    )
    assert done.returncode == 2 and "There is no account 'niemand'." in done.stderr, done.stderr
