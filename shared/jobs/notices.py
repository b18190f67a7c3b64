"""Sending notices by email, exactly once per notice and channel.

A notice moves pending → sending (claimed atomically, so two workers never both take
it) → transmitting (committed just before the message is handed to the mail server)
→ sent. A worker that dies while *sending* has sent nothing, and the sweep sends the
notice again; one that dies while *transmitting* may have delivered it, so the sweep
marks it delivery_unknown instead of risking a second email. The idempotency key is the
email's Message-ID, so a mail server or the recipient can also tell copies apart.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage

from rq import Retry
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from shared.config import Settings
from shared.jobs import context
from shared.jobs.queues import NOTICES, queue
from shared.mail_in.addresses import reply_address, signed_message_id
from shared.models import Case, Message, Notice, NoticeState, Party
from shared.models.base import utcnow
from shared.notices.kinds import NoticeKind
from shared.notices.links import case_link
from shared.notices.mail import (
    SmtpSettings,
    build_message,
    connect,
    message_id_for,
    wire_bytes,
)
from shared.notices.render import render_notice
from shared.services import notices

log = logging.getLogger(__name__)

# RQ's Retry is the quick path, on the same delays as the notice's own schedule; the
# database owns the retry (`next_attempt_at`), and the sweep enqueues whatever is due if
# Redis lost the scheduled job or the worker holding it died.
SEND_RETRY = Retry(
    max=len(notices.RETRY_DELAYS),
    interval=[int(delay.total_seconds()) for delay in notices.RETRY_DELAYS],
)
SEND_TIMEOUT_SECONDS = 120
# Kinds that carry a staff message the resident can answer by replying to the email.
REPLYABLE_KINDS = frozenset({NoticeKind.NEW_MESSAGE})
# Longer than a send can take (the job timeout), so a live worker is never overtaken.
STUCK_AFTER = timedelta(seconds=SEND_TIMEOUT_SECONDS * 2)


def enqueue_send(notice_id: int, redis_url: str | None = None) -> None:
    queue(NOTICES, redis_url).enqueue(
        send_notice, notice_id, retry=SEND_RETRY, job_timeout=SEND_TIMEOUT_SECONDS,
        description=f"send notice {notice_id}",
    )  # fmt: skip


def send_notice(notice_id: int) -> str:
    sessions = context.sessions()
    with sessions() as session, session.begin():
        if not notices.claim(session, notice_id):
            log.info("notice %s is taken, done or not due; nothing to send", notice_id)
            return "skipped"
        notice = session.get(Notice, notice_id)
        if notice is None:
            return "skipped"
        message = message_for(session, notice, context.settings())
    return _deliver(notice_id, message).value


def message_for(session: Session, notice: Notice, settings: Settings) -> EmailMessage:
    """The email of a notice, as it is sent: rendered in its language, its links made from
    `settings` and its case."""
    kind = NoticeKind(notice.kind)
    values = dict(notice.context)
    case = session.get(Case, notice.case_id) if notice.case_id is not None else None
    if case is not None:
        values["case_url"] = case_link(kind, case.reference, settings)
    party = (
        session.get(Party, notice.recipient_party_id)
        if notice.recipient_party_id is not None
        else None
    )
    written = values.get("message_id")
    if kind in REPLYABLE_KINDS and case is not None and party is not None and written:
        # The message is read from the database as the email is made, so the notice row
        # keeps no copy of it.
        message = session.get(Message, int(written))
        if message is not None and message.case_id == case.id:
            values["message_body"] = message.body
    rendered = render_notice(kind, notice.locale, values)
    if rendered.reply_separator is None or case is None or party is None:
        return build_message(
            rendered,
            sender=settings.mail_from,
            recipient=notice.recipient_address or "",
            message_id=message_id_for(notice.idempotency_key, settings.mail_from),
        )
    # An email the resident can answer: a reply address and a Message-ID signed for this
    # case and this resident, both made from the notice's own day and ids, so every retry
    # of this notice sends the same headers (the Message-ID stays its idempotency key).
    issued = notice.created_at.date()
    email = build_message(
        rendered,
        sender=settings.mail_from,
        recipient=notice.recipient_address or "",
        message_id=signed_message_id(
            settings, case=case, party=party, notice=notice, issued=issued
        ),
    )
    email["Reply-To"] = reply_address(settings, case=case, party=party, issued=issued)
    return email


def _deliver(notice_id: int, message: EmailMessage) -> NoticeState:
    handed_over = False
    try:
        client = connect(SmtpSettings.from_url(context.settings().smtp_url))
        try:
            client.ehlo_or_helo_if_needed()
            code, reply = client.mail(message["From"])
            if code != 250:  # smtplib returns a refused MAIL FROM instead of raising
                raise smtplib.SMTPSenderRefused(code, reply, message["From"])
            code, reply = client.rcpt(message["To"])
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({message["To"]: (code, reply)})
            _record(notice_id, NoticeState.TRANSMITTING)
            handed_over = True
            code, reply = client.data(wire_bytes(message))
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
        finally:
            _quietly_quit(client)
    except smtplib.SMTPResponseException as refusal:  # the server answered no: not delivered
        return _failed(notice_id, refusal)
    except (smtplib.SMTPException, OSError) as error:
        if handed_over:  # the line dropped mid-hand-over: it may have arrived
            _record(notice_id, NoticeState.DELIVERY_UNKNOWN, _reason(error))
            return NoticeState.DELIVERY_UNKNOWN
        return _failed(notice_id, error)
    _record(notice_id, NoticeState.SENT)
    return NoticeState.SENT


def _failed(notice_id: int, error: Exception) -> NoticeState:
    """Record the failure and when the notice is due again; raise, so RQ's Retry (the quick
    path) tries again, unless no attempt is left."""
    reason = _reason(error)
    with context.sessions()() as session, session.begin():
        state = notices.record_failure(session, notice_id=notice_id, error=reason, now=utcnow())
    log.warning("notice %s %s: %s", notice_id, state.value, reason)
    if state is NoticeState.UNDELIVERABLE:
        return state
    raise error


def _record(notice_id: int, state: NoticeState, error: str | None = None) -> None:
    with context.sessions()() as session, session.begin():
        notices.set_state(session, notice_id=notice_id, state=state, error=error)
    if error:
        log.warning("notice %s %s: %s", notice_id, state.value, error)


def _quietly_quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"[:500]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {_text(reply)}" for code, reply in error.recipients.values())[
            :500
        ]
    return f"{type(error).__name__}: {error}"[:500]


def _text(reply: bytes | str) -> str:
    """A server's reply as it was sent (smtplib hands it over as bytes)."""
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def sweep_notices(stuck_after_seconds: float | None = None) -> int:
    """Periodic: re-enqueue what an outage or a crash left behind (see `notices.sweep`)."""
    stuck_after = (
        timedelta(seconds=stuck_after_seconds) if stuck_after_seconds is not None else STUCK_AFTER
    )
    try:
        with context.sessions()() as session, session.begin():
            recovered = notices.sweep(session, now=utcnow(), stuck_after=stuck_after)
    except OperationalError as error:
        # The database is busy or away: nothing was changed, and the next sweep (a minute
        # on) finds the same notices. Failing the job would only add noise.
        log.warning("notice sweep could not run, leaving it to the next one: %s", error)
        return 0
    if recovered:
        log.info("sweep re-enqueued notices %s", recovered)
    return len(recovered)
