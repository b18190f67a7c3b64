"""A real SMTP server (aiosmtpd) in the test process, with controllable behaviour."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.ports import free_port


class MailServer:
    """Accepts mail by default; `refuse_with` answers DATA with an error; `hold_in` makes
    the server wait in MAIL (before the hand-over) or DATA (after receiving the message)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse_with: str | None = None
        self.hold_in: str | None = None
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:  # noqa: N802, E501
        if self.hold_in == "mail":
            self._hold()
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse_with:
            return self.refuse_with
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        if self.hold_in == "data":
            self._hold()
        return "250 Message accepted for delivery"

    def _hold(self) -> None:
        # Blocks the server's loop on purpose: the client is stuck mid-conversation
        # until the test has killed it.
        self.holding.set()
        self.release.wait(timeout=60)


@contextmanager
def running_mail_server() -> Iterator[tuple[MailServer, str]]:
    handler = MailServer()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, f"smtp://127.0.0.1:{port}"
    finally:
        handler.release.set()
        controller.stop()
