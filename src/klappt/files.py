"""Writing output files so that a failure never leaves half a file behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from klappt.errors import ErrorCode, KlapptError
from klappt.reasons import Reason

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` to a temporary file beside ``path`` and move it into place.

    Parameters
    ----------
    path:
        The target file; its folder must exist and be writable.
    data:
        Bytes, or text written as UTF-8.

    Returns
    -------
    Path
        The target path.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> write_atomic(p, "hallo").read_text()
    'hallo'
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise KlapptError(
            ErrorCode.FILE_006, path=target, reason=Reason.FOLDER_MISSING(folder=folder)
        )
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if target.is_dir():
        raise KlapptError(ErrorCode.FILE_006, path=target, reason=Reason.IS_FOLDER())
    if target.exists() and not target.is_file():
        # a device or pipe (/dev/null, /dev/stdout, a FIFO): written into, never replaced
        try:
            with open(target, "wb") as fh:
                fh.write(payload)
        except OSError as exc:
            raise KlapptError(
                ErrorCode.FILE_006, path=target, reason=exc.strerror or str(exc)
            ) from None
        return target
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise KlapptError(
            ErrorCode.FILE_006, path=target, reason=exc.strerror or str(exc)
        ) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        # mkstemp makes the file private; an output should get the permissions of any new file
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise KlapptError(
            ErrorCode.FILE_006, path=target, reason=exc.strerror or str(exc)
        ) from None
    return target


def first_sheet(workbook: Workbook) -> Worksheet:
    """The sheet a new openpyxl workbook starts with (``active`` may be ``None`` in general).

    Example
    -------
    >>> import openpyxl
    >>> first_sheet(openpyxl.Workbook()).title
    'Sheet'
    """
    from openpyxl.worksheet.worksheet import Worksheet

    sheet = workbook.active
    if not isinstance(sheet, Worksheet):  # only a read-only or chart-sheet workbook gets here
        raise TypeError(f"the first sheet is a {type(sheet).__name__}, not a worksheet")
    return sheet


def stable_xlsx(
    data: bytes, when: tuple[int, int, int, int, int, int] = (2000, 1, 1, 0, 0, 0)
) -> bytes:
    """The same workbook with fixed zip and document times, so equal content gives equal bytes.

    openpyxl stamps the time of saving into every workbook; a form converted twice from the
    same source would then look changed, and re-importing a wave would replace it needlessly.

    Example
    -------
    >>> import io, time, openpyxl
    >>> def book():
    ...     buf = io.BytesIO(); openpyxl.Workbook().save(buf); return buf.getvalue()
    >>> first = stable_xlsx(book()); time.sleep(1.1); stable_xlsx(book()) == first
    True
    """
    import io
    import re
    import zipfile

    stamp = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*when)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    body,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=when)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            zout.writestr(fixed, body)
    return out.getvalue()
