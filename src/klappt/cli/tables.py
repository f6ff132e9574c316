"""Checking and counting: ``klappt validate`` and ``klappt tabulate``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from klappt.cli.common import (
    Lang,
    ProjectOpt,
    _lang,
    _load,
    _print_report,
    _project,
    _write_or_print,
    app,
    err,
    out,
)
from klappt.language import say

if TYPE_CHECKING:
    from klappt.analysis.tabulate import Tabulation


#: FORM DATA or --wave: how tabulate and disclosure name the returns
FormOrWave = Annotated[
    Path | None, typer.Argument(help="Der Fragebogen (XLSForm). Entfällt mit --wave.")
]
DataOrWave = Annotated[Path | None, typer.Argument(help="Die Rückläufe. Entfällt mit --wave.")]
WaveOpt = Annotated[
    str | None,
    typer.Option("--wave", "-w", help="Eine gespeicherte Welle statt FORM DATA auswerten."),
]


# -- validate ---------------------------------------------------------------------------------


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

    one = tab.responses == 1
    out.print(
        say(
            f"[bold]{tab.responses} {'Rücklauf' if one else 'Rückläufe'}[/]",
            f"[bold]{tab.responses} {'return' if one else 'returns'}[/]",
            lang,
        )
    )
    for t in tab.tables:
        title = f"{t.label} [dim]({t.question}, n={t.base})[/]"
        rt = RichTable(title=title, title_justify="left", show_edge=False)
        rt.add_column(say("Antwort", "Answer", lang), overflow="fold", max_width=60)
        columns = [(say("Gesamt", "Total", lang), t.cell)] + [
            (f"{g.label} (n={g.cell.base})", g.cell) for g in t.groups if g.suppressed is None
        ]
        hidden = [g for g in t.groups if g.suppressed is not None]
        if t.cell.ranks:
            _rank_rows(rt, columns, lang)
        elif t.rows:
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
                    say("Mittelwert", "Mean", lang),
                    *[fmt_number(c.mean, lang, 2) for _, c in columns],
                )
                rt.add_row(
                    say("Top 2", "Top two", lang), *[fmt_percent(c.top2, lang) for _, c in columns]
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
            rt.add_row(say("beantwortet", "answered", lang), *[str(c.base) for _, c in columns])
        for kind in _kind_labels(columns):
            rt.add_row(
                f"[italic]{escape(kind)}[/]",
                *[_kind_cell(c, kind, bool(t.rows), lang) for _, c in columns],
            )
        out.print(rt)
        if hidden:
            names = ", ".join(g.label for g in hidden)
            out.print(
                say(
                    f"[dim]Zurückgehalten: {escape(names)} – eine Gruppe mit weniger als "
                    f"{tab.min_cell} Standorten, oder aus Summe und übrigen Gruppen errechenbar.[/]",
                    f"[dim]Withheld: {escape(names)} – a group of fewer than {tab.min_cell} "
                    "sites, or recomputable from the total and the other groups.[/]",
                    lang,
                )
            )
        if t.type == "select_multiple":
            out.print(
                say(
                    "[dim]*Es sind Mehrfachnennungen enthalten[/]",
                    "[dim]*Multiple answers included[/]",
                    lang,
                )
            )
    for note in tab.notes:
        err.print(f"[dim]{say('Hinweis', 'Note', lang)}: {note}[/]")


def _rank_rows(rt: RichTable, columns: list, lang: str) -> None:
    """A rank question: how often each choice was put at each place (overall), and its mean
    rank in every column (1 = first)."""
    from klappt.formatting import fmt_number

    total = columns[0][1]
    places = len(total.ranks)
    for p in range(places):
        rt.add_column(f"{p + 1}.", justify="right")
    for name, _ in columns:
        rt.add_column(say(f"Ø Rang {name}", f"mean rank {name}", lang), justify="right")
    for i, row in enumerate(total.ranks):
        means = [c.ranks[i].mean if c.ranks else None for _, c in columns]
        rt.add_row(
            row.label,
            *[str(n) for n in row.positions],
            *["–" if m is None else fmt_number(m, lang, 2) for m in means],
        )


def _kind_labels(columns: list) -> list[str]:
    """The kinds of missing shown in any column of a table (--show-missing-kinds)."""
    return list(dict.fromkeys(r.label for _, c in columns for r in c.missing))


def _kind_cell(cell, kind: str, shares: bool, lang: str) -> str:
    from klappt.formatting import fmt_percent

    found = next((r for r in cell.missing if r.label == kind), None)
    if found is None:
        return "0"
    return f"{found.count} ({fmt_percent(found.percent, lang)})" if shares else str(found.count)


@app.command()
def tabulate(
    form: FormOrWave = None,
    data: DataOrWave = None,
    wave: WaveOpt = None,
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
    min_cell: Annotated[
        int | None,
        typer.Option(
            "--min-cell",
            help="Mindestfallzahl: Gruppen von --by mit weniger Standorten zurückhalten "
            "(Vorgabe: die des Projekts, sonst 3).",
        ),
    ] = None,
    no_suppress: Annotated[
        bool,
        typer.Option(
            "--no-suppress",
            help="Alle Gruppen zeigen, auch kleine (nur für die Analyse, nicht zur Veröffentlichung).",
        ),
    ] = False,
    show_missing_kinds: Annotated[
        bool,
        typer.Option(
            "--show-missing-kinds",
            help="Arten fehlender Werte (verweigert, weiß nicht, trifft nicht zu, .a–.z aus "
            "SPSS/Stata) als eigene Zeilen zeigen; sonst zählen sie als fehlend.",
        ),
    ] = False,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Jede Frage auszählen: Basis (n), Anzahl und Prozent je Antwort, Skalen mit Mittelwert.

    Mit --by werden Gruppen, die auf weniger als drei Standorten beruhen (--min-cell), und
    eine aus Summe und übrigen Gruppen errechenbare Gruppe zurückgehalten (--no-suppress zeigt alle).

    Codierte offene Antworten (--codebook, --codes) erscheinen als Mehrfachnennung FRAGE__codes;
    mit --wave auch die mit der Welle gespeicherten (klappt code import --wave).

    Beispiele:
      klappt tabulate fragebogen.xlsx ruecklaeufe.csv
      klappt tabulate fragebogen.xlsx ruecklaeufe.csv --by gebietstyp --json -
      klappt tabulate --wave 2022 --xlsx tabellen_2022.xlsx
      klappt tabulate f.xlsx r.csv --codebook mehrwert.yaml --codes codierungen.csv
    """
    from klappt.analysis.tabulate import tabulate as run_tabulate

    lang = _lang(lang)
    _either(form, data, wave, lang)
    if wave is not None:
        from klappt.store.coding import load_coded_wave
        from klappt.store.snapshots import read_ahead

        root = _project(project)
        read_ahead(root, wave)  # the snapshot is read while Django starts and the wave is looked up
        # the wave's stored code books and codings give q__codes, like --codebook/--codes
        _, rs, report, _codes = load_coded_wave(root, wave)
        for note in _codes.notes:
            err.print(f"[dim]{say('Hinweis', 'Note', lang)}: {escape(note)}[/]")
    else:
        assert form is not None and data is not None
        rs, report = _load(form, data)
    if codebook or codes:
        if not (codebook and codes):
            raise typer.BadParameter(
                say(
                    "--codebook und --codes gehören zusammen",
                    "--codebook and --codes go together",
                    lang,
                )
            )
        from klappt.coding import apply_codes, read_codebook, read_codings

        codings = read_codings(codes)
        for path in codebook:
            rs = apply_codes(rs, read_codebook(path), codings)
        for note in rs.notes:
            err.print(f"[dim]{say('Hinweis', 'Note', lang)}: {escape(note)}[/]")
    tab = run_tabulate(rs, by=by, lang=lang)
    if show_missing_kinds:
        from klappt.analysis.missing_kinds import show_missing_kinds as with_kinds

        tab = with_kinds(tab, rs)
    if by is not None and not no_suppress:
        from klappt.analysis.disclosure import protect

        tab = protect(tab, _min_cell(min_cell, project if wave is None else _project(project)))
    if not report.ok:
        err.print(
            say(
                f"[yellow]![/] {len(report.problems)} Probleme in den Daten; betroffene Werte sind nicht gezählt (Details: klappt validate).",
                f"[yellow]![/] {len(report.problems)} problems in the data; affected values are not counted (details: klappt validate).",
                lang,
            )
        )
    if json_out:
        _write_or_print(json_out, json.dumps(tab.to_dict(), ensure_ascii=False, indent=2))
    if xlsx_out:
        from klappt.analysis.workbook import tabulation_workbook
        from klappt.files import write_atomic

        write_atomic(xlsx_out, tabulation_workbook(tab, lang))
        err.print(say(f"Tabellen geschrieben: {xlsx_out}", f"Tables written: {xlsx_out}", lang))
    if not json_out and not xlsx_out:
        _print_tabulation(tab, lang)


