"""What the CLI (and later the web app) asks of the store: plain functions, no printing.

Every function takes the project folder, configures Django on first use
(:func:`klappt.store.settings.configure`) and brings the database schema up to date.
Nothing in this module imports Django at import time.

Guarantees:

* ``import_wave`` reads and checks the form and the data *before* it writes anything; the
  write itself (wave row + all its returns) is one transaction, so a failed import leaves
  the database exactly as it was. Importing the same two files again changes nothing.
* Each return keeps its raw record ``{header: text or null}`` exactly as read from the file;
  the wave keeps the form file's bytes and the headers in file order.
* What the analysis reads is kept beside the database as a Parquet snapshot of the wave
  (``.klappt/snapshots/<program>/<wave>-<key>.parquet``): the typed frame and meta of the
  ResponseSet, with the parsed instrument as JSON in the file's metadata, so reading a wave
  needs neither pyxform nor a million rows of JSON. The key hashes the form's and the data's
  SHA-256 and the code that typed them (see :func:`snapshot_key`), so a snapshot of other
  content is never read; a missing or unreadable one is rebuilt from the stored records.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klappt.errors import ErrorCode, KlapptError
from klappt.instrument.serialize import instrument_from_json, instrument_to_json
from klappt.safetext import scrub, scrub_frame
from klappt.store import private

if TYPE_CHECKING:
    import polars as pl

    from klappt.instrument import Instrument
    from klappt.responses.dataset import ResponseSet
    from klappt.responses.report import ValidationReport

MARKER = "klappt-project.toml"
STATE_DIR = ".klappt"
SNAPSHOT_DIR = "snapshots"
SNAPSHOT_FORMAT = 1
DEFAULT_PROGRAM = "default"
BATCH_SIZE = 10_000
#: stored returns decoded from JSON per slice when a wave is rebuilt from the database
DECODE_BATCH = 50_000
#: Data columns that name the site of a return, tried first when linking returns to the register.
SITE_COLUMNS = (
    "site_id",
    "site",
    "kommune",
    "gemeinde",
    "standort",
    "ags",
    "kreis",
    "landkreis",
    "stadt",
)
#: Data columns holding the submission time (raw text), most specific first.
SUBMITTED_COLUMNS = ("_submission_time", "SubmissionDate", "submission_time", "end")
#: Stored return id of a return whose id cell is empty: the prefix and its file row.
NO_ID_PREFIX = "#row-"
_FRAME_PREFIX = "f:"
_META_PREFIX = "m:"


@dataclass(frozen=True)
class ImportResult:
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


# --- project folder ----------------------------------------------------------------------


def init_project(path: Path) -> Path:
    """Make ``path`` a klappt project: ``.klappt/``, the database (migrated), the default program.

    Idempotent: an existing project keeps its program and data. Returns the project folder.
    """
    root = Path(path).expanduser().resolve()
    try:
        root.mkdir(parents=True, exist_ok=True)
        private.make_dir(root / STATE_DIR)  # for the owner alone (see klappt.store.private)
    except OSError as exc:
        raise KlapptError(ErrorCode.FILE_006, path=root, reason=exc.strerror or str(exc)) from None
    ignore = root / STATE_DIR / ".gitignore"
    if not ignore.exists():
        private.make_file(ignore)
        ignore.write_text(
            "# database and snapshots of klappt: not for version control\n*\n", encoding="utf-8"
        )
    marker = root / MARKER
    program = _read_marker(marker) if marker.is_file() else DEFAULT_PROGRAM
    _activate(root)
    _program(program)
    if not marker.is_file():  # written last: a failed init leaves no marker behind
        _atomic_write_text(
            marker,
            "# klappt project: this file marks the project folder.\n"
            "# The database is .klappt/klappt.sqlite3, or the one DATABASE_URL names.\n"
            f'program = "{_toml_escape(program)}"\n'
            "\n"
            "# Published figures of a group rest on at least this many sites; smaller groups are\n"
            "# withheld (README: disclosure control).\n"
            "[disclosure]\n"
            "min_cell = 3\n",
        )
    return root


def find_project(start: Path | None = None) -> Path:
    """The project folder containing ``start`` (default: ``KLAPPT_PROJECT`` or the current dir).

    Walks up the folders to the first one with a ``klappt-project.toml``.
    Raises ``KlapptError(STORE_001)`` when there is none.
    """
    if start is None:
        env = os.environ.get("KLAPPT_PROJECT")
        start = Path(env) if env else Path.cwd()
    here = Path(start).expanduser().resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return folder
    raise KlapptError(ErrorCode.STORE_001, path=here)


def migrate(project: Path | None = None) -> None:
    """Bring the database schema up to date (``manage.py migrate``).

    Without ``project``: the database of ``DATABASE_URL``, else that of the project found
    from ``KLAPPT_PROJECT`` or the current folder (``STORE_001`` when there is none).
    """
    if project is not None:
        root = Path(project).expanduser().resolve()
    elif os.environ.get("DATABASE_URL", "").strip():
        root = _default_project()  # the database is elsewhere; the folder only holds snapshots
    else:
        root = find_project()
    _activate(root, migrate_now=True)


# --- waves -------------------------------------------------------------------------------


def import_wave(
    project: Path, wave: str, form_path: Path | str, data_path: Path | str
) -> ImportResult:
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

    _activate(root)
    from klappt.store.models import Wave

    program = _program(_project_program(root))
    existing = Wave.objects.filter(program=program, name=wave).defer("form_file").first()
    if (
        existing is not None
        and data_sha is not None
        and existing.form_sha256 == form_sha
        and existing.data_sha256 == data_sha
    ):
        return ImportResult(
            wave=wave,
            status="unchanged",
            responses=existing.responses,
            report=_report_from_json(existing.report),
            site_column=existing.site_column or None,
            linked=existing.returns.filter(site__isnull=False).count(),
            snapshot=_snapshot_path(root, program.slug, wave, form_sha, data_sha),
        )

    raw = read_table(data_path)  # raises for a missing, empty or unreadable file
    if data_sha is None:  # pragma: no cover - read_table raised already
        data_sha = _file_sha256(data_path)
    rs, report = load_responses(form, raw)

    from django.db import DatabaseError

    try:
        status, linked, site_column = _write_wave(
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
    snapshot = _write_snapshot_quietly(root, program.slug, wave, form_sha, data_sha, rs)
    return ImportResult(
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
    _activate(root)
    from django.utils import timezone

    from klappt.store.models import Wave

    program = _program(_project_program(root))
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


def load_wave(project: Path, wave: str) -> tuple[Instrument, ResponseSet, ValidationReport]:
    """The wave as the analysis needs it: its instrument, its typed returns and their report.

    The returns come from the wave's Parquet snapshot when there is one for exactly the stored
    form and data; otherwise they are rebuilt from the stored raw records (and the snapshot is
    written again). Unknown wave → ``KlapptError(STORE_002)``.
    """
    root = Path(project).expanduser().resolve()
    _activate(root)
    from klappt.store.models import Wave

    program = _program(_project_program(root))
    w = Wave.objects.filter(program=program, name=str(wave).strip()).defer("form_file").first()
    if w is None:
        known = list(
            Wave.objects.filter(program=program).order_by("name").values_list("name", flat=True)
        )
        raise KlapptError(ErrorCode.STORE_002, wave=wave, known=", ".join(known) or "(keine)")

    path = _snapshot_path(root, program.slug, w.name, w.form_sha256, w.data_sha256)
    report = _report_from_json(w.report) if w.report else None
    if report is not None:
        hit = _read_snapshot(path, w.form_filename, w.data_filename, report)
        if hit is not None:
            return hit[0], hit[1], report
    form_bytes = Wave.objects.filter(pk=w.pk).values_list("form_file", flat=True).get()
    form = _instrument_from_bytes(bytes(form_bytes), w.form_filename)
    rs, fresh = _responses_from_records(w, form)
    if report is None:
        report = fresh
        Wave.objects.filter(pk=w.pk).update(report=_report_to_json(fresh))
    _write_snapshot_quietly(root, program.slug, w.name, w.form_sha256, w.data_sha256, rs)
    return form, rs, report


# --- site register -----------------------------------------------------------------------


def import_register(project: Path, path: Path | str) -> int:
    """Replace the program's register of sites by the file (CSV/XLSX: ``site_id,name,typ,...``).

    Further columns become the sites' attributes. Sites that stay keep their links to returns;
    returns of all waves are linked again afterwards. Returns the number of sites.
    Raises ``KlapptError(STORE_004)`` naming the row for a missing column, id or name, or an id
    that occurs twice.
    """
    from klappt.responses.io import read_table

    root = Path(project).expanduser().resolve()
    p = Path(path)
    raw = read_table(p, kind="register")
    sites = _register_rows(raw, p)

    _activate(root)
    from django.db import transaction

    from klappt.store.models import Site

    with transaction.atomic():
        program = _program(_project_program(root))
        existing = {s.site_id: s for s in Site.objects.filter(program=program)}
        keep = {s["site_id"] for s in sites}
        Site.objects.filter(program=program).exclude(site_id__in=keep).delete()
        new, changed = [], []
        for s in sites:
            obj = existing.get(s["site_id"])
            if obj is None:
                new.append(Site(program=program, **s))
            else:
                for k, v in s.items():
                    setattr(obj, k, v)
                changed.append(obj)
        Site.objects.bulk_create(new, batch_size=BATCH_SIZE)
        Site.objects.bulk_update(
            changed, ["name", "typ", "attributes", "position"], batch_size=BATCH_SIZE
        )
        for w in program.waves.all().defer("form_file", "report"):
            _relink(w)
    return len(sites)


def _register_rows(raw: Any, path: Path) -> list[dict[str, Any]]:
    lower = {c.strip().lower(): c for c in raw.columns}

    def col(*names: str) -> str | None:
        return next((lower[n] for n in names if n in lower), None)

    id_col = col("site_id", "id", "kennung", "code")
    name_col = col("name", "bezeichnung")
    typ_col = col("typ", "type")
    for wanted, found in (("site_id", id_col), ("name", name_col)):
        if found is None:
            raise KlapptError(
                ErrorCode.STORE_004,
                path=path,
                row=1,
                message=f"Spalte '{wanted}' fehlt (gefundene Spalten: {', '.join(raw.columns)})",
            )
    others = [c for c in raw.columns if c not in (id_col, name_col, typ_col)]
    seen: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    # control characters (NUL: PostgreSQL refuses it) are dropped from every cell
    for i, record in enumerate(scrub_frame(raw.frame).iter_rows(named=True)):
        row = raw.file_row(i)
        site_id = (record[id_col] or "").strip()
        name = (record[name_col] or "").strip()
        if not site_id:
            raise KlapptError(
                ErrorCode.STORE_004,
                path=path,
                row=row,
                message=f"keine Kennung in Spalte '{id_col}'",
            )
        if site_id in seen:
            raise KlapptError(
                ErrorCode.STORE_004,
                path=path,
                row=row,
                message=f"die Kennung '{site_id}' steht schon in Zeile {seen[site_id]}",
            )
        if not name:
            raise KlapptError(
                ErrorCode.STORE_004, path=path, row=row, message=f"kein Name in Spalte '{name_col}'"
            )
        seen[site_id] = row
        out.append(
            {
                "site_id": site_id,
                "name": name,
                "typ": ((record[typ_col] or "").strip() if typ_col else ""),
                "attributes": {scrub(c): record[c] for c in others},
                "position": i,
            }
        )
    return out


# --- writing a wave ----------------------------------------------------------------------


def _write_wave(
    program: Any,
    wave: str,
    form: Instrument,
    form_filename: str,
    form_bytes: bytes,
    form_sha: str,
    data_filename: str,
    data_sha: str,
    raw: Any,
    rs: ResponseSet,
    report: ValidationReport,
) -> tuple[str, int, str | None]:
    """Create or replace the wave and all its returns in one transaction."""
    from django.db import transaction
    from django.utils import timezone

    from klappt.store.models import Return, Site, Wave

    with transaction.atomic():
        site_ids = dict(Site.objects.filter(program=program).values_list("site_id", "pk"))
        site_column = _site_column(raw, form, site_ids)
        w = Wave.objects.select_for_update().filter(program=program, name=wave).first()
        status = "created" if w is None else "replaced"
        if w is None:
            w = Wave(program=program, name=wave)
        w.form_file = form_bytes
        w.form_filename = form_filename
        w.form_sha256 = form_sha
        w.form_title = form.title or ""
        w.form_id = form.form_id or ""
        w.form_version = form.version or ""
        w.data_filename = data_filename
        w.data_sha256 = data_sha
        w.columns = list(raw.columns)
        w.data_format = {
            "format": raw.format,
            "encoding": raw.encoding,
            "separator": raw.separator,
            "decimal_comma": bool(raw.decimal_comma),
        }
        w.responses = rs.meta.height
        w.report = _report_to_json(report)
        w.site_column = site_column or ""
        w.imported_at = timezone.now()
        w.save()
        if status == "replaced":
            Return.objects.filter(wave=w).delete()
        linked = _insert_returns(w.pk, _returns_frame(raw, rs, site_column, site_ids), raw)
    return status, linked, site_column


#: Columns of the return table written by :func:`_insert_returns`, in this order.
_RETURN_COLUMNS = ("wave_id", "return_id", "row", "site_id", "values", "submitted_at")


def _returns_frame(
    raw: Any, rs: ResponseSet, site_column: str | None, site_ids: dict[str, int]
) -> pl.DataFrame:
    """One row per return of the response set: id, file row, site, time, and where its raw
    record is in the data file's table (the record itself is encoded batch by batch)."""
    import polars as pl

    columns = list(raw.columns)
    file_rows = raw.file_rows if raw.file_rows is not None else range(2, raw.height + 2)
    if site_column:
        site = (
            pl.col(site_column)
            .str.strip_chars()
            .replace_strict(site_ids, default=None, return_dtype=pl.Int64)
        )
    else:
        site = pl.lit(None, dtype=pl.Int64)
    submitted_col = next((c for c in SUBMITTED_COLUMNS if c in columns), None)
    submitted = pl.col(submitted_col) if submitted_col else pl.lit(None, dtype=pl.String)
    src = raw.frame.select(
        pl.int_range(0, pl.len(), dtype=pl.Int64).alias("\x00at"),
        site.alias("\x00site"),
        submitted.alias("\x00submitted"),
    ).with_columns(pl.Series("\x00row", list(file_rows), dtype=pl.Int64))
    meta = rs.meta.select(
        pl.col("row").cast(pl.Int64).alias("\x00row"),
        pl.col("return_id").cast(pl.String).alias("\x00rid"),
    )
    if meta.get_column("\x00rid").null_count():
        meta = meta.with_columns(_fill_ids(meta.get_column("\x00rid"), meta.get_column("\x00row")))
    joined = meta.join(src, on="\x00row", how="left", maintain_order="left")
    return joined.select(
        pl.col("\x00rid").alias("return_id"),
        pl.col("\x00row").alias("row"),
        pl.col("\x00site").alias("site_id"),
        pl.col("\x00submitted").alias("submitted"),
        pl.col("\x00at").alias("at"),
    )


