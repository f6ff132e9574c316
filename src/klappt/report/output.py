"""Write a built report to files: the format follows the extension, writing is atomic.

Every requested file is rendered first and written afterwards, each to a temporary file
in its target folder that is then moved into place with :func:`os.replace`; a failure
leaves no half-written deck behind and an existing file untouched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from klappt.errors import ErrorCode, KlapptError
from klappt.reasons import Reason
from klappt.report.built import BuiltReport

__all__ = ["RENDERERS", "render", "write_outputs"]


def _pptx(built: BuiltReport, template: str | Path | None) -> bytes:
    from klappt.report.pptx import render_pptx

    return render_pptx(built, template)


def _html(built: BuiltReport, template: str | Path | None) -> bytes:
    from klappt.report.html import render_html

    return render_html(built).encode("utf-8")


def _pdf(built: BuiltReport, template: str | Path | None) -> bytes:
    from klappt.report.pdf import render_pdf

    return render_pdf(built, template)


def _xlsx(built: BuiltReport, template: str | Path | None) -> bytes:
    from klappt.report.xlsx import render_xlsx

    return render_xlsx(built)


#: One renderer per file extension; a new format is a new entry here.
RENDERERS: dict[str, Callable[[BuiltReport, str | Path | None], bytes]] = {
    ".pptx": _pptx,
    ".html": _html,
    ".pdf": _pdf,
    ".xlsx": _xlsx,
}


def check_paths(paths: Iterable[str | Path]) -> list[Path]:
    """The paths, checked: a known extension (``REPORT_003``) and a writable folder (``FILE_006``)."""
    out = []
    for raw in paths:
        p = Path(raw)
        if p.suffix.lower() not in RENDERERS:
            raise KlapptError(
                ErrorCode.REPORT_003,
                path=p,
                suffix=p.suffix or Reason.NONE(),
                expected=", ".join(RENDERERS),
            )
        folder = p.parent if str(p.parent) else Path(".")
        if not folder.is_dir():
            raise KlapptError(
                ErrorCode.FILE_006, path=folder, reason=Reason.FOLDER_MISSING(folder=folder)
            )
        if not os.access(folder, os.W_OK | os.X_OK):
            raise KlapptError(ErrorCode.FILE_006, path=folder, reason=Reason.NOT_WRITABLE())
        if p.is_dir():
            raise KlapptError(ErrorCode.FILE_006, path=p, reason=Reason.IS_FOLDER())
        out.append(p)
    return out


def render(built: BuiltReport, path: str | Path, template: str | Path | None = None) -> bytes:
    """The bytes of ``built`` in the format of ``path``'s extension."""
    p = check_paths([path])[0]
    return RENDERERS[p.suffix.lower()](built, template)


def write_outputs(
    built: BuiltReport, paths: Iterable[str | Path], template: str | Path | None = None
) -> list[Path]:
    """Render ``built`` once per path (format by extension) and write all files atomically.

    Parameters
    ----------
    built:
        The report.
    paths:
        Output files: ``.pptx``, ``.html``, ``.pdf``, ``.xlsx``.
    template:
        A PowerPoint template for ``.pptx`` (default: the recipe's).

    Returns
    -------
    list[Path]
        The files written.

    Raises
    ------
    KlapptError
        ``REPORT_003`` for an unknown extension, ``FILE_006`` for a folder that cannot
        be written, ``REPORT_002`` for a broken template. Nothing is written then.

    Example
    -------
    >>> # write_outputs(built, ["out/bericht.pptx", "out/bericht.html"])
    """
    targets = check_paths(paths)
    rendered = [(p, RENDERERS[p.suffix.lower()](built, template)) for p in targets]
    written = []
    for p, content in rendered:
        _write_atomic(p, content)
        written.append(p)
    return written


def _write_atomic(path: Path, content: bytes) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise KlapptError(ErrorCode.FILE_006, path=path, reason=exc.strerror or str(exc)) from None
    finally:
        if tmp_name is not None and os.path.exists(tmp_name):
            os.unlink(tmp_name)
