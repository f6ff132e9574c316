"""What every command shares: the Typer app, the consoles, the common options and helpers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table as RichTable

from klappt.language import say, use_language

if TYPE_CHECKING:
    from klappt.responses.report import ValidationReport

app = typer.Typer(
    name="klappt",
    help=(
        "klappt wertet wiederkehrende Standort-Befragungen aus: Fragebogen (XLSForm) einlesen, "
        "Rückläufe prüfen, Tabellen mit der richtigen Basis zählen, Wellen speichern.\n\n"
        "Beispiel: klappt tabulate fragebogen.xlsx ruecklaeufe.csv --xlsx tabellen.xlsx"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


@app.callback()
def _each_command(ctx: typer.Context) -> None:
    # an invocation speaks KLAPPT_LANG until its --lang says otherwise, and leaves the language
    # as it found it (tests and scripts run many invocations in one process)
    _chosen["lang"] = ""
    use_language("")
    ctx.call_on_close(lambda: use_language(""))


out = Console()
err = Console(stderr=True)

Lang = Annotated[
    str, typer.Option("--lang", help="Sprache der Ausgabe: de oder en.", envvar="KLAPPT_LANG")
]
ProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project",
        "-p",
        help="Projektordner (sonst der aktuelle Ordner oder ein übergeordneter).",
        envvar="KLAPPT_PROJECT",
    ),
]


_chosen = {"lang": ""}  # the language of this invocation, for the error message printed by main()


def _lang(lang: str) -> str:
    code = (lang or "de").lower()[:2]
    code = code if code in ("de", "en") else "de"
    _chosen["lang"] = code
    use_language(code)  # the core's texts (klappt.language) speak the invocation's language too
    return code


def _load(form: Path, data: Path):
    from klappt.instrument import read_instrument
    from klappt.responses.dataset import read_responses

    return read_responses(read_instrument(form), data)


def shown(text: str, limit: int = 400) -> str:
    """A text as the screen shows it: at most ``limit`` characters. Rich wraps a long word
    character by character, and a 70,000-character one took the terminal most of a minute;
    the files and the JSON keep the whole text.

    Example
    -------
    >>> shown("a" * 10, 4)
    'aaaa … (10 Zeichen/characters)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]} … ({len(text)} Zeichen/characters)"


def _project(project: Path | None) -> Path:
    from klappt.store.api import find_project

    return find_project(project)


def _write_or_print(target: str, text: str) -> None:
    from klappt.files import write_atomic

    if target == "-":
        sys.stdout.write(text + "\n")
    else:
        write_atomic(Path(target), text + "\n")


def _print_report(report: ValidationReport, lang: str, limit: int = 200) -> None:
    name = Path(report.source).name
    if report.ok:
        err.print(
            say(
                f"[green]✓[/] {report.responses} Rückläufe aus {name} ({report.detected}): keine Probleme.",
                f"[green]✓[/] {report.responses} returns from {name} ({report.detected}): no problems.",
                lang,
            )
        )
    else:
        problems = report.problems
        table = RichTable(
            title=say(f"Probleme in {name}", f"Problems in {name}", lang), show_lines=False
        )
        for col in (
            say("Zeile", "Row", lang),
            say("Spalte", "Column", lang),
            say("Wert", "Value", lang),
            say("Problem", "Problem", lang),
        ):
            table.add_column(col, overflow="fold")
        for issue in problems[:limit]:
            table.add_row(
                str(issue.row) if issue.row is not None else say("alle", "all", lang),
                shown(issue.column or "", 200),
                shown(issue.value or "", 200),
                shown(issue.message(lang)),
            )
        out.print(table)
        if len(problems) > limit:
            out.print(
                say(
                    f"… und {len(problems) - limit} weitere (alle mit --json).",
                    f"… and {len(problems) - limit} more (all with --json).",
                    lang,
                )
            )
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(report.counts().items()))
        err.print(
            say(
                f"[yellow]![/] {report.rows} Zeilen aus {name} ({report.detected}), {len(problems)} Probleme ({summary}).",
                f"[yellow]![/] {report.rows} rows from {name} ({report.detected}), {len(problems)} problems ({summary}).",
                lang,
            )
        )
    for note in report.notes:
        err.print(
            f"[dim]{say('Hinweis', 'Note', lang)}: {note.question}: {shown(note.message(lang))}[/]"
        )


def local_time(moment: Any, lang: str, date_only: bool = False) -> str:
    """A stored moment (UTC) in the project's local time and the language's form:
    ``31.01.2027, 13:50`` or ``31 Jan 2027, 13:50`` (klappt.formatting); ``–`` for none."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from klappt.formatting import fmt_date, fmt_datetime
    from klappt.store.settings import TIME_ZONE

    if moment is None:
        return "–"
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    local = aware.astimezone(ZoneInfo(TIME_ZONE))
    return fmt_date(local.date(), lang) if date_only else fmt_datetime(local, lang)
