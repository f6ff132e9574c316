"""What a trend needs from the store: the wave mappings kept with the project, each return's site.

A mapping (:mod:`klappt.analysis.mapping`) is kept as the YAML file the user applied, in the
project folder (``mappings/<from>--<to>.yaml``), so it stays readable and editable by hand;
the file is written whole (temporary file, then renamed).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

from klappt.store.project import activate

if TYPE_CHECKING:
    import polars as pl

    from klappt.responses.dataset import ResponseSet

__all__ = [
    "MAPPINGS",
    "mapping_file",
    "register_ids",
    "register_size",
    "return_sites",
    "store_mapping",
    "stored_mappings",
]

#: the folder of the project that holds the applied mappings
MAPPINGS = "mappings"


def _part(wave: str) -> str:
    """A wave name as part of a file name; names that are not plain get a short hash."""
    plain = re.sub(r"[^A-Za-z0-9_.-]", "_", wave)[:40]
    if plain == wave:
        return plain
    return f"{plain}-{hashlib.sha256(wave.encode()).hexdigest()[:8]}"


def mapping_file(project: Path, source: str, target: str) -> Path:
    return Path(project) / MAPPINGS / f"{_part(source)}--{_part(target)}.yaml"


def store_mapping(project: Path, source: str, target: str, text: str) -> Path:
    """Keep the mapping ``source`` → ``target`` with the project (replacing an earlier one)."""
    from klappt.files import write_atomic

    path = mapping_file(project, source, target)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, text)


def stored_mappings(project: Path) -> list[Path]:
    """The mapping files kept with the project."""
    folder = Path(project) / MAPPINGS
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def return_sites(project: Path, wave: str, rs: ResponseSet) -> pl.Series | None:
    """The register's site id of each return of ``rs`` (loaded from wave ``wave``), row for
    row: a web return's site from its link, an imported one's from the column that named it.
    None when no return of the wave is linked to a site."""
    import polars as pl

    from klappt.store.waves import stored_wave

    w = stored_wave(project, wave)  # configures Django first
    from klappt.store.models import Return

    linked = list(
        Return.objects.filter(wave=w, site__isnull=False).values_list("row", "site__site_id")
    )
    if not linked:
        return None
    by_row = pl.DataFrame(
        {"row": [r for r, _ in linked], "site": [s for _, s in linked]},
        schema={"row": pl.Int64, "site": pl.String},
    ).unique(subset="row", keep="first")
    rows = rs.meta.select(pl.col("row").cast(pl.Int64))
    return rows.join(by_row, on="row", how="left", maintain_order="left").get_column("site")


def register_size(project: Path) -> int:
    """How many sites the project's register holds (0: no register)."""
    from klappt.store.project import get_program, project_program

    root = Path(project).expanduser().resolve()
    activate(root)
    from klappt.store.models import Site

    return Site.objects.filter(program=get_program(project_program(root))).count()


def register_ids(project: Path) -> set[str]:
    """The site ids of the project's register."""
    from klappt.store.project import get_program, project_program

    root = Path(project).expanduser().resolve()
    activate(root)
    from klappt.store.models import Site

    program = get_program(project_program(root))
    return set(Site.objects.filter(program=program).values_list("site_id", flat=True))
