"""``klappt code … --wave``: code books and codings kept with a stored wave of the project."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from klappt.cli.common import _project, err, out
from klappt.language import say

if TYPE_CHECKING:
    from klappt.coding import Codebook, CodingSet
    from klappt.responses.dataset import ResponseSet


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a container: nobody to name
        return ""


def store_codebook(project: Path | None, wave: str, book: Codebook, path: Path, lang: str) -> None:
    """``klappt code codebook FILE --wave W``: a new version when the book changed."""
    from klappt.store.api import load_wave
    from klappt.store.coding import save_codebook, wave_in

    root = _project(project)
    form, _rs, _report = load_wave(root, wave)
    saved = save_codebook(wave_in(root, wave), book, form, by=_user(), source=path.name)
    if saved.status == "unchanged":
        err.print(
            say(
                f"Welle {wave}: Codebuch {book.question} unverändert (Version {saved.number}).",
                f"Wave {wave}: code book {book.question} unchanged (version {saved.number}).",
                lang,
            )
        )
    elif saved.previous is None:
        err.print(
            say(
                f"[green]✓[/] Welle {wave}: Codebuch {book.question} gespeichert (Version 1).",
                f"[green]✓[/] Wave {wave}: code book {book.question} stored (version 1).",
                lang,
            )
        )
    else:
        err.print(
            say(
                f"[green]✓[/] Welle {wave}: Codebuch {book.question} als Version {saved.number} "
                f"gespeichert; Version {saved.previous} und die Codierungen damit bleiben.",
                f"[green]✓[/] Wave {wave}: code book {book.question} stored as version "
                f"{saved.number}; version {saved.previous} and the codings made with it stay.",
                lang,
            )
        )


def export_inputs(
    project: Path | None, wave: str, question: str, codebook: Codebook | None
) -> tuple[ResponseSet, Codebook | None, CodingSet]:
    """The returns, the code book (given, else the stored one) and the stored codings that fit."""
    from klappt.coding import check_codings
    from klappt.store.api import load_wave
    from klappt.store.coding import codebook_of, current_version, stored_codings, wave_in

    root = _project(project)
    _form, rs, _report = load_wave(root, wave)
    w = wave_in(root, wave)
    if codebook is None:
        version = current_version(w, question)
        codebook = codebook_of(version) if version is not None else None
    codings = stored_codings(w, question)
    if codebook is not None:
        codings = check_codings(rs, codebook, codings).usable
    return rs, codebook, codings


def suggest_in_wave(project: Path | None, wave: str, question: str, top: int, lang: str) -> list:
    """``klappt code suggest --wave W Q``: learn from the stored codings, store the proposals
    for the coding screen (replacing the earlier ones) and return them."""
    from klappt.store.api import load_wave
    from klappt.store.coding import store_suggestions, wave_in

    root = _project(project)
    _form, rs, _report = load_wave(root, wave)
    pairs = store_suggestions(wave_in(root, wave), question, rs, top_k=top)
    with_any = sum(1 for _, s in pairs if s)
    err.print(
        say(
            f"[green]✓[/] Welle {wave}, {question}: Vorschläge für {with_any} von {len(pairs)} "
            "noch nicht codierten Antwortteilen gespeichert; übernommen wird nichts.",
            f"[green]✓[/] Wave {wave}, {question}: suggestions for {with_any} of {len(pairs)} "
            "answer parts not coded yet stored; nothing is applied.",
            lang,
        )
    )
    return pairs


def import_into_wave(
    project: Path | None,
    wave: str,
    path: Path,
    coder: str | None,
    codebook_path: Path | None,
    final: bool,
    lang: str,
) -> int:
    """``klappt code import FILE --wave W``; the exit code: 1 when codings were kept aside."""
    from dataclasses import replace

    from klappt.coding import read_codebook, read_coding_workbook, read_codings, workbook_codebook
    from klappt.errors import ErrorCode, KlapptError
    from klappt.store.api import load_wave
    from klappt.store.coding import (
        answer_list,
        codebook_of,
        current_versions,
        import_codings,
        wave_in,
    )

    root = _project(project)
    _form, rs, _report = load_wave(root, wave)
    w = wave_in(root, wave)
    versions = current_versions(w)
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        codings = read_codings(path)
        if final:
            codings = replace(codings, codings=tuple(replace(c, final=True) for c in codings))
    else:
        if not coder or not coder.strip():
            raise typer.BadParameter(
                say("--coder angeben: wer hat codiert?", "give --coder: who coded?", lang)
            )
        if codebook_path is not None:
            question = read_codebook(codebook_path).question
        else:
            inside = workbook_codebook(path)
            if inside is not None:
                question = inside.question
            elif len(versions) == 1:
                question = next(iter(versions))
            else:
                raise KlapptError(ErrorCode.CODING_012, path=path)
        if question not in versions:
            raise KlapptError(ErrorCode.CODING_014, wave=wave, question=question)
        # the stored code book decides which codes exist, not the copy inside the workbook
        book = codebook_of(versions[question])
        codings = read_coding_workbook(path, coder, codebook=book, final=final)
    result = import_codings(w, codings, rs)
    err.print(
        say(
            f"[green]✓[/] Welle {wave}: {result.imported} Codierungen aus {path.name} gespeichert"
            f"{f', {result.replaced} frühere ersetzt' if result.replaced else ''}.",
            f"[green]✓[/] Wave {wave}: {result.imported} codings from {path.name} stored"
            f"{f', {result.replaced} earlier ones replaced' if result.replaced else ''}.",
            lang,
        )
    )
    for q, s in result.summaries.items():
        err.print(
            say(
                f"  {q}: {s.coded} von {s.units} Antwortteilen codiert, {s.codes} Codes, davon "
                f"{s.from_suggestions} angenommene Vorschläge; {s.unresolved} Abweichungen offen.",
                f"  {q}: {s.coded} of {s.units} answer parts coded, {s.codes} codes, "
                f"{s.from_suggestions} of them accepted suggestions; {s.unresolved} disagreements open.",
                lang,
            )
        )
    if result.gone:
        err.print(
            say(
                f"[yellow]![/] {len(result.gone)} der Codierungen gehören zu Antworten, die es in "
                f"Welle {wave} nicht (mehr) gibt: {escape(answer_list(result.gone))}. Sie sind "
                "gespeichert und zählen, sobald die Antworten wieder da sind (richtige Daten "
                "importiert?).",
                f"[yellow]![/] {len(result.gone)} of the codings belong to answers that are not "
                f"(any longer) in wave {wave}: {escape(answer_list(result.gone))}. They are stored "
                "and count once the answers are back (were the right data imported?).",
                lang,
            )
        )
    if result.changed:
        coded = [c for c, _ in result.changed]
        err.print(
            say(
                f"[yellow]![/] {len(coded)} der Codierungen gehören zu Antworten, deren Text sich "
                f"geändert hat: {escape(answer_list(coded))}. Sie sind gespeichert und nicht gezählt.",
                f"[yellow]![/] {len(coded)} of the codings belong to answers whose text changed: "
                f"{escape(answer_list(coded))}. They are stored and not counted.",
                lang,
            )
        )
    return 1 if result.kept_aside else 0


def wave_codings(
    project: Path | None, wave: str, question: str | None
) -> tuple[CodingSet, Codebook | None]:
    """The stored codings (of one question) and that question's current code book."""
    from klappt.store.coding import codebook_of, current_version, stored_codings, wave_in

    w = wave_in(_project(project), wave)
    book = None
    if question is not None:
        version = current_version(w, question)
        if version is None:
            from klappt.errors import ErrorCode, KlapptError

            raise KlapptError(ErrorCode.CODING_014, wave=wave, question=question)
        book = codebook_of(version)
    return stored_codings(w, question), book


