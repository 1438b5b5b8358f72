"""A real SMTP server for the tests (aiosmtpd) on 127.0.0.1, and what it received."""

from __future__ import annotations

import email
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from tests.pgserver import free_port


@dataclass
class Inbox:
    """Every message the server accepted, parsed, in order."""

    messages: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.arrived:
            self.messages.append(email.message_from_bytes(envelope.original_content))
            self.recipients.append(list(envelope.rcpt_tos))
            self.arrived.notify_all()
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Message]:
        """The first `count` messages, waiting at most `timeout` seconds for them."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.arrived.wait(left)
            return list(self.messages)


@contextmanager
def smtp_server(port: int | None = None, **options: Any) -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on 127.0.0.1 (a free port unless given), stopped at the end;
    `options` go to aiosmtpd's Controller (TLS, STARTTLS, sign-in)."""
    inbox = Inbox()
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=5.0, **options)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
