"""The ``klappt`` command: thin wiring from options to the core and back to files and screen.

One module per command group; importing them registers their commands on the shared Typer
app, in the order ``klappt --help`` lists them.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

from rich.markup import escape

from klappt.cli.common import _chosen, _t, app, err
from klappt.errors import KlapptError, current_language

__all__ = ["app", "main"]

# importing a module registers its commands; the order here is the order of `klappt --help`
for _module in ("tables", "waves", "reports", "interop", "coding", "server"):
    import_module(f"klappt.cli.{_module}")


def _run(argv: list[str] | None = None) -> Any:
    return app(args=argv, prog_name="klappt")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``klappt`` console script: user mistakes end in one message, no traceback."""
    try:
        _run(argv)
    except KlapptError as exc:
        lang = _chosen["lang"] or current_language()
        err.print(
            f"[bold red]{_t(lang, 'Fehler', 'Error')}:[/] {escape(exc.message(lang))}",
            highlight=False,
        )
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
