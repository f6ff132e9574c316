"""A wave's returns as files: CSV and XLSX in the conventions ``klappt tabulate`` reads, the
typed returns for the results page, and the deck and HTML report from :mod:`klappt.report`.

Conventions: one row per submitted return; header = ``_id``, ``_submission_time``, ``_site_id``,
``_site_name``, ``_version``, then the question names in form order; a select_multiple answer is
its choice names separated by spaces; an empty cell is "not answered"; numbers with a decimal
point; dates as ``YYYY-MM-DD``.

Repeat groups, as ODK Central and KoboToolbox export them: the main table stays exactly as
above (so ``klappt tabulate`` reads it unchanged), and every repeat gets a table of its own, one
row per entry: ``_id`` (``gt/projekte[2]``), ``_parent_id`` (the main table's ``_id``),
``_index`` (1, 2, … within the return), then the repeat's questions. In the XLSX these are the
sheets after the first; as CSV, one file per repeat.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or their full-width
forms, or a tab or line break) as a formula. In the CSV and the XLSX such a text gets a leading
apostrophe (:func:`klappt.spreadsheet.neutral`; numbers keep their sign: they were checked to be
numbers); in the XLSX every text cell is also stored as text, never as a formula. Sheet titles go
through :func:`klappt.spreadsheet.sheet_title` (a wave named ``2023/24`` is a valid sheet).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from klappt.instrument import Instrument
from klappt.responses.dataset import ResponseSet, load_responses
from klappt.responses.io import RawTable
from klappt.responses.one_return import Rules
from klappt.spreadsheet import neutral, sheet_title
from klappt.store.models import Return, Site, Wave
from klappt.web.models import SiteReturn, Status
from klappt.web.returns import export_columns, submitted_values

#: the key columns of a repeat's table, before its questions
REPEAT_KEYS = ("_id", "_parent_id", "_index")


def _numeric_columns(form: Instrument) -> set[str]:
    return {q.name for q in form.questions if q.type in ("integer", "decimal")}


def repeat_columns(rules: Rules, repeat: str) -> list[str]:
    questions = [r.name for r in rules.entries[repeat] if r.question.type != "note"]
    return [*REPEAT_KEYS, *questions]


def repeat_records(
    wave: Wave, rules: Rules, repeat: str
) -> tuple[list[str], list[list[str | None]]]:
    """The header and the rows of one repeat: every entry of the submitted returns, in register
    order and entry order, keyed to its return by ``_parent_id``."""
    columns = repeat_columns(rules, repeat)
    questions = columns[len(REPEAT_KEYS) :]
    rows: list[list[str | None]] = []
    returns = (
        SiteReturn.objects.filter(wave=wave, status=Status.SUBMITTED, site__isnull=False)
        .select_related("site")
        .order_by("site__position", "site__site_id")
    )
    for sr in returns:
        entries = submitted_values(sr).get(repeat)
        if not isinstance(entries, list):
            continue
        parent = sr.site.site_id
        for i, entry in enumerate(entries, start=1):
            if isinstance(entry, dict):
                rows.append(
                    [f"{parent}/{repeat}[{i}]", parent, str(i)]
                    + [_text(entry.get(q)) for q in questions]
                )
    return columns, rows


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
    more: Sequence[tuple[str, list[str], list[list[str | None]]]] = (),
) -> bytes:
    """One sheet, header in row 1; numbers as numbers, everything else as text (never a formula).
    ``more`` adds sheets after it: (title, columns, rows), e.g. the tables of repeats."""
    from openpyxl import Workbook

    wb = Workbook()
    used: set[str] = set()
    _sheet(wb.active, columns, rows, numeric, sheet_title(title, used, "Daten"))
    for name, more_columns, more_rows in more:  # a repeat named like the wave gets " (2)"
        title = sheet_title(name, used, "Daten")
        _sheet(wb.create_sheet(title), more_columns, more_rows, numeric, title)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet(
    ws: Any, columns: list[str], rows: list[list[str | None]], numeric: set[str], title: str
) -> None:
    from openpyxl.styles import Font

    ws.title = title
    for j, name in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j, value=neutral(name))
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
            cell = ws.cell(row=i, column=j, value=neutral(v))
            cell.data_type = "s"  # stored as text: never a formula, even if edited
    ws.freeze_panes = "A2"


def wave_csv(wave: Wave, form: Instrument) -> bytes:
    columns, rows = records(wave, form)
    return to_csv(columns, rows, _numeric_columns(form))


def repeat_csv(wave: Wave, rules: Rules, repeat: str) -> bytes:
    columns, rows = repeat_records(wave, rules, repeat)
    return to_csv(columns, rows, _numeric_columns(rules.form))


def wave_xlsx(wave: Wave, rules: Rules) -> bytes:
    """The main table on the first sheet (named after the wave), one sheet per repeat after it."""
    form = rules.form
    columns, rows = records(wave, form)
    more = [(r, *repeat_records(wave, rules, r)) for r in rules.repeats]
    return to_xlsx(columns, rows, _numeric_columns(form), title=str(wave.name), more=more)


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
    """The results deck (``.pptx``) or HTML report of the wave, built by :mod:`klappt.report`.

    Published as it comes out: groups and free-text mentions on fewer than 3 sites, and mentions
    holding personal data (names of the register's contacts included), are held back, and the
    footnotes say so."""
    from klappt.coding.privacy import contact_names
    from klappt.report import RENDERERS, ReportData, build_report, default_spec
    from klappt.report.data import WaveData
    from klappt.report.withheld import note_free_text

    codes = _coded(wave, form)
    rs = codes.responses
    name = str(wave.name)
    spec = note_free_text(default_spec(rs.instrument, lang, name), rs.instrument, lang)
    contacts = contact_names(s.attributes or {} for s in Site.objects.filter(program=wave.program))
    data = ReportData(
        {name: WaveData(name, rs.instrument, rs, coding=codes.summaries, names=contacts)}
    )
    built = build_report(spec, data, lang)
    return RENDERERS[fmt](built, None)
