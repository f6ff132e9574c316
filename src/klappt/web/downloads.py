"""Every download's response: one place that turns a name (a wave's "2023/24", a program's
umlauts) into a safe ``Content-Disposition``.

The name loses what a file name or a header must not hold -- ``/``, ``\\``, quotes, CR/LF and
other control characters, and the characters Windows refuses (``: * ? < > |``) -- and keeps
everything else. The header carries an ASCII fallback (``filename="Welle_2023-24.csv"``, umlauts
spelled out) and, when the name is not plain ASCII, the name itself as RFC 6266
``filename*=utf-8''…`` (built by Django's :func:`~django.utils.http.content_disposition_header`).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from klappt.csvdialects import DIALECTS, STANDARD, Dialect

__all__ = ["CSV", "csv_options", "download_name", "file_response"]

CSV = "text/csv; charset=utf-8"

_UNSAFE = re.compile(r'[/\\"\'`:*?<>|\x00-\x1f\x7f-\x9f\u2028\u2029]+')
_SPACES = re.compile(r"\s+")
_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)
_MAX = 150


def download_name(name: str, fallback: str = "download") -> str:
    """``name`` as a file name: no path separators, quotes or control characters, no blanks.

    Example
    -------
    >>> download_name('bericht_gk_2023/24 "Ost"\\r\\n.pptx')
    'bericht_gk_2023-24_-Ost-.pptx'
    """
    cleaned = _SPACES.sub("_", _UNSAFE.sub("-", name)).strip("._-")
    if len(cleaned) > _MAX:  # keep the extension
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (
            stem[: _MAX - len(ext) - 1] + dot + ext if dot and len(ext) <= 8 else cleaned[:_MAX]
        )
    return cleaned or fallback


def _ascii(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.translate(_GERMAN))
    return plain.encode("ascii", "ignore").decode("ascii") or "download"


def file_response(data: bytes, content_type: str, filename: str) -> HttpResponse:
    """``data`` as an attachment named after ``filename`` (made safe by :func:`download_name`)."""
    name = download_name(filename)
    fallback = download_name(_ascii(name))
    disposition = content_disposition_header(True, fallback)
    if name != fallback:
        disposition += f"; filename*=utf-8''{quote(name, safe='')}"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "no-store"
    return response


def csv_options(request: object) -> tuple[Dialect, bool]:
    """The dialect (``?dialect=excel-de|standard``, default ``standard``) and the labels option
    (``?labels=1``) a download was asked for; an unknown dialect is the standard one."""
    query = getattr(request, "GET", {})
    dialect = DIALECTS.get(str(query.get("dialect", "")), STANDARD)
    labels = str(query.get("labels", "")).lower() in ("1", "true", "yes", "ja", "on")
    return dialect, labels


def csv_name(stem: str, dialect: Dialect, labels: bool = False) -> str:
    """``stem`` plus what tells the files apart: ``_excel`` for the German Excel dialect,
    ``_labels`` for labels instead of codes."""
    return f"{stem}{'_excel' if dialect.key == 'excel-de' else ''}{'_labels' if labels else ''}.csv"
