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
    """Accepts mail by default. `refuse_mail`, `refuse_rcpt` and `refuse_data` answer that
    command with the given reply (such as "451 4.3.0 Try again later") for as long as they
    are set; `hold_in` makes the server stall in MAIL (before the hand-over) or in DATA
    (after receiving the message) until `release` is set; `stop()` closes the port and
    `start()` opens it again, keeping what was received."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.messages: list[EmailMessage] = []
        self.refuse_mail: str | None = None
        self.refuse_rcpt: str | None = None
        self.refuse_data: str | None = None
        self.hold_in: str | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self._controller: Controller | None = None

    def start(self) -> None:
        # A controller's event loop is closed when it stops, so each start needs a new one.
        controller = Controller(self, hostname="127.0.0.1", port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        self.release.set()  # a stalled conversation would keep the loop from stopping
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse_nothing(self) -> None:
        self.refuse_mail = self.refuse_rcpt = self.refuse_data = None

    def addressed_to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.hold_in == "mail":
            self._hold()
        if self.refuse_mail:
            return self.refuse_mail
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse_data:
            return self.refuse_data
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
    server = MailServer()
    server.start()
    try:
        yield server, server.url
    finally:
        server.stop()
