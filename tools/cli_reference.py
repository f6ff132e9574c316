"""Write docs/CLI.md from the ``--help`` of every klappt command, or check that it is current.

    python tools/cli_reference.py          # write docs/CLI.md
    python tools/cli_reference.py --check  # exit 1 when docs/CLI.md differs from --help

The reference is generated, never edited by hand: a test runs ``--check``, so a changed option
or help text that is not written into the docs fails the test run (as datasette does with cog).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

# fixed before typer and rich are imported: they read the width once
os.environ["TERMINAL_WIDTH"] = "100"
os.environ["COLUMNS"] = "100"
os.environ.pop("KLAPPT_LANG", None)

import typer
from typer.testing import CliRunner

from klappt.cli import app

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "docs" / "CLI.md"
HEADER = """# The `klappt` command: reference

Generated from `klappt … --help` by `tools/cli_reference.py`; do not edit by hand (a test
checks that this file and the commands agree). Every command takes `--lang en` for English
messages; `KLAPPT_LANG=en` does the same for a whole session.
"""


def _paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path in the order ``--help`` lists them: the group, then its commands."""
    out = [prefix]
    if hasattr(command, "list_commands"):  # a group (typer ships its own trimmed click)
        ctx = command.make_context("klappt", [], resilient_parsing=True)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not getattr(sub, "hidden", False):
                out += _paths(sub, (*prefix, name))
    return out


def render() -> str:
    runner = CliRunner()
    parts = [HEADER]
    for path in _paths(typer.main.get_command(app)):
        result = runner.invoke(app, [*path, "--help"], prog_name="klappt", env={"NO_COLOR": "1"})
        if result.exit_code != 0:
            raise SystemExit(f"klappt {' '.join(path)} --help failed: {result.output}")
        lines = [line.rstrip() for line in result.output.strip("\n").splitlines()]
        parts.append(
            f"## `klappt{''.join(' ' + p for p in path)}`\n\n```text\n"
            + "\n".join(lines)
            + "\n```\n"
        )
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET} is out of date: run python tools/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"{TARGET} written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
