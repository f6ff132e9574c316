"""The tables of a tabulation as a formatted Excel workbook, bases shown, ready for further work."""

from __future__ import annotations

import io

from klappt.analysis.tabulate import Cell, Table, Tabulation
from klappt.files import first_sheet
from klappt.spreadsheet import safe_cell as _safe_cell
from klappt.spreadsheet import sheet_title

_HEAD = {
    "de": {
        "sheet": "Übersicht",
        "question": "Frage",
        "answer": "Antwort",
        "count": "Anzahl",
        "percent": "Prozent",
        "mentions": "% der Nennungen",
        "base": "Basis (n)",
        "total": "Gesamt",
        "mr": "Mehrfachnennungen möglich: Prozente summieren sich auf über 100 %.",
        "withheld": "< {k}: Gruppe mit weniger als {k} Standorten, zum Schutz der einzelnen Standorte "
        "nicht ausgewiesen; x: nicht ausgewiesen, weil sich der Wert sonst aus Summe und übrigen "
        "Gruppen errechnen ließe.",
        "mean": "Mittelwert (1 = erste Antwortstufe)",
        "top2": "Anteil der ersten zwei Stufen (%)",
        "stats": {
            "n": "n",
            "mean": "Mittelwert",
            "median": "Median",
            "min": "Minimum",
            "max": "Maximum",
            "sum": "Summe",
        },
        "responses": "Rückläufe",
        "answered": "beantwortet",
    },
    "en": {
        "sheet": "Topline",
        "question": "Question",
        "answer": "Answer",
        "count": "Count",
        "percent": "Percent",
        "mentions": "% of mentions",
        "base": "Base (n)",
        "total": "Total",
        "mr": "Multiple answers allowed: percentages add up to more than 100%.",
        "withheld": "< {k}: a group of fewer than {k} sites, withheld to protect single sites; "
        "x: withheld because it could otherwise be recomputed from the total and the other groups.",
        "mean": "Mean (1 = first answer level)",
        "top2": "Share of the first two levels (%)",
        "stats": {
            "n": "n",
            "mean": "Mean",
            "median": "Median",
            "min": "Minimum",
            "max": "Maximum",
            "sum": "Sum",
        },
        "responses": "Returns",
        "answered": "answered",
    },
}


def _wrap():
    from openpyxl.styles import Alignment

    return Alignment(wrap_text=True, vertical="top")


def safe_cell(value: object) -> object:
    """Neutralise text that a spreadsheet would run as a formula (:func:`klappt.spreadsheet.neutral`)."""
    return _safe_cell(value)


