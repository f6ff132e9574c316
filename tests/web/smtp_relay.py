"""A real SMTP server for the mail tests: aiosmtpd on 127.0.0.1, in this process.

It keeps every accepted message (envelope and parsed mail). ``on_rcpt`` and ``on_data`` let a
test act at a precise point of the SMTP conversation (e.g. SIGKILL the sender while it waits for
the reply to RCPT, or after the relay stored the message but before the sender heard "250").
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import re
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Relay:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.on_rcpt: Callable[[str], None] | None = None
        self.on_data: Callable[[dict[str, Any]], None] | None = None
        self.port = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        envelope.rcpt_tos.append(address)
        if self.on_rcpt is not None:
            self.on_rcpt(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        entry = {
            "to": list(envelope.rcpt_tos),
            "from": envelope.mail_from,
            "subject": str(msg["Subject"]).strip(),
            "body": msg.get_body(("plain",)).get_content(),
            "message_id": str(msg["Message-ID"]),
        }
        with self.lock:
            self.messages.append(entry)
        if self.on_data is not None:
            self.on_data(entry)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.messages if address in m["to"]]

    def links(self, address: str) -> list[str]:
        return [
            link for m in self.to(address) for link in re.findall(r"https?://\S+/r/\S+/", m["body"])
        ]


@contextlib.contextmanager
def relay() -> Iterator[Relay]:
    handler = Relay()
    handler.port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()
