"""The public names of ``klappt.coding`` are documented (the import boundary is checked in tests/test_boundaries.py)."""

from __future__ import annotations

import klappt.coding


def test_public_names_documented__ok() -> None:
    undocumented = [
        n for n in klappt.coding.__all__ if not (getattr(klappt.coding, n).__doc__ or "").strip()
    ]
    assert undocumented == []
