"""Staff signing in with an email address and a password: wrong passwords counted per
account with a timed lock, every attempt audited, sessions that can all be ended at once,
and set-password links instead of passwords sent by email."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import StaffUser
from shared.models.base import utcnow
from shared.security import hash_password, read_token, sign_token, verify_password
from shared.services import audit, password_strength

WRONG_PASSWORDS_BEFORE_LOCK = 5
LOCK_MINUTES = 15
PASSWORD_LINK_HOURS = 48
PASSWORD_MIN_LENGTH = 12  # NCSC: length, not composition rules
PASSWORD_MAX_LENGTH = 256
_LINK_PURPOSE = "staff-password"


@dataclass(frozen=True)
class SignInOutcome:
    staff: StaffUser | None  # None: refused, for `refused_because`
    refused_because: str | None = None  # unknown, deactivated, locked, wrong_password
    # The password was right, but the person uses two-factor sign-in: not signed in until
    # their code is (shared/services/two_factor.py sign_in_with_code).
    needs_code: bool = False


def sign_in(
    session: Session, *, email: str, password: str, now: datetime | None = None
) -> SignInOutcome:
    """Check one attempt and record it, whatever the outcome. The caller commits either
    way (a refusal counts towards the lock) and shows one message for every refusal, so
    nobody learns which addresses have accounts."""
    now = now or utcnow()
    address = email.strip().lower()
    query = select(StaffUser).where(StaffUser.email == address).with_for_update()
    staff = session.scalars(query).first()
    if staff is None:
        verify_password(_unused_hash(), password)  # as slow as a real check
        return _refused(session, None, "unknown", address)
    if not staff.is_active:
        return _refused(session, staff, "deactivated", address)
    if staff.locked_until is not None and staff.locked_until > now:
        return _refused(session, staff, "locked", address)
    if not verify_password(staff.password_hash, password):
        count_failed_attempt(session, staff, now)
        return _refused(session, staff, "wrong_password", address)
    if staff.has_two_factor:
        # Wrong passwords and wrong codes count together: the count is not reset until
        # the code is right, so knowing the password gives no more guesses at the code.
        audit.record(session, actor=None, action="staff.password_accepted",
                     object_kind="staff_user", object_id=staff.id)  # fmt: skip
        session.flush()
        return SignInOutcome(staff=staff, needs_code=True)
    record_sign_in(session, staff, now)
    return SignInOutcome(staff=staff)


def count_failed_attempt(session: Session, staff: StaffUser, now: datetime) -> None:
    """A wrong password or a wrong code: enough of them lock the account for a while."""
    staff.failed_sign_ins += 1
    if staff.failed_sign_ins >= WRONG_PASSWORDS_BEFORE_LOCK:
        staff.failed_sign_ins = 0
        staff.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        audit.record(session, actor=None, action="staff.locked", object_kind="staff_user",
                     object_id=staff.id, details={"minutes": LOCK_MINUTES})  # fmt: skip
    session.flush()


def record_sign_in(session: Session, staff: StaffUser, now: datetime) -> None:
    """Every check passed: the lock count starts again."""
    staff.failed_sign_ins = 0
    staff.locked_until = None
    staff.last_signed_in_at = now
    audit.record(session, actor=staff, action="staff.signed_in", object_kind="staff_user",
                 object_id=staff.id)  # fmt: skip
    session.flush()


def _refused(session: Session, staff: StaffUser | None, reason: str, email: str) -> SignInOutcome:
    audit.record(session, actor=None, action="staff.sign_in_refused", object_kind="staff_user",
                 object_id=staff.id if staff else email, details={"reason": reason})  # fmt: skip
    session.flush()
    return SignInOutcome(staff=None, refused_because=reason)


@cache
def _unused_hash() -> str:
    return hash_password("not anyone's password")


def sign_out_everywhere(session: Session, *, staff: StaffUser) -> None:
    """End every session of this person, on every device."""
    staff.session_version += 1
    audit.record(session, actor=staff, action="staff.signed_out_everywhere",
                 object_kind="staff_user", object_id=staff.id)  # fmt: skip
    session.flush()


# ---------------------------------------------------------------- set-password links


def password_link_token(secret_key: str, staff: StaffUser) -> str:
    """A token for a link that sets this person's password: signed, expiring, and spent
    once a password is set (it is bound to the current one)."""
    return sign_token(secret_key, _LINK_PURPOSE, [staff.id, _fingerprint(staff)])


def staff_for_password_link(
    session: Session, *, token: str, secret_key: str, lock: bool = False
) -> StaffUser | None:
    """Whose password the link sets, while it is unspent and unexpired. With `lock`, the
    row is locked and read afresh, so of two people using one link at once only one can."""
    payload = read_token(secret_key, _LINK_PURPOSE, token, PASSWORD_LINK_HOURS * 3600)
    if not isinstance(payload, list) or len(payload) != 2 or not isinstance(payload[0], int):
        return None
    staff = session.get(StaffUser, payload[0], with_for_update=lock, populate_existing=lock)
    if staff is None or not staff.is_active or _fingerprint(staff) != payload[1]:
        return None
    return staff


def set_password(session: Session, *, staff: StaffUser, password: str) -> None:
    """A new password ends every session and any lock; the caller checked its length.
    Raises password_strength.WeakPassword for one too easy to guess (the form checks
    first, to say why on the page)."""
    password_strength.check(password, user_inputs=(staff.display_name, staff.email))
    staff.password_hash = hash_password(password)
    staff.session_version += 1
    staff.failed_sign_ins = 0
    staff.locked_until = None
    audit.record(session, actor=staff, action="staff.password_set", object_kind="staff_user",
                 object_id=staff.id)  # fmt: skip
    session.flush()


def _fingerprint(staff: StaffUser) -> str:
    return hashlib.sha256(staff.password_hash.encode()).hexdigest()[:20]
