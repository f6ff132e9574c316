"""A wave's returns as files: CSV and XLSX in the conventions ``klappt tabulate`` reads, the
typed returns for the results page, and the deck and HTML report from :mod:`klappt.report`.

Conventions: one row per submitted return; header = ``_id``, ``_submission_time``, ``_site_id``,
``_site_name``, ``_version``, then the question names in form order; a select_multiple answer is
its choice names separated by spaces; an empty cell is "not answered"; numbers with a decimal
point; dates as ``YYYY-MM-DD`` (the "Standard" dialect).

Repeat groups, as ODK Central and KoboToolbox export them: the main table stays exactly as
above (so ``klappt tabulate`` reads it unchanged), and every repeat gets a table of its own, one
row per entry: ``_id`` (``gt/projekte[2]``), ``_parent_id`` (the main table's ``_id``),
``_index`` (1, 2, … within the return), then the repeat's questions. In the XLSX these are the
sheets after the first; as CSV, one file per repeat.

The CSV comes in the dialect the user picked (:mod:`klappt.csvdialects`): "Standard" as above
(comma, decimal point, ISO; timestamps with their offset) or "Excel (Deutschland)" (semicolon,
decimal comma, ``TT.MM.JJJJ``, BOM) -- ``klappt tabulate`` reads both; timestamps in the server's
time zone. With ``labels`` the choices' labels replace their names and the question labels are a
second header row. The XLSX has real Excel dates, a frozen header with autofilter, fitted column
widths and a last sheet with the questions, their labels and choices.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or their full-width
forms, or a tab or line break) as a formula. In the CSV and the XLSX such a text gets a leading
apostrophe (:func:`klappt.spreadsheet.neutral`; numbers keep their sign: they were checked to be
numbers); in the XLSX every text cell is also stored as text, never as a formula. Sheet titles go
through :func:`klappt.spreadsheet.sheet_title` (a wave named ``2023/24`` is a valid sheet).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from klappt.csvdialects import (
    STANDARD,
    Dialect,
    Kind,
    column_kinds,
    labelled,
    parse_date,
    parse_datetime,
    write_csv,
)
from klappt.instrument import Instrument
from klappt.responses.dataset import ResponseSet, load_responses
from klappt.responses.io import RawTable
from klappt.responses.one_return import Rules
from klappt.spreadsheet import neutral, sheet_title
from klappt.store.models import Return, Site, Wave
from klappt.web.instruments import form_language
from klappt.web.models import SiteReturn, Status
from klappt.web.returns import export_columns, submitted_values

#: the key columns of a repeat's table, before its questions
REPEAT_KEYS = ("_id", "_parent_id", "_index")


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


def to_xlsx(
    columns: list[str],
    rows: list[list[str | None]],
    numeric: set[str] = frozenset(),
    title: str = "Daten",
    more: Sequence[tuple[str, list[str], list[list[str | None]]]] = (),
    kinds: Mapping[str, Kind] | None = None,
    label_rows: Sequence[Sequence[str] | None] = (),
    form: Instrument | None = None,
    lang: str = "de",
) -> bytes:
    """One sheet, header in row 1 (and the question labels in row 2 when ``label_rows`` has
    them); numbers as numbers, dates and timestamps as Excel dates (local time), everything else
    as text (never a formula). ``more`` adds sheets after it: (title, columns, rows), e.g. the
    tables of repeats; ``form`` adds a last sheet with the questions and their labels."""
    from openpyxl import Workbook

    all_kinds: dict[str, Kind] = {c: "number" for c in numeric}
    all_kinds.update(kinds or {})
    labels = list(label_rows) + [None] * (len(more) + 1)
    wb = Workbook()
    used: set[str] = set()
    sheet = _Sheet(all_kinds, lang)
    sheet.write(wb.active, columns, rows, sheet_title(title, used, "Daten"), labels[0])
    for k, (name, more_columns, more_rows) in enumerate(more, start=1):
        title = sheet_title(name, used, "Daten")  # a repeat named like the wave gets " (2)"
        sheet.write(wb.create_sheet(title), more_columns, more_rows, title, labels[k])
    if form is not None:
        _questions_sheet(wb, form, lang, used)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


_WIDTH_MIN, _WIDTH_MAX = 6, 60


class _Sheet:
    """Writes one table: typed cells, bold header, frozen header rows, autofilter, widths."""

    def __init__(self, kinds: Mapping[str, Kind], lang: str) -> None:
        from django.utils import timezone

        self.kinds = kinds
        self.tz = timezone.get_current_timezone()
        english = lang.startswith("en")
        self.date_format = "YYYY-MM-DD" if english else "DD.MM.YYYY"
        self.datetime_format = "YYYY-MM-DD HH:MM:SS" if english else "DD.MM.YYYY HH:MM:SS"

    def write(
        self,
        ws: Any,
        columns: list[str],
        rows: list[list[str | None]],
        title: str,
        label_row: Sequence[str] | None = None,
    ) -> None:
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        ws.title = title
        widths = [len(c) for c in columns]
        heads = [columns] if label_row is None else [columns, list(label_row)]
        for r, head in enumerate(heads, start=1):
            for j, name in enumerate(head, start=1):
                cell = ws.cell(row=r, column=j, value=neutral(str(name)))
                cell.data_type = "s"
                cell.font = Font(bold=r == 1, italic=r == 2)
                widths[j - 1] = max(widths[j - 1], len(str(name)))
        first = len(heads) + 1
        for i, row in enumerate(rows, start=first):
            for j, v in enumerate(row, start=1):
                if v is None or v == "":
                    continue
                cell = ws.cell(row=i, column=j)
                self._value(cell, v, self.kinds.get(columns[j - 1], "text"))
                widths[j - 1] = max(widths[j - 1], min(len(str(v)), _WIDTH_MAX))
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = max(
                _WIDTH_MIN, min(_WIDTH_MAX, w + 2)
            )
        ws.freeze_panes = f"A{first}"
        if columns:
            last = get_column_letter(len(columns))
            ws.auto_filter.ref = f"A{len(heads)}:{last}{max(len(heads), first + len(rows) - 1)}"

    def _value(self, cell: Any, v: Any, kind: Kind) -> None:
        text = str(v)
        if kind == "number":
            try:
                number = float(text)
            except ValueError:
                pass
            else:
                if number == number and abs(number) != float("inf"):
                    whole = number.is_integer() and "." not in text and "e" not in text.lower()
                    cell.value = int(number) if whole else number
                    return
        elif kind == "date":
            day = parse_date(text) if len(text.strip()) == 10 else None
            if day is not None:
                cell.value, cell.number_format = day, self.date_format
                return
        elif kind == "datetime":
            moment = parse_datetime(text, self.tz)
            if moment is not None:  # Excel has no time zones: the local time, as on screen
                cell.value = moment.replace(tzinfo=None)
                cell.number_format = self.datetime_format
                return
        cell.value = neutral(text)
        cell.data_type = "s"  # stored as text: never a formula, even if edited


def _questions_sheet(wb: Any, form: Instrument, lang: str, used: set[str]) -> None:
    """The questions with their labels and choices: what the codes of the data sheets mean."""
    english = lang.startswith("en")
    title = sheet_title("Questions" if english else "Fragen", used, "Fragen")
    columns = (
        ["name", "type", "question", "choices"]
        if english
        else ["name", "typ", "frage", "antworten"]
    )
    rows: list[list[str | None]] = []
    code = form_language(form, lang)
    for q in form.questions:
        if q.type == "note":
            continue
        choices = "; ".join(f"{c.name} = {c.label(code, form.default_language)}" for c in q.choices)
        rows.append([q.name, q.type, q.label(code, form.default_language), choices or None])
    _Sheet({}, lang).write(wb.create_sheet(title), columns, rows, title)


def _local_tz() -> Any:
    from django.utils import timezone

    return timezone.get_current_timezone()


def _labels(
    form: Instrument, columns: list[str], rows: list[list[str | None]], lang: str
) -> tuple[list[str], list[list[str | None]]]:
    return labelled(form, columns, rows, form_language(form, lang))


def wave_csv(
    wave: Wave,
    form: Instrument,
    dialect: Dialect = STANDARD,
    labels: bool = False,
    lang: str = "de",
) -> bytes:
    """The submitted returns as CSV in ``dialect``; ``labels``: choice labels for codes and the
    question labels as a second header row (in the form's language for ``lang``)."""
    columns, rows = records(wave, form)
    label_row = None
    if labels:
        label_row, rows = _labels(form, columns, rows, lang)
    return write_csv(columns, rows, dialect, column_kinds(form), _local_tz(), label_row)


def repeat_csv(
    wave: Wave,
    rules: Rules,
    repeat: str,
    dialect: Dialect = STANDARD,
    labels: bool = False,
    lang: str = "de",
) -> bytes:
    columns, rows = repeat_records(wave, rules, repeat)
    label_row = None
    if labels:
        label_row, rows = _labels(rules.form, columns, rows, lang)
    return write_csv(columns, rows, dialect, column_kinds(rules.form), _local_tz(), label_row)


def wave_xlsx(wave: Wave, rules: Rules, labels: bool = False, lang: str = "de") -> bytes:
    """The main table on the first sheet (named after the wave), one sheet per repeat after it,
    the questions and their labels on the last."""
    form = rules.form
    columns, rows = records(wave, form)
    more = [(r, *repeat_records(wave, rules, r)) for r in rules.repeats]
    label_rows: list[Sequence[str] | None] = []
    if labels:
        head, rows = _labels(form, columns, rows, lang)
        label_rows.append(head)
        relabelled = []
        for name, c, r in more:
            head, r = _labels(form, c, r, lang)
            label_rows.append(head)
            relabelled.append((name, c, r))
        more = relabelled
    return to_xlsx(
        columns,
        rows,
        title=str(wave.name),
        more=more,
        kinds=column_kinds(form),
        label_rows=label_rows,
        form=form,
        lang=lang,
    )


def response_set(wave: Wave, form: Instrument) -> ResponseSet:
    """The wave's submitted returns typed against its form (as ``klappt tabulate`` reads the CSV),
    with the stored codes of its open answers as ``q__codes`` (``klappt tabulate --wave``)."""
    return _coded(wave, form).responses


def _coded(wave: Wave, form: Instrument) -> Any:
    return _loaded(wave, form, None)[0]


def _loaded(wave: Wave, form: Instrument, lang: str | None) -> tuple[Any, list[Any]]:
    """The coded responses and, with ``lang``, what their counts leave out."""
    from klappt.store.coding import coded_responses

    columns, rows = records(wave, form)
    raw = RawTable.from_records(columns, rows, source=f"{wave.name}.csv")
    rs, report = load_responses(form, raw)
    left = [] if lang is None else _left_out(wave, form, report, columns, rows, lang)
    return coded_responses(wave, rs), left


def _left_out(
    wave: Wave, form: Instrument, report: Any, columns: Any, rows: Any, lang: str
) -> list[Any]:
    """What the counts leave out of answers made with an earlier questionnaire; nothing for a
    wave whose questionnaire was never replaced (its returns were all checked against it)."""
    from klappt.web import formchange, instruments, notcounted

    current = formchange.current_number(wave)
    if current <= 1:
        return []
    older = [instruments.instrument(formchange.form_of(wave, n)) for n in range(1, current)]
    code = form_language(form, lang)
    return notcounted.left_out(report, columns, rows, form, older, code)


def not_counted(wave: Wave, form: Instrument, lang: str) -> list[Any]:
    """The answers the counts against the wave's current form leave out (see
    :mod:`klappt.web.notcounted`); nothing to look for while the form was never replaced."""
    from klappt.web import formchange

    if formchange.current_number(wave) <= 1:  # before loading anything: the overview is hot
        return []
    return _loaded(wave, form, lang)[1]


def _deck_context(wave: Wave, rs: Any, lang: str) -> Any:
    """Program, field period, date and the register's response for the deck's first slides."""
    from klappt.report.coverage import RegisterSite, deck_context
    from klappt.store.project import DEFAULT_PROGRAM
    from klappt.web import min_cell

    program = wave.program
    sites = [RegisterSite(s.site_id, s.name, s.typ or None) for s in program.sites.all()]
    name = program.name if program.name and program.name != DEFAULT_PROGRAM else None
    return deck_context(
        rs, lang, wave=str(wave.name), program=name, sites=sites, min_cell=min_cell.project()
    )


def report_bytes(wave: Wave, form: Instrument, fmt: str, lang: str) -> bytes:
    """The results deck (``.pptx``) or HTML report of the wave, built by :mod:`klappt.report`.

    Published as it comes out: groups and free-text mentions on fewer sites than the minimum cell
    size (the recipe's, else the project's: :mod:`klappt.web.min_cell`), and mentions holding
    personal data (names of the register's contacts included), are held back, and the footnotes
    say so."""
    from klappt.coding.privacy import contact_names
    from klappt.report import RENDERERS, ReportData, build_report, default_spec
    from klappt.report.data import WaveData
    from klappt.report.withheld import note_free_text
    from klappt.web import formchange, min_cell, notcounted

    codes, left = _loaded(wave, form, lang)
    rs = codes.responses
    name = str(wave.name)
    from klappt.web.recipes import spec_of  # issue 16: the wave's own recipe, when uploaded

    recipe = spec_of(wave)
    spec = recipe or note_free_text(
        default_spec(rs.instrument, lang, name, _deck_context(wave, rs, lang)), rs.instrument, lang
    )
    # issue 16: answers a replaced form can no longer count are named, never dropped silently
    spec = notcounted.add_slide(spec, left, lang, formchange.current_number(wave))
    contacts = contact_names(s.attributes or {} for s in Site.objects.filter(program=wave.program))
    data = ReportData(
        {
            name: WaveData(
                name,
                rs.instrument,
                rs,
                coding=codes.summaries,
                min_cell=min_cell.of_spec(recipe),
                names=contacts,
            )
        }
    )
    from klappt.report.coverage import RegisterSite

    # a recipe's response() counts the program's register (a recipe's own register: file is
    # never read on the server)
    data.sites = [
        RegisterSite(site.site_id, site.name, site.typ or None)
        for site in Site.objects.filter(program=wave.program).order_by("position", "site_id")
    ]
    built = build_report(spec, data, lang)
    return RENDERERS[fmt](built, None)
