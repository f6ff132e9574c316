"""The code book of one open question: codes with labels, descriptions, examples and parents.

A code book is plain data. It serialises to a dict (for JSON and the store), to YAML and to
an XLSX workbook, and it is read back from both files. Codes have at most two levels: a
top-level code may have children, a child has no children. Every reader checks the book and
names the file and row of the first mistake: a duplicate code, a parent that does not exist,
parents in a circle, a third level, or a code name that cannot become a column name.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from klappt.coding._lang import t as _t
from klappt.errors import ErrorCode, KlapptError
from klappt.instrument.model import language_code, pick_label
from klappt.reasons import Reason
from klappt.spreadsheet import keep_as_text

CODEBOOK_SUFFIXES = (".yaml", ".yml", ".xlsx")
#: A code becomes the choice name of ``q__codes`` and the column ``q__codes/<code>``: no
#: spaces, no slash, and no leading underscore (reserved for codes klappt adds itself).
_CODE_NAME = re.compile(r"^[^\W_][\w.\-]*$")

_SHEET_CODES = ("codebuch", "codebook", "codes")
_SHEET_INFO = ("info", "angaben")
_HEADERS = {
    "code": ("code", "kode"),
    "parent": ("oberkategorie", "parent", "übergeordnet", "obercode"),
    "description": ("beschreibung", "description", "definition"),
    "examples": ("beispiele", "examples", "beispielantworten", "example"),
}
_LABEL_HEADER = re.compile(r"^(?:labels?|bezeichnung)(?:$|[\s_:(]+(.*)$)", re.IGNORECASE)
_INFO_KEYS = {
    "frage": "question",
    "question": "question",
    "version": "version",
    "welle": "wave",
    "wave": "wave",
    "titel": "title",
    "title": "title",
}
_EXAMPLE_SPLIT = re.compile(r"\s*(?:\r\n|\r|\n|\s\|\s)\s*")


@dataclass(frozen=True)
class Code:
    """One code: its name, labels by language code (``de`` first), and what it covers."""

    code: str
    labels: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    description: str = ""
    examples: tuple[str, ...] = ()
    parent: str | None = None
    row: int | None = field(default=None, compare=False, repr=False)  # file row, for messages

    def label(self, lang: str | None = None) -> str:
        return pick_label(self.labels, lang, "de") or self.code

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code, "labels": dict(self.labels)}
        if self.parent:
            d["parent"] = self.parent
        if self.description:
            d["description"] = self.description
        if self.examples:
            d["examples"] = list(self.examples)
        return d


@dataclass(frozen=True)
class Codebook:
    """The codes of one text question, in the order they are shown, with version and wave."""

    question: str
    codes: tuple[Code, ...]
    version: str = "1"
    wave: str | None = None
    title: str = ""
    source: str = field(default="", compare=False)

    def code(self, name: str) -> Code | None:
        for c in self.codes:
            if c.code == name:
                return c
        return None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.codes)

    def children(self, name: str) -> tuple[Code, ...]:
        return tuple(c for c in self.codes if c.parent == name)

    def ordered(self) -> tuple[Code, ...]:
        """Top-level codes in book order, each followed by its children in book order."""
        out: list[Code] = []
        for top in self.codes:
            if top.parent is None:
                out.append(top)
                out.extend(self.children(top.code))
        return tuple(out)

    def label(self, name: str, lang: str | None = None) -> str:
        c = self.code(name)
        return c.label(lang) if c else name

    def with_version(self, version: str, wave: str | None = None) -> Codebook:
        """A copy with a new version (and wave); the codes are shared."""
        return replace(self, version=str(version), wave=wave if wave is not None else self.wave)

    def check(self) -> Codebook:
        """Raise a :class:`KlapptError` naming file and row for the first mistake; else self."""
        _check(self)
        return self

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"question": self.question, "version": self.version}
        if self.wave is not None:
            d["wave"] = self.wave
        if self.title:
            d["title"] = self.title
        d["codes"] = [c.to_dict() for c in self.codes]
        return d

    @classmethod
    def from_dict(cls, data: Any, source: str = "", rows: list[int] | None = None) -> Codebook:
        """Build and check a code book from :meth:`to_dict` output (or the same, read from YAML)."""
        if not isinstance(data, dict):
            raise KlapptError(
                ErrorCode.CODING_005,
                path=source,
                row=1,
                message=_t(
                    "erwartet wird eine Zuordnung mit 'question' und 'codes'",
                    "expected a mapping with 'question' and 'codes'",
                ),
            )
        question = _text(data.get("question") or data.get("frage"))
        if not question:
            raise KlapptError(
                ErrorCode.CODING_005,
                path=source,
                row=1,
                message=_t(
                    "'question' (die Textfrage) fehlt", "'question' (the text question) is missing"
                ),
            )
        items = data.get("codes")
        if not isinstance(items, list) or not items:
            raise KlapptError(
                ErrorCode.CODING_005,
                path=source,
                row=1,
                message=_t("'codes' fehlt oder ist leer", "'codes' is missing or empty"),
            )
        codes = []
        for i, item in enumerate(items):
            row = rows[i] if rows and i < len(rows) else i + 1
            codes.append(_code_from_dict(item, source, row))
        version = data.get("version")
        wave = data.get("wave", data.get("welle"))
        book = cls(
            question=question,
            codes=tuple(codes),
            version=_text(version) or "1",
            wave=_text(wave) or None,
            title=_text(data.get("title")) or "",
            source=source,
        )
        return book.check()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _labels(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {language_code(str(k)): _text(v) for k, v in value.items() if _text(v)}
    text = _text(value)
    return {"de": text} if text else {}


def _label_lang(header: str) -> str | None:
    """``Bezeichnung (en)``, ``label_en``, ``label::English (en)`` -> ``en``; plain ``label`` -> ``de``."""
    m = _LABEL_HEADER.match(header.strip())
    if not m:
        return None
    rest = (m.group(1) or "").strip()
    if not rest:
        return "de"
    if rest.startswith("(") or (rest.endswith(")") and "(" not in rest):
        rest = rest.strip("()")
    return language_code(rest) or "de"


def _code_from_dict(item: Any, source: str, row: int) -> Code:
    if isinstance(item, str):
        item = {"code": item}
    if not isinstance(item, dict):
        raise KlapptError(
            ErrorCode.CODING_005,
            path=source,
            row=row,
            message=_t("ein Code braucht mindestens 'code'", "a code needs at least 'code'"),
        )
    labels = _labels(item.get("labels"))
    for key in ("label", "bezeichnung"):
        for lang, text in _labels(item.get(key)).items():
            labels.setdefault(lang, text)
    for key, value in item.items():  # label_en, label::English (en)
        key_lang = _label_lang(str(key))
        written = _text(value)
        if key_lang and str(key).casefold() not in ("label", "labels", "bezeichnung") and written:
            labels.setdefault(key_lang, written)
    if "de" in labels:  # German first: it is the default language
        labels = {"de": labels["de"], **{k: v for k, v in labels.items() if k != "de"}}
    examples = item.get("examples", item.get("beispiele"))
    if isinstance(examples, str):
        examples = _EXAMPLE_SPLIT.split(examples)
    return Code(
        code=_text(item.get("code")),
        labels=labels,
        description=_text(item.get("description", item.get("beschreibung"))),
        examples=tuple(e for e in (_text(x) for x in (examples or [])) if e),
        parent=_text(item.get("parent", item.get("oberkategorie"))) or None,
        row=row,
    )


def _check(book: Codebook) -> None:
    src = book.source or "(Codebuch)"
    first: dict[str, int | None] = {}
    for c in book.codes:
        if not _CODE_NAME.match(c.code):
            raise KlapptError(
                ErrorCode.CODING_005,
                path=src,
                row=c.row or "?",
                message=_t(
                    f"'{c.code}' taugt nicht als Code: Buchstaben, Ziffern, _ . - und keine Leerzeichen, "
                    "nicht mit _ beginnend",
                    f"'{c.code}' is not a valid code: letters, digits, _ . - and no spaces, not starting with _",
                ),
            )
        if c.code in first:
            raise KlapptError(
                ErrorCode.CODING_001,
                path=src,
                row=c.row or "?",
                name=c.code,
                first=first[c.code] or "?",
            )
        first[c.code] = c.row
    by_name = {c.code: c for c in book.codes}
    for c in book.codes:
        if c.parent is not None and c.parent not in by_name:
            raise KlapptError(
                ErrorCode.CODING_003, path=src, row=c.row or "?", name=c.code, parent=c.parent
            )
    for c in book.codes:
        chain = [c.code]
        cur = c
        while cur.parent is not None:
            if cur.parent in chain:
                loop = [*chain[chain.index(cur.parent) :], cur.parent]
                raise KlapptError(
                    ErrorCode.CODING_002,
                    path=src,
                    row=c.row or "?",
                    name=c.code,
                    chain=" → ".join(loop),
                )
            chain.append(cur.parent)
            cur = by_name[cur.parent]
    for c in book.codes:
        if c.parent is not None and by_name[c.parent].parent is not None:
            raise KlapptError(
                ErrorCode.CODING_004, path=src, row=c.row or "?", name=c.code, parent=c.parent
            )


# -- YAML -----------------------------------------------------------------------------------------


def codebook_to_yaml(book: Codebook) -> str:
    """The code book as YAML text (UTF-8, umlauts as written), readable by :func:`read_codebook`.

    Example
    -------
    >>> book = Codebook("hilfe", (Code("sport", {"de": "Sport"}),), version="2", wave="2022")
    >>> print(codebook_to_yaml(book).splitlines()[0])
    question: hilfe
    """
    import yaml

    return yaml.safe_dump(book.to_dict(), allow_unicode=True, sort_keys=False, width=100)


def codebook_from_yaml(text: str, source: str = "") -> Codebook:
    """Parse and check a code book from YAML text; errors name ``source`` and the line."""
    import yaml

    from klappt import yamlsafe

    try:
        data, node = yamlsafe.load_with_node(text, source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise KlapptError(
            ErrorCode.CODING_005,
            path=source,
            row=(mark.line + 1) if mark else "?",
            message=str(getattr(exc, "problem", None) or exc),
        ) from None
    rows: list[int] = []
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if getattr(key, "value", None) == "codes" and isinstance(value, yaml.SequenceNode):
                rows = [item.start_mark.line + 1 for item in value.value]
    return Codebook.from_dict(data, source=source, rows=rows)


# -- XLSX -----------------------------------------------------------------------------------------


def codebook_to_xlsx(book: Codebook, lang: str = "de") -> bytes:
    """The code book as an Excel workbook: sheet ``Codebuch`` (one row per code) and ``Info``.

    Example
    -------
    >>> book = Codebook("hilfe", (Code("sport", {"de": "Sport"}),))
    >>> codebook_to_xlsx(book)[:2]
    b'PK'
    """
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    add_codebook_sheets(wb, book, lang, first=ws)
    keep_as_text(wb)  # labels and examples are read back word for word, never run
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def add_codebook_sheets(wb: Any, book: Codebook, lang: str = "de", first: Any = None) -> None:
    """Write the sheets ``Codebuch`` and ``Info`` into an open openpyxl workbook."""
    from openpyxl.styles import Alignment, Font

    en = lang == "en"
    ws = first if first is not None else wb.create_sheet()
    ws.title = "Codebook" if en else "Codebuch"
    langs = ["de", *sorted({k for c in book.codes for k in c.labels} - {"de"})]
    headers = ["Code", "Parent" if en else "Oberkategorie"]
    headers += [f"{'Label' if en else 'Bezeichnung'} ({lg})" for lg in langs]
    headers += ["Description" if en else "Beschreibung", "Examples" if en else "Beispiele"]
    ws.append(headers)
    for c in book.codes:
        ws.append(
            [
                c.code,
                c.parent or None,
                *[c.labels.get(lg) for lg in langs],
                c.description or None,
                "\n".join(c.examples) or None,
            ]
        )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col, width in zip("ABCDEFGH", (18, 16, 32, 32, 40, 50, 40, 40), strict=False):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    info = wb.create_sheet("Info")
    info.append(["Question" if en else "Frage", book.question])
    info.append(["Version", book.version])
    info.append(["Wave" if en else "Welle", book.wave])
    if book.title:
        info.append(["Title" if en else "Titel", book.title])
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 40


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def codebook_from_workbook(wb: Any, source: str = "") -> Codebook | None:
    """Read the code book sheets of an open openpyxl workbook; None when it holds none."""
    sheets = {ws.title.strip().casefold(): ws for ws in wb.worksheets}
    ws = next((sheets[n] for n in _SHEET_CODES if n in sheets), None)
    if ws is None:
        return None
    meta: dict[str, str] = {}
    info = next((sheets[n] for n in _SHEET_INFO if n in sheets), None)
    if info is not None:
        for r in info.iter_rows(values_only=True):
            if r and len(r) >= 2 and _INFO_KEYS.get(_cell(r[0]).casefold()):
                meta[_INFO_KEYS[_cell(r[0]).casefold()]] = _cell(r[1])
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        raise KlapptError(
            ErrorCode.CODING_005,
            path=source,
            row=1,
            message=_t("das Blatt mit den Codes ist leer", "the sheet with the codes is empty"),
        )
    header = [_cell(h) for h in rows[0]]
    keys: list[str | None] = []
    for h in header:
        low = h.casefold()
        key = next((k for k, names in _HEADERS.items() if low in names), None)
        if key is None and (lang := _label_lang(h)):
            key = "label_" + lang
        keys.append(key)
    if "code" not in keys:
        raise KlapptError(
            ErrorCode.CODING_009,
            path=source,
            missing="Code",
            found=", ".join(h for h in header if h),
        )
    items: list[dict[str, Any]] = []
    line_numbers: list[int] = []
    for number, r in enumerate(rows[1:], start=2):
        values = {k: _cell(v) for k, v in zip(keys, r, strict=False) if k is not None}
        if not any(values.values()):
            continue  # Excel keeps formatted empty rows
        item: dict[str, Any] = {
            "code": values.get("code", ""),
            "parent": values.get("parent") or None,
            "description": values.get("description", ""),
            "examples": values.get("examples", ""),
        }
        item["labels"] = {k[6:]: v for k, v in values.items() if k.startswith("label_") and v}
        items.append(item)
        line_numbers.append(number)
    data = {
        "question": meta.get("question", ""),
        "version": meta.get("version") or "1",
        "wave": meta.get("wave") or None,
        "title": meta.get("title", ""),
        "codes": items,
    }
    return Codebook.from_dict(data, source=source, rows=line_numbers)


def read_codebook(path: str | Path) -> Codebook:
    """Read and check a code book from ``.yaml``/``.yml`` or ``.xlsx``.

    Parameters
    ----------
    path:
        YAML as written by :func:`codebook_to_yaml`, or a workbook with a sheet ``Codebuch``
        (columns Code, Oberkategorie, Bezeichnung (de), Bezeichnung (en), Beschreibung,
        Beispiele) and a sheet ``Info`` (Frage, Version, Welle).

    Returns
    -------
    Codebook

    Raises
    ------
    KlapptError
        ``FILE_*`` for a missing or foreign file; ``CODING_001``–``CODING_005`` naming the row
        of a duplicate code, a circle of parents, an unknown parent, a third level or a bad name.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "cb.yaml"
    >>> _ = p.write_text("question: hilfe\\ncodes:\\n  - code: sport\\n    label: Sport\\n")
    >>> read_codebook(p).names
    ('sport',)
    """
    p = Path(path)
    if not p.exists():
        raise KlapptError(ErrorCode.FILE_001, path=p)
    suffix = p.suffix.lower()
    if suffix not in CODEBOOK_SUFFIXES:
        raise KlapptError(
            ErrorCode.FILE_004,
            path=p,
            suffix=suffix or Reason.NONE(),
            expected=", ".join(CODEBOOK_SUFFIXES),
        )
    if p.stat().st_size == 0:
        raise KlapptError(ErrorCode.FILE_002, path=p)
    from klappt.limits import check_file

    check_file(p, "codebook")
    if suffix == ".xlsx":
        from klappt.damaged import read_xlsx_rows

        book = codebook_from_workbook(read_xlsx_rows(p), str(p))
        if book is None:
            raise KlapptError(
                ErrorCode.CODING_005,
                path=p,
                row=1,
                message=_t("kein Blatt 'Codebuch' gefunden", "no sheet 'Codebook' found"),
            )
        return book
    from klappt import yamlsafe

    yamlsafe.check_file_size(p)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KlapptError(ErrorCode.FILE_005, path=p, reason=str(exc)) from None
    return codebook_from_yaml(text, str(p))
