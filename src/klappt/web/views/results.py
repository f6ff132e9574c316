"""Results and data for coordinators and analysts: the returns as CSV/XLSX, the tables, the deck,
and one site's return with its history."""

from __future__ import annotations

import re
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from klappt.store.models import Program, Site, Wave
from klappt.web import downloads, exports, formchange, instruments
from klappt.web.access import program_view
from klappt.web.models import SiteReturn
from klappt.web.views.coordinator import not_counted_lines
from klappt.web.views.respondent import summary_context

#: lists longer than this show only the answers given on the results page
LONG_LIST = 15


def _lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def _file(data: bytes, content_type: str, filename: str) -> HttpResponse:
    return downloads.file_response(data, content_type, filename)


def _stem(program: Program, wave: Wave) -> str:
    """The program and the wave's name as written ("2023/24"); made safe by ``_file``."""
    return f"{program.slug}_{str(wave.name).strip() or wave.pk}"


@program_view()
def data_csv(request: Any, program: Program, wave: Wave) -> Any:
    form = instruments.instrument(wave)
    dialect, labels = downloads.csv_options(request)
    return _file(
        exports.wave_csv(wave, form, dialect, labels, _lang()),
        downloads.CSV,
        downloads.csv_name(f"ruecklaeufe_{_stem(program, wave)}", dialect, labels),
    )


@program_view()
def data_xlsx(request: Any, program: Program, wave: Wave) -> Any:
    _dialect, labels = downloads.csv_options(request)
    return _file(
        exports.wave_xlsx(wave, instruments.rules(wave), labels, _lang()),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"ruecklaeufe_{_stem(program, wave)}{'_labels' if labels else ''}.xlsx",
    )


@program_view()
def repeat_csv(request: Any, program: Program, wave: Wave, repeat: str) -> Any:
    """The entries of one repeat group, one row each, keyed to the main table by _parent_id."""
    rules = instruments.rules(wave)
    if repeat not in rules.repeats:
        raise Http404
    dialect, labels = downloads.csv_options(request)
    return _file(
        exports.repeat_csv(wave, rules, repeat, dialect, labels, _lang()),
        downloads.CSV,
        downloads.csv_name(
            f"ruecklaeufe_{_stem(program, wave)}_{slugify(repeat) or 'repeat'}", dialect, labels
        ),
    )


def _by_groups(t: Any, lang: str, min_cell: int) -> dict[str, Any] | None:
    """One table crossed by a question, as published: withheld groups marked, never figured."""
    from klappt.formatting import fmt_percent

    if not t.groups or not t.rows:
        return None
    heads = []
    for g in t.groups:
        mark = (
            None
            if g.suppressed is None
            else (f"< {min_cell}" if g.suppressed == "primary" else "x")
        )
        heads.append(
            {"label": g.label, "base": g.cell.base if mark is None else mark, "mark": mark}
        )
    rows = []
    for i, r in enumerate(t.rows):
        if len(t.rows) > LONG_LIST and not r.count:  # as above: only the answers given
            continue
        cells = []
        for g, h in zip(t.groups, heads, strict=True):
            if h["mark"] is not None:
                cells.append(h["mark"])
                continue
            gr = g.cell.rows[i] if i < len(g.cell.rows) else None
            cells.append(f"{gr.count} ({fmt_percent(gr.percent, lang)})" if gr is not None else "–")
        rows.append({"label": r.label, "cells": cells})
    return {"heads": heads, "rows": rows}


