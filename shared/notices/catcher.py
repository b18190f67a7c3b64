"""Development's mail catcher: each email the service sends, printed to the console the
way a person reads it (headers decoded, the plain-text part with its links whole), rather
than as raw MIME, where quoted-printable breaks long links across lines.

`python -m shared.notices.catcher 127.0.0.1:8025`; `caseway serve` starts it when nothing
listens on the configured local SMTP port. aiosmtpd comes with the development install.
"""

from __future__ import annotations

import sys
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


def readable(raw: bytes) -> str:
    """An email as a person reads it: who, to whom, what about, and its text; with the
    address a reply goes to and the Message-ID it answers, so a reply by email can be
    tried by hand (sent to the inbound SMTP service with In-Reply-To set to that id)."""
    message = message_from_bytes(raw, policy=policy.default)
    if not isinstance(message, EmailMessage):  # policy.default always makes one
        return raw.decode(errors="replace")
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else "(no plain-text part)"
    reply_to = message["Reply-To"] or "(none: replies are not read)"
    rule = "-" * 72
    return (
        f"{rule}\nFrom: {message['From']}\nTo: {message['To']}\n"
        f"Reply-To: {reply_to}\nMessage-ID: {message['Message-ID']}\n"
        f"Subject: {message['Subject']}\n\n{text.rstrip()}\n{rule}"
    )


class _PrintEach:
    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        print(readable(envelope.original_content or envelope.content), flush=True)
        return "250 OK"


def main(address: str) -> None:
    from aiosmtpd.controller import Controller

    host, _, port = address.rpartition(":")
    controller = Controller(_PrintEach(), hostname=host, port=int(port))
    controller.start()
    print(f"mail catcher on {host}:{port}: each email is printed here", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8025")
