"""Docs that cannot drift: the examples in the core's docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "klappt",
    "klappt.formatting",
    "klappt.files",
    "klappt.limits",
    "klappt.cli.common",
    "klappt.damaged",
    "klappt.instrument.readers",
    "klappt.instrument.serialize",
    "klappt.instrument.conditions.parse",
    "klappt.responses.io",
    "klappt.responses.dataset",
    "klappt.analysis.tabulate",
    "klappt.analysis.workbook",
    "klappt.analysis.disclosure",
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


def test_cli_reference_is_generated_from_the_help__ok():
    """docs/CLI.md is what `--help` says; tools/cli_reference.py writes it again after a change."""
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, str(repo / "tools" / "cli_reference.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_package_data_globs_name_files_that_exist__ok():
    import tomllib
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    config = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["klappt"]
    package = repo / "src" / "klappt"
    empty = [g for g in globs if not any(p.is_file() for p in package.glob(g))]
    assert not empty, f"package-data globs that name no file: {empty}"