def _either(form: Path | None, data: Path | None, wave: str | None, lang: str) -> None:
    """FORM and DATA, or --wave: one of the two ways to name the returns."""
    if wave is not None and (form is not None or data is not None):
        raise typer.BadParameter(
            say(
                "entweder FORM DATA oder --wave, nicht beides",
                "either FORM DATA or --wave, not both",
                lang,
            )
        )
    if wave is None and (form is None or data is None):
        raise typer.BadParameter(
            say("FORM und DATA angeben, oder --wave", "give FORM and DATA, or --wave", lang)
        )


def _few_sites(n: int, lang: str) -> str:
    """Why a group or mention is withheld: "nur 1 Standort", "nur 2 Standorte". A group nobody
    in it answered is withheld too (its 0 could give away the answer to a filter question of a
    group too small to show), and says so instead of "nur 0 Standorte"."""
    if n == 0:
        return say("keine Antwort in dieser Gruppe", "no answer in this group", lang)
    if n == 1:
        return say("nur 1 Standort", "only 1 site", lang)
    return say(f"nur {n} Standorte", f"only {n} sites", lang)


def _min_cell(given: int | None, project: Path | None) -> int:
    """--min-cell, else the project's setting (when there is a project), else the default."""
    from klappt.analysis.disclosure import MIN_CELL, check_min_cell
    from klappt.errors import KlapptError
    from klappt.store.api import find_project, project_min_cell

    if given is not None:
        return check_min_cell(given)
    try:
        root = find_project(project)
    except KlapptError:
        return MIN_CELL
    return project_min_cell(root)


