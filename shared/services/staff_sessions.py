"""Signed-in sessions of staff, kept on the server: each begins with a random key that
only the session cookie carries, and signing out ends it, so a copy of the cookie taken
before is refused afterwards. "Sign out everywhere", a new password and deactivation end
every session at once through the person's session version instead."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shared.models import StaffSession, StaffUser
from shared.models.base import utcnow
from shared.services import audit

# However active, a session lasts a working day at most: a cookie copied and kept busy
# does not live for ever, and rows older than that can be forgotten.
LONGEST_SESSION = timedelta(hours=12)


def begin(session: Session, *, staff: StaffUser, now: datetime | None = None) -> str:
    """A new session for `staff`; the key is for the cookie and is stored only hashed."""
    key = secrets.token_urlsafe(32)
    session.add(StaffSession(key_hash=_hashed(key), staff_user_id=staff.id,
                             started_at=now or utcnow()))  # fmt: skip
    session.flush()
    return key


def signed_in_staff(
    session: Session, *, staff_id: int, version: int, key: str, now: datetime | None = None
) -> StaffUser | None:
    """The person a session belongs to, while that session is still theirs: not ended,
    not older than a working day, not superseded by "sign out everywhere", the account
    still active."""
    query = (
        select(StaffUser)
        .join(StaffSession, StaffSession.staff_user_id == StaffUser.id)
        .where(
            StaffSession.key_hash == _hashed(key),
            StaffSession.ended_at.is_(None),
            StaffSession.started_at > (now or utcnow()) - LONGEST_SESSION,
            StaffUser.id == staff_id,
            StaffUser.session_version == version,
            StaffUser.is_active.is_(True),
        )
    )
    return session.scalars(query).first()


def end(session: Session, *, staff: StaffUser, key: str, now: datetime | None = None) -> None:
    """Sign out: this session only; the person's other devices stay signed in."""
    found = session.scalars(
        select(StaffSession).where(
            StaffSession.key_hash == _hashed(key), StaffSession.staff_user_id == staff.id
        )
    ).first()
    if found is not None and found.ended_at is None:
        found.ended_at = now or utcnow()
        audit.record(session, actor=staff, action="staff.signed_out", object_kind="staff_user",
                     object_id=staff.id)  # fmt: skip
    session.flush()


def forget_spent(session: Session, *, now: datetime | None = None) -> int:
    """Delete sessions that can no longer be used (ended or past a working day); how many."""
    cutoff = (now or utcnow()) - LONGEST_SESSION
    result = session.execute(delete(StaffSession).where(StaffSession.started_at <= cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _hashed(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
