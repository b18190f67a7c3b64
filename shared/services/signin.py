"""Signing citizens in with a one-time link sent by email: no passwords for the public.

The link carries a signed, expiring token naming a nonce; the nonce is stored and can be
used once. Asking for a link says the same thing whether or not the address is known.

Sessions are signed cookies, which the server cannot take back, so a signed-in cookie
also carries the Party's `session_version`: signing out, or redeeming a new link, moves
the version on, and every cookie holding an older one is signed out.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import Party, SignInLink
from shared.models.base import utcnow
from shared.notices.kinds import NoticeKind
from shared.security import read_token, sign_token
from shared.services import audit, notices

PURPOSE = "sign-in"
LINK_MINUTES = 20


class SignInProblem(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "expired_or_invalid" or "already_used"


def request_link(
    session: Session, *, email: str, secret_key: str, link_for: Callable[[str], str]
) -> None:
    """Email a sign-in link if a person with this address has filed a case; else nothing."""
    address = email.strip().lower()
    party = session.scalars(select(Party).where(Party.email == address)).first()
    if party is None:
        return
    nonce = secrets.token_urlsafe(24)
    session.add(SignInLink(nonce=nonce, party_id=party.id))
    token = sign_token(secret_key, PURPOSE, {"n": nonce})
    notices.create_notice(
        session, kind=NoticeKind.SIGN_IN_LINK, recipient=party,
        context={"link": link_for(token), "expires_minutes": LINK_MINUTES},
    )  # fmt: skip


def check_link(session: Session, *, token: str, secret_key: str) -> None:
    """Raise SignInProblem if the link cannot sign anyone in; change nothing. Opening the
    link only shows a "Sign in" button: mail scanners that open every link must not use
    it up (GOV.UK's pattern)."""
    _unused_link(session, token=token, secret_key=secret_key, lock=False)


def redeem(session: Session, *, token: str, secret_key: str) -> Party:
    """The person the link signs in; the link cannot be used again."""
    link = _unused_link(session, token=token, secret_key=secret_key, lock=True)
    link.used_at = utcnow()
    party = session.get(Party, link.party_id)
    if party is None:
        raise SignInProblem("expired_or_invalid")
    party.is_email_verified = True  # they proved they read mail at this address
    _end_sessions(party)  # one signed-in browser per link: a new link ends the older ones
    audit.record(session, actor=party, action="party.signed_in", object_kind="party",
                 object_id=party.id)  # fmt: skip
    session.flush()
    return party


def sign_out(session: Session, *, party: Party) -> None:
    """End every signed-in session of this person, including copies of their cookie."""
    _end_sessions(party)
    audit.record(session, actor=party, action="party.signed_out", object_kind="party",
                 object_id=party.id)  # fmt: skip
    session.flush()


def signed_in_party(session: Session, *, party_id: object, version: object) -> Party | None:
    """The person a browser's session signs in, or None if it names nobody or its version
    has been ended by a sign-out or a newer sign-in link."""
    # Both come from a cookie: signed by us, but possibly from before a sign-out.
    if type(party_id) is not int or type(version) is not int:
        return None
    party = session.get(Party, party_id)
    if party is None or party.session_version != version:
        return None
    return party


def _end_sessions(party: Party) -> None:
    # Incremented in the database, not from the value read, so two sign-ins at the same
    # moment still end up at different versions.
    party.session_version = Party.session_version + 1


def _unused_link(session: Session, *, token: str, secret_key: str, lock: bool) -> SignInLink:
    payload = read_token(secret_key, PURPOSE, token, max_age_seconds=LINK_MINUTES * 60)
    if not isinstance(payload, dict) or not isinstance(payload.get("n"), str):
        raise SignInProblem("expired_or_invalid")
    query = select(SignInLink).where(SignInLink.nonce == payload["n"])
    link = session.scalars(query.with_for_update() if lock else query).first()
    if link is None:
        raise SignInProblem("expired_or_invalid")
    if link.used_at is not None:
        raise SignInProblem("already_used")
    return link
