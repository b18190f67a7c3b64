"""Creating notices inside the caller's transaction; nothing is sent here.

The job that sends a notice is enqueued by the session's after-commit hook
(`shared.jobs.outbox`), so a notice whose transaction rolls back is never sent, and one
whose enqueue fails (Redis down) is picked up by the periodic sweep.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared.models import Case, Notice, NoticeChannel, NoticeState, Party, StaffUser
from shared.models.base import utcnow
from shared.notices.kinds import STAFF_KINDS, NoticeKind
from shared.notices.render import notice_locale
from shared.services import audit


def create_notice(
    session: Session,
    *,
    kind: NoticeKind,
    recipient: Party | StaffUser,
    case: Case | None = None,
    context: dict[str, Any] | None = None,
) -> Notice:
    """A notice to `recipient` in their language, by email when they have an address;
    without one it is only shown in the portal (and counts as delivered)."""
    if (kind in STAFF_KINDS) != isinstance(recipient, StaffUser):
        raise ValueError(
            f"{kind.value} notices go to {'staff' if kind in STAFF_KINDS else 'citizens'}"
        )
    address = recipient.email
    notice = Notice(
        case_id=case.id if case is not None else None,
        recipient_party_id=recipient.id if isinstance(recipient, Party) else None,
        recipient_staff_id=recipient.id if isinstance(recipient, StaffUser) else None,
        recipient_address=address,
        kind=kind.value,
        channel=NoticeChannel.EMAIL if address else NoticeChannel.PORTAL,
        locale=notice_locale(recipient.preferred_locale if isinstance(recipient, Party) else None),
        context=context or {},
        state=NoticeState.PENDING if address else NoticeState.SENT,
        idempotency_key=uuid.uuid4().hex,
    )
    session.add(notice)
    session.flush()
    return notice


def create_notice_to_address(
    session: Session, *, kind: NoticeKind, address: str, locale: str, context: dict[str, Any]
) -> Notice:
    """A notice to an email address that is not (yet) a Party's, such as the link to a
    form someone saved before telling us who they are."""
    notice = Notice(
        recipient_address=address.strip().lower(),
        kind=kind.value,
        channel=NoticeChannel.EMAIL,
        locale=notice_locale(locale),
        context=context,
        state=NoticeState.PENDING,
        idempotency_key=uuid.uuid4().hex,
    )
    session.add(notice)
    session.flush()
    return notice


# After the first attempt fails, the next ones are this long after each failure; a notice
# that fails them all is undeliverable and waits for a person.
RETRY_DELAYS = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


# RQ schedules its retries in whole seconds, so one can start up to a second before the
# notice's own next_attempt_at.
_EARLY_RETRY = timedelta(seconds=2)


def claim(session: Session, notice_id: int) -> bool:
    """Atomically take a notice for sending; False if another worker has it, it is done,
    or it failed and its next attempt is not due. A second job for the same notice (RQ's
    retry of an earlier attempt, next to the one the sweep enqueued) must not spend the
    notice's attempts ahead of its schedule."""
    due = Notice.next_attempt_at.is_(None) | (Notice.next_attempt_at <= utcnow() + _EARLY_RETRY)
    result = session.execute(
        update(Notice)
        .where(
            Notice.id == notice_id,
            (Notice.state == NoticeState.PENDING) | ((Notice.state == NoticeState.FAILED) & due),
        )
        .values(
            state=NoticeState.SENDING,
            attempts=Notice.attempts + 1,
            next_attempt_at=None,
            updated_at=utcnow(),
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def record_failure(session: Session, *, notice_id: int, error: str, now: datetime) -> NoticeState:
    """Not delivered this time: due again after the next delay, or undeliverable when every
    attempt has been used. The row, not a job in Redis, says when."""
    notice = session.get(Notice, notice_id, with_for_update=True)
    if notice is None:
        return NoticeState.FAILED
    notice.last_error = error
    notice.updated_at = now
    if notice.attempts < MAX_ATTEMPTS:
        notice.state = NoticeState.FAILED
        notice.next_attempt_at = now + RETRY_DELAYS[max(notice.attempts, 1) - 1]
    else:
        notice.state = NoticeState.UNDELIVERABLE
        notice.next_attempt_at = None
        audit.record(session, actor=None, action="notice.undeliverable", object_kind="notice",
                     object_id=notice.id, details={"attempts": notice.attempts})  # fmt: skip
    session.flush()
    return notice.state


def set_state(
    session: Session, *, notice_id: int, state: NoticeState, error: str | None = None
) -> None:
    values: dict[str, Any] = {"state": state, "updated_at": utcnow(), "last_error": error}
    if state is NoticeState.SENT:
        values["sent_at"] = utcnow()
    session.execute(update(Notice).where(Notice.id == notice_id).values(**values))


def sweep(session: Session, *, now: datetime, stuck_after: timedelta) -> list[int]:
    """Recover notices a crash or an outage left behind; returns the ids to enqueue.

    failed and due for another attempt: enqueued whatever Redis remembers of its retry.
    pending too long: the enqueue after commit was lost (Redis down) → enqueue again.
    sending too long: the worker died before handing it to the mail server → resend.
    transmitting too long: it died while handing over → maybe delivered → never resent.
    """
    cutoff = now - stuck_after
    due = (Notice.state == NoticeState.FAILED) & (Notice.next_attempt_at <= now)
    stale = (Notice.updated_at < cutoff) & Notice.state.in_(_RECOVERABLE)
    found = select(Notice).where(due | stale).order_by(Notice.id).with_for_update(skip_locked=True)
    to_enqueue = []
    for notice in session.scalars(found):
        if notice.state is NoticeState.TRANSMITTING:
            notice.state = NoticeState.DELIVERY_UNKNOWN
            notice.last_error = (
                "The worker stopped while handing this email to the mail server, so it may "
                "have been delivered. Check the mail server's log, then resend if it was not."
            )
            audit.record(session, actor=None, action="notice.delivery_unknown",
                         object_kind="notice", object_id=notice.id)  # fmt: skip
            continue
        notice.state = NoticeState.PENDING
        notice.updated_at = now
        to_enqueue.append(notice.id)
    session.flush()
    return to_enqueue


_RECOVERABLE = [NoticeState.PENDING, NoticeState.SENDING, NoticeState.TRANSMITTING]


def resend(session: Session, *, notice: Notice, actor: StaffUser | None) -> None:
    """An administrator's decision to send a notice again, with a new Message-ID."""
    if notice.channel is not NoticeChannel.EMAIL:
        raise ValueError("only email notices can be resent")
    previous = notice.state.value
    notice.state = NoticeState.PENDING
    notice.idempotency_key = uuid.uuid4().hex
    notice.last_error = None
    notice.attempts = 0  # a person's decision starts the retries afresh
    notice.next_attempt_at = None
    notice.updated_at = utcnow()
    audit.record(session, actor=actor, action="notice.resent", object_kind="notice",
                 object_id=notice.id, details={"previous_state": previous})  # fmt: skip
    session.flush()


@dataclass(frozen=True)
class NoticeSummary:
    counts: dict[str, int]
    oldest_pending_at: datetime | None
    # Undeliverable or maybe delivered: a person checks, then resends or not.
    needing_attention: list[tuple[int, str, str]]  # id, state, reason
    # Failed, with another attempt to come: nothing to do yet.
    retrying: list[tuple[int, int, datetime | None, str]]  # id, attempts, next attempt, reason


def summary(session: Session) -> NoticeSummary:
    rows = session.execute(select(Notice.state, func.count()).group_by(Notice.state)).all()
    counts = {state.value: 0 for state in NoticeState} | {row[0].value: row[1] for row in rows}
    oldest = session.scalar(
        select(func.min(Notice.created_at)).where(Notice.state == NoticeState.PENDING)
    )
    attention = session.execute(
        select(Notice.id, Notice.state, Notice.last_error)
        .where(Notice.state.in_([NoticeState.UNDELIVERABLE, NoticeState.DELIVERY_UNKNOWN]))
        .order_by(Notice.id)
        .limit(20)
    ).all()
    retrying = session.execute(
        select(Notice.id, Notice.attempts, Notice.next_attempt_at, Notice.last_error)
        .where(Notice.state == NoticeState.FAILED)
        .order_by(Notice.next_attempt_at, Notice.id)
        .limit(20)
    ).all()
    return NoticeSummary(
        counts,
        oldest,
        [(row[0], row[1].value, row[2] or "") for row in attention],
        [(row[0], row[1], row[2], row[3] or "") for row in retrying],
    )
