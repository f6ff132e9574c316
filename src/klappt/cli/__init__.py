"""The ``klappt`` command: thin wiring from options to the core and back to files and screen.

One module per command group; importing them registers their commands on the shared Typer
app, in the order ``klappt --help`` lists them.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from klappt.cli import common
from klappt.cli.common import _chosen, err, shown
from klappt.errors import KlapptError, current_language
from klappt.language import say

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["app", "main"]

# importing a module registers its commands; the order here is the order of `klappt --help`
COMMAND_MODULES = (
    "tables",
    "waves",
    "trend",
    "reports",
    "interop",
    "coding",
    "server",
    "mail",
    "returns",
)
#: commands that need only their own module: `klappt tabulate …` skips building the other
#: forty commands (their imports and Typer's parameter parsing cost about a third of a second)
ONE_MODULE = {"validate": "tables", "tabulate": "tables", "disclosure": "tables"}
_registered: set[str] = set()


def _register(modules: tuple[str, ...] = COMMAND_MODULES) -> Any:
    """The Typer app with the commands of ``modules`` registered (each module once)."""
    for module in modules:
        if module not in _registered:
            import_module(f"klappt.cli.{module}")
            _registered.add(module)
    return common.app


def __getattr__(name: str) -> Any:
    # `from klappt.cli import app` (tests, tools/cli_reference.py) gets every command
    if name == "app":
        return _register()
    raise AttributeError(name)


def _run(argv: list[str] | None = None) -> Any:
    args = sys.argv[1:] if argv is None else argv
    only = ONE_MODULE.get(args[0]) if args else None
    app = _register((only,) if only else COMMAND_MODULES)
    return app(args=argv, prog_name="klappt")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``klappt`` console script: user mistakes end in one message, no traceback."""
    try:
        try:
            _run(argv)
        except KlapptError as exc:
            lang = _chosen["lang"] or current_language()
            err.print(
                f"[bold red]{say('Fehler', 'Error', lang)}:[/] {escape(shown(exc.message(lang), 2000))}",
                highlight=False,
            )
            sys.exit(2)
        except KeyboardInterrupt:
            sys.exit(130)
        except (RecursionError, MemoryError) as exc:
            # A parser meeting a structure nested deeper than the stack, or an input larger
            # than the memory, reaches here from wherever it happened; the readers name the
            # file where they can (PARSE_001), this is the last resort. KLAPPT_DEBUG=1 shows
            # the traceback, for a recursion of our own.
            if os.environ.get("KLAPPT_DEBUG"):
                raise
            _resource_error(exc, sys.argv[1:] if argv is None else argv)
            sys.exit(2)
    except SystemExit as done:
        if argv is not None:  # called from Python (tests, scripts): exit as usual
            raise
        code = done.code
        _exit_now(code if isinstance(code, int) else (0 if code is None else 1))


def _resource_error(exc: BaseException, args: list[str]) -> None:
    from pathlib import Path

    from klappt.errors import ErrorCode

    exc.__traceback__ = None  # the frames of a deep recursion or a full memory: let them go first
    files = [a for a in args if not a.startswith("-") and _is_file(Path(a))]
    shown = ", ".join(Path(f).name for f in files) or " ".join(args[:1])
    code = ErrorCode.PARSE_003 if isinstance(exc, RecursionError) else ErrorCode.PARSE_004
    lang = _chosen["lang"] or current_language()
    message = KlapptError(code, files=shown).message(lang)
    err.print(f"[bold red]{say('Fehler', 'Error', lang)}:[/] {escape(message)}", highlight=False)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long, or with a NUL byte
        return False


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