@never_cache
@program_view()
def results(request: Any, program: Program, wave: Wave) -> Any:
    """Every question counted from the submitted returns (what ``klappt tabulate`` gives);
    with ``?by=Q`` crossed by a single-choice question, groups on too few sites withheld."""
    from klappt.analysis.disclosure import protect
    from klappt.analysis.tabulate import tabulate
    from klappt.formatting import fmt_number, fmt_percent
    from klappt.web import min_cell

    k = min_cell.project()  # the project's, as ``klappt tabulate --by`` publishes

    form = instruments.instrument(wave)
    rs = exports.response_set(wave, form)
    lang = _lang()
    dl = form.default_language
    by_choices = [
        (q.name, q.label(lang, dl))
        for q in form.questions
        if q.type == "select_one" and q.name in rs.frame.columns
    ]
    by = request.GET.get("by") or None
    if by not in {name for name, _ in by_choices}:
        by = None
    tab = tabulate(rs, by=by, lang=lang) if rs.height else None
    if tab is not None and by is not None:
        tab = protect(tab, k)  # published: no site identifiable
    withheld = False
    tables = []
    for t in tab.tables if tab else ():
        rows = [
            {
                "label": r.label,
                "count": r.count,
                "percent": fmt_percent(r.percent, lang),
                "value": r.percent or 0,
            }
            for r in t.rows
        ]
        hidden = 0
        if len(rows) > LONG_LIST:  # e.g. the list of all sites: show the answers given
            hidden = sum(1 for r in rows if r["count"] == 0)
            rows = [r for r in rows if r["count"]]
        stats = [(_stat_label(k), _stat_value(v, lang)) for k, v in (t.cell.stats or {}).items()]
        groups = _by_groups(t, lang, k) if by is not None and t.question != by else None
        withheld = withheld or any(g.suppressed for g in t.groups)
        tables.append(
            {
                "t": t,
                "groups": groups,
                "rows": rows,
                "hidden": hidden,
                "stats": stats,
                "mean": fmt_number(t.cell.mean, lang, 2) if t.scale else None,
                "top2": fmt_percent(t.cell.top2, lang) if t.scale else None,
            }
        )
    return render(
        request,
        "klappt_web/results.html",
        {
            "program": program,
            "wave": wave,
            "responses": rs.height,
            "tables": tables,
            "role": request.klappt_role,
            "by": by,
            "by_choices": by_choices,
            "min_cell": k,
            "withheld": withheld,
            "not_counted": not_counted_lines(wave),
        },
    )


def _stat_label(key: str) -> str:
    labels = {
        "n": "n",
        "mean": _("mean"),
        "median": _("median"),
        "min": _("minimum"),
        "max": _("maximum"),
        "sum": _("sum"),
        "earliest": _("earliest"),
        "latest": _("latest"),
    }
    return labels.get(key, key)


def _stat_value(value: Any, lang: str) -> Any:
    import datetime as dt

    from klappt.formatting import fmt_date, fmt_datetime, fmt_number

    if isinstance(value, float):
        return fmt_number(value, lang, 2)
    if isinstance(value, int):
        return fmt_number(value, lang, 0)
    if isinstance(value, dt.datetime):
        return fmt_datetime(timezone.localtime(value) if timezone.is_aware(value) else value, lang)
    if isinstance(value, (dt.date, str)) and re.match(r"\d{4}-\d{2}-\d{2}", str(value)):
        return fmt_date(value, lang)  # an ISO date (a date question's answer) in the page's form
    return value


REPORT_TYPES = {
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".html": "text/html; charset=utf-8",
}


@program_view()
def report(request: Any, program: Program, wave: Wave, fmt: str) -> Any:
    """The results deck (.pptx) or HTML report, built by klappt.report from the submitted returns."""
    ext = f".{fmt}"
    if ext not in REPORT_TYPES:
        raise Http404
    form = instruments.instrument(wave)
    data = exports.report_bytes(wave, form, ext, _lang())
    return _file(data, REPORT_TYPES[ext], f"bericht_{_stem(program, wave)}{ext}")


@never_cache
@program_view()
def site_return(request: Any, program: Program, wave: Wave, site_pk: int) -> Any:
    """One site's return: the submitted answers and every saved version."""
    site = Site.objects.filter(program=program, pk=site_pk).first()
    if site is None:
        raise Http404
    sr = SiteReturn.objects.filter(wave=wave, site=site).first()
    # issue 16: a return is shown in the questionnaire it was made with
    number = formchange.shown_number(wave, sr)
    ctx = summary_context(request, formchange.form_of(wave, number), site, sr, None)
    ctx.update(
        {
            "wave": wave,
            "form_number": number,
            "program": program,
            "versions": list(sr.versions.order_by("-number")) if sr else [],
            "role": request.klappt_role,
        }
    )
    return render(request, "klappt_web/site_return.html", ctx)
