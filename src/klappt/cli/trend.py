"""Trends across waves: ``klappt waves map`` (which question is which) and ``klappt trend``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from klappt.cli.common import (
    Lang,
    ProjectOpt,
    _lang,
    _project,
    _write_or_print,
    app,
    err,
    out,
)
from klappt.cli.waves import waves_app
from klappt.errors import ErrorCode, KlapptError, Text
from klappt.language import say

if TYPE_CHECKING:
    import polars as pl

    from klappt.analysis.mapping import WaveMapping
    from klappt.analysis.trend import WaveInput
    from klappt.instrument import Instrument


# -- klappt waves map ---------------------------------------------------------------------------


@waves_app.command("map")
def map_(
    source: Annotated[str | None, typer.Argument(help="Die frühere Welle, z. B. 2020.")] = None,
    target: Annotated[str | None, typer.Argument(help="Die spätere Welle, z. B. 2022.")] = None,
    out_file: Annotated[
        str | None,
        typer.Option(
            "--out",
            "-o",
            help="Den Vorschlag in diese YAML- oder Excel-Datei (.xlsx) schreiben ('-' = Bildschirm).",
        ),
    ] = None,
    apply: Annotated[
        Path | None,
        typer.Option(
            "--apply", help="Eine (geprüfte) Zuordnung (YAML oder .xlsx) mit dem Projekt speichern."
        ),
    ] = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Fragen zweier Wellen einander zuordnen: vorschlagen (nach Name, Fragetext und Antwortliste,
    mit Ähnlichkeit 0–100 je Paar) oder eine geprüfte Zuordnung speichern.

    Nichts wird stillschweigend zugeordnet: jedes Paar steht mit seiner Ähnlichkeit in der
    Datei, Fragen ohne Gegenstück beider Wellen sind aufgelistet. Unveränderte Fragen (Name,
    Art, Antworten) gelten ohne Datei als dieselben.

    Beispiele:
      klappt waves map 2020 2022 --out zuordnung.yaml
      klappt waves map --apply zuordnung.yaml
    """
    from klappt.analysis.mapping import parse_mapping, propose, to_yaml
    from klappt.store.api import load_wave, store_mapping

    lang = _lang(lang)
    root = _project(project)
    if apply is not None:
        if source is not None or target is not None:
            raise typer.BadParameter(
                say("--apply braucht keine Wellen", "--apply takes no waves", lang)
            )
        if apply.suffix.lower() == ".xlsx":
            # a workbook is checked as the YAML is, then kept as YAML (readable, diffable)
            from klappt.analysis.mapping import mapping_from
            from klappt.analysis.mapping_xlsx import read_mapping_xlsx

            if not apply.is_file():
                raise KlapptError(ErrorCode.FILE_001, path=apply)
            data, a, b, place = read_mapping_xlsx(apply)
            sa, sb = _forms_of(root, a, b, place, data)
            m = mapping_from(data, a, b, place, sa, sb)
            text = to_yaml(m, sa, sb)
        else:
            text = _read_text(apply)
            a, b, sa, sb = _mapping_forms(root, text, str(apply))
            m = parse_mapping(text, str(apply), sa, sb)
        where = store_mapping(root, a, b, text)
        mapped = sum(q.target is not None for q in m.questions.values())
        err.print(
            say(
                f"[green]✓[/] Zuordnung {escape(a)} → {escape(b)} gespeichert ({mapped} Fragen): {where}",
                f"[green]✓[/] Mapping {escape(a)} → {escape(b)} stored ({mapped} questions): {where}",
                lang,
            )
        )
        return
    if source is None or target is None:
        raise typer.BadParameter(
            say(
                "zwei Wellen angeben (klappt waves map 2020 2022) oder --apply DATEI",
                "give two waves (klappt waves map 2020 2022) or --apply FILE",
                lang,
            )
        )
    fa, fb = load_wave(root, source)[0], load_wave(root, target)[0]
    m = propose(fa, fb, source, target)
    text = to_yaml(m, fa, fb)
    if out_file and out_file.lower().endswith(".xlsx"):
        from klappt.analysis.mapping_xlsx import to_xlsx
        from klappt.files import write_atomic

        write_atomic(Path(out_file), to_xlsx(m, fa, fb))
    elif out_file:
        _write_or_print(out_file, text.rstrip("\n"))
    if out_file != "-":
        _print_proposal(m, lang)
    if not out_file:
        err.print(
            say(
                "[dim]Mit --out DATEI als YAML schreiben, prüfen, dann --apply DATEI.[/]",
                "[dim]Write it as YAML with --out FILE, check it, then --apply FILE.[/]",
                lang,
            )
        )


