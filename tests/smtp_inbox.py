"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from processes import free_port


@dataclass
class Mail:
    to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_content()


class Inbox:
    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self._seen = threading.Condition()
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._seen:
            self.mails.append(Mail(list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
            self._seen.notify_all()
        return "250 OK"

    def take(self) -> list[Mail]:
        """The mails received since the last take."""
        with self._seen:
            out, self.mails = self.mails, []
        return out

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Mail]:
        with self._seen:
            if not self._seen.wait_for(lambda: len(self.mails) >= count, timeout):
                raise AssertionError(f"{count} mails did not arrive in {timeout} s: {self.mails}")
        return self.take()

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.mails if address in m.to]


@contextmanager
def smtp_server(**options: Any) -> Iterator[Inbox]:
    """The server on a free port; ``options`` go to aiosmtpd's ``Controller``
    (``tls_context`` for STARTTLS, ``authenticator`` and ``auth_require_tls``)."""
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, **options)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
