"""A question mapping as an Excel workbook, for people who edit in Excel rather than in YAML.

One sheet, "Zuordnung"::

    A1 von      B1 2020              (the earlier wave)
    A2 nach     B2 2022              (the later wave)
    A4 von | nach | Antwort von | Antwort nach | Ähnlichkeit | Frage von | Frage nach
    A5 lw_massnahmen | lebenswelt |              |              | 92 | Gibt es … | Gibt es …
    A6               |            | ja_umfassend | ja
    A7               |            | ja_einzeln   | ja           (merged into "ja")
    A8               |            | in_arbeit    |              (empty: not comparable)

A row with a question in "von" starts an entry (an empty "nach": not comparable); the rows under
it with "Antwort von" give its choices. The workbook is read into the same structure as the YAML
file and checked by the same code (:func:`klappt.analysis.mapping.mapping_from`), so a mistake
is the same ``TREND_001``, naming the sheet and its row. Written cells are neutralised against
formula injection; the text columns are for reading only.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klappt.analysis.mapping import _choice_names, _fail, _label, mapping_from

if TYPE_CHECKING:
    from klappt.analysis.mapping import WaveMapping
    from klappt.instrument.model import Instrument

__all__ = ["SHEET", "parse_mapping_xlsx", "read_mapping_xlsx", "to_xlsx"]

SHEET = "Zuordnung"
HEADER = ("von", "nach", "Antwort von", "Antwort nach", "Ähnlichkeit", "Frage von", "Frage nach")
FIRST_ROW = 5  # the first entry, under the waves and the header


def to_xlsx(m: WaveMapping, source: Instrument, target: Instrument) -> bytes:
    """The mapping as a workbook (the same content as :func:`klappt.analysis.mapping.to_yaml`)."""
    import openpyxl
    from openpyxl.styles import Font

    from klappt.spreadsheet import safe_cell

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.append(["von", safe_cell(m.source)])
    ws.append(["nach", safe_cell(m.target)])
    ws.append([])
    ws.append(list(HEADER))
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for qm in m.questions.values():
        sq, tq = source.question(qm.source), target.question(qm.target or "")
        ws.append(
            [
                safe_cell(qm.source),
                safe_cell(qm.target) if qm.target else None,
                None,
                None,
                qm.score,
                safe_cell(" ".join(_label(sq, source).split())) if sq else None,
                safe_cell(" ".join(_label(tq, target).split())) if tq else None,
            ]
        )
        if sq is not None and tq is not None and _choice_names(sq) != _choice_names(tq):
            for c, d in qm.choices.items():
                ws.append([None, None, safe_cell(c), safe_cell(d) if d else None])
    ws.freeze_panes = "A5"
    for col, width in zip("ABCDEFG", (24, 24, 18, 18, 12, 50, 50), strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))  # a wave "2020" typed as a number
    return text or None


def _structure(rows: list[tuple[Any, ...]], where: str) -> tuple[Any, str, str]:
    """The sheet's rows as the YAML reader's structure, each value's line its row."""
    from klappt.report.recipe_yaml import YMap, YSeq, YStr

    def s(value: Any, row: int) -> Any:
        text = _text(value)
        if text is None:
            return None
        out = YStr(text)
        out.line = row
        return out

    def cell(i: int, j: int) -> Any:
        return rows[i][j] if i < len(rows) and j < len(rows[i]) else None

    data = YMap()
    data.line = 1
    data.key_lines = {}
    names = []
    for row, key in ((1, "von"), (2, "nach")):
        if _text(cell(row - 1, 0)) != key or _text(cell(row - 1, 1)) is None:
            raise _fail(
                where,
                row,
                f"erwartet: A{row} '{key}' und in B{row} die Welle (z. B. 2020).",
                f"expected: A{row} '{key}' and the wave in B{row} (e.g. 2020).",
            )
        names.append(str(_text(cell(row - 1, 1))))
    data["from"], data["to"] = names
    data.key_lines.update({"from": 1, "to": 2})
    items = YSeq()
    items.item_lines = []
    current: Any = None
    for i in range(FIRST_ROW - 1, len(rows)):
        row = i + 1
        q_from, q_to, c_from, c_to = (cell(i, j) for j in range(4))
        if _text(q_from) is not None:
            current = YMap()
            current.line = row
            current.key_lines = {"from": row, "to": row}
            current["from"] = s(q_from, row)
            current["to"] = s(q_to, row)
            score = cell(i, 4)
            if isinstance(score, (int, float)) and not isinstance(score, bool):
                current["score"] = score
            items.append(current)
            items.item_lines.append(row)
        elif _text(c_from) is not None:
            if current is None:
                raise _fail(
                    where,
                    row,
                    "eine Antwort ohne Frage darüber (Spalte 'von' der Zeile davor).",
                    "a choice without a question above it (column 'von' of a row before).",
                )
            choices = current.get("choices")
            if choices is None:
                choices = YMap()
                choices.line = row
                choices.key_lines = {}
                current["choices"] = choices
            key = str(_text(c_from))
            if key in choices:
                raise _fail(where, row, f"'{key}' steht zweimal da.", f"'{key}' is given twice.")
            choices[key] = s(c_to, row)
            choices.key_lines[key] = row
        elif any(_text(v) is not None for v in (q_to, c_to)):
            raise _fail(
                where,
                row,
                "'nach' oder 'Antwort nach' ohne 'von' bzw. 'Antwort von'.",
                "'nach' or 'Antwort nach' without 'von' or 'Antwort von'.",
            )
    data["questions"] = items
    data.key_lines["questions"] = FIRST_ROW - 1
    return data, names[0], names[1]


def read_mapping_xlsx(path: str | Path) -> tuple[Any, str, str, str]:
    """The workbook's structure, its two waves and the place errors name ("F.xlsx, Blatt …")."""
    from klappt.damaged import read_xlsx_rows
    from klappt.limits import check_file

    check_file(path, "codebook")
    book = read_xlsx_rows(path)
    sheets = {ws.title: ws for ws in book.worksheets}
    name = Path(path).name
    if SHEET not in sheets:
        raise _fail(
            name,
            1,
            f"kein Blatt „{SHEET}“ (vorhanden: {', '.join(sheets) or 'keins'}).",
            f"no sheet “{SHEET}” (there are: {', '.join(sheets) or 'none'}).",
        )
    where = f"{name}, Blatt „{SHEET}“"
    data, a, b = _structure(list(sheets[SHEET].rows), where)
    return data, a, b, where


def parse_mapping_xlsx(path: str | Path, source: Instrument, target: Instrument) -> WaveMapping:
    """Read and check a mapping workbook against the two waves' forms."""
    data, a, b, where = read_mapping_xlsx(path)
    return mapping_from(data, a, b, where, source, target)
