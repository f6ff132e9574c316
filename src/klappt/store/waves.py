"""Waves: import a form and its returns, list them, load one for the analysis.

``import_wave`` reads and checks the form and the data *before* it writes anything; the
write itself (wave row + all its returns, :mod:`klappt.store.wave_writer`) is one
transaction, so a failed import leaves the database exactly as it was. Importing the same two
files again changes nothing. Reading a wave goes through its snapshot
(:mod:`klappt.store.snapshots`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klappt.errors import ErrorCode, KlapptError
from klappt.reasons import Reason
from klappt.store.project import activate, get_program, project_program
from klappt.store.snapshots import (
    read_snapshot,
    responses_from_records,
    snapshot_path,
    write_snapshot_quietly,
)
from klappt.store.wave_writer import report_from_json, report_to_json, write_wave

if TYPE_CHECKING:
    from klappt.instrument import Instrument
    from klappt.responses.dataset import ResponseSet
    from klappt.responses.report import ValidationReport


@dataclass(frozen=True)
class WaveImport:
    """What importing a wave into the store did (interop's file conversions are
    :class:`klappt.interop.base.ConvertedFile`)."""

    wave: str
    status: str  # "created" | "replaced" | "unchanged"
    responses: int
    report: ValidationReport
    site_column: str | None = None  # data column the returns were linked to sites by
    linked: int = 0  # returns linked to a site of the register
    snapshot: Path | None = None


@dataclass(frozen=True)
class WaveInfo:
    name: str
    form_title: str
    responses: int
    imported_at: dt.datetime | None
    data_filename: str
    form_filename: str = ""
    form_id: str = ""
    form_version: str = ""
    problems: int = 0  # issues in the validation report (notes excluded)

    @property
    def data_file(self) -> str:
        """Alias of ``data_filename``."""
        return self.data_filename


def import_wave(
    project: Path, wave: str, form_path: Path | str, data_path: Path | str
) -> WaveImport:
    """Import (or re-import) a wave: the form and its returns.

    * same form file and same data file as stored → ``"unchanged"``, nothing is written;
    * a new wave → ``"created"``; otherwise → ``"replaced"``: the wave's returns are replaced in
      one transaction.

    The form and the data are read and checked first; their errors propagate as
    :class:`KlapptError` before anything is written.
    """
    from klappt.instrument import read_instrument
    from klappt.responses.dataset import load_responses
    from klappt.responses.io import read_table

    root = Path(project).expanduser().resolve()
    wave = _wave_name(wave)
    form_path, data_path = Path(form_path), Path(data_path)

    form = read_instrument(form_path)
    form_bytes = form_path.read_bytes()
    form_sha = hashlib.sha256(form_bytes).hexdigest()
    data_sha = _file_sha256(data_path) if data_path.is_file() else None

    activate(root)
    from klappt.store.models import Wave

    program = get_program(project_program(root))
    existing = Wave.objects.filter(program=program, name=wave).defer("form_file").first()
    if (
        existing is not None
        and data_sha is not None
        and existing.form_sha256 == form_sha
        and existing.data_sha256 == data_sha
    ):
        return WaveImport(
            wave=wave,
            status="unchanged",
            responses=existing.responses,
            report=report_from_json(existing.report),
            site_column=existing.site_column or None,
            linked=existing.returns.filter(site__isnull=False).count(),
            snapshot=snapshot_path(root, program.slug, wave, form_sha, data_sha),
        )

    raw = read_table(data_path)  # raises for a missing, empty or unreadable file
    if data_sha is None:  # pragma: no cover - read_table raised already
        data_sha = _file_sha256(data_path)
    rs, report = load_responses(form, raw)

    from django.db import DatabaseError

    try:
        status, linked, site_column = write_wave(
            program,
            wave,
            form,
            form_path.name,
            form_bytes,
            form_sha,
            data_path.name,
            data_sha,
            raw,
            rs,
            report,
        )
    except DatabaseError as exc:  # disk full, lost connection: the transaction rolled back
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise KlapptError(ErrorCode.STORE_005, wave=wave, reason=reason) from None
    snapshot = write_snapshot_quietly(root, program.slug, wave, form_sha, data_sha, rs)
    return WaveImport(
        wave=wave,
        status=status,
        responses=rs.meta.height,
        report=report,
        site_column=site_column,
        linked=linked,
        snapshot=snapshot,
    )


def list_waves(project: Path) -> list[WaveInfo]:
    """The project's waves, by name; ``imported_at`` in local time (Europe/Berlin)."""
    root = Path(project).expanduser().resolve()
    activate(root)
    from django.utils import timezone

    from klappt.store.models import Wave

    program = get_program(project_program(root))
    out = []
    for w in Wave.objects.filter(program=program).order_by("name").defer("form_file"):
        counts = (w.report or {}).get("counts") or {}
        out.append(
            WaveInfo(
                name=w.name,
                form_title=w.form_title,
                responses=w.responses,
                imported_at=timezone.localtime(w.imported_at) if w.imported_at else None,
                data_filename=w.data_filename,
                form_filename=w.form_filename,
                form_id=w.form_id,
                form_version=w.form_version,
                problems=sum(int(v) for v in counts.values()),
            )
        )
    return out


