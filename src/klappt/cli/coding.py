"""Open answers: the ``klappt code`` command group."""

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
    _write_or_print,
    app,
    err,
    out,
)
from klappt.language import say

if TYPE_CHECKING:
    pass


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
WaveOpt = Annotated[
    str | None,
    typer.Option(
        "--wave",
        "-w",
        help="Eine gespeicherte Welle des Projekts: Codebücher und Codierungen dort.",
    ),
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
    wave: WaveOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Ein Codebuch prüfen (doppelte Codes, Kreise, Ebenen) und zwischen YAML und Excel umwandeln.

    Mit --wave wird es mit der Welle gespeichert; ein geändertes Codebuch wird eine neue Version,
    die früheren bleiben.

    Beispiele:
      klappt code codebook codebuch.xlsx --out codebuch.yaml
      klappt code codebook codebuch.yaml --wave 2022
    """
    from klappt.coding import codebook_to_xlsx, codebook_to_yaml
    from klappt.files import write_atomic

    lang = _lang(lang)
    book = _codebook(path)
    err.print(
        say(
            f"[green]✓[/] Codebuch {book.question} (Version {book.version}, Welle {book.wave or '–'}): {len(book.codes)} Codes.",
            f"[green]✓[/] Code book {book.question} (version {book.version}, wave {book.wave or '–'}): {len(book.codes)} codes.",
            lang,
        )
    )
    if out is not None:
        write_atomic(
            out,
            codebook_to_xlsx(book, lang)
            if out.suffix.lower() == ".xlsx"
            else codebook_to_yaml(book),
        )
    if wave is not None:
        from klappt.cli.coding_store import store_codebook

        store_codebook(project, wave, book, path, lang)


@code_app.command("export")
def code_export(
    form: Annotated[
        str | None,
        typer.Argument(help="Der Fragebogen (XLSForm); mit --wave steht hier nur die Textfrage."),
    ] = None,
    data: Annotated[str | None, typer.Argument(help="Die Rückläufe.")] = None,
    question: Annotated[
        str | None, typer.Argument(help="Die Textfrage, deren Antworten codiert werden.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Die Excel-Datei zum Codieren.")] = None,
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
    wave: WaveOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Die Antworten einer Textfrage zum Codieren nach Excel ausgeben, eine Zeile je Antwortteil.

    Mit Codebuch gibt es Vorschläge, sobald codierte Beispiele vorliegen (--codings, Beispiele im Codebuch).
    Mit --wave kommen Antworten, Codebuch und bisherige Codierungen aus dem Projekt.

    Beispiele:
      klappt code export fragebogen.xlsx ruecklaeufe.csv angebote --codebook codebuch.yaml --out codierung.xlsx
      klappt code export --wave 2022 angebote --out codierung.xlsx
    """
    from klappt.coding import export_for_coding
    from klappt.files import write_atomic

    lang = _lang(lang)
    if out is None:
        raise typer.BadParameter(
            say(
                "--out angeben (die Excel-Datei zum Codieren)",
                "give --out (the workbook to code)",
                lang,
            )
        )
    given = [x for x in (form, data, question) if x is not None]
    if wave is not None:
        if len(given) != 1:
            raise typer.BadParameter(
                say(
                    "mit --wave nur die Textfrage angeben, z. B. klappt code export --wave 2022 angebote",
                    "with --wave give only the text question, e.g. klappt code export --wave 2022 angebote",
                    lang,
                )
            )
        from klappt.cli.coding_store import export_inputs

        rs, book, known = export_inputs(project, wave, given[0], _codebook(codebook))
        q = given[0]
    else:
        if len(given) != 3:
            raise typer.BadParameter(
                say(
                    "FORM DATA QUESTION angeben, oder --wave WELLE QUESTION",
                    "give FORM DATA QUESTION, or --wave WAVE QUESTION",
                    lang,
                )
            )
        rs, _ = _load(Path(given[0]), Path(given[1]))
        q = given[2]
        book = _codebook(codebook)
        known = _codings(codings) if codings else None
    result = export_for_coding(
        rs,
        q,
        book,
        known,
        split=split,
        sample=sample,
        seed=seed,
        skip_coded=skip_coded,
        top_k=suggestions,
        lang=lang,
    )
    write_atomic(out, result.workbook)
    err.print(
        say(
            f"[green]✓[/] {result.segments} Zeilen aus {result.answers} Antworten, {result.with_suggestions} mit Vorschlägen: {out}",
            f"[green]✓[/] {result.segments} rows from {result.answers} answers, {result.with_suggestions} with suggestions: {out}",
            lang,
        )
    )


@code_app.command("import")
def code_import(
    workbook: Annotated[
        Path,
        typer.Argument(
            help="Die ausgefüllte Codier-Datei (.xlsx); mit --wave auch Codierungen (.csv)."
        ),
    ],
    coder: Annotated[
        str | None, typer.Option("--coder", help="Wer codiert hat (für .xlsx nötig).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Die Codierungen (.csv); vorhandene Zeilen anderer bleiben erhalten."
        ),
    ] = None,
    codebook: CodebookOpt = None,
    final: Annotated[
        bool,
        typer.Option(
            "--final", help="Die Codes klären Abweichungen (aus klappt code agreement --xlsx)."
        ),
    ] = False,
    wave: WaveOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Eine ausgefüllte Codier-Datei einlesen, die Codes prüfen und in die Codierungen übernehmen.

    Jede Zeile hält fest, wer wann codiert hat und ob der Code ein angenommener Vorschlag war.
    Mit --wave werden die Codierungen im Projekt gespeichert (statt --out); Codierungen zu
    Antworten, die es nicht mehr gibt, bleiben gespeichert, werden genannt und nicht gezählt
    (Exit-Code 1).

    Beispiele:
      klappt code import codierung.xlsx --coder anna --out codierungen.csv
      klappt code import codierung.xlsx --coder anna --wave 2022
    """
    from klappt.coding import codings_to_csv, import_coding
    from klappt.files import write_atomic

    lang = _lang(lang)
    if wave is not None:
        if out is not None:
            raise typer.BadParameter(
                say(
                    "entweder --out oder --wave, nicht beides",
                    "either --out or --wave, not both",
                    lang,
                )
            )
        from klappt.cli.coding_store import import_into_wave

        raise typer.Exit(import_into_wave(project, wave, workbook, coder, codebook, final, lang))
    if out is None or not coder:
        raise typer.BadParameter(
            say(
                "--coder und --out angeben (oder --wave WELLE)",
                "give --coder and --out (or --wave WAVE)",
                lang,
            )
        )
    result = import_coding(
        workbook, coder, existing=_codings(out), codebook=_codebook(codebook), final=final
    )
    write_atomic(out, "\ufeff" + codings_to_csv(result.codings))
    s = result.summary
    err.print(
        say(
            f"[green]✓[/] {len(result.imported)} Codierungen von {coder} übernommen: {out}. Stand: {s.coded} von {s.units} "
            f"Antwortteilen codiert, {s.codes} Codes, davon {s.from_suggestions} angenommene Vorschläge; {s.unresolved} Abweichungen offen.",
            f"[green]✓[/] {len(result.imported)} codings by {coder} taken over: {out}. Now {s.coded} of {s.units} answer parts "
            f"coded, {s.codes} codes, {s.from_suggestions} of them accepted suggestions; {s.unresolved} disagreements open.",
            lang,
        )
    )


@code_app.command("agreement")
def code_agreement(
    codings: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Codierungen (.csv) mit den Spalten answer, coder, code; eine oder mehrere Dateien."
        ),
    ] = None,
    json_out: Annotated[
        str | None,
        typer.Option("--json", help="Ergebnis als JSON in diese Datei ('-' = Bildschirm)."),
    ] = None,
    xlsx_out: Annotated[
        Path | None, typer.Option("--xlsx", help="Die Abweichungen zum Klären als Excel-Datei.")
    ] = None,
    codebook: CodebookOpt = None,
    wave: WaveOpt = None,
    question: Annotated[
        str | None,
        typer.Option("--question", "-q", help="Mit --wave: nur diese Textfrage."),
    ] = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Übereinstimmung zwischen Codierenden: Kappa und Alpha je Code, Alpha gesamt, offene Abweichungen.

    Kappa (Cohen) nur, wenn genau dieselben zwei Personen jede Antwort codiert haben; Alpha
    (Krippendorff, nominal) für Vorhandensein/Fehlen jedes Codes, gesamt über alle Paare aus
    Antwort und Code.

    Mit --wave aus den im Projekt gespeicherten Codierungen; die Abweichungen lassen sich dann
    im Web (Übereinstimmung) oder mit klappt code import … --final --wave klären.

    Beispiele:
      klappt code agreement codierungen.csv --json - --xlsx abweichungen.xlsx
      klappt code agreement --wave 2022 --question angebote --json -
    """
    from klappt.coding import CodingSet, agreement, disagreement_workbook, read_codings
    from klappt.files import write_atomic
    from klappt.formatting import fmt_number

    lang = _lang(lang)
    book = _codebook(codebook)
    if wave is not None:
        if codings:
            raise typer.BadParameter(
                say(
                    "entweder CODINGS-Dateien oder --wave, nicht beides",
                    "either CODINGS files or --wave, not both",
                    lang,
                )
            )
        from klappt.cli.coding_store import wave_codings

        cs, stored_book = wave_codings(project, wave, question)
        book = book or stored_book
    else:
        if not codings:
            raise typer.BadParameter(
                say("CODINGS.csv angeben, oder --wave", "give CODINGS.csv, or --wave", lang)
            )
        rows = tuple(c for path in codings for c in read_codings(path).codings)
        cs = CodingSet(rows, source=str(codings[0]))
    result = agreement(cs, codes=book.names if book else None)
    if json_out:
        _write_or_print(json_out, json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    if xlsx_out:
        write_atomic(xlsx_out, disagreement_workbook(result, book, lang))
    if json_out != "-":
        rt = RichTable(
            title=say(
                f"Übereinstimmung ({result.n} mehrfach codierte Antworten)",
                f"Agreement ({result.n} answers coded more than once)",
                lang,
            )
        )
        for col in ("Code", "n", "Kappa", "Alpha"):
            rt.add_column(col, justify="left" if col == "Code" else "right")
        for c in result.codes:
            rt.add_row(c.code, str(c.n), fmt_number(c.kappa, lang, 3), fmt_number(c.alpha, lang, 3))
        out.print(rt)
        alpha = fmt_number(result.alpha, lang, 3)
        err.print(
            say(
                f"Alpha gesamt: {alpha}; offene Abweichungen: {len(result.disagreements)}",
                f"Overall alpha: {alpha}; open disagreements: {len(result.disagreements)}",
                lang,
            )
        )


@code_app.command("status")
def code_status(
    wave: Annotated[str, typer.Option("--wave", "-w", help="Die gespeicherte Welle.")],
    json_out: Annotated[
        str | None,
        typer.Option("--json", help="Stand als JSON in diese Datei ('-' = Bildschirm)."),
    ] = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Stand der Codierung einer Welle: je Textfrage Codebuch-Version, Codierende, codierte und
    offene Antwortteile, Codes und wie viele davon angenommene Vorschläge sind.

    Beispiel: klappt code status --wave 2022
    """
    from klappt.cli.coding_store import print_status

    lang = _lang(lang)
    status = print_status(project, wave, lang)
    if json_out:
        _write_or_print(json_out, json.dumps(status, ensure_ascii=False, indent=2))


@code_app.command("suggest")
def code_suggest(
    form: Annotated[
        str | None,
        typer.Argument(help="Der Fragebogen (XLSForm); mit --wave steht hier nur die Textfrage."),
    ] = None,
    data: Annotated[str | None, typer.Argument(help="Die Rückläufe.")] = None,
    codebook: CodebookOpt = None,
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
    wave: WaveOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Codes für die noch nicht codierten Antworten vorschlagen, jeweils mit Sicherheit.

    Es wird nichts übernommen: annehmen oder ablehnen geschieht in der Codier-Datei (klappt code
    export) oder im Web. Mit --wave lernen die Vorschläge aus den im Projekt gespeicherten
    Codierungen und werden dort für die Codier-Ansicht gespeichert (die früheren ersetzt).

    Beispiele:
      klappt code suggest fragebogen.xlsx ruecklaeufe.csv --codebook codebuch.yaml --codings codierungen.csv
      klappt code suggest --wave 2022 angebote --json -
    """
    from klappt.coding import suggest_uncoded

    lang = _lang(lang)
    given = [x for x in (form, data) if x is not None]
    if wave is not None:
        if len(given) != 1 or codings is not None or codebook is not None:
            raise typer.BadParameter(
                say(
                    "mit --wave nur die Textfrage angeben (Codebuch und Codierungen kommen aus "
                    "dem Projekt), z. B. klappt code suggest --wave 2022 angebote",
                    "with --wave give only the text question (code book and codings come from "
                    "the project), e.g. klappt code suggest --wave 2022 angebote",
                    lang,
                )
            )
        from klappt.cli.coding_store import suggest_in_wave

        pairs = suggest_in_wave(project, wave, given[0], top, lang)
    else:
        if len(given) != 2 or codebook is None:
            raise typer.BadParameter(
                say(
                    "FORM DATA und --codebook angeben, oder --wave WELLE FRAGE",
                    "give FORM DATA and --codebook, or --wave WAVE QUESTION",
                    lang,
                )
            )
        rs, _ = _load(Path(given[0]), Path(given[1]))
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
            say("Antwort", "Answer", lang),
            say("Text", "Text", lang),
            say("Vorschläge", "Suggestions", lang),
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
        kinds = {"name": "Name", "email": "E-Mail", "phone": say("Telefon", "phone", lang)}
        rt = RichTable()
        for col in (
            say("Frage", "Question", lang),
            say("Rücklauf", "Return", lang),
            say("Art", "Kind", lang),
            "Text",
        ):
            rt.add_column(col)
        for f in findings:
            rt.add_row(f.question, f.return_id, kinds[f.kind], escape(f.text))
        if findings:
            out.print(rt)
        err.print(say(f"{len(findings)} Fundstellen.", f"{len(findings)} findings.", lang))
    raise typer.Exit(1 if findings else 0)


# -- interoperability: convert and export -----------------------------------------------------
