"""Docs that cannot drift: the examples in the core's docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "klappt",
    "klappt.formatting",
    "klappt.files",
    "klappt.damaged",
    "klappt.instrument.readers",
    "klappt.instrument.serialize",
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


def test_readme_json_example_matches_the_reference_wave__ok():
    import re
    from pathlib import Path

    from klappt.analysis.tabulate import tabulate
    from klappt.reference import load_reference

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("### The JSON contract", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    tab = tabulate(load_reference("2022")[1])
    checked = 0
    for m in re.finditer(r'"question": "(\w+)", "type": "(\w+)".*?"base": (\d+)', block, re.S):
        table = tab.table(m.group(1))
        assert (table.type, table.base) == (m.group(2), int(m.group(3))), m.group(1)
        checked += 1
    for m in re.finditer(
        r'"choice": "(\w+)", "label": "[^"]*", "count": (\d+), "percent": ([\d.]+)', block
    ):
        rows = [
            r
            for t in tab.tables
            for r in t.rows
            if r.choice == m.group(1) and r.count == int(m.group(2))
        ]
        assert any(r.percent == float(m.group(3)) for r in rows), m.group(0)
        checked += 1
    assert checked >= 7
