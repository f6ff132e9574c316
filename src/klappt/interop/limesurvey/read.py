"""LimeSurvey entry points: structure files, survey archives and response exports.

* :func:`read_lss` — a survey structure file (``.lss``) -> instrument + XLSForm.
* :func:`read_lsa` — a survey archive (``.lsa``: a zip of ``.lss``, ``_responses.lsr`` and
  ``_tokens.lst``) -> instrument, returns and participants.
* :func:`read_limesurvey_responses` — a response export (CSV) read against its structure file.

Each returns a :class:`~klappt.interop.base.ConvertedFile` whose summary ends with the
validation report of the returns. Nothing is half-imported: every check happens before a
result exists.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from klappt.damaged import ZIP_ERRORS
from klappt.errors import ErrorCode, KlapptError, Text
from klappt.interop.base import ConvertedFile, ImportSummary, Note, complete_import
from klappt.interop.limesurvey.form import LsForm, build_form
from klappt.interop.limesurvey.responses import convert_responses
from klappt.interop.limesurvey.structure import check_document, parse_lss
from klappt.interop.xlsform_writer import read_spec
from klappt.interop.xmlsafe import parse_xml, table_fields, table_rows
from klappt.language import counted
from klappt.limits import MIB, check_file, current, exceeded
from klappt.reasons import Reason
from klappt.responses.io import RawTable


def _read_bytes(path: str | Path) -> tuple[Path, bytes]:
    p = Path(path)
    if not p.exists():
        raise KlapptError(ErrorCode.FILE_001, path=p)
    if p.is_dir():
        raise KlapptError(ErrorCode.FILE_003, path=p, reason=Reason.IS_FOLDER())
    check_file(p, "form")
    data = p.read_bytes()
    if not data.strip():
        raise KlapptError(ErrorCode.FILE_002, path=p)
    return p, data


def lss_form(data: bytes, source: str | Path) -> LsForm:
    """Parse ``.lss`` bytes and build the XLSForm and data map (no pyxform yet)."""
    return build_form(parse_lss(data, source), source)


def _summary(form: LsForm, fmt: str, notes: list[Note] | None = None) -> ImportSummary:
    layout = (
        Text("Aufbau ab 4.x (*_l10ns-Tabellen)", "4.x+ layout (*_l10ns tables)")
        if form.survey.layout == "l10n"
        else Text("Aufbau vor 4.x (eine Zeile je Sprache)", "pre-4.x layout (one row per language)")
    )
    return ImportSummary(
        source=form.source,
        format=fmt,
        questions=form.questions,
        languages=form.survey.languages,
        translated=tuple(form.translated),
        verbatim=tuple(form.verbatim),
        skipped=tuple(form.skipped),
        renamed=dict(form.renamed),
        notes=(
            Text(
                "LimeSurvey-Struktur, {layout}, DBVersion {version}",
                "LimeSurvey structure, {layout}, DBVersion {version}",
            ).format(layout=layout, version=form.survey.dbversion or "?"),
            *form.notes,
            *(notes or []),
        ),
    )


def _instrument(form: LsForm):
    return read_spec(form.spec, source=form.source)


def lss_to_xlsform(path: str | Path) -> bytes:
    """The XLSForm workbook for a LimeSurvey ``.lss`` file (what ``klappt convert`` writes).

    The workbook is read back through :func:`klappt.instrument.read_instrument` first, so a
    file that pyxform would reject never leaves this function.

    Example
    -------
    >>> lss_to_xlsform("survey.lss")[:2]  # doctest: +SKIP
    b'PK'
    """
    return read_lss(path).xlsform or b""


def read_lss(path: str | Path) -> ConvertedFile:
    """Import a LimeSurvey survey structure file (``.lss``).

    Parameters
    ----------
    path:
        The ``.lss`` file (any LimeSurvey version from 1.9 on).

    Returns
    -------
    ConvertedFile
        ``instrument`` and ``xlsform``; ``raw`` is None (a structure file holds no returns).

    Raises
    ------
    KlapptError
        ``INTEROP_001``/``002`` (XML), ``005`` (another kind of file), ``006`` (unknown question
        type), ``007`` (a code used twice), ``009`` (no question to import).

    Example
    -------
    >>> result = read_lss("limesurvey_survey_123.lss")  # doctest: +SKIP
    >>> result.summary.lines()[:2]  # doctest: +SKIP
    """
    p, data = _read_bytes(path)
    form = lss_form(data, p)
    instrument, xlsform = _instrument(form)
    return complete_import(
        "limesurvey-lss", instrument, None, _summary(form, "limesurvey-lss"), xlsform
    )


def read_lsr(data: bytes, source: str | Path) -> RawTable:
    """The rows of a LimeSurvey responses file (``.lsr``) as a table with SGQA column names."""
    root = parse_xml(data, source)
    check_document(root, source, "Responses")
    return _xml_table(root, "responses", source)


def read_lst(data: bytes, source: str | Path) -> RawTable:
    """The participants of a LimeSurvey tokens file (``.lst``)."""
    root = parse_xml(data, source)
    check_document(root, source, "Tokens")
    return _xml_table(root, "tokens", source)


def _xml_table(root, table: str, source: str | Path) -> RawTable:
    columns = table_fields(root, table)
    rows = table_rows(root, table)
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    records = [[(row.get(c) or None) for c in columns] for row in rows]
    return RawTable.from_records(columns, records, source=str(source))


def _unzip(path: Path) -> dict[str, bytes]:
    # sizes, members and ratio as the archive declares them; a member that unpacks to more
    # than it declared is stopped while it is read
    check_file(path, "data")
    most = current().unpacked_mb * MIB
    try:
        with zipfile.ZipFile(path) as z:
            out: dict[str, bytes] = {}
            total = 0
            for info in z.infolist():
                if info.is_dir():
                    continue
                with z.open(info) as fh:
                    data = fh.read(most - total + 1)
                total += len(data)
                if total > most:
                    raise exceeded(path, "unpacked_mb", f"> {most // MIB}", most // MIB)
                out[info.filename] = data
            return out
    except ZIP_ERRORS as exc:  # zlib.error too: a member whose compressed bytes are damaged
        raise KlapptError(
            ErrorCode.INTEROP_003, path=path, reason=str(exc) or type(exc).__name__
        ) from None
    except (
        OSError
    ) as exc:  # zlib and CRC failures of a cut-off member surface as OSError subclasses
        raise KlapptError(
            ErrorCode.INTEROP_003, path=path, reason=str(exc) or type(exc).__name__
        ) from None


def read_lsa(path: str | Path) -> ConvertedFile:
    """Import a LimeSurvey survey archive (``.lsa``): structure, returns and participants.

    Returns
    -------
    ConvertedFile
        ``instrument``, ``raw`` (the returns in klappt's layout, or None when the archive has
        none), ``participants`` (the token table, or None) and the summary with the validation
        report.

    Raises
    ------
    KlapptError
        ``INTEROP_003`` for a damaged or truncated archive, ``INTEROP_004`` when it holds no
        ``.lss``, ``FILE_007`` beyond a limit of :mod:`klappt.limits`, plus the errors of
        :func:`read_lss` and of the XML members.

    Example
    -------
    >>> result = read_lsa("survey_archive_123.lsa")  # doctest: +SKIP
    >>> result.summary.returns  # doctest: +SKIP
    """
    p = Path(path)
    if not p.exists():
        raise KlapptError(ErrorCode.FILE_001, path=p)
    if p.stat().st_size == 0:
        raise KlapptError(ErrorCode.FILE_002, path=p)
    members = _unzip(p)
    lss = [n for n in members if n.lower().endswith(".lss")]
    if not lss:
        raise KlapptError(ErrorCode.INTEROP_004, path=p, member=".lss")
    lsr = [n for n in members if n.lower().endswith(".lsr")]
    lst = [n for n in members if n.lower().endswith(".lst")]
    form = lss_form(members[lss[0]], f"{p}:{lss[0]}")
    raw = None
    notes: list[Note] = []
    if lsr:
        table = read_lsr(members[lsr[0]], f"{p}:{lsr[0]}")
        if table.height:
            raw, _ = convert_responses(form, table)
            notes.extend(raw.notes)
        else:
            notes.append(Text("das Archiv enthält keine Rückläufe", "the archive holds no returns"))
    else:
        notes.append(
            Text("das Archiv enthält keine Antwortdatei", "the archive holds no responses file")
        )
    participants = None
    if lst:
        participants = read_lst(members[lst[0]], f"{p}:{lst[0]}")
        notes.append(
            Text(
                "{n} (getrennt von den Rückläufen aufbewahrt)",
                "{n} (kept apart from the returns)",
            ).format(
                n=counted(
                    participants.height,
                    Text("Teilnehmende Person", "participant"),
                    Text("Teilnehmende", "participants"),
                )
            )
        )
    skipped = [n for n in members if not n.lower().endswith((".lss", ".lsr", ".lst"))]
    if skipped:
        notes.append(
            Text(
                "nicht importierte Dateien des Archivs: {names}",
                "archive members not imported: {names}",
            ).format(names=", ".join(skipped))
        )
    instrument, xlsform = _instrument(form)
    summary = _summary(form, "limesurvey-lsa", notes)
    return complete_import("limesurvey-lsa", instrument, raw, summary, xlsform, participants)


def read_limesurvey_responses(structure: str | Path, data: str | Path) -> ConvertedFile:
    """Import a LimeSurvey response export (CSV/XLSX) against its structure (``.lss`` or ``.lsa``).

    Headings may be question codes (``Q1``, ``Q1[SQ001]``, ``Q1[SQ001][1]``), ExpressionScript
    names (``Q1_SQ001``), SGQA names or the full question texts; cells may hold answer codes
    or full answer texts (in any of the survey's languages).

    Raises
    ------
    KlapptError
        ``INTEROP_008`` when the data belong to another survey, plus the errors of
        :func:`klappt.responses.io.read_table` and :func:`read_lss`.

    Example
    -------
    >>> result = read_limesurvey_responses("survey.lss", "results-survey123.csv")  # doctest: +SKIP
    """
    from klappt.responses.io import read_table

    sp = Path(structure)
    if sp.suffix.lower() == ".lsa":
        members = _unzip(sp)
        lss = [n for n in members if n.lower().endswith(".lss")]
        if not lss:
            raise KlapptError(ErrorCode.INTEROP_004, path=sp, member=".lss")
        form = lss_form(members[lss[0]], f"{sp}:{lss[0]}")
    else:
        sp, content = _read_bytes(sp)
        form = lss_form(content, sp)
    raw_in = read_table(data)
    raw, match = convert_responses(form, raw_in)
    notes: list[Note] = [
        Text("Spaltenköpfe der Antworten: {style}", "response headings: {style}").format(
            style=match.style
        ),
        *raw.notes,
    ]
    if match.unknown:
        shown = ", ".join(match.unknown[:10]) + (" …" if len(match.unknown) > 10 else "")
        notes.append(
            Text(
                "Spalten, die keiner Frage der Umfrage zugeordnet sind: {columns}",
                "columns not matched to the survey: {columns}",
            ).format(columns=shown)
        )
    instrument, xlsform = _instrument(form)
    summary = _summary(form, "limesurvey-responses", notes)
    return complete_import("limesurvey-responses", instrument, raw, summary, xlsform)


# -- readers of the importers' table (klappt.interop.importers) ----------------------------


def import_structure(path: Path, responses: Path | None, key: str) -> ConvertedFile:
    """A ``.lss``, with its response export when one is given."""
    return read_limesurvey_responses(path, responses) if responses is not None else read_lss(path)


def import_archive(path: Path, responses: Path | None, key: str) -> ConvertedFile:
    """A ``.lsa``, or its survey read against a response export when one is given."""
    return read_limesurvey_responses(path, responses) if responses is not None else read_lsa(path)


def import_responses(path: Path, structure: Path | None, key: str) -> ConvertedFile:
    """A response export, read against its structure file (the table refuses it without one)."""
    assert structure is not None
    return read_limesurvey_responses(structure, path)