# -- disclosure -------------------------------------------------------------------------------


@app.command()
def disclosure(
    form: FormOrWave = None,
    data: DataOrWave = None,
    wave: WaveOpt = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", help="Die Einfachauswahl, nach der veröffentlicht wird, z. B. gebietstyp."
        ),
    ] = None,
    min_cell: Annotated[
        int | None,
        typer.Option("--min-cell", help="Mindestfallzahl (Vorgabe: die des Projekts, sonst 3)."),
    ] = None,
    json_out: Annotated[
        str | None,
        typer.Option("--json", help="Die Liste als JSON in diese Datei ('-' = Bildschirm)."),
    ] = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Vor dem Veröffentlichen prüfen, welche Gruppen und Nennungen zurückgehalten werden und warum.

    Jede Gruppe von --by, die auf weniger Standorten beruht als die Mindestfallzahl, und jede
    Gruppe, die sich sonst aus Summe und übrigen Gruppen errechnen ließe, wird je Frage genannt;
    ebenso jede Freitext-Nennung von weniger Standorten oder mit personenbezogenen Angaben
    (geschwärzt gezeigt). Exit-Code 0, wenn nichts zurückgehalten wird; 1, wenn etwas
    zurückgehalten wird.

    Beispiel: klappt disclosure --wave 2022 --by gebietstyp
    """
    from klappt.analysis.disclosure import protect, withheld
    from klappt.analysis.tabulate import tabulate as run_tabulate
    from klappt.report.data import WaveData

    lang = _lang(lang)
    _either(form, data, wave, lang)
    names: tuple[str, ...] = ()
    if wave is not None:
        from klappt.store.api import load_wave
        from klappt.store.register import register_contacts

        root = _project(project)
        rs = load_wave(root, wave)[1]
        names = register_contacts(root)
    else:
        assert form is not None and data is not None
        root = project
        rs, _ = _load(form, data)
    limit = _min_cell(min_cell, root)
    tab = protect(run_tabulate(rs, by=by, lang=lang), limit)
    found = withheld(tab)
    # the same mentions a report would leave out (klappt.report.data)
    texts = WaveData(wave or "", rs.instrument, rs, min_cell=limit, names=names)
    held = [
        h
        for q in rs.instrument.questions
        if q.type == "text" and q.name in rs.frame.columns
        for h in texts.withheld_mentions(q.name)
    ]
    if json_out:
        listing = {
            "min_cell": limit,
            "by": by,
            "mentions": [h.to_dict() for h in held],
            "withheld": [
                {
                    "question": w.question,
                    "group": w.group,
                    "group_label": w.group_label,
                    "base": w.base,
                    "reason": w.reason,
                }
                for w in found
            ],
        }
        _write_or_print(json_out, json.dumps(listing, ensure_ascii=False, indent=2))
    if json_out != "-":
        if by is None and not held:
            out.print(
                say(
                    "Ohne --by gibt es keine Gruppen; die Gesamtwerte werden gezeigt.",
                    "Without --by there are no groups; the overall figures are shown.",
                    lang,
                )
            )
        elif by is not None and not found:
            out.print(
                say(
                    f"[green]✓[/] Keine Gruppe von {escape(by)} beruht auf weniger als {limit} Standorten.",
                    f"[green]✓[/] No group of {escape(by)} rests on fewer than {limit} sites.",
                    lang,
                )
            )
        for w in found:
            why = (
                _few_sites(w.base, lang)
                if w.reason == "primary"
                else say(
                    "sonst aus Summe und übrigen Gruppen errechenbar",
                    "else recomputable from the total and the other groups",
                    lang,
                )
            )
            out.print(f"{escape(w.question)} · {escape(w.group_label)}: {why}")
        for h in held:
            why = (
                _few_sites(h.count, lang)
                if h.reason == "few"
                else say("personenbezogene Angaben", "personal data", lang)
            )
            kind = say("Nennung", "mention", lang)
            out.print(f"{escape(h.question)} · {kind} „{escape(h.text)}“: {why}")
    raise typer.Exit(1 if found or held else 0)
