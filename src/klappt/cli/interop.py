"""Other tools' files: ``klappt convert`` and ``klappt export``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from klappt.cli.common import (
    Lang,
    ProjectOpt,
    _lang,
    _project,
    _write_or_print,
    app,
    err,
    out,
    shown,
)
from klappt.errors import KlapptError
from klappt.language import rendered, say

if TYPE_CHECKING:
    pass


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
    event: Annotated[
        str | None,
        typer.Option(
            "--event",
            help="REDCap-Projekt mit Ereignissen: nur die Rückläufe dieses Ereignisses "
            "(Rücklauf-ID = Datensatz).",
        ),
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
    name = rendered(FORMAT_NAMES.get(fmt, fmt), lang)
    err.print(say("Erkannt: ", "Detected: ", lang) + escape(name))
    result = read_any(source, companion, event=event)
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
        for line in result.summary.lines(lang)[1:]:
            err.print(f"[dim]{escape(shown(line))}[/]")
        for path in written:
            out.print(str(path))


def _dialect_csv(instrument: Any, rs: Any, key: str) -> bytes:
    """The wave's table (as ``--format csv`` writes it) in a CSV dialect for people."""
    from zoneinfo import ZoneInfo

    from django.conf import settings

    from klappt.csvdialects import DIALECTS, frame_rows, write_csv
    from klappt.interop.export import wave_table

    d = DIALECTS.get(key.strip().lower())
    if d is None:
        raise typer.BadParameter(f"{key!r}: excel-de | standard", param_hint="--dialect")
    columns, rows, kinds = frame_rows(wave_table(instrument, rs))
    # load_wave configured Django: timestamps in the project's TIME_ZONE, as the web app shows them
    return write_csv(columns, rows, d, kinds, ZoneInfo(settings.TIME_ZONE))


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
    dialect: Annotated[
        str | None,
        typer.Option(
            "--dialect",
            help="Nur für csv: excel-de (Semikolon, Dezimalkomma, TT.MM.JJJJ, mit BOM) oder standard (Komma, ISO); ohne die Option wie bisher.",
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
    key = fmt.lower().lstrip(".")
    if dialect is not None:
        if key != "csv":
            raise typer.BadParameter("--dialect: --format csv", param_hint="--dialect")
        data = _dialect_csv(instrument, rs, dialect)
    else:
        data = export_wave(instrument, rs, fmt, lang=labels)
    path = target or Path(f"{wave}{'_form' if key == 'xlsform' else ''}{SUFFIXES[key]}")
    write_atomic(path, data)
    err.print(
        say(
            f"[green]✓[/] Welle {wave}: {rs.height} Rückläufe als {key} geschrieben.",
            f"[green]✓[/] Wave {wave}: {rs.height} returns written as {key}.",
            lang,
        )
    )
    out.print(str(path))