def _print_proposal(m: WaveMapping, lang: str) -> None:
    table = RichTable(title=f"{m.source} → {m.target}", title_justify="left", show_edge=False)
    for col in (m.source, m.target, say("Ähnlichkeit", "Score", lang), say("nach", "by", lang)):
        table.add_column(escape(col))
    for q in m.questions.values():
        table.add_row(
            escape(q.source),
            escape(q.target or "–"),
            f"{q.score:g}" if q.score is not None else "",
            q.how,
        )
    out.print(table)
    for wave, names in ((m.source, m.unmatched_source), (m.target, m.unmatched_target)):
        if names:
            out.print(
                say(
                    f"Ohne Gegenstück in {escape(wave)}: {escape(', '.join(names))}",
                    f"Unmatched in {escape(wave)}: {escape(', '.join(names))}",
                    lang,
                )
            )


def _read_text(path: Path) -> str:
    from klappt.yamlsafe import check_file_size

    if not path.is_file():
        raise KlapptError(ErrorCode.FILE_001, path=path)
    check_file_size(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise KlapptError(ErrorCode.FILE_003, path=path, reason=str(exc)) from None


def _mapping_forms(root: Path, text: str, path: str) -> tuple[str, str, Instrument, Instrument]:
    """The two waves a mapping file names, and their forms; a wave not stored names its line."""
    from klappt.analysis.mapping import read_header

    data, a, b = read_header(text, path)
    sa, sb = _forms_of(root, a, b, path, data)
    return a, b, sa, sb


def _forms_of(root: Path, a: str, b: str, path: str, data: Any) -> tuple[Instrument, Instrument]:
    """The forms of the mapping's two waves; a wave not stored names its line (or row)."""
    from klappt.store.api import load_wave

    forms = []
    for key, wave in (("from", a), ("to", b)):
        try:
            forms.append(load_wave(root, wave)[0])
        except KlapptError as exc:
            if exc.code is not ErrorCode.STORE_002:
                raise
            raise KlapptError(
                ErrorCode.TREND_001,
                path=path,
                line=data.key_lines.get(key, 1),
                message=Text(
                    f"Die Welle '{wave}' ist nicht gespeichert ({exc.message('de')}).",
                    f"Wave '{wave}' is not stored ({exc.message('en')}).",
                ),
            ) from None
    return forms[0], forms[1]


# -- klappt trend ---------------------------------------------------------------------------------


@app.command()
def trend(
    waves: Annotated[
        str,
        typer.Option(
            "--waves", help="Die Wellen in zeitlicher Folge, durch Kommas getrennt: 2020,2021,2022."
        ),
    ],
    by: Annotated[
        str | None,
        typer.Option(
            "--by", help="Jede Tabelle nach dieser Einfachauswahl (der letzten Welle) aufteilen."
        ),
    ] = None,
    json_out: Annotated[
        str | None,
        typer.Option("--json", help="Zeitreihen als JSON in diese Datei ('-' = Bildschirm)."),
    ] = None,
    xlsx_out: Annotated[
        Path | None, typer.Option("--xlsx", help="Zeitreihen als Excel-Arbeitsmappe schreiben.")
    ] = None,
    tests: Annotated[
        bool,
        typer.Option(
            "--tests",
            help="Wilson-Intervalle, Fishers und McNemars exakte Tests mit einer Fußnote, was sie annehmen.",
        ),
    ] = False,
    site_column: Annotated[
        str | None,
        typer.Option(
            "--site-column",
            help="Die Spalte, die den Standort nennt (sonst: Verknüpfung beim Import oder Link).",
        ),
    ] = None,
    min_cell: Annotated[
        int | None,
        typer.Option(
            "--min-cell",
            help="Mindestfallzahl für Gruppen von --by (Vorgabe: die des Projekts, sonst 3).",
        ),
    ] = None,
    no_suppress: Annotated[
        bool,
        typer.Option(
            "--no-suppress", help="Alle Gruppen zeigen, auch kleine (nur für die Analyse)."
        ),
    ] = False,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Zeitreihen über gespeicherte Wellen: jede Frage, die mindestens zwei der Wellen gestellt
    haben (direkt oder über eine Zuordnung, klappt waves map), mit einer Tabelle je Welle und
    deren eigener Basis; Antworten heißen wie in der letzten Welle. Für Standorte, die in zwei
    Wellen geantwortet haben: Übergänge (von → nach) und bei Skalen die mittlere Veränderung.

    Beispiele:
      klappt trend --waves 2020,2021,2022
      klappt trend --waves 2020,2022 --by gebietstyp --json -
      klappt trend --waves 2020,2022 --tests --xlsx zeitreihen.xlsx
    """
    from klappt.analysis.trend import chain
    from klappt.analysis.trend import trend as run_trend
    from klappt.cli.tables import _min_cell

    lang = _lang(lang)
    root = _project(project)
    names = [w.strip() for w in waves.split(",") if w.strip()]
    if len(names) < 2 or len(set(names)) != len(names):
        raise KlapptError(ErrorCode.TREND_002, waves=waves)
    inputs = _inputs(root, names, site_column)
    forms = {w.name: w.responses.instrument for w in inputs}
    mappings = chain(names, forms, _stored(root, names, forms))
    limit = _min_cell(min_cell, root) if by is not None and not no_suppress else None
    result = run_trend(inputs, mappings, by=by, lang=lang, min_cell=limit, tests=tests).to_dict()
    if json_out:
        _write_or_print(json_out, json.dumps(result, ensure_ascii=False, indent=2))
    if xlsx_out:
        from klappt.analysis.trend_workbook import trend_workbook
        from klappt.files import write_atomic

        write_atomic(xlsx_out, trend_workbook(result, lang))
        err.print(say(f"Zeitreihen geschrieben: {xlsx_out}", f"Trends written: {xlsx_out}", lang))
    if not json_out and not xlsx_out:
        _print_trend(result, lang)
    elif json_out != "-":
        for note in result.get("notes", []):
            err.print(f"[dim]{say('Hinweis', 'Note', lang)}: {escape(note)}[/]")


def _inputs(root: Path, names: list[str], site_column: str | None) -> list[WaveInput]:
    from klappt.analysis.trend import WaveInput
    from klappt.store.api import load_wave, register_ids, return_sites

    ids = register_ids(root)
    found = []
    for name in names:
        _, rs, _ = load_wave(root, name)
        sites: pl.Series | None
        if site_column is not None:
            sites = _column(rs, name, site_column)
        else:
            sites = return_sites(root, name, rs)
            if sites is None and ids:
                sites = _detected(rs, ids)
        found.append(WaveInput(name, rs, sites, len(ids) or None))
    return found


def _column(rs: Any, wave: str, column: str) -> pl.Series:
    from klappt.analysis.return_sites import named_site_column

    found = named_site_column(rs, column)
    if found is None:
        raise KlapptError(ErrorCode.TREND_004, wave=wave, column=column)
    return found


def _detected(rs: Any, ids: set[str]) -> pl.Series | None:
    """The select_one whose choices are the register's site ids (one rule for trends and site
    reports: :mod:`klappt.analysis.return_sites`)."""
    from klappt.analysis.return_sites import detected_sites

    return detected_sites(rs, ids)


def _stored(
    root: Path, names: list[str], forms: dict[str, Instrument]
) -> dict[tuple[str, str], WaveMapping]:
    """The mappings kept with the project: between the trend's waves (earlier → later), and
    those through stored waves not in the trend, which a chain may pass (2020 → 2021 → 2022)."""
    from klappt.analysis.mapping import parse_mapping, read_header
    from klappt.store.api import list_waves, load_wave, stored_mappings

    order = {n: i for i, n in enumerate(names)}
    files = []
    for path in stored_mappings(root):
        text = _read_text(path)
        _, a, b = read_header(text, str(path))
        if a in order and b in order and order[a] >= order[b]:
            continue  # backwards within the trend: not a step towards the last wave
        files.append((path, text, a, b))
    if any(a not in order or b not in order for _, _, a, b in files):
        known = {w.name for w in list_waves(root)}
        for _, _, a, b in files:
            for w in (a, b):
                if w not in forms and w in known:
                    forms = {**forms, w: load_wave(root, w)[0]}
    found = {}
    for path, text, a, b in files:
        if a in forms and b in forms:  # a mapping of a wave since removed is left aside
            found[(a, b)] = parse_mapping(text, str(path), forms[a], forms[b])
    return found


def _print_trend(result: dict[str, Any], lang: str) -> None:
    from klappt.formatting import fmt_number, fmt_percent

    waves = result["waves"]
    resp = result["response"]
    line = ", ".join(
        f"{w}: {resp[w]['returns']}"
        + (f" ({resp[w]['sites']}/{resp[w]['register']})" if resp[w].get("register") else "")
        for w in waves
    )
    out.print(say(f"[bold]Rückläufe[/] {escape(line)}", f"[bold]Returns[/] {escape(line)}", lang))
    for entry in result["trends"]:
        present = [w for w in waves if w in entry["waves"]]
        rt = RichTable(
            title=f"{escape(entry['label'])} [dim]({escape(entry['question'])})[/]",
            title_justify="left",
            show_edge=False,
        )
        rt.add_column(say("Antwort", "Answer", lang), overflow="fold", max_width=50)
        for w in present:
            t = entry["waves"][w]
            rt.add_column(f"{escape(w)} (n={t['base']})", justify="right")
        first = entry["waves"][present[-1]]
        for i, row in enumerate(first["rows"]):
            rt.add_row(
                escape(row["label"]),
                *[
                    f"{entry['waves'][w]['rows'][i]['count']} "
                    f"({fmt_percent(entry['waves'][w]['rows'][i]['percent'], lang)})"
                    for w in present
                ],
            )
        if not first["rows"]:
            rt.add_row(
                say("beantwortet", "answered", lang),
                *[str(entry["waves"][w]["base"]) for w in present],
            )
            for key, name in (("mean", say("Mittelwert", "Mean", lang)), ("median", "Median")):
                values = [(entry["waves"][w].get("stats") or {}).get(key) for w in present]
                if any(v is not None for v in values):
                    rt.add_row(
                        name, *["–" if v is None else fmt_number(v, lang, 2) for v in values]
                    )
        out.print(rt)
        for w in present:
            own = entry["waves"][w]["question"]
            if own != entry["question"]:
                out.print(
                    f"[dim]{escape(w)}: {escape(own)} – {escape(entry['waves'][w]['label'])}[/]"
                )
        for p in entry.get("panels", []):
            moved = ", ".join(f"{t['from']}→{t['to']}: {t['sites']}" for t in p["transitions"])
            out.print(
                say(
                    f"[dim]Dieselben Standorte {p['from']}→{p['to']}: {p['answered']} "
                    f"(nur {p['from']}: {p['only_from']}, nur {p['to']}: {p['only_to']}); {escape(moved)}[/]",
                    f"[dim]Same sites {p['from']}→{p['to']}: {p['answered']} "
                    f"(only {p['from']}: {p['only_from']}, only {p['to']}: {p['only_to']}); {escape(moved)}[/]",
                    lang,
                )
            )
        tested = [
            f"{t['choice']} p={fmt_number(t['p'], lang, 3)}"
            for t in entry.get("tests", [])
            if t["p"] is not None
        ]
        if tested:
            a, b = entry["tests"][0]["from"], entry["tests"][0]["to"]
            out.print(f"[dim]Fisher {escape(a)}→{escape(b)}: {escape(', '.join(tested))}[/]")
        for p in entry.get("panels", []):
            paired = [f"{t['choice']} p={fmt_number(t['p'], lang, 3)}" for t in p.get("tests", [])]
            if paired:
                out.print(
                    f"[dim]McNemar {escape(p['from'])}→{escape(p['to'])}: {escape(', '.join(paired))}[/]"
                )
    for note in result.get("notes", []):
        err.print(f"[dim]{say('Hinweis', 'Note', lang)}: {escape(note)}[/]")
    if result.get("footnote"):
        out.print(f"[dim]{escape(result['footnote'])}[/]")
