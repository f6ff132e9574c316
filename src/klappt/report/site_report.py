"""Every site gets its own report back: the core API of per-site reports (issue 18).

>>> # reports = build_site_reports(rs, register, lang="de")     # one tabulation of the wave
>>> # pdf = render_site_report(reports, "e", "pdf")             # bytes of Essen's report
>>> # written = write_site_reports(reports, ["berichte/{site_id}.pdf"], jobs=2)

:func:`build_site_reports` tabulates the wave once (crossed by the register's comparison group,
protected by the minimum cell size) and returns a :class:`SiteReports`, which makes any site's
:class:`~klappt.report.built.BuiltReport` by lookup; :func:`render_site_report` renders one with
the deck's renderers (PPTX, HTML, PDF). :func:`write_site_reports` writes all of them, shared
over processes, with an index CSV for a mail merge and an optional ZIP; nothing is moved into
place before every report is rendered. The web app serves one site's bytes through
:func:`render_site_report`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from klappt.errors import ErrorCode, KlapptError
from klappt.report.site_slides import SiteBuilder, site_title
from klappt.report.site_values import (
    Previous,
    Site,
    SiteWave,
    check_site_ids,
    site_wave,
)

if TYPE_CHECKING:
    import polars as pl

    from klappt.analysis.mapping import WaveMapping
    from klappt.coding.codings import CodingSummary
    from klappt.report.built import BuiltReport
    from klappt.report.spec import ReportSpec
    from klappt.responses.dataset import ResponseSet

__all__ = [
    "FORMATS",
    "SiteReports",
    "build_site_reports",
    "render_site_report",
    "return_sites",
]

#: The formats of a site report (a site report is a deck; the workbook is the program's).
FORMATS = ("pdf", "pptx", "html")


@dataclass
class SiteReports:
    """Everything needed to make any site's report, computed once; picklable, so worker
    processes receive it once and then only render.

    ``absent``: what a site without a return gets: ``"program"`` (the program's results
    without own answers) or ``"none"`` (no report).
    """

    main: SiteWave
    spec: ReportSpec
    sites: tuple[Site, ...]
    previous: Previous | None = None
    program: str | None = None
    lang: str = "de"
    date: str = ""
    absent: str = "program"
    mark: str | None = None
    template: str | None = None
    tabulation_seconds: float = 0.0
    _by_id: dict[str, Site] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {s.site_id: s for s in self.sites}

    def site(self, site_id: str) -> Site:
        try:
            return self._by_id[site_id]
        except KeyError:
            raise KeyError(site_id) from None

    def returned(self, site_id: str) -> bool:
        return site_id in self.main.row_of

    def site_ids(self) -> list[str]:
        """The sites that get a report, in register order."""
        return [
            s.site_id for s in self.sites if self.absent == "program" or self.returned(s.site_id)
        ]

    def built(self, site_id: str) -> BuiltReport:
        """The built report of one site (``KeyError`` for an unknown id, or for a site without
        a return when ``absent`` is ``"none"``)."""
        site = self.site(site_id)
        if self.absent != "program" and not self.returned(site_id):
            raise KeyError(site_id)
        builder = SiteBuilder(self.main, self.spec, site, self.lang, self.previous)
        return builder.build(self.program, self.date, self.mark)


def render_site_report(reports: SiteReports, site_id: str, fmt: str) -> bytes:
    """One site's report as ``pdf``, ``pptx`` or ``html`` bytes (the web app's download)."""
    from klappt.report.output import RENDERERS

    ext = "." + fmt.lower().lstrip(".")
    if ext.lstrip(".") not in FORMATS:
        raise KlapptError(
            ErrorCode.REPORT_003, path=site_id, suffix=ext, expected=", ".join(FORMATS)
        )
    return RENDERERS[ext](reports.built(site_id), reports.template)


def return_sites(
    rs: ResponseSet, register: Sequence[Site], column: str | None = None, source: str = ""
) -> tuple[pl.Series, str | None]:
    """Each return's site id (row for row) and the question naming it: ``column`` when given,
    else the select_one whose choices are the register's ids (``REPORT_024`` when neither)."""
    from klappt.analysis.return_sites import detect_site_question, named_site_column

    ids = [s.site_id for s in register]
    name = column if column is not None else detect_site_question(rs, ids)
    found = named_site_column(rs, name) if name is not None else None
    if found is None:
        from klappt.errors import Text

        where = (
            Text(f" (auch keine Spalte '{column}')", f" (nor a column '{column}')")
            if column
            else ""
        )
        raise KlapptError(ErrorCode.REPORT_024, source=source or rs.source, column=where)
    blank = found.str.strip_chars()
    return blank.replace("", None), name


