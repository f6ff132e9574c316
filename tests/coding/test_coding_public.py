"""The public names of ``klappt.coding`` are documented (the import boundary is checked in tests/test_boundaries.py)."""

from __future__ import annotations

import pytest

import klappt.coding


def test_public_names_documented__ok() -> None:
    undocumented = [
        n for n in klappt.coding.__all__ if not (getattr(klappt.coding, n).__doc__ or "").strip()
    ]
    assert undocumented == []


@pytest.mark.parametrize(
    "name",
    [
        "klappt.coding.agreement",
        "klappt.coding.codebook",
        "klappt.coding.codings",
        "klappt.coding.mentions",
        "klappt.coding.privacy",
        "klappt.coding.segments",
        "klappt.coding.suggest",
        "klappt.coding.workbook",
    ],
)
def test_docstring_examples_of_the_coding_modules_run__ok(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
