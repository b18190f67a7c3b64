"""Two-factor sign-in for staff who sign in with a password: a TOTP authenticator app
(RFC 6238, 30-second steps) and ten one-use recovery codes.

Enrolment is confirmed with a code before it counts; a code is accepted once (the last
accepted time-step is stored); wrong codes count towards the same lock as wrong passwords.
Every enrolment, use, failure and removal is audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import StaffRecoveryCode, StaffUser
from shared.models.base import utcnow
from shared.services import audit, staff_sign_in
from shared.services.staff_sign_in import SignInOutcome

STEP_SECONDS = 30
# A code from the step before or after now is accepted too: phones' clocks drift.
STEPS_EITHER_SIDE = 1
RECOVERY_CODES = 10
# 16 characters of 32 (5 bits each): 80 bits, far beyond guessing. That is why a plain
# SHA-256 of a code is enough to store (no salt or slow hash is needed against a stolen
# table, unlike passwords people choose) and a code is found by its hash in one query.
_RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # no i, l, o or u to misread
_RECOVERY_LENGTH = 16


def is_required(staff: StaffUser, required_roles: Iterable[str]) -> bool:
    """Whether this person's roles oblige them to use two-factor sign-in."""
    required = set(required_roles)
    return any(role.code in required for role in staff.roles)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class AlreadySetUp(Exception):
    """Two-factor sign-in was set up meanwhile (another tab): its recovery codes stand."""


def enrol(
    session: Session, *, staff: StaffUser, secret: str, code: str, now: datetime | None = None
) -> list[str] | None:
    """Turn two-factor sign-in on with `secret`, once `code` shows the app has it.
    Returns the new recovery codes (to show once), or None for a wrong code. `staff` is
    read under its row lock, so of two tabs sending a code at once only one sets it up."""
    if staff.has_two_factor:
        raise AlreadySetUp
    now = now or utcnow()
    step = _matching_step(secret, code, now, last_step=None)
    if step is None:
        _audit(session, staff, "staff.two_factor_enrolment_failed")
        return None
    staff.totp_secret = secret
    staff.totp_last_step = step
    staff.totp_enrolled_at = now
    _audit(session, staff, "staff.two_factor_enrolled")
    return _new_recovery_codes(session, staff)


def confirm(session: Session, *, staff: StaffUser, code: str, now: datetime | None = None) -> bool:
    """Whether `code` (from the app, or a recovery code) is right for this enrolled
    person; a right one is spent. Audited either way."""
    now = now or utcnow()
    if staff.totp_secret is None or staff.totp_enrolled_at is None:
        return False
    entered = code.replace(" ", "").replace("-", "").strip().lower()
    if entered.isdigit():
        step = _matching_step(staff.totp_secret, entered, now, last_step=staff.totp_last_step)
        if step is not None:
            staff.totp_last_step = step
            _audit(session, staff, "staff.two_factor_code_used")
            return True
    elif _spend_recovery_code(session, staff, entered, now):
        left = remaining_recovery_codes(session, staff=staff)
        _audit(session, staff, "staff.recovery_code_used", {"left": left})
        return True
    _audit(session, staff, "staff.two_factor_code_refused")
    return False


def sign_in_with_code(
    session: Session, *, staff_id: int, session_version: int, code: str, now: datetime | None = None
) -> SignInOutcome:
    """The second step of signing in, after the right password. A wrong code counts
    towards the same lock as a wrong password; the caller commits either way."""
    now = now or utcnow()
    staff = session.get(StaffUser, staff_id, with_for_update=True, populate_existing=True)
    if staff is None or not staff.is_active or staff.session_version != session_version:
        return SignInOutcome(staff=None, refused_because="expired")
    if staff.locked_until is not None and staff.locked_until > now:
        _audit(session, staff, "staff.sign_in_refused", {"reason": "locked"}, actor=False)
        return SignInOutcome(staff=None, refused_because="locked")
    if not confirm(session, staff=staff, code=code, now=now):
        staff_sign_in.count_failed_attempt(session, staff, now)
        locked = staff.locked_until is not None and staff.locked_until > now
        return SignInOutcome(staff=None, refused_because="locked" if locked else "wrong_code")
    staff_sign_in.record_sign_in(session, staff, now)
    return SignInOutcome(staff=staff)


