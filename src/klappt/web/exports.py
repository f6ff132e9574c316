"""A wave's returns as files: CSV and XLSX in the conventions ``klappt tabulate`` reads, the
typed returns for the results page, and the deck and HTML report from :mod:`klappt.report`.

Conventions: one row per submitted return; header = ``_id``, ``_submission_time``, ``_site_id``,
``_site_name``, ``_version``, then the question names in form order; a select_multiple answer is
its choice names separated by spaces; an empty cell is "not answered"; numbers with a decimal
point; dates as ``YYYY-MM-DD``.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula. In the
CSV such a text gets a leading apostrophe (numbers keep their sign: they were checked to be
numbers); in the XLSX every text cell is stored as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from klappt.instrument import Instrument
from klappt.responses.dataset import ResponseSet, load_responses
from klappt.responses.io import RawTable
from klappt.store.models import Return, Wave
from klappt.web.returns import export_columns

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutral(text: str) -> str:
    """``text`` as a spreadsheet shows it but never runs it."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _numeric_columns(form: Instrument) -> set[str]:
    return {q.name for q in form.questions if q.type in ("integer", "decimal")}


def records(wave: Wave, form: Instrument) -> tuple[list[str], list[list[str | None]]]:
    """The header and the rows of the wave's submitted returns, in register order."""
    columns = list(wave.columns) if wave.columns else export_columns(form)
    for c in export_columns(form):
        if c not in columns:
            columns.append(c)
    rows = []
    for values in (
        Return.objects.filter(wave=wave)
        .order_by("row", "return_id")
        .values_list("values", flat=True)
    ):
        rows.append([_text(values.get(c)) for c in columns])
    return columns, rows


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def to_csv(
    columns: list[str], rows: list[list[str | None]], numeric: set[str] = frozenset()
) -> bytes:
    """UTF-8 with BOM (Excel reads the umlauts), comma-separated, formulas neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([neutral(c) for c in columns])
    for row in rows:
        w.writerow(
            [
                "" if v is None else (v if columns[i] in numeric else neutral(v))
                for i, v in enumerate(row)
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(
    columns: list[str],
    rows: list[list[str | None]],
    numeric: set[str] = frozenset(),
    title: str = "Daten",
) -> bytes:
    """One sheet, header in row 1; numbers as numbers, everything else as text (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31] or "Daten"
    for j, name in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j, value=name)
        cell.data_type = "s"
        cell.font = Font(bold=True)
    for i, row in enumerate(rows, start=2):
        for j, v in enumerate(row, start=1):
            if v is None:
                continue
            if columns[j - 1] in numeric:
                try:
                    number = float(v)
                    ws.cell(
                        row=i,
                        column=j,
                        value=int(number) if number.is_integer() and "." not in v else number,
                    )
                    continue
                except ValueError:
                    pass
            cell = ws.cell(row=i, column=j, value=v)
            cell.data_type = "s"  # a text starting with "=" stays text
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def wave_csv(wave: Wave, form: Instrument) -> bytes:
    columns, rows = records(wave, form)
    return to_csv(columns, rows, _numeric_columns(form))


def wave_xlsx(wave: Wave, form: Instrument) -> bytes:
    columns, rows = records(wave, form)
    return to_xlsx(columns, rows, _numeric_columns(form), title=str(wave.name))


def response_set(wave: Wave, form: Instrument) -> ResponseSet:
    """The wave's submitted returns typed against its form (as ``klappt tabulate`` reads the CSV),
    with the stored codes of its open answers as ``q__codes`` (``klappt tabulate --wave``)."""
    return _coded(wave, form).responses


def _coded(wave: Wave, form: Instrument) -> Any:
    from klappt.store.coding import coded_responses

    columns, rows = records(wave, form)
    raw = RawTable.from_records(columns, rows, source=f"{wave.name}.csv")
    rs, _report = load_responses(form, raw)
    return coded_responses(wave, rs)


def report_bytes(wave: Wave, form: Instrument, fmt: str, lang: str) -> bytes:
    """The results deck (``.pptx``) or HTML report of the wave, built by :mod:`klappt.report`."""
    from klappt.report import RENDERERS, ReportData, build_report, default_spec
    from klappt.report.data import WaveData

    codes = _coded(wave, form)
    rs = codes.responses
    name = str(wave.name)
    spec = default_spec(rs.instrument, lang, name)
    data = ReportData({name: WaveData(name, rs.instrument, rs, coding=codes.summaries)})
    built = build_report(spec, data, lang)
    return RENDERERS[fmt](built, None)
