"""Read an XLSForm into an :class:`Instrument`. pyxform does the parsing and the checking."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import re
import tempfile
import warnings
from pathlib import Path
from typing import Any

from klappt.errors import ErrorCode, KlapptError, Text
from klappt.instrument.loops_files import file_choices, from_file, unrolled
from klappt.instrument.model import (
    DEFAULT_LANG_KEY,
    META_TYPES,
    Choice,
    Group,
    Instrument,
    Question,
    language_code,
)
from klappt.reasons import Reason

FORM_SUFFIXES = (".xlsx", ".xls", ".csv", ".md")

_TYPE_NAMES = {
    "select one": "select_one",
    "select all that apply": "select_multiple",
    "select one from file": "select_one_from_file",
    "select all that apply from file": "select_multiple_from_file",
    "select one external": "select_one_external",
}
_ROW = re.compile(r"\[row\s*:\s*(\d+)\]\s*")
_SHEET = re.compile(r"On the '(\w+)' sheet|\b(survey|choices|settings) sheet", re.IGNORECASE)
_COLUMN = re.compile(r"the '([\w:() ]+)' value is invalid")
_QUOTED = re.compile(r"'([^']+)'")
_OTHER = {"de": "Sonstiges", "en": "Other", "fr": "Autre"}
_TRUE = ("yes", "true", "true()", "1", "ja", "y")


def read_instrument(path: str | Path) -> Instrument:
    """Read and check an XLSForm (``.xlsx``, ``.xls``, ``.csv`` or ``.md``).

    Parameters
    ----------
    path:
        The workbook. Its ``survey`` sheet is required; ``choices`` and ``settings`` as needed.

    Returns
    -------
    Instrument
        Questions in form order with their groups, choices, conditions and labels.

    Raises
    ------
    KlapptError
        ``FILE_001``/``FILE_002``/``FILE_004`` for a missing, empty or foreign file,
        ``INSTRUMENT_001`` naming sheet, row and column for a form pyxform rejects,
        ``FILE_007`` for a file beyond the limits of :mod:`klappt.limits`.

    Example
    -------
    >>> from klappt.reference import reference_path
    >>> form = read_instrument(reference_path("arbeitshilfe_2022.xlsx"))
    >>> form.question("lebenswelt").type
    'select_one'
    """
    p = Path(path)
    if not p.exists():
        raise KlapptError(ErrorCode.FILE_001, path=p)
    if p.is_dir():
        raise KlapptError(ErrorCode.FILE_003, path=p, reason=Reason.IS_FOLDER())
    if p.suffix.lower() not in FORM_SUFFIXES:
        raise KlapptError(
            ErrorCode.FILE_004,
            path=p,
            suffix=p.suffix or Reason.NONE(),
            expected=", ".join(FORM_SUFFIXES),
        )
    if p.stat().st_size == 0:
        raise KlapptError(ErrorCode.FILE_002, path=p)
    from klappt.limits import check_file

    check_file(p, "form")
    content = p.read_bytes()
    cached = _cache_get(content, p)
    # choices from a file beside the form (select_one_from_file) are not in the form's bytes:
    # such a form is read afresh every time
    if cached is not None and not _beside(cached):
        return cached
    form = _read(p)
    if not _beside(form):
        _cache_put(content, form)
    return form


def _beside(form: Instrument) -> bool:
    """The form takes choices from a file beside it."""
    return any(from_file(q.list_name) for q in form.questions)


def _read(p: Path) -> Instrument:
    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import get_xlsform
    from pyxform.xls2xform import convert

    pyx_warnings: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # read the workbook once; pyxform converts from the sheets we hand it
            sheets = _workbook(p, get_xlsform)
            rows = _question_rows(sheets.survey or [])
            raw = _RawText(sheets.survey or [], sheets.choices or [])
            result = _convert(p, convert, dataclasses.asdict(sheets), pyx_warnings)
    except PyXFormError as exc:
        raise _form_error(p, str(exc)) from None
    except TypeError:
        # pyxform's CSV reader takes a data table's headers for sheet names
        raise KlapptError(
            ErrorCode.INSTRUMENT_001,
            path=p,
            where="",
            message=Reason.NOT_XLSFORM(),
        ) from None
    except (OSError, ValueError, KeyError, IndexError) as exc:
        # pyxform lets the spreadsheet libraries' own errors through for files that are no workbook
        raise KlapptError(ErrorCode.FILE_003, path=p, reason=_short(exc)) from None
    data: dict[str, Any] | None = getattr(result, "_pyxform", None)
    if data is None:  # older pyxform: parse again through the public JSON entry point
        from pyxform.xls2json import parse_file_to_json

        data = parse_file_to_json(str(p))
    return _build(data, p, rows, tuple(pyx_warnings), raw)


def _convert(p: Path, convert: Any, sheets: dict[str, Any], pyx_warnings: list[str]) -> Any:
    """pyxform's conversion; for some malformed sheets (a header it takes apart wrongly) it
    fails inside its XML writer with an AttributeError instead of its own error."""
    from klappt.damaged import detail

    try:
        return convert(xlsform=sheets, warnings=pyx_warnings, validate=False)
    except (AttributeError, TypeError) as exc:
        # a form with a survey sheet that pyxform stops on (a CHT form's instance::tag on a
        # group row raises a TypeError): pyxform's own reason, not "no survey sheet"
        raise KlapptError(
            ErrorCode.INSTRUMENT_001,
            path=p,
            where="",
            message=Text(
                f"pyxform kann dieses XLSForm nicht übersetzen{_hint(sheets)} ({detail(exc)})",
                f"pyxform cannot convert this XLSForm{_hint(sheets, 'en')} ({detail(exc)})",
            ),
        ) from None
    except RecursionError:
        raise KlapptError(ErrorCode.PARSE_001, path=p, kind="XLSForm") from None


def _hint(sheets: dict[str, Any], lang: str = "de") -> str:
    """Which column of the survey sheet pyxform cannot take, where we know one: the
    ``instance::`` columns of CHT forms (``instance::tag``) on group rows."""
    rows = [r for r in sheets.get("survey") or [] if isinstance(r, dict)]
    columns = sorted(
        {
            str(k)
            for r in rows
            if str(r.get("type", "")).strip().lower().startswith("begin")
            for k, v in r.items()
            if str(k).startswith("instance::") and v not in (None, "")
        }
    )
    if not columns:
        return ""
    shown = ", ".join(columns)
    if lang == "en":
        return f": the column {shown} (a CHT extension) on a begin group row"
    return f": die Spalte {shown} (eine CHT-Erweiterung) in einer begin-group-Zeile"


def _workbook(p: Path, get_xlsform: Any) -> Any:
    """The sheets of the form; a workbook the spreadsheet libraries cannot read is damaged.

    For ``.csv``/``.md`` pyxform reads the text itself; what it raises there is handled by
    the caller (a data table's headers taken for sheet names end in a TypeError)."""
    from klappt.damaged import XLS, XLSX, reading, xls_errors, xlsx_errors

    suffix = p.suffix.lower()
    if suffix not in (".xlsx", ".xls"):
        return get_xlsform(xlsform=str(p))
    kind, errors = (XLSX, xlsx_errors()) if suffix == ".xlsx" else (XLS, xls_errors())
    with reading(p, kind, errors):
        return get_xlsform(xlsform=str(p))


# -- the form cache --------------------------------------------------------------------------
# Importing pyxform and converting a workbook costs about a second; a wave's form rarely
# changes. A parsed form is kept by the hash of the file's bytes (and the versions that made
# it), so every command after the first starts at once. Only forms are cached, never returns.


def _cache_dir() -> Path | None:
    if os.environ.get("KLAPPT_NO_CACHE"):
        return None
    base = os.environ.get("KLAPPT_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "klappt" / "forms" if not os.environ.get("KLAPPT_CACHE_DIR") else root


def _cache_key(content: bytes, path: Path) -> str:
    from importlib.metadata import version

    from klappt import __version__

    h = hashlib.sha256(content)
    for part in (path.suffix.lower(), __version__, version("pyxform"), _code_stamp()):
        h.update(b"\0" + part.encode())
    return h.hexdigest()


@functools.cache
def _code_stamp() -> str:
    """A hash of the code that decides what a parsed form holds: an edit invalidates the cache."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in ("model.py", "readers.py", "serialize.py", "loops_files.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]


def _cache_get(content: bytes, path: Path) -> Instrument | None:
    folder = _cache_dir()
    if folder is None:
        return None
    try:
        text = (folder / f"{_cache_key(content, path)}.json").read_text(encoding="utf-8")
        from klappt.instrument.serialize import instrument_from_json

        return dataclasses.replace(instrument_from_json(text), source=str(path))
    except Exception:  # a missing, torn or older cache entry is only a miss
        return None


def _cache_put(content: bytes, form: Instrument) -> None:
    folder = _cache_dir()
    if folder is None:
        return
    try:
        from klappt.instrument.serialize import instrument_to_json

        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{_cache_key(content, Path(form.source))}.json"
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(instrument_to_json(form))
        os.replace(tmp, target)
    except OSError:  # a read-only home folder only costs speed
        return


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


#: pyxform's words for a sheet 'survey' without the column 'type' (or no such sheet at all)
_NO_SURVEY = re.compile(
    r"sheet: 'survey'\. One or more required column headers were not found: 'type'"
    r"|must have a .survey. sheet|not found: 'survey'",
    re.IGNORECASE,
)


def _form_error(path: Path, message: str) -> KlapptError:
    if _NO_SURVEY.search(message):
        # the most common wrong file: a data table or another workbook given as the form; said
        # in the user's language, not in pyxform's English
        return KlapptError(
            ErrorCode.INSTRUMENT_001, path=path, where="", message=Reason.NOT_XLSFORM()
        )
    row = _ROW.search(message)
    sheet: re.Match[str] | _Fixed | None = _SHEET.search(message)
    column: re.Match[str] | _Fixed | None = _COLUMN.search(message)
    msg = _ROW.sub("", message).strip()
    row_no: str | None = row.group(1) if row else None
    if row_no is None:
        # pyxform names the offending value but not its row for some errors: find it ourselves
        quoted = _QUOTED.search(msg)
        if quoted:
            found = _find_cell(path, quoted.group(1))
            if found:
                found_sheet, row_no, col_name = found
                sheet = sheet or _Fixed(found_sheet)
                column = column or _Fixed(col_name)
    where: list[Text] = []
    sheet_name: str | None = (
        (sheet.group(1) or sheet.group(2))
        if isinstance(sheet, re.Match)
        else sheet.group(1)
        if sheet
        else None
    )
    if row_no and isinstance(sheet, re.Match) and not sheet.group(1):
        # "[row : 3] List name not in choices sheet": the row is the question's, on the survey sheet
        sheet_name = "survey"
    where.append(
        Text(
            f"Blatt '{(sheet_name or 'survey').lower()}'",
            f"sheet '{(sheet_name or 'survey').lower()}'",
        )
    )
    if row_no:
        where.append(Text(f"Zeile {row_no}", f"row {row_no}"))
    if column:
        where.append(Text(f"Spalte '{column.group(1)}'", f"column '{column.group(1)}'"))
    place = Text(", ".join(w.de for w in where) + ": ", ", ".join(w.en for w in where) + ": ")
    return KlapptError(ErrorCode.INSTRUMENT_001, path=path, where=place, message=msg)


class _Fixed:
    """Quacks like a regex match for a value we found ourselves."""

    def __init__(self, value: str) -> None:
        self.value = value

    def group(self, _i: int) -> str:
        return self.value


def _sheets(path: Path) -> dict[str, Any]:
    from pyxform import xls2json_backends as backends

    readers = {
        ".xlsx": backends.xlsx_to_dict,
        ".xls": backends.xls_to_dict,
        ".csv": backends.csv_to_dict,
        ".md": backends.md_to_dict,
    }
    reader = readers[path.suffix.lower()]
    try:
        if path.suffix.lower() == ".md":
            return reader(path.read_text(encoding="utf-8"))
        return reader(str(path))
    except Exception:  # locating a row is a courtesy; the form's own error is what matters
        return {}


def _find_cell(path: Path, value: str) -> tuple[str, str, str] | None:
    sheets = _sheets(path)
    for sheet in ("survey", "choices", "settings"):
        for i, row in enumerate(sheets.get(sheet) or []):
            for col, cell in row.items():
                if isinstance(cell, str) and (cell == value or cell.split(" ")[0] == value):
                    return sheet, str(i + 2), col
    return None


def _question_rows(survey: Any) -> dict[str, int]:
    rows: dict[str, int] = {}
    for i, row in enumerate(survey):
        name = row.get("name")
        if isinstance(name, str) and name and name not in rows:
            rows[name] = i + 2
    return rows


_ASCII_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


class _RawText:
    """Texts as written in the workbook: pyxform turns typographic quotes into ASCII ones,
    and a German form's „…“ and ’ should reach tables and decks as the authors typed them."""

    def __init__(self, survey: Any, choices: Any) -> None:
        self.survey: dict[str, Any] = {}
        for r in survey:  # the first row of a name: end_group rows may repeat the group's name
            if isinstance(r, dict) and r.get("name"):
                self.survey.setdefault(r["name"], r)
        self.choices = {
            (r.get("list_name"), str(r.get("name"))): r for r in choices if isinstance(r, dict)
        }

    @staticmethod
    def _pick(texts: dict[str, str], row: dict[str, Any] | None, column: str) -> dict[str, str]:
        if not row:
            return texts
        out = {}
        for lang, text in texts.items():
            key = column if lang == DEFAULT_LANG_KEY else f"{column}::{lang}"
            original = row.get(key)
            if (
                isinstance(original, str)
                and original.strip().translate(_ASCII_QUOTES) == text.strip()
            ):
                out[lang] = original.strip()
            else:
                out[lang] = text
        return out

    def restore(self, texts: dict[str, str], name: str, column: str) -> dict[str, str]:
        return self._pick(texts, self.survey.get(name), column)

    def restore_choice(
        self, texts: dict[str, str], list_name: str | None, name: str
    ) -> dict[str, str]:
        return self._pick(texts, self.choices.get((list_name, name)), "label")


def _labels(value: Any) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if v not in (None, "")}
    return {DEFAULT_LANG_KEY: str(value)}


def _languages(data: dict[str, Any]) -> tuple[str, ...]:
    seen: dict[str, None] = {}

    def visit(node: dict[str, Any]) -> None:
        for key in ("label", "hint"):
            if isinstance(node.get(key), dict):
                for lang in node[key]:
                    seen.setdefault(lang, None)
        for child in node.get("children", []) or []:
            visit(child)

    visit(data)
    return tuple(k for k in seen if k != DEFAULT_LANG_KEY)


def _build(
    data: dict[str, Any],
    path: Path,
    rows: dict[str, int],
    pyx_warnings: tuple[str, ...],
    raw: _RawText,
) -> Instrument:
    questions: list[Question] = []
    groups: list[Group] = []
    ordered_lists = {
        name
        for name, items in (data.get("choices") or {}).items()
        if any(str(c.get("ordered", "")).strip().lower() in _TRUE for c in items)
    }

    def walk(children: list[dict[str, Any]], path_: tuple[str, ...], in_repeat: bool) -> None:
        for node in children:
            kind = str(node.get("type") or "")
            name = node.get("name", "")
            bind = node.get("bind") or {}
            control = node.get("control") or {}
            if kind == "loop":  # the old ``begin loop over LIST``: one group per choice
                walk([unrolled(node)], path_, in_repeat)
                continue
            if kind in ("group", "repeat"):
                if name == "meta" and control.get("bodyless"):
                    continue  # pyxform's own meta/instanceID
                g = Group(
                    name=name,
                    kind=kind,
                    path=(*path_, name),
                    labels=raw.restore(_labels(node.get("label")), name, "label"),
                    relevant=bind.get("relevant") or None,
                    appearance=control.get("appearance"),
                    report_titles=_labels(node.get("report_title")),
                    hints=raw.restore(_labels(node.get("hint")), name, "hint"),
                )
                groups.append(g)
                walk(node.get("children") or [], g.path, in_repeat or kind == "repeat")
                continue
            qtype = _TYPE_NAMES.get(kind, kind)
            if qtype in META_TYPES:
                continue
            appearance = control.get("appearance")
            list_name = node.get("list_name") or node.get("itemset")
            choices = tuple(
                Choice(
                    name=str(c.get("name")),
                    labels=raw.restore_choice(
                        _labels(c.get("label")), list_name, str(c.get("name"))
                    ),
                )
                for c in (node.get("choices") or [])
            )
            if not choices and from_file(list_name):
                choices = file_choices(path, str(list_name), extra_warnings)
            or_other = any(c.name == "other" for c in choices) and any(
                q.get("name") == f"{name}_other" for q in children
            )
            if any(c.name == "other" for c in choices):
                # pyxform labels the choice that or_other adds "Other" in every language
                choices = tuple(
                    Choice(
                        c.name, {k: _OTHER.get(language_code(k), v) for k, v in c.labels.items()}
                    )
                    if c.name == "other" and set(c.labels.values()) == {"Other"}
                    else c
                    for c in choices
                )
            ordered = qtype == "select_one" and (
                "likert" in (appearance or "") or (list_name in ordered_lists)
            )
            constraint_msg = bind.get("jr:constraintMsg")
            questions.append(
                Question(
                    name=name,
                    type=qtype,
                    labels=raw.restore(_labels(node.get("label")), name, "label"),
                    hints=raw.restore(_labels(node.get("hint")), name, "hint"),
                    choices=choices,
                    list_name=list_name,
                    group_path=path_,
                    in_repeat=in_repeat,
                    relevant=bind.get("relevant") or None,
                    required=bind.get("required") or None,
                    constraint=bind.get("constraint") or None,
                    constraint_messages=raw.restore(
                        _labels(constraint_msg), name, "constraint_message"
                    ),
                    appearance=appearance,
                    choice_filter=node.get("choice_filter") or None,
                    calculation=bind.get("calculate") or None,
                    or_other=or_other,
                    ordered=ordered,
                    row=rows.get(name),
                    report_titles=_labels(node.get("report_title")),
                )
            )

    extra_warnings: list[str] = []
    walk(data.get("children") or [], (), False)
    pyx_warnings = (*pyx_warnings, *extra_warnings)
    if not any(q.type not in ("note", "calculate") for q in questions):
        raise KlapptError(ErrorCode.INSTRUMENT_002, path=path)
    settings_version = data.get("version")
    return Instrument(
        title=str(data.get("title") or data.get("id_string") or path.stem),
        form_id=str(data.get("id_string") or path.stem),
        questions=tuple(questions),
        groups=tuple(groups),
        languages=_languages(data),
        default_language=data.get("default_language")
        if data.get("default_language") != "default"
        else None,
        version=str(settings_version) if settings_version else None,
        source=str(path),
        warnings=pyx_warnings,
    )