def tabulation_workbook(tab: Tabulation, lang: str = "de") -> bytes:
    """Write every table of ``tab`` on one topline sheet (and one sheet per banner group set).

    Example
    -------
    >>> from klappt.reference import load_reference
    >>> from klappt.analysis.tabulate import tabulate
    >>> data = tabulation_workbook(tabulate(load_reference("2022")[1]))
    >>> data[:2]
    b'PK'
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.properties import PageSetupProperties

    h = _HEAD["en" if lang == "en" else "de"]
    wb = Workbook()
    ws = first_sheet(wb)
    ws.title = sheet_title(str(h["sheet"]))
    bold = Font(bold=True)
    title_font = Font(bold=True, size=12)
    head_fill = PatternFill("solid", fgColor="DCE6F1")
    note_font = Font(italic=True, color="555555")
    ws.append([f"{h['responses']}: {tab.responses}"])
    ws["A1"].font = title_font
    row_no = 3
    for table in tab.tables:
        row_no = _write_table(
            ws, table, row_no, h, bold, title_font, head_fill, note_font, tab.min_cell
        )
    ws.column_dimensions["A"].width = 60
    for col in "BCDEFGHIJKLMNOP":
        ws.column_dimensions[col].width = 14
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.column == 1:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "B3"
    # printed, every column of a crossed table fits on the page's width
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _write_table(
    ws, table: Table, row_no: int, h, bold, title_font, head_fill, note_font, min_cell: int | None
) -> int:
    ws.cell(row_no, 1, safe_cell(f"{table.label} ({table.question})")).font = title_font
    row_no += 1
    cells: list[tuple[str, Cell]] = [(h["total"], table.cell)]
    cells += [(g.label, g.cell) for g in table.groups]
    # a withheld group's columns show its mark instead of any figure
    marks = [None] + [_mark(g.suppressed, min_cell) for g in table.groups]
    header = [h["answer"]]
    for name, _ in cells:
        header += [f"{name}: {h['count']}", f"{name}: {h['percent']}"] if table.rows else [name]
    if table.type == "select_multiple":
        header.append(h["mentions"])
    for i, text in enumerate(header, start=1):
        c = ws.cell(row_no, i, safe_cell(text))
        c.font = bold
        c.alignment = _wrap()
        c.fill = head_fill
    row_no += 1
    for r_i, row in enumerate(table.rows):
        ws.cell(row_no, 1, safe_cell(row.label))
        col = 2
        for (_, cell), mark in zip(cells, marks, strict=True):
            r = cell.rows[r_i]
            ws.cell(row_no, col, r.count if mark is None else mark)
            pc = ws.cell(row_no, col + 1, r.percent if mark is None else mark)
            pc.number_format = "0.0"
            col += 2
        if table.type == "select_multiple":
            ws.cell(row_no, col, row.percent_of_mentions).number_format = "0.0"
        row_no += 1
    if table.cell.stats:
        for key, label in h["stats"].items():
            if key not in table.cell.stats:
                continue
            ws.cell(row_no, 1, label)
            for i, ((_, cell), mark) in enumerate(zip(cells, marks, strict=True)):
                value = (cell.stats or {}).get(key) if mark is None else mark
                ws.cell(row_no, 2 + i, safe_cell(value))
            row_no += 1
    if not table.rows and not table.cell.stats:
        ws.cell(row_no, 1, h["answered"])
        for i, ((_, cell), mark) in enumerate(zip(cells, marks, strict=True)):
            ws.cell(row_no, 2 + i, cell.base if mark is None else mark)
        row_no += 1
    if table.scale:
        for key in ("mean", "top2"):
            ws.cell(row_no, 1, h[key])
            for i, ((_, cell), mark) in enumerate(zip(cells, marks, strict=True)):
                ws.cell(row_no, 2 + 2 * i, getattr(cell, key) if mark is None else mark)
            row_no += 1
    base_row: list[object] = [h["base"]]
    for (_, cell), mark in zip(cells, marks, strict=True):
        base = cell.base if mark is None else mark
        base_row += [base, None] if table.rows else [base]
    for i, value in enumerate(base_row, start=1):
        ws.cell(row_no, i, value).font = bold
    row_no += 1
    row_no = _write_missing_kinds(ws, table, cells, marks, row_no)
    if table.type == "select_multiple":
        ws.cell(row_no, 1, h["mr"]).font = note_font
        row_no += 1
    if any(marks):
        ws.cell(row_no, 1, h["withheld"].format(k=min_cell)).font = note_font
        row_no += 1
    return row_no + 1


def _write_missing_kinds(ws, table: Table, cells, marks, row_no: int) -> int:
    """The kinds of missing shown as rows of their own (tabulate --show-missing-kinds), below
    the base they are not part of."""
    labels = list(dict.fromkeys(r.label for _, cell in cells for r in cell.missing))
    step = 2 if table.rows else 1
    for label in labels:
        ws.cell(row_no, 1, safe_cell(label)).font = _italic()
        for i, ((_, cell), mark) in enumerate(zip(cells, marks, strict=True)):
            found = next((r for r in cell.missing if r.label == label), None)
            count = (found.count if found else 0) if mark is None else mark
            ws.cell(row_no, 2 + step * i, count)
            if step == 2:
                pc = ws.cell(
                    row_no, 3 + step * i, found.percent if found and mark is None else mark
                )
                pc.number_format = "0.0"
        row_no += 1
    return row_no


def _italic():
    from openpyxl.styles import Font

    return Font(italic=True)


def _mark(suppressed: str | None, min_cell: int | None) -> str | None:
    """What a withheld group shows in place of its figures (see klappt.analysis.disclosure)."""
    if suppressed is None:
        return None
    return f"< {min_cell}" if suppressed == "primary" else "x"
