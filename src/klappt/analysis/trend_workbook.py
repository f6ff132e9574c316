"""``klappt trend --xlsx``: every trend as one long table (question, wave, answer, count, percent)."""

from __future__ import annotations

import io
from typing import Any

from klappt.files import first_sheet
from klappt.spreadsheet import safe_cell, sheet_title

_HEAD = {
    "de": (
        "Zeitreihen",
        "Frage",
        "Welle",
        "Frage in der Welle",
        "Fragetext",
        "Basis",
        "Antwort",
        "Anzahl",
        "Prozent",
    ),
    "en": (
        "Trends",
        "Question",
        "Wave",
        "Question in the wave",
        "Question text",
        "Base",
        "Answer",
        "Count",
        "Percent",
    ),
}


def trend_workbook(result: dict[str, Any], lang: str = "de") -> bytes:
    """The trend JSON (:meth:`klappt.analysis.trend.Trend.to_dict`) as a workbook, one row per
    answer and wave; each wave's base on every row. Texts are neutralised (no formulas)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    h = _HEAD["en" if lang == "en" else "de"]
    wb = Workbook()
    ws = first_sheet(wb)
    ws.title = sheet_title(h[0])
    ws.append(list(h[1:]))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for entry in result["trends"]:
        for wave in result["waves"]:
            table = entry["waves"].get(wave)
            if table is None:
                continue
            head = [entry["question"], wave, table["question"], table["label"], table["base"]]
            rows = table["rows"] or [{"label": "", "count": table["base"], "percent": None}]
            for row in rows:
                ws.append(
                    [safe_cell(v) for v in (*head, row["label"], row["count"], row["percent"])]
                )
    for col, width in zip("ABCDEFGH", (24, 10, 24, 50, 8, 40, 8, 8), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
