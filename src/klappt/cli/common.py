"""What every command shares: the Typer app, the consoles, the common options and helpers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable

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
    return code


def _clip(text: str, limit: int = 300) -> str:
    """A note for the screen, cut short: a damaged file's 700 KB header must not take the
    terminal renderer half a minute (the full text is in --json)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _t(lang: str, de: str, en: str) -> str:
    return en if lang == "en" else de


def _load(form: Path, data: Path):
    from klappt.instrument import read_instrument
    from klappt.responses.dataset import read_responses

    return read_responses(read_instrument(form), data)


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
            _t(
                lang,
                f"[green]✓[/] {report.responses} Rückläufe aus {name} ({report.detected}): keine Probleme.",
                f"[green]✓[/] {report.responses} returns from {name} ({report.detected}): no problems.",
            )
        )
    else:
        problems = report.problems
        table = RichTable(
            title=_t(lang, f"Probleme in {name}", f"Problems in {name}"), show_lines=False
        )
        for col in (
            _t(lang, "Zeile", "Row"),
            _t(lang, "Spalte", "Column"),
            _t(lang, "Wert", "Value"),
            _t(lang, "Problem", "Problem"),
        ):
            table.add_column(col, overflow="fold")
        for issue in problems[:limit]:
            table.add_row(
                str(issue.row) if issue.row is not None else _t(lang, "alle", "all"),
                issue.column or "",
                issue.value or "",
                issue.message(lang),
            )
        out.print(table)
        if len(problems) > limit:
            out.print(
                _t(
                    lang,
                    f"… und {len(problems) - limit} weitere (alle mit --json).",
                    f"… and {len(problems) - limit} more (all with --json).",
                )
            )
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(report.counts().items()))
        err.print(
            _t(
                lang,
                f"[yellow]![/] {report.rows} Zeilen aus {name} ({report.detected}), {len(problems)} Probleme ({summary}).",
                f"[yellow]![/] {report.rows} rows from {name} ({report.detected}), {len(problems)} problems ({summary}).",
            )
        )
    for note in report.notes:
        err.print(f"[dim]{_t(lang, 'Hinweis', 'Note')}: {note.question}: {note.message(lang)}[/]")
