"""A wave's questionnaire in the web app: read once per process, checked on upload.

The wave keeps the form file as uploaded (``Wave.form_file``); pyxform reads it again when a
process first needs it and we keep, keyed by the file's SHA-256: the
:class:`~klappt.instrument.Instrument`, the details the core's model does not hold
(:class:`~klappt.instrument.extras.FormExtras`), the compiled checks
(:class:`~klappt.responses.one_return.Rules`) and the :class:`~klappt.web.formspec.WebFormSpec` per form
language and page language. A submit then costs no parsing and no compiling.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from klappt.errors import KlapptError
from klappt.instrument import Instrument, read_instrument
from klappt.instrument.extras import FormExtras, read_extras
from klappt.instrument.readers import FORM_SUFFIXES
from klappt.responses.one_return import Rules
from klappt.web.formspec import WebFormSpec, form_spec

_CACHE_SIZE = 32
_lock = threading.Lock()
_instruments: OrderedDict[str, Instrument] = OrderedDict()
_rules: OrderedDict[str, Rules] = OrderedDict()
_specs: OrderedDict[tuple[str, str | None, str, str], WebFormSpec] = OrderedDict()


def safe_filename(filename: str, default: str) -> str:
    """An uploaded file's name, safe to create in a temporary folder (suffix kept)."""
    name = re.sub(r"[^\w.\- ]+", "_", Path(str(filename)).name).strip(" .")
    return name[-120:] if name else default


def read_form_bytes(data: bytes, filename: str) -> Instrument:
    """Read and check an uploaded XLSForm (``KlapptError`` with sheet and row when broken, or
    ``FILE_007`` beyond a limit of :mod:`klappt.limits`, checked on the file whatever its
    first bytes)."""
    name = safe_filename(filename, "form.xlsx")
    with tempfile.TemporaryDirectory(prefix="klappt-web-form-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        form = read_instrument(path)
    return dataclasses.replace(form, source=name)


def _form_bytes(wave: Any) -> bytes:
    data = wave.form_file
    if data is None or not len(data):  # a wave loaded with .defer("form_file")
        from klappt.store.models import Wave

        data = Wave.objects.filter(pk=wave.pk).values_list("form_file", flat=True).get()
    return bytes(data)


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    with _lock:
        cache[key] = value
        while len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)


def instrument(wave: Any) -> Instrument:
    """The wave's form (read on first use in this process)."""
    key = wave.form_sha256
    with _lock:
        hit = _instruments.get(key)
        if hit is not None:
            _instruments.move_to_end(key)
            return hit
    form = read_form_bytes(_form_bytes(wave), wave.form_filename)
    _remember(_instruments, key, form)
    return form


def extras(wave: Any) -> FormExtras:
    """Defaults, required messages and choice columns of the wave's form."""
    return rules(wave).extras


def rules(wave: Any) -> Rules:
    """The wave's compiled checks (made on first use in this process)."""
    key = wave.form_sha256
    with _lock:
        hit = _rules.get(key)
        if hit is not None:
            _rules.move_to_end(key)
            return hit
    form = instrument(wave)
    made = Rules(form, read_extras(_form_bytes(wave), wave.form_filename))
    _remember(_rules, key, made)
    return made


def spec(wave: Any, lang: str | None, untitled: str) -> WebFormSpec:
    """The wave's form as the web form shows it, in form language ``lang`` and the page's
    language (the problem texts the browser shows are in the page's language)."""
    from django.utils.translation import get_language

    from klappt.web.returns import message

    key = (wave.form_sha256, lang, untitled, get_language() or "")
    with _lock:
        hit = _specs.get(key)
        if hit is not None:
            _specs.move_to_end(key)
            return hit
    r = rules(wave)
    made = form_spec(
        r.form, lang, untitled, r, messages=lambda q, code: message(r, code, q.name, lang)
    )
    _remember(_specs, key, made)
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
    "extras",
    "form_language",
    "instrument",
    "read_form_bytes",
    "rules",
    "safe_filename",
    "sha256",
    "spec",
]
