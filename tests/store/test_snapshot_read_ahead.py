"""Reading a stored wave's snapshot ahead (``klappt tabulate --wave``): used only when current.

:func:`klappt.store.snapshots.read_ahead` reads the one snapshot file named after the wave on a
second thread while Django starts; :func:`~klappt.store.snapshots.read_snapshot` may take that
read only for the very file the database names. These tests run on SQLite and PostgreSQL
(``conftest.py``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from store.test_store import files  # noqa: F401  (the fixture)


def test_read_ahead_of_the_current_snapshot_is_used(
    store: Any,
    project: Path,
    files: dict[str, Path],  # noqa: F811
) -> None:
    from klappt.store import snapshots

    result = store.import_wave(project, "2022", files["form"], files["data"])
    _, plain, _ = store.load_wave(project, "2022")

    snapshots.read_ahead(project, "2022")
    assert list(snapshots._ahead) == [result.snapshot.resolve()]
    # the read-ahead is what is returned: its file is gone (once read) before the wave is loaded
    snapshots._ahead[result.snapshot.resolve()][0].join()
    result.snapshot.unlink()
    _, ahead, _ = store.load_wave(project, "2022")
    assert snapshots._ahead == {}
    assert not result.snapshot.exists(), "not rebuilt from the records"
    assert ahead.frame.equals(plain.frame) and ahead.meta.equals(plain.meta)
    assert ahead.frame.schema == plain.frame.schema


def test_read_ahead_of_a_stale_or_damaged_file_is_not_used(
    store: Any,
    project: Path,
    files: dict[str, Path],  # noqa: F811
) -> None:
    from klappt.store import snapshots

    first = store.import_wave(project, "2022", files["form"], files["data"])
    kept = first.snapshot.parent / "kept.parquet"
    shutil.copy(first.snapshot, kept)
    changed = store.import_wave(project, "2022", files["form"], files["data_changed"])
    _, current, _ = store.load_wave(project, "2022")
    assert current.meta["return_id"].to_list() == ["v1", "v2"]

    # the only file for the wave is one of other data under another key: read ahead, not used
    changed.snapshot.unlink()
    stale = first.snapshot
    shutil.move(kept, stale)
    snapshots.read_ahead(project, "2022")
    assert list(snapshots._ahead) == [stale.resolve()]
    _, now, _ = store.load_wave(project, "2022")
    assert snapshots._ahead == {}
    assert now.meta["return_id"].to_list() == ["v1", "v2"]
    assert changed.snapshot.is_file(), "rebuilt from the database"

    # the current file damaged: read ahead (and failing), then rebuilt from the records
    changed.snapshot.write_bytes(b"not parquet at all")
    snapshots.read_ahead(project, "2022")
    _, again, _ = store.load_wave(project, "2022")
    assert again.frame.equals(now.frame) and again.meta.equals(now.meta)
    assert changed.snapshot.read_bytes()[:4] == b"PAR1"