def stored_wave(project: Path, name: str) -> Any:
    """The stored wave ``name`` of the project, its program with it, the form file deferred.

    Unknown wave → ``KlapptError(STORE_002)`` naming the waves there are.
    """
    root = Path(project).expanduser().resolve()
    activate(root)
    from klappt.store.models import Wave

    program = get_program(project_program(root))
    found = (
        Wave.objects.filter(program=program, name=str(name).strip())
        .select_related("program")
        .defer("form_file")
        .first()
    )
    if found is None:
        known = list(
            Wave.objects.filter(program=program).order_by("name").values_list("name", flat=True)
        )
        raise KlapptError(ErrorCode.STORE_002, wave=name, known=", ".join(known) or Reason.NONE())
    return found


def load_wave(project: Path, wave: str) -> tuple[Instrument, ResponseSet, ValidationReport]:
    """The wave as the analysis needs it: its instrument, its typed returns and their report.

    The returns come from the wave's Parquet snapshot when there is one for exactly the stored
    form and data; otherwise they are rebuilt from the stored raw records (and the snapshot is
    written again). Unknown wave → ``KlapptError(STORE_002)``.
    """
    root = Path(project).expanduser().resolve()
    return load_stored_wave(root, stored_wave(root, wave))


def load_stored_wave(root: Path, w: Any) -> tuple[Instrument, ResponseSet, ValidationReport]:
    """:func:`load_wave` for a wave already fetched by :func:`stored_wave` (one query less)."""
    from klappt.store.models import Wave

    path = snapshot_path(root, w.program.slug, w.name, w.form_sha256, w.data_sha256)
    report = report_from_json(w.report) if w.report else None
    if report is not None:
        hit = read_snapshot(path, w.form_filename, w.data_filename, report)
        if hit is not None:
            return hit[0], hit[1], report
    form_bytes = Wave.objects.filter(pk=w.pk).values_list("form_file", flat=True).get()
    form = _instrument_from_bytes(bytes(form_bytes), w.form_filename)
    rs, fresh = responses_from_records(w, form)
    if report is None:
        report = fresh
        Wave.objects.filter(pk=w.pk).update(report=report_to_json(fresh))
    write_snapshot_quietly(root, w.program.slug, w.name, w.form_sha256, w.data_sha256, rs)
    return form, rs, report


def _wave_name(wave: str) -> str:
    name = str(wave).strip()
    if not name or len(name) > 100:
        raise KlapptError(ErrorCode.STORE_006, wave=wave)
    return name


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _instrument_from_bytes(data: bytes, filename: str) -> Instrument:
    """Read the stored form file again, under its own name (the title may come from it)."""
    from klappt.instrument import read_instrument

    name = Path(filename).name or "form.xlsx"
    with tempfile.TemporaryDirectory(prefix="klappt-form-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        form = read_instrument(path)
    return dataclasses.replace(form, source=filename)
