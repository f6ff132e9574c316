"""Coding in Excel: the workbook coders fill in, and reading it back into codings.

``klappt code export`` writes one row per segment: answer id, return, site, question, part,
the text, a hint (another language? personal data?), empty code columns and, when a code book
with coded examples exists, the top suggestions with their confidence and an "accept" column.
A coder types codes (several in one cell separated by commas also work; a code's label is
understood too), ``-`` for "seen, no code applies", and ``x`` under "Übernehmen" to accept a
suggestion. Rows left empty are not coded. The code book travels along in the sheet
``Codebuch``, so that the import can check the codes without being told the code book.

``klappt code agreement --xlsx`` writes the same layout for the disagreements, with each
coder's codes beside the text; importing it with ``--final`` records the resolution.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from klappt.coding._lang import t
from klappt.coding.agreement import Agreement
from klappt.coding.codebook import Codebook, add_codebook_sheets, codebook_from_workbook
from klappt.coding.codings import (
    Coding,
    CodingSet,
    CodingSummary,
    check_codes,
    final_codes,
    merge_codings,
    parse_mark,
    summarize,
)
from klappt.coding.privacy import _spans
from klappt.coding.segments import Segment, answer_id, guess_language, parse_answer_id
from klappt.coding.suggest import Suggestion, _iso, training_examples
from klappt.errors import ErrorCode, KlapptError
from klappt.files import first_sheet
from klappt.responses.dataset import ResponseSet
from klappt.spreadsheet import keep_as_text

NO_CODE_MARK = "-"
_SHEETS = ("codierung", "coding", "abweichungen", "disagreements")
_FIXED = {
    "answer": ("Antwort-ID", "Answer ID"),
    "return_id": ("Rücklauf", "Return"),
    "site": ("Standort", "Site"),
    "question": ("Frage", "Question"),
    "segment": ("Teil", "Part"),
    "text": ("Antwort", "Answer"),
    "hint": ("Hinweis", "Note"),
}
_NUMBERED = {
    "code": ("Code", "Code"),
    "suggestion": ("Vorschlag", "Suggestion"),
    "confidence": ("Sicherheit", "Confidence"),
    "accept": ("Übernehmen", "Accept"),
}
_CODE_SPLIT = re.compile(r"\s*[,;\n]\s*")


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.casefold())


_HEADER_KEYS: dict[str, str] = {_norm(h): key for key, hs in _FIXED.items() for h in hs}
_HEADER_KEYS.update(
    {"returnid": "return_id", "segment": "segment", "text": "text", "answerid": "answer"}
)
_NUMBERED_KEYS = {_norm(h): key for key, hs in _NUMBERED.items() for h in hs}
_NUMBERED_HEADER = re.compile(r"^([^\d]+?)(\d+)$")


def answer_hint(text: str, lang: str) -> str:
    """A note for the coder: another language? personal data? ("" when neither).

    Example
    -------
    >>> answer_hint("Frau Müller, mueller@example.org", "de")
    'persönliche Daten? E-Mail, Name'
    """
    notes = []
    guess = guess_language(text)
    if guess not in (None, "de"):
        notes.append(t(f"Sprache: {guess}?", f"language: {guess}?", lang))
    kinds = sorted({kind for _, _, kind in _spans(text)})
    if kinds:
        names = {"email": "E-Mail", "phone": t("Telefon", "phone", lang), "name": "Name"}
        notes.append(
            t("persönliche Daten? ", "personal data? ", lang) + ", ".join(names[k] for k in kinds)
        )
    return "; ".join(notes)


def coding_workbook(
    segs: Sequence[Segment],
    codebook: Codebook | None = None,
    suggestions: Sequence[Sequence[Suggestion]] | None = None,
    lang: str = "de",
    code_columns: int = 3,
) -> bytes:
    """The workbook for coding ``segs`` by hand, with suggestions when given.

    Parameters
    ----------
    segs:
        The units to code, from :func:`klappt.coding.segments.segments`.
    codebook:
        Written to the sheet ``Codebuch`` and offered as a drop-down list in the code columns.
    suggestions:
        Per segment, the suggestions to show (:func:`klappt.coding.suggest.suggest_segments`).
    lang:
        ``de`` or ``en`` for headers and sheet names.
    code_columns:
        How many empty code columns to offer.

    Returns
    -------
    bytes
        An ``.xlsx`` file.
    """
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    en = lang == "en"
    k = max((len(s) for s in suggestions or []), default=0)
    wb = openpyxl.Workbook()
    ws = first_sheet(wb)
    ws.title = "Coding" if en else "Codierung"
    fixed = list(_FIXED)
    headers = [_FIXED[key][en] for key in fixed]
    headers += [f"{_NUMBERED['code'][en]} {i}" for i in range(1, code_columns + 1)]
    for j in range(1, k + 1):
        headers += [f"{_NUMBERED[key][en]} {j}" for key in ("suggestion", "confidence", "accept")]
    ws.append(headers)
    for i, seg in enumerate(segs):
        row: list[Any] = [
            seg.answer,
            seg.return_id,
            seg.site,
            seg.question,
            seg.index,
            seg.text,
            answer_hint(seg.text, lang) or None,
        ]
        row += [None] * code_columns
        for sug in (suggestions[i] if suggestions else ())[:k]:
            row += [sug.code, round(sug.confidence, 2), None]
        ws.append(row)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for cell in ws[1]:
        cell.font = bold
    first_code = len(fixed) + 1
    widths = [12, 10, 14, 14, 5, 60, 18] + [16] * code_columns + [16, 10, 11] * k
    for idx, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for (cell,) in ws.iter_rows(min_row=2, min_col=6, max_col=6):
        cell.alignment = wrap
    last = ws.max_row
    for col in range(first_code, first_code + code_columns):
        for (cell,) in ws.iter_rows(min_row=2, max_row=last, min_col=col, max_col=col):
            cell.fill = fill
    for j in range(k):
        col = first_code + code_columns + 3 * j + 2
        for (cell,) in ws.iter_rows(min_row=2, max_row=last, min_col=col, max_col=col):
            cell.fill = fill
    ws.freeze_panes = f"{get_column_letter(first_code)}2"
    if codebook is not None:
        add_codebook_sheets(wb, codebook, lang)
        if last >= 2:
            sheet = "Codebook" if en else "Codebuch"
            dv = DataValidation(
                type="list",
                formula1=f"={sheet}!$A$2:$A${len(codebook.codes) + 1}",
                allow_blank=True,
                errorStyle="warning",
                showErrorMessage=False,
            )
            ws.add_data_validation(dv)
            start = get_column_letter(first_code)
            end = get_column_letter(first_code + code_columns - 1)
            dv.add(f"{start}2:{end}{last}")
    _instructions(wb, lang)
    keep_as_text(wb)  # answers and labels come from sites and code books: never a formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _instructions(wb: Any, lang: str) -> None:
    ws = wb.create_sheet("Instructions" if lang == "en" else "Anleitung")
    lines = (
        [
            "One row per part of an answer. Enter the codes of the sheet 'Codebook' in the columns 'Code 1' …",
            "Several codes in one cell: separate them with commas. A code's label is understood, too.",
            "'-' means: seen, no code applies. Rows left empty count as not coded yet.",
            "Accept a suggestion with 'x' under 'Accept n'. Suggestions without 'x' are never used.",
            "Do not change the columns 'Answer ID' and 'Answer'.",
            "Import: klappt code import THIS_FILE.xlsx --coder YOUR_NAME --out codings.csv",
        ]
        if lang == "en"
        else [
            "Eine Zeile je Teil einer Antwort. Codes aus dem Blatt 'Codebuch' in die Spalten 'Code 1' … eintragen.",
            "Mehrere Codes in einer Zelle: mit Komma trennen. Die Bezeichnung eines Codes wird auch verstanden.",
            "'-' heißt: gelesen, kein Code trifft zu. Leer gelassene Zeilen gelten als noch nicht codiert.",
            "Einen Vorschlag mit 'x' unter 'Übernehmen n' annehmen. Vorschläge ohne 'x' werden nie verwendet.",
            "Die Spalten 'Antwort-ID' und 'Antwort' bitte nicht ändern.",
            "Einlesen: klappt code import DIESE_DATEI.xlsx --coder IHR_NAME --out codierungen.csv",
        ]
    )
    for line in lines:
        ws.append([line])
    ws.column_dimensions["A"].width = 110


def disagreement_workbook(
    result: Agreement, codebook: Codebook | None = None, lang: str = "de", code_columns: int = 3
) -> bytes:
    """The disagreements of :func:`klappt.coding.agreement.agreement` as a workbook to resolve.

    Each row shows every coder's codes; the resolution goes into the code columns and is read
    back with ``klappt code import … --final``.
    """
    import openpyxl
    from openpyxl.styles import Alignment, Font

    en = lang == "en"
    coders = sorted({c for d in result.disagreements for c in d.codes})
    wb = openpyxl.Workbook()
    ws = first_sheet(wb)
    ws.title = "Disagreements" if en else "Abweichungen"
    headers = [_FIXED[key][en] for key in ("answer", "return_id", "question", "segment", "text")]
    headers += [f"{'Coder' if en else 'Codierer'}: {c}" for c in coders]
    headers += [f"{_NUMBERED['code'][en]} {i}" for i in range(1, code_columns + 1)]
    ws.append(headers)
    for d in result.disagreements:
        rid, seg = parse_answer_id(d.answer)
        given = [", ".join(d.codes[c]) or NO_CODE_MARK if c in d.codes else None for c in coders]
        ws.append(
            [
                d.answer,
                rid,
                d.question or None,
                seg,
                d.text or None,
                *given,
                *([None] * code_columns),
            ]
        )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.column_dimensions["E"].width = 60
    for (cell,) in ws.iter_rows(min_row=2, min_col=5, max_col=5):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if codebook is not None:
        add_codebook_sheets(wb, codebook, lang)
    _instructions(wb, lang)
    keep_as_text(wb)  # answers and labels come from sites and code books: never a formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_coding_workbook(
    path: str | Path,
    coder: str,
    at: datetime | str | None = None,
    codebook: Codebook | None = None,
    final: bool = False,
) -> CodingSet:
    """Read a filled-in coding workbook into codings of ``coder``, checking every code.

    Parameters
    ----------
    path:
        A workbook written by :func:`coding_workbook` or :func:`disagreement_workbook`.
    coder:
        Who coded; recorded on every row with the time ``at`` (default: now, UTC).
    codebook:
        The codes allowed; default: the sheet ``Codebuch`` inside the workbook.
    final:
        The rows resolve disagreements (``klappt code import --final``).

    Returns
    -------
    CodingSet
        One row per code (accepted suggestions marked ``suggested``), one row with no code for
        a ``-``; rows left empty are not coded and not returned.

    Raises
    ------
    KlapptError
        ``CODING_006`` naming the row of an unknown code, ``CODING_009`` for missing columns,
        ``CODING_010`` for an unreadable cell, ``CODING_012`` when no code book is at hand.
    """
    from klappt.damaged import read_xlsx_rows

    p = Path(path)
    if not p.exists():
        raise KlapptError(ErrorCode.FILE_001, path=p)
    if not coder or not coder.strip():
        raise KlapptError(
            ErrorCode.CODING_010,
            path=p,
            row="-",
            message=t("kein Name für --coder", "no name for --coder"),
        )
    from klappt.limits import check_file
    from klappt.responses.spreadsheets import bounded_rows

    check_file(p, "data")
    wb = read_xlsx_rows(p)
    if not wb.worksheets:
        raise KlapptError(ErrorCode.FILE_002, path=p)
    sheets = {ws.title.strip().casefold(): ws for ws in wb.worksheets}
    ws = next((sheets[n] for n in _SHEETS if n in sheets), wb.worksheets[0])
    rows = bounded_rows(ws.iter_rows(values_only=True), p, "data")
    book = codebook or codebook_from_workbook(wb, str(p))
    if book is None:
        raise KlapptError(ErrorCode.CODING_012, path=p)
    return _parse_rows(rows, str(p), coder.strip(), _iso(at), book, final)


def workbook_codebook(path: str | Path) -> Codebook | None:
    """The code book a coding workbook carries in its sheet ``Codebuch``; None when it has none.

    Example
    -------
    >>> workbook_codebook("codierung.xlsx").question            # doctest: +SKIP
    'angebote'
    """
    from klappt.damaged import read_xlsx_rows

    p = Path(path)
    if not p.exists():
        raise KlapptError(ErrorCode.FILE_001, path=p)
    from klappt.limits import check_file

    check_file(p, "data")
    return codebook_from_workbook(read_xlsx_rows(p), str(p))


def _parse_rows(
    rows: Sequence[Sequence[Any]], src: str, coder: str, at: str, book: Codebook, final: bool
) -> CodingSet:
    if not rows:
        raise KlapptError(ErrorCode.FILE_002, path=src)
    header = [_cell(h) for h in rows[0]]
    fixed: dict[str, int] = {}
    numbered: dict[str, dict[int, int]] = {}
    for i, h in enumerate(header):
        n = _norm(h)
        if n in _HEADER_KEYS:
            fixed.setdefault(_HEADER_KEYS[n], i)
        elif (m := _NUMBERED_HEADER.match(n)) and m.group(1) in _NUMBERED_KEYS:
            numbered.setdefault(_NUMBERED_KEYS[m.group(1)], {})[int(m.group(2))] = i
    missing = []
    if "answer" not in fixed and "return_id" not in fixed:
        missing.append(_FIXED["answer"][0])
    if not numbered.get("code"):
        missing.append("Code 1")
    if missing:
        raise KlapptError(
            ErrorCode.CODING_009,
            path=src,
            missing=", ".join(missing),
            found=", ".join(h for h in header if h),
        )
    by_label: dict[str, set[str]] = {}
    for c in book.codes:
        for label in c.labels.values():
            by_label.setdefault(label.casefold(), set()).add(c.code)
    names = set(book.names)

    out: list[Coding] = []
    for number, r in enumerate(rows[1:], start=2):
        cells = [_cell(v) for v in r]

        def get(i: int | None, cells: list[str] = cells) -> str:
            return cells[i] if i is not None and i < len(cells) else ""

        answer = get(fixed.get("answer"))
        if not answer and get(fixed.get("return_id")):
            seg = get(fixed.get("segment")) or "0"
            answer = answer_id(get(fixed.get("return_id")), int(seg) if seg.isdigit() else 0)
        typed = [
            tok
            for i in sorted(numbered.get("code", {}))
            for tok in _CODE_SPLIT.split(get(numbered["code"][i]))
            if tok
        ]
        accepted: list[tuple[str, float | None]] = []
        for j, col in sorted(numbered.get("accept", {}).items()):
            if parse_mark(get(col), src, number, header[col]):
                code = get(numbered.get("suggestion", {}).get(j))
                conf_text = get(numbered.get("confidence", {}).get(j)).replace(",", ".")
                if code:
                    accepted.append((code, _float(conf_text)))
        if not typed and not accepted:
            continue
        if not answer:
            raise KlapptError(
                ErrorCode.CODING_010,
                path=src,
                row=number,
                message=t("Codes ohne Antwort-ID", "codes without an answer id"),
            )
        question = get(fixed.get("question")) or book.question
        if question != book.question:
            raise KlapptError(
                ErrorCode.CODING_013,
                path=src,
                row=number,
                question=question,
                codebook=book.source or "",
                expected=book.question,
            )
        text = get(fixed.get("text"))
        seen = Coding(
            answer=answer,
            coder=coder,
            code=None,
            question=question,
            text=text,
            coded_at=at,
            final=final,
            row=number,
        )
        given: dict[str, Coding] = {}
        for code, conf in accepted:
            given.setdefault(code, replace(seen, code=code, suggested=True, confidence=conf))
        for tok in typed:
            if tok == NO_CODE_MARK:
                continue
            code = tok if tok in names else _by_label(tok, by_label) or tok
            given.setdefault(code, replace(seen, code=code))
        if not given:  # only "-": seen, no code applies
            given[""] = seen
        out.extend(given.values())
    cs = CodingSet(tuple(out), source=src)
    check_codes(cs, names, book.source)
    return cs


def _by_label(token: str, by_label: dict[str, set[str]]) -> str | None:
    hits = by_label.get(token.casefold(), set())
    return next(iter(hits)) if len(hits) == 1 else None


def _float(text: str) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


# -- one call per CLI command -----------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    """The coding workbook and what went into it."""

    workbook: bytes
    segments: int  # rows written
    answers: int  # returns they belong to
    with_suggestions: int  # rows with at least one suggestion
    trained_on: int  # texts the suggestions learnt from (0: no suggestions)


def export_for_coding(
    rs: ResponseSet,
    question: str,
    codebook: Codebook | None = None,
    codings: CodingSet | None = None,
    split: bool = True,
    sample: int | None = None,
    seed: int = 1,
    skip_coded: bool = False,
    top_k: int = 3,
    lang: str = "de",
) -> ExportResult:
    """The coding workbook for one text question: segments, and suggestions when they can be made.

    Parameters
    ----------
    rs, question:
        The returns and the text question to code.
    codebook:
        Codes to offer; with coded examples (``codings`` or the book's example answers) it also
        gives suggestions.
    codings:
        What is coded so far: trains the suggestions; with ``skip_coded`` those units are left out.
    split:
        One row per part of an answer (default) or per whole answer.
    sample:
        Only this many answers, drawn at random with ``seed`` (e.g. for double coding).
    top_k:
        Suggestions per row; 0 for none.

    Returns
    -------
    ExportResult
        ``.workbook`` is the ``.xlsx`` file.
    """
    from klappt.coding.segments import segments as make_segments
    from klappt.coding.suggest import suggest_segments

    segs = make_segments(rs, question, split=split)
    if codings is not None and skip_coded:
        done = {
            a for (q, a) in final_codes(codings.for_question(question)).codes if q in (question, "")
        }
        segs = [s for s in segs if s.answer not in done]
    if sample is not None:
        ids = list(dict.fromkeys(s.return_id for s in segs))
        chosen = set(random.Random(seed).sample(ids, min(sample, len(ids))))
        segs = [s for s in segs if s.return_id in chosen]
    suggestions: list[tuple[Suggestion, ...]] | None = None
    trained = 0
    if codebook is not None and top_k > 0:
        pairs = suggest_segments(segs, codebook, codings, top_k=top_k)
        if any(p[1] for p in pairs):
            suggestions = [p[1] for p in pairs]
            trained = len(training_examples(codings, question)) if codings is not None else 0
            trained += sum(len(c.examples) for c in codebook.codes)
    return ExportResult(
        workbook=coding_workbook(segs, codebook, suggestions, lang=lang),
        segments=len(segs),
        answers=len({s.return_id for s in segs}),
        with_suggestions=sum(1 for s in suggestions or [] if s),
        trained_on=trained,
    )


@dataclass(frozen=True)
class CodingWorkbookImport:
    """The codings after an import, the rows it brought, and where coding stands."""

    codings: CodingSet  # everything: the earlier codings merged with the imported ones
    imported: CodingSet
    summary: CodingSummary  # of everything


def import_coding(
    path: str | Path,
    coder: str,
    existing: CodingSet | None = None,
    codebook: Codebook | None = None,
    final: bool = False,
    at: datetime | str | None = None,
) -> CodingWorkbookImport:
    """Read a filled-in coding workbook and merge it into the codings so far.

    A coder's rows replace that coder's earlier rows for the same units; nothing else is
    dropped. See :func:`read_coding_workbook` for the checks.
    """
    imported = read_coding_workbook(path, coder, at=at, codebook=codebook, final=final)
    merged = merge_codings(existing, imported) if existing is not None else imported
    return CodingWorkbookImport(codings=merged, imported=imported, summary=summarize(merged))
