"""The ``klappt`` command: thin wiring from options to the core and back to files and screen.

One module per command group; importing them registers their commands on the shared Typer
app, in the order ``klappt --help`` lists them.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

from rich.markup import escape

from klappt.cli.common import _chosen, _t, app, err, shown
from klappt.errors import KlapptError, current_language

__all__ = ["app", "main"]

# importing a module registers its commands; the order here is the order of `klappt --help`
for _module in ("tables", "waves", "reports", "interop", "coding", "server", "mail"):
    import_module(f"klappt.cli.{_module}")


def _run(argv: list[str] | None = None) -> Any:
    return app(args=argv, prog_name="klappt")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``klappt`` console script: user mistakes end in one message, no traceback."""
    try:
        try:
            _run(argv)
        except KlapptError as exc:
            lang = _chosen["lang"] or current_language()
            err.print(
                f"[bold red]{_t(lang, 'Fehler', 'Error')}:[/] {escape(shown(exc.message(lang), 2000))}",
                highlight=False,
            )
            sys.exit(2)
        except KeyboardInterrupt:
            sys.exit(130)
    except SystemExit as done:
        if argv is not None:  # called from Python (tests, scripts): exit as usual
            raise
        code = done.code
        _exit_now(code if isinstance(code, int) else (0 if code is None else 1))


def _exit_now(code: int) -> None:
    """End the process without freeing every table object by object first.

    After a million returns the interpreter would spend a fifth of a second taking gigabytes of
    frames apart before exiting; the operating system takes the memory back at once. The exit
    handlers still run (temporary folders, finalizers), and the output is flushed.
    """
    import atexit
    import contextlib
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        # a closed pipe (klappt … | head) has nothing left to take
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
