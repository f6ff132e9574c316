"""The web app: ``klappt serve``, ``klappt migrate``, ``klappt createuser``, ``klappt password``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from klappt.cli.common import (
    Lang,
    ProjectOpt,
    _lang,
    _project,
    app,
    err,
)
from klappt.language import say

if TYPE_CHECKING:
    from pathlib import Path

_ATTEMPTS = 5


def _read_secret(prompt: str) -> str:
    """One line, hidden on a terminal; from a pipe as it comes (the prompt on stderr)."""
    import getpass

    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    sys.stderr.write(prompt)
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    sys.stderr.write("\n")
    return line.rstrip("\r\n")


def _ask_password(lang: str, username: str, email: str, project: Path) -> str:
    """Ask for the password twice; on a mismatch or a password the policy refuses, say why and
    ask again (at most five times)."""
    from klappt.web.server import password_problems

    for _attempt in range(_ATTEMPTS):
        try:
            first = _read_secret(
                say(f"Passwort für {username}: ", f"Password for {username}: ", lang)
            )
            second = _read_secret(say("Passwort wiederholen: ", "Repeat the password: ", lang))
        except (EOFError, KeyboardInterrupt):
            err.print(say("Abgebrochen: kein Passwort.", "Stopped: no password.", lang))
            raise typer.Exit(2) from None
        if first != second:
            err.print(
                say(
                    "[yellow]Die beiden Eingaben stimmen nicht überein. Bitte noch einmal.[/]",
                    "[yellow]The two entries do not match. Please try again.[/]",
                    lang,
                )
            )
            continue
        wrong = password_problems(username, first, email, project, lang)
        if wrong:
            err.print(f"[yellow]{escape(' '.join(wrong))}[/]")
            continue
        return first
    err.print(
        say(
            f"Abgebrochen nach {_ATTEMPTS} Versuchen.",
            f"Stopped after {_ATTEMPTS} attempts.",
            lang,
        )
    )
    raise typer.Exit(2)


# -- web app ----------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Adresse, an der der Server lauscht (0.0.0.0 = alle).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port des Servers.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Anzahl der Arbeitsprozesse (Standard: 1 je Kern, mindestens 2, höchstens 8).",
        ),
    ] = None,
    threads: Annotated[int, typer.Option("--threads", help="Threads je Arbeitsprozess.")] = 4,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Die Web-App starten: Koordination, Dashboard und die persönlichen Links der Standorte.

    Läuft mit gunicorn (kein Entwicklungsserver) im Projektordner; die Datenbank wird vorher auf den neuesten Stand gebracht. Beenden mit Strg+C. Hinter einem TLS-Proxy KLAPPT_HTTPS=1 und KLAPPT_BASE_URL=https://… setzen.

    Beispiel: klappt serve --host 0.0.0.0 --port 8000
    """
    from klappt.web.server import serve as run_server

    lang = _lang(lang)
    root = _project(project)

    def ready(opts: dict[str, Any]) -> None:
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
        err.print(
            say(
                f"[green]✓[/] klappt läuft: http://{shown}:{port}/  (Projekt {root}, {opts['workers']} Prozesse; Strg+C beendet)",
                f"[green]✓[/] klappt is running: http://{shown}:{port}/  (project {root}, {opts['workers']} workers; Ctrl+C stops)",
                lang,
            )
        )

    run_server(root, host=host, port=port, workers=workers, threads=threads, on_ready=ready)


@app.command()
def migrate(project: ProjectOpt = None, lang: Lang = "de") -> None:
    """Die Datenbank des Projekts auf den neuesten Stand bringen (auch die Tabellen der Web-App).

    Beispiel: klappt migrate
    """
    from klappt.web.server import migrate as run_migrate

    lang = _lang(lang)
    applied = run_migrate(_project(project))
    err.print(
        say(
            f"[green]✓[/] Datenbank aktuell ({len(applied)} Migrationen angewendet).",
            f"[green]✓[/] Database up to date ({len(applied)} migrations applied).",
            lang,
        )
    )


@app.command()
def createuser(
    username: Annotated[str, typer.Argument(help="Benutzername.")],
    role: Annotated[
        str, typer.Option("--role", help="coordinator (Koordination) oder analyst (Auswertung).")
    ] = "coordinator",
    program: Annotated[
        str | None,
        typer.Option("--program", help="Nur für dieses Programm (Kurzname); sonst für alle."),
    ] = None,
    email: Annotated[str, typer.Option("--email", help="E-Mail-Adresse (optional).")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Passwort von der Standardeingabe lesen.")
    ] = False,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Ein Konto für die Web-App anlegen (oder sein Passwort und seine Rolle ändern).

    Ohne --program gilt die Rolle für alle Programme; die Koordination aller Programme darf neue Programme anlegen. Das Passwort (mindestens 10 Zeichen) wird zweimal abgefragt; bei einem Tippfehler oder einem zu schwachen Passwort wird noch einmal gefragt.

    Beispiel: klappt createuser koordination
    """
    from klappt.web.server import createuser as run_createuser

    lang = _lang(lang)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = _ask_password(lang, username, email, _project(project))
    result = run_createuser(  # a refused role, program or password: KlapptError, in lang
        username,
        password,
        role=role,
        program=program,
        email=email,
        project=_project(project),
        lang=lang,
    )
    where = result.program or say("alle Programme", "every program", lang)
    err.print(
        say(
            f"[green]✓[/] Konto {result.username} {'angelegt' if result.created else 'aktualisiert'}: {result.role}, {where}.",
            f"[green]✓[/] Account {result.username} {'created' if result.created else 'updated'}: {result.role}, {where}.",
            lang,
        )
    )


@app.command()
def password(
    username: Annotated[str, typer.Argument(help="Benutzername des Kontos.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Passwort von der Standardeingabe lesen.")
    ] = False,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Einem bestehenden Konto ein neues Passwort geben (z. B. wenn es vergessen wurde).

    Rolle und Programme bleiben, wie sie sind; offene Sitzungen des Kontos enden. In der Web-App kann die Koordination aller Programme dasselbe unter „Passwort“ tun.

    Beispiel: klappt password koordination
    """
    from klappt.web.server import set_password

    lang = _lang(lang)
    root = _project(project)
    if password_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
    else:
        secret = _ask_password(lang, username, "", root)
    name = set_password(username, secret, root, lang)
    err.print(
        say(
            f"[green]✓[/] Neues Passwort für {escape(name)} gesetzt.",
            f"[green]✓[/] New password set for {escape(name)}.",
            lang,
        )
    )
