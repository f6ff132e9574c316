"""A wave's questionnaire in the web app: read once per process, checked on upload.

The wave keeps the form file as uploaded (``Wave.form_file``); pyxform reads it again when a
process first needs it and we keep the :class:`~klappt.instrument.Instrument` and its
:class:`~klappt.web.formspec.FormSpec` per language, keyed by the file's SHA-256.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import tempfile
import threading
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

from klappt.errors import KlapptError
from klappt.instrument import Instrument, read_instrument
from klappt.instrument.readers import FORM_SUFFIXES
from klappt.web.formspec import FormSpec, form_spec

_CACHE_SIZE = 32
_lock = threading.Lock()
_instruments: OrderedDict[str, Instrument] = OrderedDict()
_specs: OrderedDict[tuple[str, str | None, str], FormSpec] = OrderedDict()

#: An XLSX is a zip of XML: refuse archives that unpack to more than this, or compress too well.
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 200


class UploadRejected(ValueError):
    """An upload we do not parse at all; the message is for the user."""


def check_zip(data: bytes) -> None:
    """Refuse a zip bomb before any XML parser sees the file."""
    if not data.startswith(b"PK"):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile:
        return  # not a zip after all: the reader says what is wrong with it
    if total > MAX_UNPACKED or (total > 20 * 1024 * 1024 and total > MAX_RATIO * len(data)):
        raise UploadRejected("archive unpacks too large")


def safe_filename(filename: str, default: str) -> str:
    """An uploaded file's name, safe to create in a temporary folder (suffix kept)."""
    name = re.sub(r"[^\w.\- ]+", "_", Path(str(filename)).name).strip(" .")
    return name[-120:] if name else default


def read_form_bytes(data: bytes, filename: str) -> Instrument:
    """Read and check an uploaded XLSForm (``KlapptError`` with sheet and row when broken)."""
    name = safe_filename(filename, "form.xlsx")
    check_zip(data)
    with tempfile.TemporaryDirectory(prefix="klappt-web-form-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        form = read_instrument(path)
    return dataclasses.replace(form, source=name)


def instrument(wave: Any) -> Instrument:
    """The wave's form (read on first use in this process)."""
    key = wave.form_sha256
    with _lock:
        hit = _instruments.get(key)
        if hit is not None:
            _instruments.move_to_end(key)
            return hit
    data = wave.form_file
    if data is None or not len(data):
        from klappt.store.models import Wave

        data = Wave.objects.filter(pk=wave.pk).values_list("form_file", flat=True).get()
    form = read_form_bytes(bytes(data), wave.form_filename)
    with _lock:
        _instruments[key] = form
        while len(_instruments) > _CACHE_SIZE:
            _instruments.popitem(last=False)
    return form


def spec(wave: Any, lang: str | None, untitled: str) -> FormSpec:
    """The wave's form as the web form shows it, in ``lang``."""
    key = (wave.form_sha256, lang, untitled)
    with _lock:
        hit = _specs.get(key)
        if hit is not None:
            return hit
    made = form_spec(instrument(wave), lang, untitled)
    with _lock:
        _specs[key] = made
        while len(_specs) > _CACHE_SIZE:
            _specs.popitem(last=False)
    return made


def form_language(form: Instrument, ui_lang: str) -> str | None:
    """The form's language for a page in ``ui_lang``: that one if the form has it, else its default."""
    code = (ui_lang or "").split("-")[0].lower()
    return code if code in form.language_codes else None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


__all__ = [
    "FORM_SUFFIXES",
    "KlapptError",
    "UploadRejected",
    "check_zip",
    "form_language",
    "instrument",
    "read_form_bytes",
    "safe_filename",
    "sha256",
    "spec",
]
