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
    codebook: Annotated[
        list[Path] | None,
        typer.Option(
            "--codebook",
            help="Codebuch einer offenen Frage (.yaml/.xlsx); mit --codes wird daraus FRAGE__codes.",
        ),
    ] = None,
    codes: Annotated[
        Path | None,
        typer.Option("--codes", help="Codierungen (.csv/.xlsx) zu den Codebüchern."),
    ] = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Jede Frage auszählen: Basis (n), Anzahl und Prozent je Antwort, Skalen mit Mittelwert.

    Codierte offene Antworten (--codebook, --codes) erscheinen als Mehrfachnennung FRAGE__codes.

    Beispiele:
      klappt tabulate fragebogen.xlsx ruecklaeufe.csv
      klappt tabulate fragebogen.xlsx ruecklaeufe.csv --by gebietstyp --json -
      klappt tabulate --wave 2022 --xlsx tabellen_2022.xlsx
      klappt tabulate f.xlsx r.csv --codebook mehrwert.yaml --codes codierungen.csv
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
    if codebook or codes:
        if not (codebook and codes):
            raise typer.BadParameter(
                _t(
                    lang,
                    "--codebook und --codes gehören zusammen",
                    "--codebook and --codes go together",
                )
            )
        from klappt.coding import apply_codes, read_codebook, read_codings

        codings = read_codings(codes)
        for path in codebook:
            rs = apply_codes(rs, read_codebook(path), codings)
        for note in rs.notes:
            err.print(f"[dim]{_t(lang, 'Hinweis', 'Note')}: {escape(note)}[/]")
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


