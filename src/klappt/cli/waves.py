"""Projects and waves: ``klappt init``, ``import``, ``register``, ``waves``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from klappt.cli.common import (
    Lang,
    ProjectOpt,
    _lang,
    _print_report,
    _project,
    app,
    err,
    local_time,
    out,
    shown,
)
from klappt.errors import KlapptError
from klappt.language import rendered, say

if TYPE_CHECKING:
    pass


# -- project and waves ------------------------------------------------------------------------


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Ordner des neuen Projekts (wird angelegt).")] = Path(
        "."
    ),
    lang: Lang = "de",
) -> None:
    """Ein klappt-Projekt anlegen: Datenbank (SQLite, oder PostgreSQL über DATABASE_URL) und Ordner.

    Beispiel: klappt init gk-evaluation && cd gk-evaluation
    """
    from klappt.store.api import init_project

    lang = _lang(lang)
    where = init_project(path)
    err.print(
        say(f"[green]✓[/] Projekt bereit: {where}", f"[green]✓[/] Project ready: {where}", lang)
    )


def _wave_files(source: Path, data: Path | None, lang: str, event: str | None = None):
    """The XLSForm and the table of returns for a wave, converting other tools' files first."""
    from klappt.instrument.readers import FORM_SUFFIXES
    from klappt.interop import FORMAT_NAMES, detect_format, read_any, returns_csv

    fmt = detect_format(source)
    if (
        fmt == "xlsform"
        and data is not None
        and source.suffix.lower() in FORM_SUFFIXES
        and event is None
    ):
        return source, data, None
    result = read_any(source, data, event=event)
    err.print(
        say("Erkannt: ", "Detected: ", lang)
        + escape(rendered(FORMAT_NAMES.get(result.format, result.format), lang))
    )
    lines = result.summary.lines(lang)[1:]
    for line in lines[:12]:
        err.print(f"[dim]  {escape(shown(line))}[/]")
    if len(lines) > 12:
        err.print(
            say(
                f"[dim]  … {len(lines) - 12} weitere Hinweise (klappt convert zeigt alle)[/]",
                f"[dim]  … {len(lines) - 12} more notes (klappt convert shows them all)[/]",
                lang,
            )
        )
    if result.raw is None or result.xlsform is None:
        from klappt.errors import ErrorCode

        raise KlapptError(
            ErrorCode.INTEROP_015,
            path=source,
            format=FORMAT_NAMES.get(result.format, result.format),
        )
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="klappt-import-"))
    form_path = tmp / f"{source.stem}.xlsx"
    form_path.write_bytes(result.xlsform)
    data_path = tmp / f"{(data or source).stem}.csv"
    data_path.write_bytes(returns_csv(result.raw))
    return form_path, data_path, tmp


@app.command(name="import")
def import_(
    wave: Annotated[str, typer.Argument(help="Name der Welle, z. B. 2022.")],
    source: Annotated[
        Path,
        typer.Argument(
            help="Der Fragebogen (XLSForm) – oder eine Datei eines anderen Werkzeugs: LimeSurvey "
            "(.lss, .lsa), REDCap-Datenwörterbuch, SPSS (.sav), Stata (.dta)."
        ),
    ],
    data: Annotated[
        Path | None,
        typer.Argument(
            help="Die Rückläufe (entfällt bei .lsa, .sav und .dta, die beides enthalten)."
        ),
    ] = None,
    event: Annotated[
        str | None,
        typer.Option(
            "--event",
            help="REDCap-Projekt mit Ereignissen: nur dieses Ereignis als Welle einlesen "
            "(Rücklauf-ID = Datensatz); ohne die Option ist jede Kombination Datensatz × "
            "Ereignis ein Rücklauf.",
        ),
    ] = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Eine Welle speichern (Fragebogen und Rückläufe). Dieselbe Datei erneut: keine Änderung;
    eine geänderte Datei ersetzt die Rückläufe der Welle in einem Schritt. Das Format wird am
    Inhalt erkannt; Dateien anderer Werkzeuge werden zuerst in XLSForm und Tabelle übersetzt.

    Beispiele:
      klappt import 2022 arbeitshilfe_2022.xlsx ruecklaeufe_2022.csv
      klappt import 2023 umfrage.lsa
      klappt import 2023 umfrage.lss antworten.csv
      klappt import 2024 woerterbuch.csv records.csv --event baseline_arm_1
    """
    import shutil

    from klappt.store.api import import_wave

    lang = _lang(lang)
    form_path, data_path, tmp = _wave_files(source, data, lang, event)
    try:
        result = import_wave(_project(project), wave, form_path, data_path)
    except KlapptError as exc:
        if tmp is None:
            raise
        from klappt.interop.base import naming_user_files

        # the wave was converted into files of our own: the message names the user's
        raise naming_user_files(exc, {form_path: source, data_path: data or source}) from None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    status = {
        "created": say("angelegt", "created", lang),
        "replaced": say("ersetzt", "replaced", lang),
        "unchanged": say("unverändert", "unchanged", lang),
    }.get(result.status, result.status)
    err.print(
        say(
            f"[green]✓[/] Welle {result.wave}: {status}, {result.responses} Rückläufe.",
            f"[green]✓[/] Wave {result.wave}: {status}, {result.responses} returns.",
            lang,
        )
    )
    if not result.report.ok:
        _print_report(result.report, lang, limit=20)


@app.command()
def register(
    path: Annotated[
        Path,
        typer.Argument(
            help="Standortregister (.csv oder .xlsx) mit den Spalten site_id, name, typ und weiteren Merkmalen."
        ),
    ],
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Das Register der Standorte (Kommunen) laden oder ersetzen.

    Beispiel: klappt register kommunen.csv
    """
    from klappt.store.api import import_register

    lang = _lang(lang)
    n = import_register(_project(project), path)
    err.print(
        say(
            f"[green]✓[/] {n} Standorte im Register.",
            f"[green]✓[/] {n} sites in the register.",
            lang,
        )
    )


#: ``klappt waves`` lists the waves; ``klappt waves map`` (klappt.cli.trend) maps their questions
waves_app = typer.Typer(invoke_without_command=True, rich_markup_mode="rich")
app.add_typer(waves_app, name="waves")


@waves_app.callback()
def waves(ctx: typer.Context, project: ProjectOpt = None, lang: Lang = "de") -> None:
    """Die gespeicherten Wellen auflisten; klappt waves map ordnet Fragen zweier Wellen einander zu.

    Beispiele:
      klappt waves
      klappt waves map 2020 2022 --out zuordnung.yaml
    """
    if ctx.invoked_subcommand is not None:
        return
    from klappt.store.api import list_waves

    lang = _lang(lang)
    infos = list_waves(_project(project))
    table = RichTable()
    for col in (
        say("Welle", "Wave", lang),
        say("Fragebogen", "Form", lang),
        say("Rückläufe", "Returns", lang),
        say("Datei", "File", lang),
        say("importiert", "imported", lang),
    ):
        table.add_column(col)
    for w in infos:
        table.add_row(
            str(w.name),
            str(w.form_title),
            str(w.responses),
            str(w.data_file),
            local_time(w.imported_at, lang),
        )
    if infos:
        out.print(table)
    else:
        err.print(
            say(
                "Noch keine Welle gespeichert (klappt import WELLE FORM DATA).",
                "No wave stored yet (klappt import WAVE FORM DATA).",
                lang,
            )
        )


# -- report -----------------------------------------------------------------------------------