def _insert_returns(wave_pk: int, frame: pl.DataFrame, raw: Any) -> int:
    """Write the returns in batches through Django's connection (inside the caller's transaction).

    The ORM's ``bulk_create`` builds a model instance and encodes JSON per row: about four
    minutes for a million returns. Here the JSON comes ready from Polars and the rows go in
    with ``executemany`` (SQLite) or as CSV text through ``COPY`` (PostgreSQL), which Polars
    writes for a whole batch at once. Returns the number linked to a site.
    """
    import polars as pl
    from django.db import connection

    from klappt.store.models import Return

    ops = connection.ops
    table = ops.quote_name(Return._meta.db_table)
    names = ", ".join(ops.quote_name(c) for c in _RETURN_COLUMNS)
    postgres = connection.vendor == "postgresql"
    if postgres:
        statement = f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)"
    else:
        marks = ", ".join(["%s"] * len(_RETURN_COLUMNS))
        statement = f"INSERT INTO {table} ({names}) VALUES ({marks})"
    columns = list(raw.columns)
    sites = frame.get_column("site_id")
    linked = sites.len() - sites.null_count()
    with connection.cursor() as cursor:
        for chunk in frame.iter_slices(n_rows=BATCH_SIZE):
            submitted = chunk.get_column("submitted")
            if submitted.null_count() == submitted.len():
                times: list[Any] = [None] * chunk.height
            else:
                times = [
                    ops.adapt_datetimefield_value(_parse_when(t)) if t else None
                    for t in submitted.to_list()
                ]
            # the raw records {header: text or null} in file order, as JSON, by Polars
            at = chunk.get_column("at")
            first, last = at[0], at[-1]
            if last - first + 1 == chunk.height and at.is_sorted():  # no duplicate left out
                records = raw.frame.slice(first, chunk.height)
            else:
                records = raw.frame[at]
            # the text without control characters: PostgreSQL refuses a NUL in JSON
            values = (
                scrub_frame(records)
                .select(pl.struct(pl.col(columns)).struct.json_encode())
                .to_series()
            )
            if postgres:
                stamps = [t.isoformat() if t else None for t in times]
                rows: Any = chunk.select(
                    pl.lit(wave_pk, dtype=pl.Int64).alias("wave_id"),
                    "return_id",
                    "row",
                    "site_id",
                    values.alias("values"),
                    pl.Series("submitted_at", stamps, dtype=pl.String),
                )
            else:
                rows = [
                    (wave_pk, rid, row, site, text, when)
                    for (rid, row, site), text, when in zip(
                        chunk.select("return_id", "row", "site_id").iter_rows(),
                        values.to_list(),
                        times,
                        strict=True,
                    )
                ]
            _insert_batch(cursor, statement, rows, postgres)
    return linked


