"""The web app's part of the site reports (issue 18): release, one site's bytes, the ZIP.

The reports are made by the core (:func:`klappt.report.site_report.build_site_reports`) from
the wave's stored returns, each one's site taken from its link (never from an answer), the
program's register, and the wave's recipe (its ``site_slides:``) when one was uploaded, else
the bundled site storyline. A site's download is rendered with the site its link belongs to
(:func:`render_for`); no id from the request ever chooses the report. Rendered bytes are kept
per (release, site, format), so a new release never serves an old report.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from klappt.errors import ErrorCode, KlapptError
from klappt.store.models import Return, Site, Wave
from klappt.web.models import Absent, SiteReportDownload, SiteReportFile, SiteReportRelease

#: what a site may download, and how it is sent
SITE_FORMATS = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

#: the built reports of the latest releases of this process (a release's inputs never change)
_BUILT: dict[int, Any] = {}
_KEEP_BUILT = 4


def current(wave: Wave) -> SiteReportRelease | None:
    """The release in force: the wave's latest, or None before the first."""
    return SiteReportRelease.objects.filter(wave=wave).order_by("-number").first()


def register(wave: Wave) -> list[Any]:
    """The program's register as the core's sites (attributes lower-cased, ``typ`` kept)."""
    from klappt.report.site_values import Site as CoreSite

    rows = Site.objects.filter(program_id=wave.program_id).order_by("position", "site_id")
    return [
        CoreSite(
            r.site_id,
            r.name,
            {**{str(k).lower(): str(v) for k, v in (r.attributes or {}).items()}, "typ": r.typ},
            str((r.attributes or {}).get("email") or "") or None,
        )
        for r in rows
    ]


def _spec(wave: Wave) -> Any:
    """The uploaded recipe's ``site_slides:``; None (the bundled site storyline) when the wave
    has no recipe or its recipe defines only the program's deck."""
    from klappt.web.recipes import spec_of

    spec = spec_of(wave)
    if spec is None or not spec.site_slides:
        return None
    return replace(spec, slides=spec.site_slides)


def _link_sites(wave: Wave, rs: Any) -> Any:
    """Each typed return's site id, row for row, from the stored returns' links: the web
    stores them in the order :func:`klappt.web.exports.records` reads them (row 2, 3, ...)."""
    import polars as pl

    order = list(
        Return.objects.filter(wave=wave)
        .order_by("row", "return_id")
        .values_list("site__site_id", flat=True)
    )
    if not any(order):
        return None  # an imported wave: the core finds the question naming the sites
    rows = rs.meta.get_column("row").cast(pl.Int64).to_list()
    return pl.Series("site", [order[r - 2] if 0 <= r - 2 < len(order) else None for r in rows])


def build(wave: Wave, absent: str, lang: str) -> Any:
    """The wave's :class:`~klappt.report.site_report.SiteReports` (``KlapptError`` when the
    wave has no submitted return or no register)."""
    from klappt.coding.privacy import contact_names
    from klappt.report.site_report import build_site_reports
    from klappt.store.project import DEFAULT_PROGRAM
    from klappt.web import exports, instruments, min_cell
    from klappt.web.recipes import spec_of

    sites = register(wave)
    if not sites:
        raise KlapptError(ErrorCode.REPORT_023, where=f" ({wave.name})")
    codes = exports._coded(wave, instruments.instrument(wave))
    rs = codes.responses
    if rs.height == 0:
        raise KlapptError(ErrorCode.REPORT_011, where=f" ({wave.name})")
    program = wave.program
    rows = Site.objects.filter(program_id=wave.program_id)
    kwargs: dict[str, Any] = {
        "wave": str(wave.name),
        "spec": _spec(wave),
        "return_site_ids": _link_sites(wave, rs),
        "names": contact_names(s.attributes or {} for s in rows),
        "coding": codes.summaries,
        "program": program.name if program.name and program.name != DEFAULT_PROGRAM else None,
        "lang": lang,
        # the recipe's, else the project's (klappt.web.min_cell), as the deck download
        "min_cell": min_cell.of_spec(spec_of(wave)),
        "absent": absent,
        "register_name": f"{program.name or program.slug}",
    }
    before = _previous(wave)
    if before is not None:
        try:
            return build_site_reports(rs, sites, previous=before, **kwargs)
        except KlapptError as exc:
            # the core finds the sites of an earlier wave by its site question; a wave without
            # one gives the reports without "2020: nein → 2022: ja" rather than none
            if exc.code is not ErrorCode.REPORT_024:
                raise
    return build_site_reports(rs, sites, **kwargs)


def _previous(wave: Wave) -> tuple[str, Any] | None:
    """The program's wave before this one (by name, as ``klappt report --per-site --wave``)
    with submitted returns: (name, typed returns), or None."""
    from klappt.web import exports, instruments

    earlier = [
        w
        for w in Wave.objects.filter(program_id=wave.program_id).defer("form_file")
        if str(w.name) < str(wave.name) and Return.objects.filter(wave=w).exists()
    ]
    if not earlier:
        return None
    prev = max(earlier, key=lambda w: str(w.name))
    prev = Wave.objects.get(pk=prev.pk)
    try:
        rs = exports.response_set(prev, instruments.instrument(prev))
    except KlapptError:
        return None  # an earlier wave whose form cannot be read: no comparison, not no reports
    return (str(prev.name), rs) if rs.height else None


