"""klappt: recurring site questionnaires end to end.

XLSForm instruments, returns from the files people already have, tables with the
right bases, waves in a database, and reports.

Example
-------
>>> import klappt
>>> from klappt.reference import reference_path
>>> form = klappt.read_instrument(reference_path("arbeitshilfe_2022.xlsx"))
>>> rs, report = klappt.load_responses(form, klappt.read_table(reference_path("returns_2022.csv")))
>>> klappt.tabulate(rs).table("lebenswelt").base
40
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from klappt.errors import ErrorCode, KlapptError

__version__ = "0.1.0"

# The public API is loaded on first use, so that `klappt --help` does not pay for Polars.
_LAZY = {
    "read_instrument": "klappt.instrument.readers",
    "Instrument": "klappt.instrument.model",
    "Question": "klappt.instrument.model",
    "read_table": "klappt.responses.io",
    "RawTable": "klappt.responses.io",
    "load_responses": "klappt.responses.dataset",
    "read_responses": "klappt.responses.dataset",
    "ResponseSet": "klappt.responses.dataset",
    "ValidationReport": "klappt.responses.report",
    "tabulate": "klappt.analysis.tabulate",
    "Tabulation": "klappt.analysis.tabulate",
}

__all__ = ["ErrorCode", "KlapptError", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'klappt' has no attribute {name!r}")
