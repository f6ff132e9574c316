"""The font the PDF is set in: Carlito, the font whose metrics the layout is measured with.

The deck and the PDF pages are laid out without a font renderer, from Carlito's advance
widths (:mod:`klappt.report.textfit`), and the PDF sets every line where that measure put
it. Set in any other font the text no longer fits: DejaVu Sans, the usual fallback, is about
15 % wider, so agenda lines run off the page and legend entries overlap. So the PDF does not
ask fontconfig for "a sans-serif": it names the installed Carlito files in ``@font-face``
rules, and WeasyPrint embeds (a subset of) exactly those files.

Where the files are: ``KLAPPT_FONT_DIR`` when set (only there: a server can point it at its
own copy), else where fontconfig says Carlito is (``fc-match``), else Debian's path. When
none has Carlito, the PDF is still written and a warning (catalogue entry ``FONT_001``)
names the package to install, ``fonts-crosextra-carlito``. Carlito is not bundled: the
Debian package is one ``apt-get install`` away, ``./run`` installs it, and it keeps the
font's updates with the system.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

__all__ = ["FONT_DIR_ENV", "FONT_FAMILY", "carlito_files", "font_faces", "font_urls"]

#: The environment variable naming the folder that holds Carlito-Regular.ttf (and -Bold …).
FONT_DIR_ENV = "KLAPPT_FONT_DIR"
#: The family the PDF's ``@font-face`` rules define; the pages' font stack names it.
FONT_FAMILY = "Carlito"
#: Debian's (and Ubuntu's) place for fonts-crosextra-carlito.
DEBIAN_DIR = Path("/usr/share/fonts/truetype/crosextra")

# (file name, CSS font-weight, CSS font-style)
_FACES = (
    ("Carlito-Regular.ttf", "normal", "normal"),
    ("Carlito-Bold.ttf", "bold", "normal"),
    ("Carlito-Italic.ttf", "normal", "italic"),
    ("Carlito-BoldItalic.ttf", "bold", "italic"),
)

log = logging.getLogger(__name__)


def _fc_dir() -> Path | None:
    """The folder fontconfig has Carlito in; ``fc-match`` answers with a fallback font when
    Carlito is missing, so the answer counts only if it is a Carlito file."""
    fc = shutil.which("fc-match")
    if fc is None:
        return None
    try:
        found = subprocess.run(
            [fc, "-f", "%{file}", "Carlito:style=Regular"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(found) if found else None
    return path.parent if path is not None and path.name == _FACES[0][0] else None


@lru_cache(maxsize=8)
def _files_in(folder: str | None) -> tuple[tuple[Path, str, str], ...]:
    """Carlito's files (with weight and style) in ``folder``, or found by fontconfig and at
    Debian's path when ``folder`` is None; warns once per place searched when there are none."""
    if folder is not None:
        places = [Path(folder)]
    else:
        places = [p for p in (_fc_dir(), DEBIAN_DIR) if p is not None]
    for place in places:
        faces = tuple(
            (place / name, weight, style)
            for name, weight, style in _FACES
            if (place / name).is_file()
        )
        if faces and faces[0][0].name == _FACES[0][0]:  # the regular face at least
            return faces
    from klappt.errors import ErrorCode, KlapptError

    where = folder if folder is not None else ", ".join(str(p) for p in places) or "fc-match"
    log.warning(KlapptError(ErrorCode.FONT_001, where=where, variable=FONT_DIR_ENV).message())
    return ()


def carlito_files() -> tuple[tuple[Path, str, str], ...]:
    """Carlito's installed files as (path, CSS weight, CSS style); empty when not found."""
    return _files_in(os.environ.get(FONT_DIR_ENV) or None)


def font_faces() -> str:
    """``@font-face`` rules naming the installed Carlito files (empty when none is found)."""
    return "\n".join(
        f"@font-face {{ font-family: '{FONT_FAMILY}'; font-weight: {weight}; "
        f"font-style: {style}; src: url('{path.resolve().as_uri()}'); }}"
        for path, weight, style in carlito_files()
    )


def font_urls() -> frozenset[str]:
    """The ``file:`` URLs of the font files: the only files the PDF renderer may read."""
    return frozenset(path.resolve().as_uri() for path, _w, _s in carlito_files())