def print_status(project: Path | None, wave: str, lang: str) -> dict:
    """``klappt code status --wave W``: per text question, where coding stands."""
    from klappt.store.coding import current_versions, load_coded_wave, wave_in

    root = _project(project)
    _form, _rs, _report, codes = load_coded_wave(root, wave)
    versions = current_versions(wave_in(root, wave))
    rows = []
    for q, v in versions.items():
        s = codes.summaries.get(q)
        check = codes.checks.get(q)
        rows.append(
            {
                "question": q,
                "codebook_version": v.number,
                "codes_in_codebook": len(v.content.get("codes", [])),
                "coders": list(s.coders) if s else [],
                "units": s.units if s else 0,
                "coded": s.coded if s else 0,
                "unresolved": s.unresolved if s else 0,
                "codes": s.codes if s else 0,
                "from_suggestions": s.from_suggestions if s else 0,
                "not_counted": check.kept_aside if check else 0,
            }
        )
    table = RichTable(title=say(f"Codierung in Welle {wave}", f"Coding in wave {wave}", lang))
    headers = (
        (say("Frage", "Question", lang), "question"),
        (say("Codebuch", "Code book", lang), "codebook_version"),
        (say("Codierende", "Coders", lang), "coders"),
        (say("codiert", "coded", lang), "coded"),
        (say("offen", "open", lang), "unresolved"),
        ("Codes", "codes"),
        (say("aus Vorschlägen", "from suggestions", lang), "from_suggestions"),
        (say("nicht gezählt", "not counted", lang), "not_counted"),
    )
    for title, _key in headers:
        table.add_column(title)
    for r in rows:
        cells = []
        for _title, key in headers:
            value = r[key]
            if key == "codebook_version":
                value = f"v{value} ({r['codes_in_codebook']} Codes)"
            elif key == "coded":
                value = f"{r['coded']} / {r['units']}"
            elif key == "coders":
                value = ", ".join(value) or "–"
            cells.append(escape(str(value)))
        table.add_row(*cells)
    out.print(table)
    for note in codes.notes:
        err.print(f"[dim]{say('Hinweis', 'Note', lang)}: {escape(note)}[/]")
    return {"wave": wave, "questions": rows}