def _wave_files(source: Path, data: Path | None, lang: str):
    """The XLSForm and the table of returns for a wave, converting other tools' files first."""
    from klappt.instrument.readers import FORM_SUFFIXES
    from klappt.interop import FORMAT_NAMES, detect_format, read_any, returns_csv

    fmt = detect_format(source)
    if fmt == "xlsform" and data is not None and source.suffix.lower() in FORM_SUFFIXES:
        return source, data, None
    result = read_any(source, data)
    err.print(
        _t(lang, "Erkannt: ", "Detected: ") + escape(FORMAT_NAMES.get(result.format, result.format))
    )
    lines = result.summary.lines()[1:]
    for line in lines[:12]:
        err.print(f"[dim]  {escape(line)}[/]")
    if len(lines) > 12:
        err.print(
            _t(
                lang,
                f"[dim]  … {len(lines) - 12} weitere Hinweise (klappt convert zeigt alle)[/]",
                f"[dim]  … {len(lines) - 12} more notes (klappt convert shows them all)[/]",
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
    """
    import shutil

    from klappt.store.api import import_wave

    lang = _lang(lang)
    form_path, data_path, tmp = _wave_files(source, data, lang)
    try:
        result = import_wave(_project(project), wave, form_path, data_path)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
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


# -- report -----------------------------------------------------------------------------------


@app.command()
def report(
    form: Annotated[
        Path | None,
        typer.Argument(
            help="Der Fragebogen (XLSForm). Entfällt mit --wave oder einem Rezept mit Wellen."
        ),
    ] = None,
    data: Annotated[Path | None, typer.Argument(help="Die Rückläufe.")] = None,
    out_paths: Annotated[
        list[Path] | None,
        typer.Option(
            "--out",
            "-o",
            help="Ausgabedatei; das Format folgt der Endung (.pptx, .html, .pdf, .xlsx). Mehrfach möglich.",
        ),
    ] = None,
    recipe: Annotated[
        Path | None,
        typer.Option(
            "--recipe", "-r", help="Rezept (YAML) mit der Folienfolge; sonst der Standardablauf."
        ),
    ] = None,
    wave: Annotated[
        str | None,
        typer.Option("--wave", "-w", help="Eine gespeicherte Welle statt FORM DATA berichten."),
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template", help="PowerPoint-Vorlage (.pptx mit Mastern) für das Foliendesign."
        ),
    ] = None,
    init_recipe: Annotated[
        str | None,
        typer.Option(
            "--init-recipe",
            help="Den Standardablauf als Rezept in diese Datei schreiben ('-' = Bildschirm).",
        ),
    ] = None,
    project: ProjectOpt = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Sprache des Berichts: de oder en (sonst die des Rezepts, sonst de).",
            envvar="KLAPPT_LANG",
        ),
    ] = None,
) -> None:
    """Den Ergebnisbericht bauen: Foliensatz, HTML, PDF und Excel mit denselben Zahlen.

    Beispiele:
      klappt report fragebogen.xlsx ruecklaeufe.csv --out bericht.pptx --out bericht.html
      klappt report --wave 2022 --recipe bericht.yaml --out bericht.pptx --out bericht.pdf
      klappt report fragebogen.xlsx --init-recipe bericht.yaml
    """
    from klappt.report import build_report, default_spec, dump_recipe, load_recipe, write_outputs
    from klappt.report.sources import load_data, read_wave

    code = _lang(lang or "de")
    if out_paths:
        from klappt.report.output import check_paths

        check_paths(out_paths)  # an unknown format or unwritable folder fails before any work
    spec = load_recipe(recipe) if recipe else None
    if wave is not None and (form is not None or data is not None):
        raise typer.BadParameter(
            _t(
                code,
                "entweder FORM DATA oder --wave, nicht beides",
                "either FORM DATA or --wave, not both",
            )
        )
    main_wave = None
    loader = None
    if wave is not None:
        from klappt.report.data import WaveData
        from klappt.store.api import load_wave

        root = _project(project)
        instrument, rs, _ = load_wave(root, wave)
        main_wave = WaveData(wave, instrument, responses=rs)
        loader = lambda name: load_wave(root, name)[:2]  # noqa: E731 - recipe waves from the store
    elif init_recipe is not None and form is not None and data is None:
        from klappt.instrument import read_instrument
        from klappt.report.data import WaveData

        main_wave = WaveData("", read_instrument(form))
    elif form is not None and data is not None:
        main_wave = read_wave(form, data, (spec.wave if spec and spec.wave else "") or "")
    elif form is not None or spec is None or not spec.waves:
        raise typer.BadParameter(
            _t(code, "FORM und DATA angeben, oder --wave", "give FORM and DATA, or --wave")
        )
    if init_recipe is not None:
        if main_wave is None:
            raise typer.BadParameter(
                _t(
                    code,
                    "--init-recipe braucht FORM oder --wave",
                    "--init-recipe needs FORM or --wave",
                )
            )
        _write_or_print(
            init_recipe,
            dump_recipe(default_spec(main_wave.instrument, lang or "de", wave)).rstrip("\n"),
        )
        if init_recipe != "-":
            err.print(
                _t(code, f"Rezept geschrieben: {init_recipe}", f"Recipe written: {init_recipe}")
            )
        return
    if not out_paths:
        raise typer.BadParameter(
            _t(code, "mindestens ein --out angeben", "give at least one --out")
        )
    if spec is None:
        assert main_wave is not None
        spec = default_spec(main_wave.instrument, lang or "de", main_wave.name or None)
    built = build_report(spec, load_data(spec, main_wave, loader), lang)
    for path in write_outputs(built, out_paths, template):
        out.print(str(path))


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
    from klappt.reference import reference_path as _ref
    from klappt.report import build_report as _build
    from klappt.report import load_recipe as _recipe
    from klappt.report import write_outputs as _write
    from klappt.report.sources import load_data as _data

    spec = _recipe(_ref("recipe_2022.yaml"))  # the reference deck from the bundled pack
    built = _build(spec, _data(spec), lang)
    written.extend(
        _write(built, [out_dir / f"referenz_2022.{ext}" for ext in ("pptx", "html", "pdf", "xlsx")])
    )
    for path in written:
        out.print(str(path))


# -- coding of open answers -------------------------------------------------------------------

code_app = typer.Typer(
    name="code",
    help=(
        "Offene Antworten codieren: Codebuch prüfen, Antworten nach Excel ausgeben und wieder einlesen, "
        "Vorschläge, Übereinstimmung zwischen Codierenden, häufige Nennungen, persönliche Daten.\n\n"
        "Beispiel: klappt code export fragebogen.xlsx ruecklaeufe.csv angebote --codebook codebuch.yaml --out codierung.xlsx"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(code_app, name="code")
CodebookOpt = Annotated[
    Path | None, typer.Option("--codebook", help="Codebuch (.yaml, .yml oder .xlsx).")
]


def _codings(path: Path | None):  # -> CodingSet; empty when the file does not exist yet
    from klappt.coding import CodingSet, read_codings

    return (
        read_codings(path)
        if path is not None and path.exists()
        else CodingSet(source=str(path or ""))
    )


def _codebook(path: Path | None):  # -> Codebook | None
    from klappt.coding import read_codebook

    return read_codebook(path) if path is not None else None


@code_app.command("codebook")
def code_codebook(
    path: Annotated[Path, typer.Argument(help="Das Codebuch (.yaml, .yml oder .xlsx).")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Umgewandelt speichern: .yaml oder .xlsx.")
    ] = None,
    lang: Lang = "de",
) -> None:
    """Ein Codebuch prüfen (doppelte Codes, Kreise, Ebenen) und zwischen YAML und Excel umwandeln.

    Beispiel: klappt code codebook codebuch.xlsx --out codebuch.yaml
    """
    from klappt.coding import codebook_to_xlsx, codebook_to_yaml
    from klappt.files import write_atomic

    lang = _lang(lang)
    book = _codebook(path)
    err.print(
        _t(
            lang,
            f"[green]✓[/] Codebuch {book.question} (Version {book.version}, Welle {book.wave or '–'}): {len(book.codes)} Codes.",
            f"[green]✓[/] Code book {book.question} (version {book.version}, wave {book.wave or '–'}): {len(book.codes)} codes.",
        )
    )
    if out is not None:
        write_atomic(
            out,
            codebook_to_xlsx(book, lang)
            if out.suffix.lower() == ".xlsx"
            else codebook_to_yaml(book),
        )


@code_app.command("export")
def code_export(
    form: Annotated[Path, typer.Argument(help="Der Fragebogen (XLSForm).")],
    data: Annotated[Path, typer.Argument(help="Die Rückläufe.")],
    question: Annotated[str, typer.Argument(help="Die Textfrage, deren Antworten codiert werden.")],
    out: Annotated[Path, typer.Option("--out", help="Die Excel-Datei zum Codieren.")],
    codebook: CodebookOpt = None,
    codings: Annotated[
        Path | None,
        typer.Option(
            "--codings", help="Bisherige Codierungen (.csv): daraus lernen die Vorschläge."
        ),
    ] = None,
    skip_coded: Annotated[
        bool, typer.Option("--skip-coded", help="Fertig codierte Antworten weglassen.")
    ] = False,
    sample: Annotated[
        int | None,
        typer.Option(
            "--sample", help="Nur so viele Antworten, zufällig gezogen (z. B. zum Zweitcodieren)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Startwert der Zufallsziehung.")] = 1,
    split: Annotated[
        bool,
        typer.Option(
            "--split/--no-split",
            help="Antworten an Zeilenumbrüchen, Semikolons und Aufzählungszeichen teilen.",
        ),
    ] = True,
    suggestions: Annotated[
        int, typer.Option("--suggestions", help="Vorschläge je Zeile (0 = keine).")
    ] = 3,
    lang: Lang = "de",
) -> None:
    """Die Antworten einer Textfrage zum Codieren nach Excel ausgeben, eine Zeile je Antwortteil.

    Mit Codebuch gibt es Vorschläge, sobald codierte Beispiele vorliegen (--codings, Beispiele im Codebuch).

    Beispiel: klappt code export fragebogen.xlsx ruecklaeufe.csv angebote --codebook codebuch.yaml --out codierung.xlsx
    """
    from klappt.coding import export_for_coding
    from klappt.files import write_atomic

    lang = _lang(lang)
    rs, _ = _load(form, data)
    result = export_for_coding(
        rs,
        question,
        _codebook(codebook),
        _codings(codings) if codings else None,
        split=split,
        sample=sample,
        seed=seed,
        skip_coded=skip_coded,
        top_k=suggestions,
        lang=lang,
    )
    write_atomic(out, result.workbook)
    err.print(
        _t(
            lang,
            f"[green]✓[/] {result.segments} Zeilen aus {result.answers} Antworten, {result.with_suggestions} mit Vorschlägen: {out}",
            f"[green]✓[/] {result.segments} rows from {result.answers} answers, {result.with_suggestions} with suggestions: {out}",
        )
    )


@code_app.command("import")
def code_import(
    workbook: Annotated[Path, typer.Argument(help="Die ausgefüllte Codier-Datei (.xlsx).")],
    coder: Annotated[str, typer.Option("--coder", help="Wer codiert hat.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Die Codierungen (.csv); vorhandene Zeilen anderer bleiben erhalten."
        ),
    ],
    codebook: CodebookOpt = None,
    final: Annotated[
        bool,
        typer.Option(
            "--final", help="Die Codes klären Abweichungen (aus klappt code agreement --xlsx)."
        ),
    ] = False,
    lang: Lang = "de",
) -> None:
    """Eine ausgefüllte Codier-Datei einlesen, die Codes prüfen und in die Codierungen übernehmen.

    Jede Zeile hält fest, wer wann codiert hat und ob der Code ein angenommener Vorschlag war.

    Beispiel: klappt code import codierung.xlsx --coder anna --out codierungen.csv
    """
    from klappt.coding import codings_to_csv, import_coding
    from klappt.files import write_atomic

    lang = _lang(lang)
    result = import_coding(
        workbook, coder, existing=_codings(out), codebook=_codebook(codebook), final=final
    )
    write_atomic(out, "\ufeff" + codings_to_csv(result.codings))
    s = result.summary
    err.print(
        _t(
            lang,
            f"[green]✓[/] {len(result.imported)} Codierungen von {coder} übernommen: {out}. Stand: {s.coded} von {s.units} "
            f"Antwortteilen codiert, {s.codes} Codes, davon {s.from_suggestions} angenommene Vorschläge; {s.unresolved} Abweichungen offen.",
            f"[green]✓[/] {len(result.imported)} codings by {coder} taken over: {out}. Now {s.coded} of {s.units} answer parts "
            f"coded, {s.codes} codes, {s.from_suggestions} of them accepted suggestions; {s.unresolved} disagreements open.",
        )
    )


@code_app.command("agreement")
def code_agreement(
    codings: Annotated[
        list[Path],
        typer.Argument(
            help="Codierungen (.csv) mit den Spalten answer, coder, code; eine oder mehrere Dateien."
        ),
    ],
    json_out: Annotated[
        str | None,
        typer.Option("--json", help="Ergebnis als JSON in diese Datei ('-' = Bildschirm)."),
    ] = None,
    xlsx_out: Annotated[
        Path | None, typer.Option("--xlsx", help="Die Abweichungen zum Klären als Excel-Datei.")
    ] = None,
    codebook: CodebookOpt = None,
    lang: Lang = "de",
) -> None:
    """Übereinstimmung zwischen Codierenden: Kappa und Alpha je Code, Alpha gesamt, offene Abweichungen.

    Kappa (Cohen) nur, wenn genau dieselben zwei Personen jede Antwort codiert haben; Alpha
    (Krippendorff, nominal) für Vorhandensein/Fehlen jedes Codes, gesamt über alle Paare aus
    Antwort und Code.

    Beispiel: klappt code agreement codierungen.csv --json - --xlsx abweichungen.xlsx
    """
    from klappt.coding import CodingSet, agreement, disagreement_workbook, read_codings
    from klappt.files import write_atomic
    from klappt.formatting import fmt_number

    lang = _lang(lang)
    rows = tuple(c for path in codings for c in read_codings(path).codings)
    book = _codebook(codebook)
    result = agreement(CodingSet(rows, source=str(codings[0])), codes=book.names if book else None)
    if json_out:
        _write_or_print(json_out, json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    if xlsx_out:
        write_atomic(xlsx_out, disagreement_workbook(result, book, lang))
    if json_out != "-":
        rt = RichTable(
            title=_t(
                lang,
                f"Übereinstimmung ({result.n} mehrfach codierte Antworten)",
                f"Agreement ({result.n} answers coded more than once)",
            )
        )
        for col in ("Code", "n", "Kappa", "Alpha"):
            rt.add_column(col, justify="left" if col == "Code" else "right")
        for c in result.codes:
            rt.add_row(c.code, str(c.n), fmt_number(c.kappa, lang, 3), fmt_number(c.alpha, lang, 3))
        out.print(rt)
        alpha = fmt_number(result.alpha, lang, 3)
        err.print(
            _t(
                lang,
                f"Alpha gesamt: {alpha}; offene Abweichungen: {len(result.disagreements)}",
                f"Overall alpha: {alpha}; open disagreements: {len(result.disagreements)}",
            )
        )


@code_app.command("suggest")
def code_suggest(
    form: Annotated[Path, typer.Argument(help="Der Fragebogen (XLSForm).")],
    data: Annotated[Path, typer.Argument(help="Die Rückläufe.")],
    codebook: Annotated[
        Path, typer.Option("--codebook", help="Codebuch (.yaml, .yml oder .xlsx).")
    ],
    codings: Annotated[
        Path | None,
        typer.Option(
            "--codings", help="Bisherige Codierungen (.csv): daraus lernen die Vorschläge."
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Vorschläge je Antwortteil.")] = 3,
    json_out: Annotated[
        str | None,
        typer.Option("--json", help="Vorschläge als JSON in diese Datei ('-' = Bildschirm)."),
    ] = None,
    lang: Lang = "de",
) -> None:
    """Codes für die noch nicht codierten Antworten vorschlagen, jeweils mit Sicherheit.

    Es wird nichts übernommen: annehmen oder ablehnen geschieht in der Codier-Datei (klappt code export).

    Beispiel: klappt code suggest fragebogen.xlsx ruecklaeufe.csv --codebook codebuch.yaml --codings codierungen.csv
    """
    from klappt.coding import suggest_uncoded

    lang = _lang(lang)
    rs, _ = _load(form, data)
    pairs = suggest_uncoded(rs, _codebook(codebook), _codings(codings), top_k=top)
    if json_out:
        payload = [
            {"answer": s.answer, "text": s.text, "suggestions": [x.to_dict() for x in sug]}
            for s, sug in pairs
        ]
        _write_or_print(json_out, json.dumps(payload, ensure_ascii=False, indent=2))
    if json_out != "-":
        rt = RichTable()
        for col in (
            _t(lang, "Antwort", "Answer"),
            _t(lang, "Text", "Text"),
            _t(lang, "Vorschläge", "Suggestions"),
        ):
            rt.add_column(col, overflow="fold")
        for s, sug in pairs:
            rt.add_row(
                s.answer,
                escape(s.text),
                ", ".join(f"{x.code} ({x.confidence:.2f})" for x in sug) or "–",
            )
        out.print(rt)


@code_app.command("mentions")
def code_mentions(
    form: Annotated[Path, typer.Argument(help="Der Fragebogen (XLSForm).")],
    data: Annotated[Path, typer.Argument(help="Die Rückläufe.")],
    question: Annotated[str, typer.Argument(help="Die Textfrage.")],
    top: Annotated[int, typer.Option("--top", help="So viele Nennungen zeigen.")] = 20,
    similarity: Annotated[
        float,
        typer.Option(
            "--similarity", help="Ab dieser Ähnlichkeit (0–100) gelten Schreibweisen als gleich."
        ),
    ] = 90.0,
    redact_out: Annotated[
        bool,
        typer.Option(
            "--redact",
            help="Namen, E-Mail-Adressen und Telefonnummern in der Ausgabe unkenntlich machen.",
        ),
    ] = False,
    json_out: Annotated[
        str | None,
        typer.Option("--json", help="Nennungen als JSON in diese Datei ('-' = Bildschirm)."),
    ] = None,
    lang: Lang = "de",
) -> None:
    """Gleiche Nennungen über alle Rückläufe zählen, die häufigste zuerst.

    Groß-/Kleinschreibung, Anführungszeichen und Tippfehler werden zusammengefasst; jeder Rücklauf zählt einmal.

    Beispiel: klappt code mentions fragebogen.xlsx ruecklaeufe.csv angebote --top 10
    """
    from klappt.coding import mentions, redact

    lang = _lang(lang)
    rs, _ = _load(form, data)
    found = mentions(rs, question, similarity=similarity)[:top]
    shown = [(redact(m.text, lang) if redact_out else m.text, m) for m in found]
    if json_out:
        _write_or_print(
            json_out,
            json.dumps(
                [{**m.to_dict(), "text": text} for text, m in shown], ensure_ascii=False, indent=2
            ),
        )
    if json_out != "-":
        for text, m in shown:
            out.print(f"{escape(text)} [dim](n={m.count})[/]")


@code_app.command("privacy")
def code_privacy(
    form: Annotated[Path, typer.Argument(help="Der Fragebogen (XLSForm).")],
    data: Annotated[Path, typer.Argument(help="Die Rückläufe.")],
    json_out: Annotated[
        str | None,
        typer.Option("--json", help="Fundstellen als JSON in diese Datei ('-' = Bildschirm)."),
    ] = None,
    lang: Lang = "de",
) -> None:
    """Freitexte vor einem Bericht auf persönliche Daten prüfen: Namen, E-Mail-Adressen, Telefonnummern.

    Exit-Code 0 ohne Fundstellen, 1 mit. Die Daten bleiben unverändert; Berichte können schwärzen.

    Beispiel: klappt code privacy fragebogen.xlsx ruecklaeufe.csv
    """
    from klappt.coding import find_personal_data

    lang = _lang(lang)
    rs, _ = _load(form, data)
    findings = find_personal_data(rs)
    if json_out:
        _write_or_print(
            json_out, json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2)
        )
    if json_out != "-":
        kinds = {"name": "Name", "email": "E-Mail", "phone": _t(lang, "Telefon", "phone")}
        rt = RichTable()
        for col in (
            _t(lang, "Frage", "Question"),
            _t(lang, "Rücklauf", "Return"),
            _t(lang, "Art", "Kind"),
            "Text",
        ):
            rt.add_column(col)
        for f in findings:
            rt.add_row(f.question, f.return_id, kinds[f.kind], escape(f.text))
        if findings:
            out.print(rt)
        err.print(_t(lang, f"{len(findings)} Fundstellen.", f"{len(findings)} findings."))
    raise typer.Exit(1 if findings else 0)


# -- interoperability: convert and export -----------------------------------------------------


@app.command()
def convert(
    source: Annotated[
        Path,
        typer.Argument(
            help="LimeSurvey .lss/.lsa, SPSS .sav/.zsav, Stata .dta, REDCap-Datenwörterbuch oder XLSForm."
        ),
    ],
    target: Annotated[Path, typer.Argument(help="Das XLSForm, das geschrieben wird (.xlsx).")],
    companion: Annotated[
        Path | None,
        typer.Option(
            "--with",
            help="Die zweite Datei: Antworten zur Struktur oder Struktur zu den Antworten.",
        ),
    ] = None,
    data_out: Annotated[
        Path | None,
        typer.Option(
            "--data", help="Die Rückläufe zusätzlich als .csv oder .xlsx schreiben (klappt-Format)."
        ),
    ] = None,
    json_out: Annotated[
        str | None,
        typer.Option("--json", help="Zusammenfassung als JSON in diese Datei ('-' = Bildschirm)."),
    ] = None,
    lang: Lang = "de",
) -> None:
    """Einen Fragebogen aus LimeSurvey, REDCap, SPSS oder Stata als XLSForm schreiben, zum Ansehen und Bearbeiten.

    Das Format wird am Inhalt erkannt. Das geschriebene XLSForm liest klappt wie jedes andere.

    Beispiele:
      klappt convert umfrage.lss fragebogen.xlsx
      klappt convert umfrage.lsa fragebogen.xlsx --data ruecklaeufe.csv
    """
    from klappt.files import write_atomic
    from klappt.interop import FORMAT_NAMES, detect_format, export_wave, read_any

    lang = _lang(lang)
    fmt = detect_format(source)
    err.print(
        _t(
            lang,
            f"Erkannt: {FORMAT_NAMES.get(fmt, fmt)}",
            f"Detected: {FORMAT_NAMES.get(fmt, fmt)}",
        )
    )
    result = read_any(source, companion)
    if result.xlsform is None or result.instrument is None:
        from klappt.errors import ErrorCode

        raise KlapptError(
            ErrorCode.INTEROP_012,
            path=source,
            format=FORMAT_NAMES.get(fmt, fmt),
            structure="--with",
        )
    written = [write_atomic(target, result.xlsform)]
    if data_out is not None and result.responses is not None:
        kind = "xlsx" if data_out.suffix.lower() == ".xlsx" else "csv"
        written.append(
            write_atomic(data_out, export_wave(result.instrument, result.responses, kind))
        )
    if json_out:
        _write_or_print(
            json_out, json.dumps(result.summary.to_dict(), ensure_ascii=False, indent=2)
        )
    if json_out != "-":
        for line in result.summary.lines()[1:]:
            err.print(f"[dim]{escape(line)}[/]")
        for path in written:
            out.print(str(path))


@app.command()
def export(
    wave: Annotated[str, typer.Argument(help="Name der gespeicherten Welle, z. B. 2022.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="sav, zsav, dta, parquet, csv, xlsx oder xlsform.")
    ] = "sav",
    target: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Zieldatei (sonst WELLE.sav usw. im aktuellen Ordner)."),
    ] = None,
    labels: Annotated[
        str | None,
        typer.Option(
            "--labels",
            help="Sprache der Variablen- und Wertelabels, z. B. de (sonst die Standardsprache des Fragebogens).",
        ),
    ] = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Eine gespeicherte Welle exportieren: SPSS/Stata mit Labels und Mehrfachantworten-Sets, Parquet,
    CSV/XLSX im klappt-Format (liest `klappt tabulate` wieder) oder den Fragebogen als XLSForm.

    Beispiele:
      klappt export 2022 --format sav
      klappt export 2022 --format csv --out welle_2022.csv
    """
    from klappt.files import write_atomic
    from klappt.interop.export import SUFFIXES, export_wave
    from klappt.store.api import load_wave

    lang = _lang(lang)
    instrument, rs, _ = load_wave(_project(project), wave)
    data = export_wave(instrument, rs, fmt, lang=labels)
    key = fmt.lower().lstrip(".")
    path = target or Path(f"{wave}{'_form' if key == 'xlsform' else ''}{SUFFIXES[key]}")
    write_atomic(path, data)
    err.print(
        _t(
            lang,
            f"[green]✓[/] Welle {wave}: {rs.height} Rückläufe als {key} geschrieben.",
            f"[green]✓[/] Wave {wave}: {rs.height} returns written as {key}.",
        )
    )
    out.print(str(path))


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
            username, password, role=role, program=program, email=email, project=_project(project)
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
