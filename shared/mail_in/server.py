"""`caseway mail-in`: the small inbound SMTP server that turns residents' emailed replies
into messages on their cases.

It takes mail for the reply domain only (at scale it sits behind the organisation's mail
server, which relays that domain to it). Each recipient is checked when the sending server
names it (RCPT TO), so a forged, altered or expired reply address is refused there with a
550 whose text says why: the sender's own server then bounces the email with that text.
An address at the reply domain that is not a signed one (a mail server that rewrote the
To) is taken, and the reply is matched by the signed Message-ID it answers
(In-Reply-To / References) instead.

At DATA the reply is parsed, matched, and stored in one transaction: the message (through
`messages.receive_email_reply`, which holds it when the sender is not the resident and
keeps the same email once) and its attachments, through the documents pipeline into
quarantine with their clamd scans enqueued after the commit, exactly like the portal's
uploads. Anything that stops it being stored is answered 451, so the sending server tries
again later: a reply is never accepted and then lost.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared.casetypes import case_type_definition
from shared.config import Settings
from shared.db import make_engine
from shared.encryption import keys
from shared.jobs.outbox import sessions_with_outbox
from shared.mail_in.addresses import ReplyAddressRefused, verify_message_id, verify_reply_address
from shared.mail_in.parse import InboundEmail, parse_email
from shared.models import Case, Message, Party
from shared.services import documents, messages
from shared.storage import Storage, storage_for
from shared.uploads.receiving import IncomingFile

log = logging.getLogger(__name__)

# Larger than most mail servers send (Gmail 25 MB): bigger is refused with 552 as it
# arrives, by aiosmtpd's own data size limit.
MAX_EMAIL_BYTES = 25 * 1024 * 1024
# Files on a case from messages beyond what its case type allows with the form: the same
# cap as the portal's replies (portal/views/messages.py), against a sender filling the store.
MESSAGE_FILES_PER_CASE = 50

# SMTP replies are ASCII and in English: they reach the resident inside their own mail
# server's bounce, whatever their language.
FORGED = "550 5.7.1 This reply address is not valid: it has been altered or was not made by us"
EXPIRED = "550 5.7.1 This reply address has expired: sign in to the portal to reply"
RELAYING_DENIED = "550 5.7.1 Relaying denied: we only take replies to our own emails"
NOT_MATCHED = (
    "550 5.1.1 We could not tell which case this email is about: reply to the email we "
    "sent you, or sign in to the portal to reply"
)
GONE = "550 5.1.1 This reply address is no longer in use: sign in to the portal to reply"
EMPTY = "550 5.6.0 Your reply has no text above the line: write your reply there and send it again"
TOO_LONG = (
    f"552 5.3.4 Your reply is longer than {messages.BODY_MAX_LENGTH} characters: shorten it, "
    "or sign in to the portal to reply"
)
CASE_CLOSED = "550 5.7.1 This case is closed: sign in to the portal to see it"
TRY_LATER = "451 4.3.0 We could not store your reply just now: your mail server will try again"
ACCEPTED = "250 2.0.0 Your reply has been added to your case"
ALREADY = "250 2.0.0 Your reply was already added to your case"
IGNORED = "250 2.0.0 Automatic reply not added to the case"

_REFUSALS = {"forged": FORGED, "expired": EXPIRED}
_MESSAGE_REFUSALS = {"empty": EMPTY, "too_long": TOO_LONG, "case_closed": CASE_CLOSED}


@dataclass(frozen=True)
class Target:
    case_id: int
    party_id: int


class ReplyHandler:
    """aiosmtpd's handler: RCPT checks the address, DATA stores the reply. The database
    and storage work runs in a thread, off the event loop, so one slow reply does not stall
    the conversations of others."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], storage: Storage):
        self.settings = settings
        self.sessions = sessions
        self.storage = storage

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's name
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        reply = self.check_recipient(address)
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        recipients = list(envelope.rcpt_tos)
        return await asyncio.get_running_loop().run_in_executor(
            None, self.take, bytes(raw), recipients
        )

    def check_recipient(self, address: str) -> str:
        domain = address.rpartition("@")[2].lower().rstrip(".>")
        if domain != self.settings.reply_domain:
            return RELAYING_DENIED
        try:
            verify_reply_address(self.settings, address)
        except ReplyAddressRefused as refused:
            if refused.reason != "unknown":
                log.info("refused reply address %s: %s", address, refused.reason)
                return _REFUSALS[refused.reason]
            # At our domain but not signed: matched later by the email it answers.
        return "250 2.1.5 OK"

    def take(self, raw: bytes, recipients: list[str]) -> str:
        """The answer to DATA for `raw`, addressed to `recipients` (already checked)."""
        try:
            email = parse_email(raw)
        except Exception:  # a message we cannot read is refused, not lost silently
            log.exception("could not parse an inbound email")
            return "554 5.6.0 This email could not be read"
        if email.automatic:
            log.info("ignored an automatic reply %s", email.message_id)
            return IGNORED
        target = self.target(email, recipients)
        if target is None:
            return NOT_MATCHED
        try:
            return self._store(email, target)
        except messages.MessageRefused as refused:
            return _MESSAGE_REFUSALS.get(refused.reason, TRY_LATER)
        except Exception:
            log.exception(
                "could not store reply %s; asked the sender to try later", email.message_id
            )
            return TRY_LATER

    def target(self, email: InboundEmail, recipients: list[str]) -> Target | None:
        """The case and resident: by the signed reply address it was sent to, else by the
        signed Message-ID of the notice it answers."""
        for address in recipients:
            try:
                return Target(*verify_reply_address(self.settings, address))
            except ReplyAddressRefused:
                continue
        for message_id in email.answers:
            found = verify_message_id(self.settings, message_id)
            if found is not None:
                return Target(*found)
        return None

    def _store(self, email: InboundEmail, target: Target) -> str:
        with self.sessions() as session, session.begin():
            case = session.get(Case, target.case_id)
            party = session.get(Party, target.party_id)
            if case is None or party is None:
                return GONE
            earlier = session.scalar(
                select(Message.id).where(Message.email_message_id == email.message_id)
            )
            if earlier is not None:
                return ALREADY
            message = messages.receive_email_reply(
                session,
                case=case,
                party=party,
                from_address=parseaddr(email.from_address)[1] or email.from_address,
                body=email.text,
                email_message_id=email.message_id,
            )
            self._attach(session, email, case=case, party=party, message=message)
        return ACCEPTED

    def _attach(
        self, session: Session, email: InboundEmail, *, case: Case, party: Party, message: Message
    ) -> None:
        """Each attachment into quarantine, its scan enqueued after the commit (the outbox);
        one the case type does not take (type, size) is left out and logged."""
        case_type = case_type_definition(case.case_type.code)
        rules = documents.UploadRules(
            allowed=case_type.allowed_files,
            max_documents=case_type.max_documents + MESSAGE_FILES_PER_CASE,
            max_bytes=self.settings.max_upload_bytes,
        )
        for attachment in email.attachments:
            incoming = IncomingFile(
                self.settings.storage_dir / "incoming", self.settings.max_upload_bytes
            )
            try:
                incoming.write(attachment.content)
                document = documents.receive_upload(
                    session, self.storage, incoming=incoming, filename=attachment.filename,
                    rules=rules, uploaded_by=party, case=case,
                )  # fmt: skip
            except documents.UploadRejected as rejected:
                log.warning("attachment of reply %s not taken: %s", email.message_id,
                            rejected.reason)  # fmt: skip
                continue
            finally:
                incoming.close()
            messages.attach(session, message=message, document=document)


def controller(
    settings: Settings, *, host: str, port: int, max_bytes: int = MAX_EMAIL_BYTES
) -> Controller:
    """The server, ready to `start()` (it runs in a thread of its own) and `stop()`."""
    keys.configure_from(settings)
    sessions = sessions_with_outbox(make_engine(settings.database_url), settings.redis_url)
    handler = ReplyHandler(settings, sessions, storage_for(settings))
    return Controller(
        handler,
        hostname=host,
        port=port,
        server_hostname=settings.reply_domain,
        ident="Caseway mail-in",
        data_size_limit=max_bytes,
    )
