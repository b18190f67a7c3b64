"""Email by SMTP, configured by one URL (CASEWAY_SMTP_URL).

smtp://host:25                      plain (a local relay)
smtp://user:password@host:587?starttls=true
smtps://user:password@host:465      TLS from the start
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from shared.notices.render import RenderedNotice

TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    use_ssl: bool
    use_starttls: bool
    username: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("CASEWAY_SMTP_URL must start with smtp:// or smtps://")
        options = parse_qs(parts.query)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (465 if parts.scheme == "smtps" else 25),
            use_ssl=parts.scheme == "smtps",
            use_starttls=options.get("starttls", ["false"])[0].lower() in ("1", "true", "yes"),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def build_message(
    rendered: RenderedNotice, *, sender: str, recipient: str, message_id: str
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = recipient
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    message["Content-Language"] = rendered.locale.replace("_", "-")  # set_content clears it
    return message


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP's DATA expects it: CRLF line ends (smtplib fixes them only for
    str, not bytes)."""
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def message_id_for(idempotency_key: str, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "caseway.invalid"
    return f"<{idempotency_key}@{domain}>"


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.use_ssl:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=TIMEOUT_SECONDS,
            context=ssl.create_default_context(),
        )  # fmt: skip
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
        if settings.use_starttls:
            client.starttls(context=ssl.create_default_context())
    if settings.username:
        client.login(settings.username, settings.password or "")
    return client