def _insert_batch(cursor: Any, statement: str, rows: Any, copy: bool) -> None:
    """One batch: rows as tuples (``executemany``) or, for ``COPY``, a frame sent as CSV text."""
    if copy:
        import io

        text = io.BytesIO()
        rows.write_csv(text, include_header=False)
        with cursor.cursor.copy(statement) as out:
            out.write(text.getvalue())
    else:
        cursor.executemany(statement, rows)


def _fill_ids(ids: pl.Series, rows: pl.Series) -> pl.Series:
    """Return ids for returns whose id cell is empty: ``#row-<file row>``, unique in the wave."""
    import polars as pl

    taken = set(ids.drop_nulls().to_list())
    out = []
    for rid, row in zip(ids.to_list(), rows.to_list(), strict=True):
        if rid is None:
            rid = f"{NO_ID_PREFIX}{row}"
            while rid in taken:
                rid += "'"
            taken.add(rid)
        out.append(rid)
    return pl.Series(ids.name, out, dtype=pl.String)


def _parse_when(text: str | None) -> dt.datetime | None:
    """A submission time from an export; naive times are taken as UTC (Kobo, ODK Central)."""
    if not text:
        return None
    value = text.strip().replace(" ", "T", 1)
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when


def _site_column(raw: Any, form: Instrument, site_ids: dict[str, int]) -> str | None:
    """The data column naming the site: mostly register ids, preferred names first."""
    if not site_ids:
        return None
    numeric = {q.name for q in form.questions if q.type in ("integer", "decimal")}

    def short(c: str) -> str:
        return re.split(r"[/:\-.]", c)[-1].strip().lower()

    candidates = [c for c in raw.columns if short(c) in SITE_COLUMNS]
    candidates += [c for c in raw.columns if c not in candidates and short(c) not in numeric]
    ids = list(site_ids)
    for c in candidates:
        values = raw.frame.get_column(c).drop_nulls().str.strip_chars()
        if values.len() == 0 or values.len() * 2 < raw.height:
            continue
        distinct = values.unique()
        if distinct.len() > len(site_ids):
            continue
        share = values.is_in(ids).mean() or 0.0
        if share >= 0.9:
            return c
    return None


