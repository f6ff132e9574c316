"""Tell file formats apart by their content, and read any of them with one call.

:func:`detect_format` looks at the bytes (magic numbers, zip members, XML document types,
CSV headings), not only at the suffix: a LimeSurvey archive renamed ``.zip``, an XLSForm
saved as ``.xls`` or a REDCap dictionary called ``data.csv`` are still recognised.
:func:`read_any` then hands the file to its importer. Both go through the one ordered table
of importers, :data:`klappt.interop.importers.IMPORTERS`.
"""

from __future__ import annotations

from pathlib import Path

from klappt.errors import ErrorCode, KlapptError, Text
from klappt.interop.base import ConvertedFile
from klappt.interop.importers import BY_KEY, IMPORTERS, recognise
from klappt.interop.sniff import Sniff
from klappt.reasons import Reason

#: Format keys and what the CLI calls them, in the order of the importers' table.
FORMAT_NAMES = {i.key: i.name for i in IMPORTERS}
#: Formats :func:`read_any` imports (the others are recognised, to name them in a message).
READABLE = tuple(i.key for i in IMPORTERS if i.reader is not None)


def detect_format(path: str | Path) -> str:
    """The format of a file, judged by its content (see :data:`FORMAT_NAMES` for the keys).

    Raises
    ------
    KlapptError
        ``FILE_001``/``FILE_002`` for a missing or empty file, ``INTEROP_010`` when the
        content is nothing we know.

    Example
    -------
    >>> detect_format("survey_archive_123.zip")  # doctest: +SKIP
    'limesurvey-lsa'
    """
    p = Path(path)
    if not p.exists():
        raise KlapptError(ErrorCode.FILE_001, path=p)
    if p.is_dir():
        raise KlapptError(ErrorCode.FILE_003, path=p, reason=Reason.IS_FOLDER())
    sniff = Sniff.of(p)
    if not sniff.head.strip():
        raise KlapptError(ErrorCode.FILE_002, path=p)
    from klappt.limits import check_file

    check_file(p, "data")  # before openpyxl or xlrd look inside, to tell the format
    importer = recognise(sniff)
    if importer is None:
        raise KlapptError(
            ErrorCode.INTEROP_010, path=p, reason=sniff.unknown(), expected=_expected()
        )
    return importer.key


def _expected() -> Text:
    names = [FORMAT_NAMES[k] for k in READABLE]
    return Text(", ".join(n.de for n in names), ", ".join(n.en for n in names))


def read_any(
    path: str | Path, companion: str | Path | None = None, event: str | None = None
) -> ConvertedFile:
    """Import a file of any supported format; ``instrument, raw = read_any(path)`` also works.

    Parameters
    ----------
    path:
        The file. Structure files (``.lss``, ``.lsa``, XLSForm, REDCap dictionary, ``.sav``)
        give an instrument; data exports give returns.
    companion:
        The other half when one file is not enough: the structure file for a LimeSurvey
        response export, the dictionary for REDCap records (or the records for a dictionary),
        the XLSForm for a data table.
    event:
        A REDCap longitudinal project's event to import as a wave of its own (its rows only,
        the record as the return id); ``INTEROP_017`` for any other file.

    Returns
    -------
    ConvertedFile
        ``format`` says what was detected, ``summary.lines()`` what was done.

    Raises
    ------
    KlapptError
        ``INTEROP_010`` for an unknown format or one we recognise but do not import,
        ``INTEROP_012`` when a response export comes without its structure file, and the
        errors of the importer in charge.

    Example
    -------
    >>> instrument, raw = read_any("survey_archive_123.lsa")  # doctest: +SKIP
    """
    p = Path(path)
    importer = BY_KEY[detect_format(p)]
    other = Path(companion) if companion is not None else None
    if importer.reader is None:
        raise KlapptError(
            ErrorCode.INTEROP_010,
            path=p,
            reason=Reason.NOT_IMPORTED(name=importer.name),
            expected=_expected(),
        )
    if importer.needs_companion and other is None:
        raise KlapptError(
            ErrorCode.INTEROP_012, path=p, format=importer.name, structure=importer.companion
        )
    if event is not None:
        # one event of a REDCap project as a wave: only that reader takes the choice
        if importer.key not in ("redcap-dictionary", "redcap-records") or other is None:
            raise KlapptError(ErrorCode.INTEROP_017, path=p, format=importer.name)
        from klappt.interop.redcap import read_redcap

        if importer.key == "redcap-dictionary":
            return read_redcap(p, other, event=event)
        return read_redcap(other, p, event=event)
    return importer.read()(p, other, importer.key)
