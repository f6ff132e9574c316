"""Writing output files so that a failure never leaves half a file behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from klappt.errors import ErrorCode, KlapptError


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
            ErrorCode.FILE_006, path=target, reason=f"der Ordner {folder} existiert nicht"
        )
    payload = data.encode("utf-8") if isinstance(data, str) else data
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
