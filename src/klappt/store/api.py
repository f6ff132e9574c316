"""What the CLI and the web app ask of the store: plain functions, no printing.

Every function takes the project folder, configures Django on first use
(:func:`klappt.store.settings.configure`) and brings the database schema up to date.
Nothing in this module (or the modules behind it) imports Django at import time.

This module is the store's public face; each name lives in the module named after what it holds:

* :mod:`klappt.store.project`: the project folder, its database and program;
* :mod:`klappt.store.waves`: importing, listing and loading waves;
* :mod:`klappt.store.wave_writer`: writing a wave and its returns in one transaction;
* :mod:`klappt.store.register`: the register of sites;
* :mod:`klappt.store.snapshots`: the Parquet snapshots the analysis reads;
* :mod:`klappt.store.trends`: wave mappings kept with the project, each return's site.
"""

from __future__ import annotations

from klappt.store.project import (
    MARKER,
    find_project,
    init_project,
    migrate,
    project_min_cell,
)
from klappt.store.register import import_register
from klappt.store.snapshots import snapshot_key
from klappt.store.trends import (
    mapping_file,
    register_ids,
    register_size,
    return_sites,
    store_mapping,
    stored_mappings,
)
from klappt.store.waves import WaveImport, WaveInfo, import_wave, list_waves, load_wave

__all__ = [
    "MARKER",
    "WaveImport",
    "WaveInfo",
    "find_project",
    "import_register",
    "import_wave",
    "init_project",
    "list_waves",
    "load_wave",
    "mapping_file",
    "migrate",
    "project_min_cell",
    "register_ids",
    "register_size",
    "return_sites",
    "snapshot_key",
    "store_mapping",
    "stored_mappings",
]