def build_site_reports(
    rs: ResponseSet,
    register: Sequence[Site],
    *,
    wave: str = "",
    spec: ReportSpec | None = None,
    site_column: str | None = None,
    return_site_ids: pl.Series | None = None,
    group_by: str | None = "typ",
    previous: tuple[str, ResponseSet] | None = None,
    mapping: WaveMapping | None = None,
    program: str | None = None,
    lang: str = "de",
    min_cell: int | None = 3,
    names: tuple[str, ...] = (),
    coding: Mapping[str, CodingSummary] | None = None,
    absent: str = "program",
    mark: str | None = None,
    template: str | None = None,
    register_name: str = "Register",
    group_labels: Mapping[str, str] | None = None,
) -> SiteReports:
    """Tabulate the wave once and prepare every site's report.

    Parameters
    ----------
    rs:
        The wave's typed returns (coded free text as ``q__codes`` where coded).
    register:
        The sites (:func:`klappt.report.site_values.read_sites`); ``group_by`` names the
        register column of the comparison groups (``typ``; a recipe's
        ``options: {site_group: COLUMN}`` names another).
    spec:
        The site storyline (a recipe's ``site_slides:``); default: the derived deck's.
    site_column:
        The question or column naming each return's site; default: detected.
    return_site_ids:
        Each return's site id, row for row, when known otherwise (a web return's link).
    previous:
        The previous wave (name, returns): each site's earlier answer to the same (or, with
        ``mapping``, the mapped) question.
    min_cell:
        Groups and figures on fewer sites are not shown (default 3).
    absent:
        ``"program"`` or ``"none"``: what a site without a return gets.

    Raises
    ------
    KlapptError
        ``REPORT_022`` for a site id unsafe in a file name, ``REPORT_024`` when no column names
        the sites, ``REPORT_020`` for a return of a site the register does not know,
        ``REPORT_011`` for a wave without returns.
    """
    from klappt.report.coverage import today

    started = time.perf_counter()
    check_site_ids(register, register_name)
    if rs.height == 0:
        raise KlapptError(ErrorCode.REPORT_011, where="")
    if spec is not None and isinstance(spec.options.get("site_group"), str):
        group_by = str(spec.options["site_group"]).strip().lower()  # options: {site_group: col}
    if return_site_ids is not None:  # web returns: the site of each one's link
        sites, site_q = return_site_ids, None
    else:
        sites, site_q = return_sites(rs, register, site_column)
    hidden = _site_questions(rs, register, site_q)
    main = site_wave(
        wave,
        rs,
        sites,
        register,
        register_name=register_name,
        group_by=group_by,
        min_cell=min_cell,
        names=names,
        coding=coding,
        site_questions=hidden,
        lang=lang,
        group_labels=group_labels,
    )
    before = None
    if previous is not None:
        name, prs = previous
        psites, pq = return_sites(prs, register, site_column if site_column else None)
        phidden = _site_questions(prs, register, pq)
        pwave = site_wave(
            name,
            prs,
            psites,
            register,
            register_name=register_name,
            group_by=None,
            min_cell=min_cell,
            names=names,
            site_questions=phidden,
            lang=lang,
        )
        before = Previous(pwave, mapping)
    if spec is None:
        spec = _default_storyline(main, register, wave, program, lang, min_cell)
    return SiteReports(
        main=main,
        spec=spec,
        sites=tuple(register),
        previous=before,
        program=program or site_title(spec),
        lang=lang,
        date=today(lang),
        absent=absent,
        mark=mark,
        template=template or spec.template,
        tabulation_seconds=time.perf_counter() - started,
    )


def _site_questions(rs: ResponseSet, register: Sequence[Site], named: str | None) -> frozenset[str]:
    """The questions that name the site: the one given, and any whose choices are the
    register's ids (its chart would list the other sites)."""
    from klappt.analysis.return_sites import detect_site_question

    found = {named, detect_site_question(rs, [s.site_id for s in register])}
    return frozenset(q for q in found if q)


def _default_storyline(
    main: SiteWave,
    register: Sequence[Site],
    wave: str,
    program: str | None,
    lang: str,
    min_cell: int | None,
) -> ReportSpec:
    """The bundled site storyline: the derived deck's charts, one per finding."""
    from klappt.report.coverage import RegisterSite, deck_context
    from klappt.report.storyline import default_spec

    form = main.data.instrument
    form = replace(
        form, questions=tuple(q for q in form.questions if q.name != "_vergleichsgruppe")
    )
    context = deck_context(
        main.data.responses,
        lang,
        wave=wave,
        program=program,
        sites=[RegisterSite(s.site_id, s.name, s.attrs.get("typ")) for s in register],
        min_cell=min_cell or 3,
    )
    return default_spec(form, lang, wave or None, context)
