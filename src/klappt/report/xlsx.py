"""The report's tables as an Excel workbook: one sheet per table, with its base.

Numbers stay numbers (counts as integers, shares as percent values with one decimal),
so the workbook serves for reading and for further work. Text from forms and sites is
neutralised against formula injection by :func:`klappt.spreadsheet.neutral`: a cell that would
start with ``=``, ``+``, ``-``, ``@`` (their full-width forms, a tab or a line break) gets a
leading apostrophe. Sheet titles come from :func:`klappt.spreadsheet.sheet_title`.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from klappt.files import first_sheet
from klappt.report.built import BuiltPanel, BuiltReport, BuiltSlide
from klappt.report.theme import LIGHT, MUTED, PRIMARY
from klappt.report.wording import text
from klappt.spreadsheet import neutral, sheet_title

__all__ = ["render_xlsx", "safe_text"]


_HEAD_FONT = Font(bold=True, color="FFFFFF")
_HEAD_FILL = PatternFill("solid", fgColor=PRIMARY)
_BAND_FILL = PatternFill("solid", fgColor=LIGHT)
_TITLE_FONT = Font(bold=True, size=14, color=PRIMARY)
_MUTED_FONT = Font(color=MUTED, italic=True)
_THIN = Border(bottom=Side(style="thin", color="BFC5CC"))
# shares are stored exact (57.5, 55.555…) and shown to one decimal by the format alone, with the
# percent sign as text: the cell stays the number of percent points the deck's chart holds
_FORMATS = {"int": "#,##0", "pct": '0.0" %"', "num": "#,##0.0##"}
_PCT_EN = '0.0"%"'


def safe_text(value: str) -> str:
    """``value`` with a leading apostrophe if a spreadsheet would read it as a formula."""
    return neutral(value)


def _cell_value(value: object) -> Any:
    if isinstance(value, str):
        return safe_text(value)
    return value


def _sheet_name(index: int, panel: BuiltPanel, used: set[str]) -> str:
    return sheet_title(f"T{index:02d} {panel.question}", used, f"T{index:02d}")


def render_xlsx(built: BuiltReport) -> bytes:
    """Every table of ``built`` as a sheet of one workbook (``.xlsx`` bytes).

    Parameters
    ----------
    built:
        The report.

    Returns
    -------
    bytes
        A workbook with a contents sheet first.

    Example
    -------
    >>> from klappt.report.built import BuiltReport
    >>> render_xlsx(BuiltReport("Bericht", "de", ()))[:2]
    b'PK'
    """
    lang = built.lang
    wb = Workbook()
    contents = first_sheet(wb)
    used: set[str] = set()
    contents.title = sheet_title(text("contents", lang), used)
    wb.properties.title = safe_text(built.title)
    wb.properties.creator = "klappt"
    wb.properties.language = "en-GB" if lang == "en" else "de-DE"

    contents["A1"] = safe_text(built.title)
    contents["A1"].font = _TITLE_FONT
    contents["A2"] = text("sheet_contents_intro", lang)
    contents["A2"].font = _MUTED_FONT
    header = (
        "#",
        text("table", lang),
        text("slide", lang),
        text("question", lang),
        text("base", lang),
    )
    for j, h in enumerate(header, start=1):
        c = contents.cell(row=4, column=j, value=h)
        c.font, c.fill = _HEAD_FONT, _HEAD_FILL
    row = 5
    for index, (slide_no, slide, panel) in enumerate(built.tables(), start=1):
        name = _sheet_name(index, panel, used)
        ws = wb.create_sheet(name)
        _table_sheet(ws, panel, slide, slide_no, lang)
        assert panel.table is not None
        title = panel.table.title
        link = contents.cell(row=row, column=1, value=index)
        link.hyperlink = f"#'{name}'!A1"
        link.font = Font(color="2F6DB5", underline="single")
        contents.cell(row=row, column=2, value=safe_text(title))
        contents.cell(row=row, column=3, value=slide_no)
        contents.cell(row=row, column=4, value=safe_text(panel.question))
        base = contents.cell(
            row=row,
            column=5,
            value=panel.table.base
            if panel.table.base is not None
            else safe_text(panel.table.base_text),
        )
        base.number_format = "#,##0"
        row += 1
    for col, width in zip("ABCDE", (6, 70, 8, 22, 16), strict=True):
        contents.column_dimensions[col].width = width
    contents.freeze_panes = "A5"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _table_sheet(
    ws: Worksheet, panel: BuiltPanel, slide: BuiltSlide, slide_no: int, lang: str
) -> None:
    t = panel.table
    assert t is not None
    ws.sheet_view.showGridLines = False
    put = ws.cell
    put(row=1, column=1, value=safe_text(t.title)).font = _TITLE_FONT
    put(
        row=2,
        column=1,
        value=f"{text('question', lang)}: {safe_text(t.question_label)} ({t.question})",
    )
    put(row=3, column=1, value=text("base", lang))
    base_cell = put(row=3, column=2, value=t.base if t.base is not None else safe_text(t.base_text))
    base_cell.number_format = "#,##0"
    base_cell.alignment = Alignment(horizontal="left")
    info = f"{text('slide', lang)} {slide_no}: {safe_text(slide.title)}"
    if t.wave:
        info += f" · {text('wave', lang)} {safe_text(t.wave)}"
    put(row=4, column=1, value=info).font = _MUTED_FONT
    head_row = 6
    for j, col in enumerate(t.columns, start=1):
        c = put(row=head_row, column=j, value=safe_text(col))
        c.font, c.fill = _HEAD_FONT, _HEAD_FILL
        c.alignment = Alignment(
            wrap_text=True, vertical="top", horizontal="left" if j == 1 else "right"
        )
    for i, values in enumerate(t.rows, start=1):
        r = head_row + i
        for j, (v, kind) in enumerate(zip(values, t.kinds, strict=True), start=1):
            c = put(row=r, column=j, value=_cell_value(v))
            if kind in _FORMATS and v is not None:
                c.number_format = _PCT_EN if kind == "pct" and lang == "en" else _FORMATS[kind]
            if kind == "text":
                c.alignment = Alignment(wrap_text=True, vertical="top")
            c.border = _THIN
            if i % 2 == 0:
                c.fill = _BAND_FILL
    r = head_row + len(t.rows) + 2
    notes = [*t.notes, *t.method_notes] + [n for n in slide.footnotes if n not in t.notes]
    for note in notes:
        put(row=r, column=1, value=safe_text(note)).font = _MUTED_FONT
        r += 1
    ws.freeze_panes = f"B{head_row + 1}"
    widths = [
        max([len(str(x)) for x in (t.columns[j], *(row[j] for row in t.formatted))] + [8])
        for j in range(len(t.columns))
    ]
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = (
            min(60, max(12, w + 2)) if j == 1 else min(24, max(12, w + 2))
        )
