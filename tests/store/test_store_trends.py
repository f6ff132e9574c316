"""What the trend reads from the store, on SQLite and PostgreSQL (see conftest.py): each
return's site row for row (linked by the import), the register, and the mapping files kept
with the project."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parents[1] / "analysis"))

from trend_waves import MAPPING, REGISTER, rows, write_waves


def test_return_sites_are_the_linked_register_ids_row_for_row(
    store: Any, project: Path, tmp_path: Path
) -> None:
    files = write_waves(tmp_path)
    (tmp_path / "register.csv").write_text(REGISTER, encoding="utf-8")
    store.import_register(project, tmp_path / "register.csv")
    for wave in ("2020", "2022"):
        store.import_wave(project, wave, *files[wave])
        rs = store.load_wave(project, wave)[1]
        sites = store.return_sites(project, wave, rs)
        assert sites is not None
        assert sites.to_list() == [r["kommune"] for r in rows(wave)]
    assert store.register_size(project) == 6
    assert store.register_ids(project) == {f"s{i}" for i in range(1, 7)}


def test_a_wave_without_linked_sites_has_none(store: Any, project: Path, tmp_path: Path) -> None:
    files = write_waves(tmp_path)
    store.import_wave(project, "2021", *files["2021"])  # no register: nothing to link to
    rs = store.load_wave(project, "2021")[1]
    assert store.return_sites(project, "2021", rs) is None
    assert store.register_size(project) == 0


def test_mappings_are_kept_whole_in_the_project(store: Any, project: Path) -> None:
    assert store.stored_mappings(project) == []
    path = store.store_mapping(project, "2021", "2022", MAPPING)
    assert path == project / "mappings" / "2021--2022.yaml"
    assert path.read_text(encoding="utf-8") == MAPPING
    odd = store.store_mapping(project, "Welle 1/2", "2022", "from: x\n")
    assert odd.parent == path.parent and "/" not in odd.name[:-5].replace("--", "")
    assert store.stored_mappings(project) == sorted([path, odd])
    store.store_mapping(project, "2021", "2022", MAPPING + "# edited\n")  # replaced, not added
    assert len(store.stored_mappings(project)) == 2
    assert path.read_text(encoding="utf-8").endswith("# edited\n")
