"""The web app: ``klappt serve``, ``klappt migrate``, ``klappt createuser``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from klappt.cli.common import (
    Lang,
    ProjectOpt,
    _lang,
    _project,
    _t,
    app,
    err,
)

if TYPE_CHECKING:
    pass


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
            _t(
                lang,
                f"[green]✓[/] klappt läuft: http://{shown}:{port}/  (Projekt {root}, {opts['workers']} Prozesse; Strg+C beendet)",
                f"[green]✓[/] klappt is running: http://{shown}:{port}/  (project {root}, {opts['workers']} workers; Ctrl+C stops)",
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
        _t(
            lang,
            f"[green]✓[/] Datenbank aktuell ({len(applied)} Migrationen angewendet).",
            f"[green]✓[/] Database up to date ({len(applied)} migrations applied).",
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

    Ohne --program gilt die Rolle für alle Programme; die Koordination aller Programme darf neue Programme anlegen. Das Passwort (mindestens 10 Zeichen) wird abgefragt.

    Beispiel: klappt createuser koordination
    """
    from klappt.web.server import createuser as run_createuser

    lang = _lang(lang)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(
            _t(lang, "Passwort", "Password"), hide_input=True, confirmation_prompt=True
        )
    try:
        result = run_createuser(
            username,
            password,
            role=role,
            program=program,
            email=email,
            project=_project(project),
            lang=lang,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    where = result.program or _t(lang, "alle Programme", "every program")
    err.print(
        _t(
            lang,
            f"[green]✓[/] Konto {result.username} {'angelegt' if result.created else 'aktualisiert'}: {result.role}, {where}.",
            f"[green]✓[/] Account {result.username} {'created' if result.created else 'updated'}: {result.role}, {where}.",
        )
    )
