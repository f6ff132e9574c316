"""The ``klappt`` command: thin wiring from options to the core and back to files and screen."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from klappt.errors import KlapptError, current_language

if TYPE_CHECKING:
    from klappt.analysis.tabulate import Tabulation
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


def _t(lang: str, de: str, en: str) -> str:
    return en if lang == "en" else de


def _load(form: Path, data: Path):
    from klappt.instrument import read_instrument
    from klappt.responses.dataset import load_responses
    from klappt.responses.io import read_table

    instrument = read_instrument(form)
    raw = read_table(data)
    return load_responses(instrument, raw)


def _project(project: Path | None) -> Path:
    from klappt.store.api import find_project

    return find_project(project)


def _write_or_print(target: str, text: str) -> None:
    from klappt.files import write_atomic

    if target == "-":
        sys.stdout.write(text + "\n")
    else:
        write_atomic(Path(target), text + "\n")


# -- validate ---------------------------------------------------------------------------------


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


@app.command()
def validate(
    form: Annotated[
        Path, typer.Argument(help="Der Fragebogen als XLSForm (.xlsx, .xls, .csv, .md).")
    ],
    data: Annotated[
        Path,
        typer.Argument(help="Die Rückläufe (.csv, .xlsx, .xls, .parquet), eine Zeile je Rücklauf."),
    ],
    json_out: Annotated[
        str | None,
        typer.Option(
            "--json", help="Bericht als JSON in diese Datei schreiben ('-' = Bildschirm)."
        ),
    ] = None,
    lang: Lang = "de",
) -> None:
    """Rückläufe gegen den Fragebogen prüfen und jedes Problem mit Zeile, Spalte und Wert nennen.

    Exit-Code 0, wenn alles passt; 1, wenn es Probleme gibt; 2 bei einem Fehler.

    Beispiel: klappt validate fragebogen.xlsx ruecklaeufe.csv --json bericht.json
    """
    lang = _lang(lang)
    _, report = _load(form, data)
    if json_out:
        _write_or_print(json_out, json.dumps(report.to_dict(lang), ensure_ascii=False, indent=2))
    if json_out != "-":
        _print_report(report, lang)
    raise typer.Exit(0 if report.ok else 1)


# -- tabulate ---------------------------------------------------------------------------------


def _print_tabulation(tab: Tabulation, lang: str) -> None:
    from klappt.formatting import fmt_number, fmt_percent

    out.print(_t(lang, f"[bold]{tab.responses} Rückläufe[/]", f"[bold]{tab.responses} returns[/]"))
    for t in tab.tables:
        title = f"{t.label} [dim]({t.question}, n={t.base})[/]"
        rt = RichTable(title=title, title_justify="left", show_edge=False)
        rt.add_column(_t(lang, "Antwort", "Answer"), overflow="fold", max_width=60)
        columns = [(_t(lang, "Gesamt", "Total"), t.cell)] + [
            (f"{g.label} (n={g.cell.base})", g.cell) for g in t.groups
        ]
        if t.rows:
            for name, _ in columns:
                rt.add_column(name, justify="right")
            for i, row in enumerate(t.rows):
                rt.add_row(
                    row.label,
                    *[
                        f"{c.rows[i].count} ({fmt_percent(c.rows[i].percent, lang)})"
                        for _, c in columns
                    ],
                )
            if t.scale:
                rt.add_row(
                    _t(lang, "Mittelwert", "Mean"),
                    *[fmt_number(c.mean, lang, 2) for _, c in columns],
                )
                rt.add_row(
                    _t(lang, "Top 2", "Top two"), *[fmt_percent(c.top2, lang) for _, c in columns]
                )
        elif t.cell.stats:
            for name, _ in columns:
                rt.add_column(name, justify="right")
            for key in t.cell.stats:
                values = [(c.stats or {}).get(key) for _, c in columns]
                rt.add_row(
                    key,
                    *[
                        "–"
                        if v is None
                        else (fmt_number(v, lang, 2) if isinstance(v, float) else str(v))
                        for v in values
                    ],
                )
        else:
            for name, _ in columns:
                rt.add_column(name, justify="right")
            rt.add_row(_t(lang, "beantwortet", "answered"), *[str(c.base) for _, c in columns])
        out.print(rt)
        if t.type == "select_multiple":
            out.print(
                _t(
                    lang,
                    "[dim]*Es sind Mehrfachnennungen enthalten[/]",
                    "[dim]*Multiple answers included[/]",
                )
            )
    for note in tab.notes:
        err.print(f"[dim]{_t(lang, 'Hinweis', 'Note')}: {note}[/]")


@app.command()
def tabulate(
    form: Annotated[
        Path | None, typer.Argument(help="Der Fragebogen (XLSForm). Entfällt mit --wave.")
    ] = None,
    data: Annotated[Path | None, typer.Argument(help="Die Rückläufe. Entfällt mit --wave.")] = None,
    wave: Annotated[
        str | None,
        typer.Option("--wave", "-w", help="Eine gespeicherte Welle statt FORM DATA auswerten."),
    ] = None,
    json_out: Annotated[
        str | None,
        typer.Option("--json", help="Tabellen als JSON in diese Datei ('-' = Bildschirm)."),
    ] = None,
    xlsx_out: Annotated[
        Path | None, typer.Option("--xlsx", help="Tabellen als Excel-Arbeitsmappe schreiben.")
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", help="Jede Tabelle nach dieser Einfachauswahl aufteilen, z. B. gebietstyp."
        ),
    ] = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Jede Frage auszählen: Basis (n), Anzahl und Prozent je Antwort, Skalen mit Mittelwert.

    Beispiele:
      klappt tabulate fragebogen.xlsx ruecklaeufe.csv
      klappt tabulate fragebogen.xlsx ruecklaeufe.csv --by gebietstyp --json -
      klappt tabulate --wave 2022 --xlsx tabellen_2022.xlsx
    """
    from klappt.analysis.tabulate import tabulate as run_tabulate

    lang = _lang(lang)
    if wave is not None:
        if form is not None or data is not None:
            raise typer.BadParameter(
                _t(
                    lang,
                    "entweder FORM DATA oder --wave, nicht beides",
                    "either FORM DATA or --wave, not both",
                )
            )
        from klappt.store.api import load_wave

        _, rs, report = load_wave(_project(project), wave)
    else:
        if form is None or data is None:
            raise typer.BadParameter(
                _t(lang, "FORM und DATA angeben, oder --wave", "give FORM and DATA, or --wave")
            )
        rs, report = _load(form, data)
    tab = run_tabulate(rs, by=by, lang=lang)
    if not report.ok:
        err.print(
            _t(
                lang,
                f"[yellow]![/] {len(report.problems)} Probleme in den Daten; betroffene Werte sind nicht gezählt (Details: klappt validate).",
                f"[yellow]![/] {len(report.problems)} problems in the data; affected values are not counted (details: klappt validate).",
            )
        )
    if json_out:
        _write_or_print(json_out, json.dumps(tab.to_dict(), ensure_ascii=False, indent=2))
    if xlsx_out:
        from klappt.analysis.workbook import tabulation_workbook
        from klappt.files import write_atomic

        write_atomic(xlsx_out, tabulation_workbook(tab, lang))
        err.print(_t(lang, f"Tabellen geschrieben: {xlsx_out}", f"Tables written: {xlsx_out}"))
    if not json_out and not xlsx_out:
        _print_tabulation(tab, lang)


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
        _t(lang, f"[green]✓[/] Projekt bereit: {where}", f"[green]✓[/] Project ready: {where}")
    )


