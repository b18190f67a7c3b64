"""What the session remembers between the two steps of signing in with a password and a
code, and how the person signed in (only a password sign-in is asked for a second factor:
single sign-on leaves that to the identity provider)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import session

from shared.models import StaffUser

# Long enough to open the app and type a code, short enough that a password entered on a
# shared computer and left there does not stay half signed in.
PENDING_SECONDS = 5 * 60
_PENDING = "two_factor_pending"
_BY_PASSWORD = "signed_in_with_password"  # noqa: S105 - a session key


@dataclass(frozen=True)
class Pending:
    staff_id: int
    session_version: int
    going_to: str


def remember(staff: StaffUser, going_to: str) -> None:
    """The password was right: wait for the code. The session version binds the pending
    sign-in to this password, so a new password or "sign out everywhere" voids it."""
    session[_PENDING] = {
        "id": staff.id,
        "version": staff.session_version,
        "until": int(time.time()) + PENDING_SECONDS,
        "next": going_to,
    }


def pending() -> Pending | None:
    """The sign-in waiting for its code, while it has not expired."""
    found = session.get(_PENDING)
    if not isinstance(found, dict) or int(found.get("until", 0)) < time.time():
        return None
    try:
        return Pending(int(found["id"]), int(found["version"]), str(found["next"]))
    except (KeyError, TypeError, ValueError):
        return None


def started() -> bool:
    """Whether a sign-in was waiting for its code, expired or not."""
    return _PENDING in session


def forget() -> None:
    session.pop(_PENDING, None)


def mark_signed_in_with_password() -> None:
    """Called just after start_session for a password sign-in."""
    session[_BY_PASSWORD] = True


def signed_in_with_password() -> bool:
    return bool(session.get(_BY_PASSWORD))
