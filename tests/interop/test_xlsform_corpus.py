"""Every XLSForm of the corpus: accepted by pyxform -> imported by read_instrument; rejected ->
the KlapptError carries pyxform's own message."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from klappt.errors import ErrorCode, KlapptError
from klappt.instrument import read_instrument
from klappt.interop.detect import detect_format

_ROW = re.compile(r"\[row\s*:\s*\d+\]\s*")


def _pyxform(path: Path) -> str | None:
    """None when pyxform accepts the form, else its message."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            convert(xlsform=str(path), warnings=[], validate=False)
    except PyXFormError as exc:
        return str(exc)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def test_xlsform_corpus_accepted_imports_rejected_names_pyxform__ok(corpora: Path) -> None:
    forms = [
        p
        for p in sorted((corpora / "xlsform").rglob("*"))
        if p.is_file() and detect_format(p) == "xlsform"
    ]
    assert forms
    accepted = rejected = empty = 0
    for path in forms:
        message = _pyxform(path)
        if message is None:
            try:
                form = read_instrument(path)
            except KlapptError as exc:
                assert exc.code == ErrorCode.INSTRUMENT_002, (path.name, exc.message("en"))
                empty += 1
                continue
            assert form.questions, path.name
            accepted += 1
        else:
            try:
                read_instrument(path)
            except KlapptError as exc:
                text = exc.message("en")
                core = _ROW.sub("", message).strip().splitlines()[0][:60]
                assert exc.code in (ErrorCode.INSTRUMENT_001, ErrorCode.FILE_003), path.name
                assert core in text or exc.code == ErrorCode.FILE_003, (path.name, core, text)
                rejected += 1
            else:
                raise AssertionError(
                    f"{path.name}: pyxform rejects it ({message}) but read_instrument accepted it"
                )
    print(
        f"\nXLSForm corpus: {len(forms)} forms; {accepted} accepted by pyxform and imported, "
        f"{empty} accepted but without questions (INSTRUMENT_002), {rejected} rejected with pyxform's message"
    )