def _relink(wave: Any) -> None:
    """Link the wave's returns to the (new) register, by the column they were linked by before."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.fields.json import KeyTextTransform

    from klappt.store.models import Return, Site

    candidates = [wave.site_column] if wave.site_column else []
    candidates += [
        c
        for c in wave.columns
        if c not in candidates and re.split(r"[/:\-.]", c)[-1].strip().lower() in SITE_COLUMNS
    ]
    returns = Return.objects.filter(wave=wave)
    for col in candidates or [None]:
        if col is None:
            returns.exclude(site=None).update(site=None)
            break
        match = Site.objects.filter(
            program_id=wave.program_id, site_id=KeyTextTransform(col, OuterRef("values"))
        )
        returns.update(site=Subquery(match.values("pk")[:1]))
        if returns.filter(site__isnull=False).exists():
            if wave.site_column != col:
                type(wave).objects.filter(pk=wave.pk).update(site_column=col)
            return
    if wave.site_column:
        type(wave).objects.filter(pk=wave.pk).update(site_column="")


# --- snapshots ---------------------------------------------------------------------------


def snapshot_key(form_sha: str, data_sha: str) -> str:
    """What a snapshot is built from: the form, the data, and the code that typed them.

    The code part is the klappt version, the snapshot layout and a hash of the sources of
    ``klappt.instrument`` and ``klappt.responses``: a snapshot made by other reading or typing
    rules is never read (it is rebuilt from the stored returns instead).
    """
    text = f"klappt-snapshot/{SNAPSHOT_FORMAT}/{_code_fingerprint()}/{form_sha}/{data_sha}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.cache
def _code_fingerprint() -> str:
    import klappt

    h = hashlib.sha256(klappt.__version__.encode())
    base = Path(klappt.__file__).parent
    for package in ("instrument", "responses"):
        for source in sorted((base / package).glob("*.py")):
            h.update(source.name.encode())
            h.update(source.read_bytes())
    return h.hexdigest()[:16]


def _snapshot_path(root: Path, program: str, wave: str, form_sha: str, data_sha: str) -> Path:
    return (
        root
        / STATE_DIR
        / SNAPSHOT_DIR
        / _safe(program)
        / f"{_safe(wave)}-{snapshot_key(form_sha, data_sha)}.parquet"
    )


def _write_snapshot(path: Path, wave: str, rs: ResponseSet) -> Path:
    """The typed frame and meta of the wave in one Parquet file, the instrument in its metadata."""
    import polars as pl

    frame = pl.concat(
        [
            rs.frame.rename({c: _FRAME_PREFIX + c for c in rs.frame.columns}),
            rs.meta.rename({c: _META_PREFIX + c for c in rs.meta.columns}),
        ],
        how="horizontal",
    )
    metadata = {
        "klappt.snapshot": str(SNAPSHOT_FORMAT),
        "klappt.key": path.stem.rsplit("-", 1)[-1],
        "klappt.wave": wave,
        "klappt.instrument": instrument_to_json(rs.instrument),
    }
    private.make_dir(path.parent)
    private.make_dir(path.parent.parent)
    # mkstemp creates it 0600: the snapshot holds every return, for the owner alone
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        frame.write_parquet(tmp, compression="lz4", statistics=False, metadata=metadata)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # older snapshots of this wave can never be read again: clear them away
    pattern = re.compile(rf"{re.escape(_safe(wave))}-[0-9a-f]{{16}}\.parquet")
    for old in path.parent.glob(f"{_safe(wave)}-*.parquet"):
        if old != path and pattern.fullmatch(old.name):
            old.unlink(missing_ok=True)
    return path


def _write_snapshot_quietly(
    root: Path, program: str, wave: str, form_sha: str, data_sha: str, rs: ResponseSet
) -> Path | None:
    """Write the snapshot; a cache that cannot be written is rebuilt on the next read."""
    try:
        return _write_snapshot(_snapshot_path(root, program, wave, form_sha, data_sha), wave, rs)
    except OSError:
        return None


def _read_snapshot(
    path: Path, form_filename: str, data_filename: str, report: ValidationReport
) -> tuple[Instrument, ResponseSet] | None:
    """The instrument and returns from the snapshot; None when it is missing or unreadable."""
    if not path.is_file():
        return None
    import polars as pl

    try:
        metadata = pl.read_parquet_metadata(path)
        if metadata.get("klappt.key") != path.stem.rsplit("-", 1)[-1]:
            return None
        form = instrument_from_json(metadata["klappt.instrument"])
        both = pl.read_parquet(path)
    except Exception:  # a torn, foreign or older file is only a cache miss
        return None
    form = dataclasses.replace(form, source=form_filename)
    frame_cols = [c for c in both.columns if c.startswith(_FRAME_PREFIX)]
    meta_cols = [c for c in both.columns if c.startswith(_META_PREFIX)]
    frame = both.select(frame_cols).rename({c: c[len(_FRAME_PREFIX) :] for c in frame_cols})
    meta = both.select(meta_cols).rename({c: c[len(_META_PREFIX) :] for c in meta_cols})
    return form, _response_set(form, frame, meta, data_filename)


def _response_set(
    form: Instrument, frame: pl.DataFrame, meta: pl.DataFrame, source: str
) -> ResponseSet:
    """A ResponseSet from its parts (the dataclass constructor, fields filled by name)."""
    from klappt.responses.dataset import ResponseSet

    parts: dict[str, Any] = {"instrument": form, "frame": frame, "meta": meta, "source": source}
    kwargs = {
        f.name: parts[f.name] for f in dataclasses.fields(ResponseSet) if f.name in parts and f.init
    }
    return ResponseSet(**kwargs)


def _responses_from_records(w: Any, form: Instrument) -> tuple[ResponseSet, ValidationReport]:
    """Type the stored raw records again (what a missing snapshot is rebuilt from)."""
    import polars as pl
    from django.db import connection

    from klappt.responses.dataset import load_responses
    from klappt.responses.io import RawTable
    from klappt.store.models import Return

    columns = [str(c) for c in w.columns]
    ops = connection.ops
    values = ops.quote_name("values")
    as_text = f"CAST({values} AS text)" if connection.vendor == "postgresql" else values
    sql = (
        f"SELECT {ops.quote_name('row')}, {as_text} FROM {ops.quote_name(Return._meta.db_table)} "
        f"WHERE {ops.quote_name('wave_id')} = %s ORDER BY {ops.quote_name('row')}"
    )
    struct = pl.Struct({c: pl.String for c in columns})
    # A slice at a time: the JSON text of a million returns as Python strings alone would take
    # gigabytes; decoded, a slice is a few columns of Polars text.
    parts: list[pl.DataFrame] = []
    rows: list[int] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [w.pk])
        while fetched := cursor.fetchmany(DECODE_BATCH):
            batch = pl.DataFrame(fetched, schema={"row": pl.Int64, "json": pl.String}, orient="row")
            del fetched
            rows.extend(batch.get_column("row").to_list())
            decoded = batch.select(pl.col("json").str.json_decode(struct).alias("r")).unnest("r")
            parts.append(decoded.select(columns))
    frame = (
        pl.concat(parts, how="vertical", rechunk=False)
        if parts
        else pl.DataFrame(schema={c: pl.String for c in columns})
    )
    fmt = w.data_format or {}
    raw = RawTable(
        frame=frame,
        columns=tuple(columns),
        file_rows=tuple(rows),
        source=w.data_filename,
        format="records",
        decimal_comma=bool(fmt.get("decimal_comma", False)),
    )
    return load_responses(form, raw)


# --- Django plumbing ---------------------------------------------------------------------

_SCHEMA_CHECKED: set[tuple[str, str]] = set()


def _default_project() -> Path:
    env = os.environ.get("KLAPPT_PROJECT")
    return Path(env).expanduser().resolve() if env else Path.cwd().resolve()


def _activate(root: Path, migrate_now: bool = False) -> None:
    """Configure Django for the project, point SQLite at its file, bring the schema up to date."""
    from klappt.store import settings as store_settings

    url = os.environ.get("DATABASE_URL", "").strip()
    try:
        store_settings.configure(root)
    except ValueError as exc:  # a DATABASE_URL we cannot read
        raise KlapptError(
            ErrorCode.STORE_003, url=store_settings.redact_url(url), reason=str(exc)
        ) from None
    from django.db import DatabaseError, connection

    if connection.vendor == "sqlite" and not url:
        wanted = str(store_settings.sqlite_path(root))
        current = str(connection.settings_dict.get("NAME") or "")
        suffix = os.sep + os.path.join(store_settings.STATE_DIR, store_settings.SQLITE_NAME)
        if current != wanted and current.endswith(suffix):
            # one process, several projects (tests, notebooks): follow the project's own file
            connection.close()
            connection.settings_dict["NAME"] = wanted
        private.make_dir(Path(wanted).parent)
        private.make_file(Path(wanted))  # SQLite gives -wal and -shm the database's mode
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        shown = store_settings.redact_url(url) if url else str(connection.settings_dict.get("NAME"))
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise KlapptError(ErrorCode.STORE_003, url=shown, reason=reason) from None
    key = (connection.vendor, str(connection.settings_dict.get("NAME")))
    if key not in _SCHEMA_CHECKED:  # once per process: an older project is tightened
        private.tighten_with_note(root / STATE_DIR)
    if migrate_now or key not in _SCHEMA_CHECKED:
        _migrate_if_needed(force=migrate_now)
        _SCHEMA_CHECKED.add(key)


def _migrate_if_needed(force: bool = False) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if not force:
        executor = MigrationExecutor(connection)
        if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
            return
    call_command("migrate", interactive=False, verbosity=0)


def _program(name: str) -> Any:
    from django.utils.text import slugify

    from klappt.store.models import Program

    slug = slugify(name) or DEFAULT_PROGRAM
    program, _ = Program.objects.get_or_create(slug=slug, defaults={"name": name})
    return program


def _project_program(root: Path) -> str:
    marker = root / MARKER
    if not marker.is_file():
        raise KlapptError(ErrorCode.STORE_001, path=root)
    return _read_marker(marker)


def _read_marker(marker: Path) -> str:
    try:
        data = tomllib.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KlapptError(ErrorCode.FILE_003, path=marker, reason=str(exc)) from None
    program = data.get("program")
    return str(program).strip() if program else DEFAULT_PROGRAM


def project_min_cell(root: Path) -> int:
    """The project's minimum cell size (``[disclosure] min_cell`` in the marker file; default 3)."""
    from klappt.analysis.disclosure import MIN_CELL, check_min_cell

    marker = root / MARKER
    try:
        data = tomllib.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KlapptError(ErrorCode.FILE_003, path=marker, reason=str(exc)) from None
    section = data.get("disclosure")
    value = section.get("min_cell", MIN_CELL) if isinstance(section, dict) else MIN_CELL
    return check_min_cell(value, f"{marker}, [disclosure] min_cell")


def _toml_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _umask_mode() -> int:
    """0o666 less the process umask (what ``open(..., "w")`` gives); mkstemp would give 0o600."""
    try:  # reading the umask via os.umask() would briefly change it for every thread
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o644


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        os.chmod(tmp, _umask_mode())
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _wave_name(wave: str) -> str:
    name = str(wave).strip()
    if not name or len(name) > 100:
        raise KlapptError(ErrorCode.STORE_006, wave=wave)
    return name


def _safe(name: str) -> str:
    """A file-name-safe spelling of a wave or program name."""
    return re.sub(r"[^\w.-]+", "_", name, flags=re.ASCII).strip("._") or "_"


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


def _report_to_json(report: ValidationReport) -> dict[str, Any]:
    return report.to_dict("de")


def _report_from_json(data: dict[str, Any]) -> ValidationReport:
    from klappt.responses.report import ValidationReport

    return ValidationReport.from_dict(data or {})
