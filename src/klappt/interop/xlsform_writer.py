"""Write XLSForms: from an importer's :class:`XLSFormSpec`, or from a klappt :class:`Instrument`.

The workbook is the hand-over point: ``klappt convert survey.lss form.xlsx`` writes it for the
user to read and edit, and every importer reads its own output back through
:func:`klappt.instrument.read_instrument`, so what klappt uses is what pyxform accepts.
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

from klappt.files import stable_xlsx
from klappt.instrument.model import (
    DEFAULT_LANG_KEY,
    META_TYPES,
    SELECT_MULTIPLE,
    SELECT_ONE,
    Instrument,
    Question,
)
from klappt.interop.base import XLSFormSpec, cell_text

_SURVEY_FIRST = ("type", "name")
_SURVEY_LATER = (
    "required",
    "relevant",
    "constraint",
    "appearance",
    "calculation",
    "choice_filter",
    "read_only",
    "default",
)
_LANG_PREFIXES = ("label", "hint", "constraint_message", "required_message")
_SETTINGS_ORDER = ("form_title", "form_id", "version", "default_language")
_NEEDS_LABEL = (
    "note",
    "text",
    "integer",
    "decimal",
    "date",
    "time",
    "dateTime",
    "geopoint",
    "image",
    "audio",
    "video",
    "file",
    "barcode",
    "acknowledge",
    "range",
)
_REF = re.compile(r"\$\{([^}]+)\}")


def _columns(
    rows: list[dict[str, str]],
    first: tuple[str, ...],
    later: tuple[str, ...],
    languages: tuple[str, ...],
) -> list[str]:
    present: dict[str, None] = {}
    for row in rows:
        for key in row:
            present.setdefault(key, None)
    cols = [c for c in first if c in present]
    for prefix in _LANG_PREFIXES:
        if prefix in present:
            cols.append(prefix)
        for lang in languages:
            key = f"{prefix}::{lang}"
            if key in present:
                cols.append(key)
        cols.extend(k for k in present if k.startswith(f"{prefix}::") and k not in cols)
    cols.extend(c for c in later if c in present and c not in cols)
    cols.extend(k for k in present if k not in cols)
    return cols


def _cell(sheet, value: str | None):
    """A text cell; openpyxl would store a text starting with "=" as a formula."""
    text = cell_text(value)
    if not text:
        return None
    if text.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        return cell
    return text


def write_xlsform(spec: XLSFormSpec) -> bytes:
    """The XLSForm workbook (``.xlsx``) for ``spec``.

    Parameters
    ----------
    spec:
        Survey rows, choices and settings.

    Returns
    -------
    bytes
        An ``.xlsx`` file with the sheets ``survey``, ``choices`` and ``settings``.

    Example
    -------
    >>> spec = XLSFormSpec("Demo", "demo", ("English (en)",))
    >>> _ = spec.add(type="text", name="q1", **{"label::English (en)": "Name?"})
    >>> write_xlsform(spec)[:2]
    b'PK'
    """
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    survey = wb.create_sheet("survey")
    cols = _columns(spec.survey, _SURVEY_FIRST, _SURVEY_LATER, spec.languages)
    survey.append(cols)
    for row in spec.survey:
        survey.append([_cell(survey, row.get(c)) for c in cols])
    choices = wb.create_sheet("choices")
    ccols = _columns(spec.choices, ("list_name", "name"), (), spec.languages) or [
        "list_name",
        "name",
        "label",
    ]
    choices.append(ccols)
    for row in spec.choices:
        choices.append([_cell(choices, row.get(c)) for c in ccols])
    settings = wb.create_sheet("settings")
    values = {"form_title": spec.title, "form_id": spec.form_id, **spec.settings}
    if spec.languages and "default_language" not in values:
        values["default_language"] = spec.languages[0]
    keys = [k for k in _SETTINGS_ORDER if values.get(k)] + [
        k for k in values if k not in _SETTINGS_ORDER and values[k]
    ]
    settings.append(keys)
    settings.append([cell_text(values[k]) for k in keys])
    buf = io.BytesIO()
    wb.save(buf)
    # the same instrument must give the same bytes, so that re-importing it changes nothing
    return stable_xlsx(buf.getvalue())


def read_spec(spec: XLSFormSpec, source: str = "") -> tuple[Instrument, bytes]:
    """Write ``spec`` as a workbook and read it back with :func:`read_instrument`.

    Returns the instrument (its ``source`` set to ``source``) and the workbook bytes.
    """
    from dataclasses import replace

    from klappt.instrument import read_instrument

    data = write_xlsform(spec)
    with tempfile.TemporaryDirectory(prefix="klappt-interop-") as folder:
        path = Path(folder) / f"{spec.form_id or 'form'}.xlsx"
        path.write_bytes(data)
        instrument = read_instrument(path)
    return replace(instrument, source=source or instrument.source), data


# -- Instrument -> XLSForm ------------------------------------------------------------------


def _lang_columns(prefix: str, texts: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, text in texts.items():
        out[prefix if key == DEFAULT_LANG_KEY else f"{prefix}::{key}"] = text
    return out


def _type_of(q: Question) -> str:
    if q.type in (SELECT_ONE, SELECT_MULTIPLE):
        return f"{q.type} {q.list_name or q.name}"
    if q.type.endswith("_from_file") or q.type == "select_one_external":
        return (
            "text"  # the instrument does not keep the external file; answers stay readable as text
        )
    return q.type


def instrument_to_spec(instrument: Instrument) -> XLSFormSpec:
    """Describe an :class:`Instrument` as XLSForm rows (the inverse of ``read_instrument``).

    What the instrument does not keep (media, external choice files, pyxform's metadata
    questions) is not written.
    """
    spec = XLSFormSpec(
        title=instrument.title,
        form_id=instrument.form_id,
        languages=tuple(instrument.languages),
    )
    if instrument.default_language:
        spec.settings["default_language"] = instrument.default_language
    if instrument.version:
        spec.settings["version"] = instrument.version
    open_path: tuple[str, ...] = ()
    lists: dict[str, dict[str, dict[str, str]]] = {}

    def close_to(depth: int) -> None:
        nonlocal open_path
        while len(open_path) > depth:
            g = instrument.group(open_path[-1])
            spec.add(type="end_repeat" if g is not None and g.kind == "repeat" else "end_group")
            open_path = open_path[:-1]

    for q in instrument.questions:
        path = q.group_path
        common = 0
        while common < min(len(path), len(open_path)) and path[common] == open_path[common]:
            common += 1
        close_to(common)
        for name in path[common:]:
            g = instrument.group(name)
            kind = g.kind if g is not None else "group"
            row = {
                "type": f"begin_{kind}",
                "name": name,
                "relevant": g.relevant if g else None,
                "appearance": g.appearance if g else None,
            }
            row.update(_lang_columns("label", g.labels if g else {}))
            spec.add(**row)
            open_path = (*open_path, name)
        row = {
            "type": _type_of(q),
            "name": q.name,
            "relevant": q.relevant,
            "required": q.required,
            "constraint": q.constraint,
            "appearance": q.appearance,
            "choice_filter": q.choice_filter,
            "calculation": q.calculation if q.type == "calculate" else None,
        }
        if q.type == "calculate" and not q.calculation:
            row["calculation"] = "''"
        row.update(_lang_columns("label", q.labels))
        row.update(_lang_columns("hint", q.hints))
        row.update(_lang_columns("constraint_message", q.constraint_messages))
        if not q.labels and not q.hints and q.type in _NEEDS_LABEL:
            row["label"] = q.name  # the original showed media, which the instrument does not keep
        spec.add(**row)
        if q.is_select:
            list_name = q.list_name or q.name
            known = lists.setdefault(list_name, {})
            for c in q.choices:
                if c.name not in known:
                    crow = {
                        "list_name": list_name,
                        "name": c.name,
                        **_lang_columns("label", c.labels),
                    }
                    if not c.labels:
                        crow["label"] = c.name
                    if q.ordered and "likert" not in (q.appearance or ""):
                        crow["ordered"] = "yes"
                    known[c.name] = crow
    close_to(0)
    spec.choices = [row for rows in lists.values() for row in rows.values()]
    # metadata questions (start, end, deviceid …) are not in the instrument; put back those the
    # form refers to, or pyxform rejects the reference
    defined = {q.name for q in instrument.questions} | {g.name for g in instrument.groups}
    referenced = {m for row in spec.survey for v in row.values() for m in _REF.findall(v or "")}
    missing = sorted(r for r in referenced - defined if r in META_TYPES)
    spec.survey[0:0] = [{"type": m, "name": m} for m in missing]
    return spec


def instrument_to_xlsform(instrument: Instrument) -> bytes:
    """An XLSForm workbook for ``instrument``; reading it back gives the same questions.

    Example
    -------
    >>> from klappt.instrument import read_instrument
    >>> from klappt.reference import reference_path
    >>> data = instrument_to_xlsform(read_instrument(reference_path("arbeitshilfe_2022.xlsx")))
    >>> data[:2]
    b'PK'
    """
    return write_xlsform(instrument_to_spec(instrument))
