"""Docs that cannot drift: the examples in the core's docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "klappt",
    "klappt.formatting",
    "klappt.files",
    "klappt.instrument.readers",
    "klappt.responses.io",
    "klappt.responses.dataset",
    "klappt.analysis.tabulate",
    "klappt.analysis.workbook",
    "klappt.reference",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run__ok(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no runnable example"
    assert result.failed == 0