def regenerate_recovery_codes(
    session: Session, *, staff: StaffUser, code: str, now: datetime | None = None
) -> list[str] | None:
    """New recovery codes in place of all the old ones, once a current code is entered."""
    if not confirm(session, staff=staff, code=code, now=now):
        return None
    _audit(session, staff, "staff.recovery_codes_replaced")
    return _new_recovery_codes(session, staff)


def remove(session: Session, *, staff: StaffUser, code: str, now: datetime | None = None) -> bool:
    """Turn two-factor sign-in off, once a current code is entered. The caller checks
    that the person's roles do not require it."""
    if not confirm(session, staff=staff, code=code, now=now):
        return False
    clear(session, staff=staff)
    _audit(session, staff, "staff.two_factor_removed")
    return True


def clear(session: Session, *, staff: StaffUser) -> None:
    """Forget the person's key and recovery codes, unaudited: the callers (turning it off,
    an administrator's reset) each record why."""
    staff.totp_secret = None
    staff.totp_last_step = None
    staff.totp_enrolled_at = None
    _delete_recovery_codes(session, staff)


def remaining_recovery_codes(session: Session, *, staff: StaffUser) -> int:
    query = select(StaffRecoveryCode).where(
        StaffRecoveryCode.staff_user_id == staff.id, StaffRecoveryCode.used_at.is_(None)
    )
    return len(session.scalars(query).all())


def _matching_step(secret: str, code: str, now: datetime, *, last_step: int | None) -> int | None:
    """The time-step whose code `code` is, near now and after `last_step`, if any."""
    entered = code.replace(" ", "").strip()
    if len(entered) != 6 or not entered.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - STEPS_EITHER_SIDE, current + STEPS_EITHER_SIDE + 1):
        if last_step is not None and step <= last_step:
            continue  # that code, or an older one, was used already
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), entered):
            return step
    return None


def _new_recovery_codes(session: Session, staff: StaffUser) -> list[str]:
    _delete_recovery_codes(session, staff)
    codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
             for _ in range(RECOVERY_CODES)]  # fmt: skip
    session.add_all(
        StaffRecoveryCode(staff_user_id=staff.id, code_hash=_hash(code)) for code in codes
    )
    session.flush()
    return ["-".join(code[i : i + 4] for i in range(0, len(code), 4)) for code in codes]


def _spend_recovery_code(session: Session, staff: StaffUser, entered: str, now: datetime) -> bool:
    typed = entered.translate(str.maketrans("oilu", "011v"))  # misread characters
    query = select(StaffRecoveryCode).where(
        StaffRecoveryCode.staff_user_id == staff.id,
        StaffRecoveryCode.code_hash == _hash(typed),
        StaffRecoveryCode.used_at.is_(None),
    )
    found = session.scalars(query.with_for_update()).first()
    if found is None:
        return False
    found.used_at = now
    session.flush()
    return True


def _delete_recovery_codes(session: Session, staff: StaffUser) -> None:
    query = select(StaffRecoveryCode).where(StaffRecoveryCode.staff_user_id == staff.id)
    for code in session.scalars(query):
        session.delete(code)
    session.flush()


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _audit(
    session: Session,
    staff: StaffUser,
    action: str,
    details: dict[str, object] | None = None,
    *,
    actor: bool = True,
) -> None:
    audit.record(session, actor=staff if actor else None, action=action,
                 object_kind="staff_user", object_id=staff.id, details=details)  # fmt: skip
    session.flush()
