"""Snapshots: the typed returns of a wave as Parquet beside the database.

What the analysis reads is kept as ``.klappt/snapshots/<program>/<wave>-<key>.parquet``: the
typed frame and meta of the ResponseSet, with the parsed instrument as JSON in the file's
metadata. The key hashes the form's and the data's SHA-256 and the code that typed them (see
:func:`snapshot_key`), so a snapshot of other content is never read; a missing or unreadable
one is rebuilt from the stored records (:func:`responses_from_records`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klappt.instrument.serialize import instrument_from_json, instrument_to_json
from klappt.store import private, snapshot_codec
from klappt.store.project import STATE_DIR

if TYPE_CHECKING:
    import polars as pl

    from klappt.instrument import Instrument
    from klappt.responses.dataset import ResponseSet
    from klappt.responses.report import ValidationReport

SNAPSHOT_DIR = "snapshots"
#: 2: choice codes and packed Booleans (:mod:`klappt.store.snapshot_codec`); 1 stored the frame as is
SNAPSHOT_FORMAT = 2
#: stored returns decoded from JSON per slice when a wave is rebuilt from the database
DECODE_BATCH = 50_000
_META_PREFIX = "m:"


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


def snapshot_path(root: Path, program: str, wave: str, form_sha: str, data_sha: str) -> Path:
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

    # the codec's names start with "c:", "b:" or "f:", never with the meta prefix "m:"
    stored, layout = snapshot_codec.encode(rs.frame)
    frame = pl.concat(
        [stored, rs.meta.rename({c: _META_PREFIX + c for c in rs.meta.columns})],
        how="horizontal",
    )
    metadata = {
        "klappt.snapshot": str(SNAPSHOT_FORMAT),
        snapshot_codec.LAYOUT_KEY: layout,
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


def write_snapshot_quietly(
    root: Path, program: str, wave: str, form_sha: str, data_sha: str, rs: ResponseSet
) -> Path | None:
    """Write the snapshot; a cache that cannot be written is rebuilt on the next read."""
    try:
        return _write_snapshot(snapshot_path(root, program, wave, form_sha, data_sha), wave, rs)
    except OSError:
        return None


def read_snapshot(
    path: Path, form_filename: str, data_filename: str, report: ValidationReport
) -> tuple[Instrument, ResponseSet] | None:
    """The instrument and returns from the snapshot; None when it is missing or unreadable."""
    parts = _take_prefetched(path)
    if parts is None:
        if not path.is_file():
            return None
        parts = _read_parts(path)
    if isinstance(parts, BaseException):  # a torn, foreign or older file is only a cache miss
        return None
    metadata, both, frame, meta_cols = parts
    try:
        form = instrument_from_json(metadata["klappt.instrument"])
        form = dataclasses.replace(form, source=form_filename)
    except Exception:
        return None
    meta = both.select(meta_cols).rename({c: c[len(_META_PREFIX) :] for c in meta_cols})
    return form, _response_set(form, frame, meta, data_filename)


_Parts = tuple[dict[str, str], "pl.DataFrame", "pl.DataFrame", list[str]]


def _read_parts(path: Path) -> _Parts | Exception:
    """Metadata, stored columns and decoded frame of a snapshot, or what went wrong reading it."""
    import polars as pl

    try:
        metadata = pl.read_parquet_metadata(path)
        if metadata.get("klappt.key") != path.stem.rsplit("-", 1)[-1]:
            return ValueError("snapshot key differs from its name")
        both = pl.read_parquet(path)
        meta_cols = [c for c in both.columns if c.startswith(_META_PREFIX)]
        frame = snapshot_codec.decode(both.drop(meta_cols), metadata[snapshot_codec.LAYOUT_KEY])
    except Exception as exc:
        return exc
    return metadata, both, frame, meta_cols


# --- reading ahead -----------------------------------------------------------------------
# A stored wave's snapshot is named after the wave, but which file is current only the database
# can say, and asking it needs Django set up and a query (about half a second of Python). The
# one file there is for the wave is read meanwhile on a second thread (Polars reads without the
# GIL); read_snapshot takes it only when it is the very file the database names.

_ahead: dict[Path, tuple[threading.Thread, list[_Parts | Exception]]] = {}


def read_ahead(root: Path, wave: str) -> None:
    """Start reading the wave's snapshot, if there is exactly one, on a daemon thread."""
    root = Path(root).expanduser().resolve()
    found = list((root / STATE_DIR / SNAPSHOT_DIR).glob(f"*/{_safe(wave.strip())}-*.parquet"))
    pattern = re.compile(rf"{re.escape(_safe(wave.strip()))}-[0-9a-f]{{16}}\.parquet")
    found = [f for f in found if pattern.fullmatch(f.name)]
    if len(found) != 1 or found[0] in _ahead:
        return
    path = found[0]
    box: list[_Parts | Exception] = []
    # a daemon: a run that ends early (an unknown wave) does not wait for the read
    thread = threading.Thread(target=lambda: box.append(_read_parts(path)), daemon=True)
    _ahead[path] = (thread, box)
    thread.start()


def _take_prefetched(path: Path) -> _Parts | Exception | None:
    """What :func:`read_ahead` read of ``path`` (waiting for it); None when it read another file."""
    for other in [p for p in _ahead if p != path]:
        del _ahead[other]  # not the current file: its frame goes when its thread ends
    entry = _ahead.pop(path, None)
    if entry is None:
        return None
    entry[0].join()
    return entry[1][0] if entry[1] else None


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


def responses_from_records(w: Any, form: Instrument) -> tuple[ResponseSet, ValidationReport]:
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


def _safe(name: str) -> str:
    """A file-name-safe spelling of a wave or program name."""
    return re.sub(r"[^\w.-]+", "_", name, flags=re.ASCII).strip("._") or "_"
