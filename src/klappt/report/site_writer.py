"""Writing every site's report: shared over processes, moved into place only when all are done.

Each worker process receives the prepared :class:`~klappt.report.site_report.SiteReports` once
(the wave's one tabulation travels with it) and then only builds and renders. Files are
rendered into a hidden folder beside the first target and moved into place when every report
succeeded, so a failure leaves no half-written set behind; then the index (CSV: site, name,
e-mail, files, for a mail merge; cells neutralised) and, if asked, a ZIP of it all.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from klappt.errors import ErrorCode, KlapptError
from klappt.report.site_report import FORMATS, SiteReports

__all__ = ["SitesWritten", "check_patterns", "write_site_reports"]

PLACEHOLDER = "{site_id}"


@dataclass
class SitesWritten:
    """What was written, and where the time went (for ``bench/``)."""

    files: list[Path] = field(default_factory=list)
    index: Path | None = None
    zip: Path | None = None
    reports: int = 0
    tabulation_seconds: float = 0.0
    render_seconds: float = 0.0  # summed over workers: building and rendering the reports
    wall_seconds: float = 0.0


def check_patterns(patterns: list[str]) -> None:
    """``REPORT_021`` for an output name without ``{site_id}``; ``REPORT_003`` for a format a
    site report does not have."""
    for p in patterns:
        if PLACEHOLDER not in p:
            raise KlapptError(ErrorCode.REPORT_021, path=p)
        suffix = Path(p).suffix.lower().lstrip(".")
        if suffix not in FORMATS:
            raise KlapptError(
                ErrorCode.REPORT_003,
                path=p,
                suffix=Path(p).suffix or "(keine)",
                expected=", ".join("." + f for f in FORMATS),
            )


_REPORTS: SiteReports | None = None


def _init(reports: SiteReports) -> None:
    global _REPORTS
    _REPORTS = reports


def _render(
    site_ids: list[str], patterns: list[str], folder: str
) -> tuple[list[tuple[str, str, str]], float]:
    """Render ``site_ids`` into ``folder``: (site, pattern, temporary file) per file."""
    from klappt.report.output import RENDERERS

    assert _REPORTS is not None
    started = time.process_time()
    out = []
    for sid in site_ids:
        built = _REPORTS.built(sid)
        for i, pattern in enumerate(patterns):
            ext = Path(pattern).suffix.lower()
            data = RENDERERS[ext](built, _REPORTS.template)
            tmp = Path(folder) / f"{sid}.{i}{ext}"
            tmp.write_bytes(data)
            out.append((sid, pattern, str(tmp)))
    return out, time.process_time() - started


def write_site_reports(
    reports: SiteReports,
    patterns: list[str],
    *,
    jobs: int = 1,
    index: str | Path | None = None,
    zip_path: str | Path | None = None,
    site_ids: list[str] | None = None,
) -> SitesWritten:
    """Write each site's report to every pattern (``berichte/{site_id}.pdf``).

    ``jobs`` > 1 shares the sites over that many processes. ``index`` (default: ``index.csv``
    beside the first pattern's files) lists site, name, e-mail and files. ``zip_path`` adds one
    archive of all files and the index.
    """
    check_patterns(patterns)
    started = time.perf_counter()
    ids = site_ids if site_ids is not None else reports.site_ids()
    first = Path(patterns[0].replace(PLACEHOLDER, "x")).parent
    first.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".klappt-berichte-", dir=first))
    result = SitesWritten(reports=len(ids), tabulation_seconds=reports.tabulation_seconds)
    try:
        rendered: list[tuple[str, str, str]] = []
        if jobs <= 1 or len(ids) < 2:
            _init(reports)
            rendered, result.render_seconds = _render(ids, patterns, str(work))
        else:
            chunks = [ids[i :: jobs * 4] for i in range(jobs * 4)]
            with ProcessPoolExecutor(
                jobs, mp_context=get_context("spawn"), initializer=_init, initargs=(reports,)
            ) as pool:
                futures = [pool.submit(_render, c, patterns, str(work)) for c in chunks if c]
                for f in futures:
                    part, seconds = f.result()
                    rendered.extend(part)
                    result.render_seconds += seconds
        by_site: dict[str, list[Path]] = {}
        for sid, pattern, tmp in rendered:  # every report is there: now move them into place
            target = Path(pattern.replace(PLACEHOLDER, sid))
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
            by_site.setdefault(sid, []).append(target)
            result.files.append(target)
        from klappt.files import write_atomic

        index_path = Path(index) if index is not None else first / "index.csv"
        result.index = write_atomic(
            index_path,
            index_csv(
                reports, by_site, set(ids) if site_ids is not None else None, index_path.parent
            ),
        )
        if zip_path is not None:
            result.zip = write_atomic(zip_path, _zip(result.files, result.index, first))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.wall_seconds = time.perf_counter() - started
    return result


def index_csv(
    reports: SiteReports,
    files: dict[str, list[Path]],
    only: set[str] | None = None,
    base: Path = Path("."),
) -> str:
    """site_id, name, email, returned, files: one row per site of the register (of ``only``),
    for a mail merge; every cell neutralised against formulas."""
    from klappt.spreadsheet import neutral

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["site_id", "name", "email", "returned", "files"])
    for s in reports.sites:
        if only is not None and s.site_id not in only and s.site_id not in files:
            continue
        # names relative to the index's folder: a mail merge finds them beside it
        paths = " ".join(os.path.relpath(p, base) for p in files.get(s.site_id, []))
        returned = "ja" if reports.returned(s.site_id) else "nein"
        w.writerow([neutral(x) for x in (s.site_id, s.name, s.email or "", returned, paths)])
    return buf.getvalue()


def _zip(files: list[Path], index: Path, base: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in [*files, index]:
            z.write(p, os.path.relpath(p, base))
    return buf.getvalue()