def release(wave: Wave, absent: str, lang: str, author: str) -> SiteReportRelease:
    """Release the wave's site reports: built once now (a problem stops it, nothing stored),
    then the sites may fetch theirs. A new release replaces the one before."""
    absent = absent if absent in Absent.values else Absent.PROGRAM
    lang = "en" if lang.startswith("en") else "de"
    reports = build(wave, absent, lang)
    with transaction.atomic():
        last = SiteReportRelease.objects.filter(wave=wave).aggregate(n=Max("number"))["n"] or 0
        made = SiteReportRelease.objects.create(
            wave=wave,
            number=last + 1,
            absent=absent,
            lang=lang,
            released_by=author,
            site_ids=reports.site_ids(),
        )
    _remember(made.pk, reports)
    return made


def _remember(pk: int, reports: Any) -> None:
    _BUILT[pk] = reports
    while len(_BUILT) > _KEEP_BUILT:
        _BUILT.pop(next(iter(_BUILT)))


def _reports(rel: SiteReportRelease) -> Any:
    found = _BUILT.get(rel.pk)
    if found is None:
        found = build(rel.wave, rel.absent, rel.lang)
        _remember(rel.pk, found)
    return found


def _cached(rel: SiteReportRelease, site: Site | None, fmt: str, make: Any) -> bytes:
    row = SiteReportFile.objects.filter(release=rel, site=site, fmt=fmt).first()
    if row is not None:
        return bytes(row.data)
    data: bytes = make()
    try:
        with transaction.atomic():
            SiteReportFile.objects.create(release=rel, site=site, fmt=fmt, data=data)
    except IntegrityError:  # another request rendered it at the same time: same bytes
        pass
    return data


def render_for(rel: SiteReportRelease, site: Site, fmt: str) -> bytes | None:
    """The report of the link's site under this release, or None when it gets none (not in
    the release: no return and "no report" chosen, or added to the register later)."""
    from klappt.report.site_report import render_site_report

    if fmt not in SITE_FORMATS or site.site_id not in (rel.site_ids or []):
        return None
    return _cached(rel, site, fmt, lambda: render_site_report(_reports(rel), site.site_id, fmt))


def log_download(rel: SiteReportRelease, site: Site, fmt: str) -> None:
    SiteReportDownload.objects.create(release=rel, site=site, fmt=fmt)


def zip_progress(rel: SiteReportRelease) -> tuple[int, int]:
    """Render the release's reports not yet kept, at least one and then until
    ``KLAPPT_SITE_ZIP_SECONDS`` (30) are used: (done, total) files. All 54 sites of the
    reference case in PDF and PPTX take about 100 s on one core, more than one request may last
    (gunicorn ends a worker at 60 s); each request continues where the last one stopped."""
    import time

    from django.conf import settings

    from klappt.report.site_report import render_site_report

    budget = float(getattr(settings, "KLAPPT_SITE_ZIP_SECONDS", 30))
    started = time.monotonic()
    rendered = 0
    ids = list(rel.site_ids or [])
    sites = {s.site_id: s for s in Site.objects.filter(program_id=rel.wave.program_id)}
    kept = set(
        SiteReportFile.objects.filter(release=rel, site__isnull=False).values_list(
            "site__site_id", "fmt"
        )
    )
    wanted = [(sid, fmt) for sid in ids for fmt in SITE_FORMATS if sid in sites]
    done = sum(1 for w in wanted if w in kept)
    for sid, fmt in wanted:
        if (sid, fmt) in kept:
            continue
        if rendered and time.monotonic() - started > budget:
            break
        _cached(rel, sites[sid], fmt, lambda s=sid, f=fmt: render_site_report(_reports(rel), s, f))
        rendered += 1
        done += 1
    return done, len(wanted)


def all_zip(rel: SiteReportRelease) -> tuple[bytes | None, int, int]:
    """Every site's report (PDF and PPTX, ``{site_id}.pdf``) and the core's ``index.csv`` for a
    mail merge in one ZIP, with (done, total) reports; no bytes while reports are still to be
    rendered (see :func:`zip_progress`)."""
    import io
    import zipfile

    from klappt.report.site_writer import index_csv

    def make() -> bytes:
        rows = SiteReportFile.objects.filter(release=rel, site__isnull=False).select_related("site")
        files = {(r.site.site_id, r.fmt): bytes(r.data) for r in rows}
        order = [(sid, fmt) for sid in rel.site_ids or [] for fmt in SITE_FORMATS]
        buf = io.BytesIO()
        named: dict[str, list[Path]] = {}
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for sid, fmt in order:
                if (sid, fmt) in files:
                    z.writestr(f"{sid}.{fmt}", files[(sid, fmt)])
                    named.setdefault(sid, []).append(Path(f"{sid}.{fmt}"))
            z.writestr("index.csv", index_csv(_reports(rel), named, set(named)))
        return buf.getvalue()

    kept = SiteReportFile.objects.filter(release=rel, site=None, fmt="zip").first()
    total = len(rel.site_ids or []) * len(SITE_FORMATS)
    if kept is not None:
        return bytes(kept.data), total, total
    done, total = zip_progress(rel)
    if done < total:
        return None, done, total
    return _cached(rel, None, "zip", make), done, total


def downloads_by_site(rel: SiteReportRelease | None) -> dict[int, dict[str, Any]]:
    """Per site (pk): first and last download of the release in force, and how many."""
    out: dict[int, dict[str, Any]] = {}
    if rel is None:
        return out
    for d in SiteReportDownload.objects.filter(release=rel).order_by("downloaded_at"):
        seen = out.setdefault(d.site_id, {"first": d.downloaded_at, "count": 0})
        seen["last"] = d.downloaded_at
        seen["count"] += 1
    return out


def released_for(site: Site, waves: list[Wave]) -> set[int]:
    """The waves (pks) whose release in force gives this site a report."""
    latest: dict[int, SiteReportRelease] = {}
    for rel in SiteReportRelease.objects.filter(wave__in=waves).order_by("number"):
        latest[rel.wave_id] = rel
    return {pk for pk, rel in latest.items() if site.site_id in (rel.site_ids or [])}
