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


def claim(session: Session, notice_id: int) -> bool:
    """Atomically take a notice for sending; False if another worker has it or it is done."""
    result = session.execute(
        update(Notice)
        .where(Notice.id == notice_id, Notice.state.in_([NoticeState.PENDING, NoticeState.FAILED]))
        .values(state=NoticeState.SENDING, attempts=Notice.attempts + 1, updated_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_state(
    session: Session, *, notice_id: int, state: NoticeState, error: str | None = None
) -> None:
    values: dict[str, Any] = {"state": state, "updated_at": utcnow(), "last_error": error}
    if state is NoticeState.SENT:
        values["sent_at"] = utcnow()
    session.execute(update(Notice).where(Notice.id == notice_id).values(**values))


def sweep(session: Session, *, now: datetime, stuck_after: timedelta) -> list[int]:
    """Recover notices a crash or an outage left behind; returns the ids to enqueue.

    pending too long: the enqueue after commit was lost (Redis down) → enqueue again.
    sending too long: the worker died before handing it to the mail server → resend.
    transmitting too long: it died while handing over → maybe delivered → never resent.
    """
    cutoff = now - stuck_after
    stale = select(Notice).where(Notice.updated_at < cutoff).with_for_update(skip_locked=True)
    to_enqueue = []
    for notice in session.scalars(stale.where(Notice.state.in_(_RECOVERABLE))):
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
    notice.updated_at = utcnow()
    audit.record(session, actor=actor, action="notice.resent", object_kind="notice",
                 object_id=notice.id, details={"previous_state": previous})  # fmt: skip
    session.flush()


@dataclass(frozen=True)
class NoticeSummary:
    counts: dict[str, int]
    oldest_pending_at: datetime | None
    needing_attention: list[tuple[int, str]]


def summary(session: Session) -> NoticeSummary:
    rows = session.execute(select(Notice.state, func.count()).group_by(Notice.state)).all()
    counts = {state.value: 0 for state in NoticeState} | {row[0].value: row[1] for row in rows}
    oldest = session.scalar(
        select(func.min(Notice.created_at)).where(Notice.state == NoticeState.PENDING)
    )
    attention = session.execute(
        select(Notice.id, Notice.last_error)
        .where(Notice.state.in_([NoticeState.FAILED, NoticeState.DELIVERY_UNKNOWN]))
        .order_by(Notice.id)
        .limit(20)
    ).all()
    return NoticeSummary(counts, oldest, [(row[0], row[1] or "") for row in attention])
