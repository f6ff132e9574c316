"""The sender ``klappt serve`` runs beside gunicorn: a child process that polls the outbox.

It sends what is due (:func:`klappt.web.outbox.drain`), queues the scheduled reminders of the
day, and ends with its parent. A child process rather than a thread in gunicorn's workers: one
sender per server, not one per worker, and a crash in it never takes a request with it.
Run by hand: ``python -m klappt.web.mailworker --project DIR``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("klappt.web.mail")
POLL_SECONDS = 5.0


def start(project: Path) -> subprocess.Popen[bytes] | None:
    """Start the sender for ``project`` (None when it cannot be started: the server runs on).
    A malformed ``KLAPPT_EMAIL_URL`` stops the start-up with its message."""
    from django.conf import settings

    if settings.KLAPPT_MAIL.error is not None and settings.KLAPPT_MAIL.url:
        raise settings.KLAPPT_MAIL.error
    cmd = [sys.executable, "-m", "klappt.web.mailworker", "--project", str(project)]
    cmd += ["--parent", str(os.getpid())]
    try:
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    except OSError as exc:  # pragma: no cover - a machine without fork
        log.error("mail sender not started: %s", exc)
        return None


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run(project: Path, parent: int | None = None, poll: float = POLL_SECONDS) -> None:
    from klappt.web.server import _setup

    _setup(project)
    from django.db import close_old_connections

    from klappt.web import mail, outbox

    stopping = {"now": False}

    def stop_soon(*_args: Any) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGTERM, stop_soon)
    signal.signal(signal.SIGINT, stop_soon)

    def gone() -> bool:
        return stopping["now"] or (parent is not None and os.getppid() != parent)

    while not gone():
        try:
            close_old_connections()
            if not mail.problems():
                mail.scheduled_reminders()
                outbox.drain(max_wait=0, should_stop=gone)
        except Exception:  # a database hiccup must not end the sender
            log.exception("mail sender: one round failed, trying again")
        end = time.monotonic() + poll
        while time.monotonic() < end and not gone():
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="klappt-mailworker")
    parser.add_argument("--project", required=True)
    parser.add_argument("--parent", type=int, default=None)
    parser.add_argument("--poll", type=float, default=POLL_SECONDS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run(Path(args.project), args.parent, args.poll)


if __name__ == "__main__":
    main()