@app.command(name="import")
def import_(
    wave: Annotated[str, typer.Argument(help="Name der Welle, z. B. 2022.")],
    form: Annotated[Path, typer.Argument(help="Der Fragebogen der Welle (XLSForm).")],
    data: Annotated[Path, typer.Argument(help="Die Rückläufe der Welle.")],
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Eine Welle speichern (Fragebogen und Rückläufe). Dieselbe Datei erneut: keine Änderung;
    eine geänderte Datei ersetzt die Rückläufe der Welle in einem Schritt.

    Beispiel: klappt import 2022 arbeitshilfe_2022.xlsx ruecklaeufe_2022.csv
    """
    from klappt.store.api import import_wave

    lang = _lang(lang)
    result = import_wave(_project(project), wave, form, data)
    status = {
        "created": _t(lang, "angelegt", "created"),
        "replaced": _t(lang, "ersetzt", "replaced"),
        "unchanged": _t(lang, "unverändert", "unchanged"),
    }.get(result.status, result.status)
    err.print(
        _t(
            lang,
            f"[green]✓[/] Welle {result.wave}: {status}, {result.responses} Rückläufe.",
            f"[green]✓[/] Wave {result.wave}: {status}, {result.responses} returns.",
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
        _t(
            lang,
            f"[green]✓[/] {n} Standorte im Register.",
            f"[green]✓[/] {n} sites in the register.",
        )
    )


@app.command()
def waves(project: ProjectOpt = None, lang: Lang = "de") -> None:
    """Die gespeicherten Wellen auflisten.

    Beispiel: klappt waves
    """
    from klappt.store.api import list_waves

    lang = _lang(lang)
    infos = list_waves(_project(project))
    table = RichTable()
    for col in (
        _t(lang, "Welle", "Wave"),
        _t(lang, "Fragebogen", "Form"),
        _t(lang, "Rückläufe", "Returns"),
        _t(lang, "Datei", "File"),
        _t(lang, "importiert", "imported"),
    ):
        table.add_column(col)
    for w in infos:
        table.add_row(
            str(w.name),
            str(w.form_title),
            str(w.responses),
            str(w.data_file),
            f"{w.imported_at:%d.%m.%Y %H:%M}",
        )
    if infos:
        out.print(table)
    else:
        err.print(
            _t(
                lang,
                "Noch keine Welle gespeichert (klappt import WELLE FORM DATA).",
                "No wave stored yet (klappt import WAVE FORM DATA).",
            )
        )


# -- the reference case -----------------------------------------------------------------------


@app.command()
def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Zielordner für Projekt, Tabellen und Berichte.")
    ] = Path("out"),
    lang: Lang = "de",
) -> None:
    """Den Referenzfall „Gemeinsam klappt's“ durchrechnen: Register und Wellen 2020/2022 in ein
    Projekt laden und die Tabellen schreiben.

    Beispiel: klappt demo --out out
    """
    from klappt.analysis.tabulate import tabulate as run_tabulate
    from klappt.analysis.workbook import tabulation_workbook
    from klappt.files import write_atomic
    from klappt.reference import REFERENCE_WAVES, reference_path
    from klappt.store.api import import_register, import_wave, init_project, load_wave

    lang = _lang(lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    project = init_project(out_dir / "projekt")
    n_sites = import_register(project, reference_path("register.csv"))
    err.print(_t(lang, f"Register: {n_sites} Standorte", f"Register: {n_sites} sites"))
    written: list[Path] = []
    for wave, (form_name, data_name) in sorted(REFERENCE_WAVES.items()):
        result = import_wave(project, wave, reference_path(form_name), reference_path(data_name))
        _, rs, _ = load_wave(project, wave)
        tab = run_tabulate(rs, lang=lang)
        written.append(
            write_atomic(
                out_dir / f"tabellen_{wave}.json",
                json.dumps(tab.to_dict(), ensure_ascii=False, indent=2) + "\n",
            )
        )
        written.append(
            write_atomic(out_dir / f"tabellen_{wave}.xlsx", tabulation_workbook(tab, lang))
        )
        if "gebietstyp" in {q.name for q in rs.instrument.questions}:
            by_tab = run_tabulate(rs, by="gebietstyp", lang=lang)
            written.append(
                write_atomic(
                    out_dir / f"tabellen_{wave}_nach_gebietstyp.xlsx",
                    tabulation_workbook(by_tab, lang),
                )
            )
        err.print(
            _t(
                lang,
                f"Welle {wave}: {result.responses} Rückläufe",
                f"Wave {wave}: {result.responses} returns",
            )
        )
    for path in written:
        out.print(str(path))


def _run(argv: list[str] | None = None) -> Any:
    return app(args=argv, prog_name="klappt")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``klappt`` console script: user mistakes end in one message, no traceback."""
    try:
        _run(argv)
    except KlapptError as exc:
        lang = _chosen["lang"] or current_language()
        err.print(
            f"[bold red]{_t(lang, 'Fehler', 'Error')}:[/] {escape(exc.message(lang))}",
            highlight=False,
        )
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
