"""Signing citizens in with a one-time link sent by email: no passwords for the public.

The link carries a signed, expiring token naming a nonce; the nonce is stored and can be
used once. Asking for a link says the same thing whether or not the address is known.
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


def redeem(session: Session, *, token: str, secret_key: str) -> Party:
    """The person the link signs in; the link cannot be used again."""
    payload = read_token(secret_key, PURPOSE, token, max_age_seconds=LINK_MINUTES * 60)
    if not isinstance(payload, dict) or not isinstance(payload.get("n"), str):
        raise SignInProblem("expired_or_invalid")
    link = session.scalars(
        select(SignInLink).where(SignInLink.nonce == payload["n"]).with_for_update()
    ).first()
    if link is None:
        raise SignInProblem("expired_or_invalid")
    if link.used_at is not None:
        raise SignInProblem("already_used")
    link.used_at = utcnow()
    party = session.get(Party, link.party_id)
    if party is None:
        raise SignInProblem("expired_or_invalid")
    party.is_email_verified = True  # they proved they read mail at this address
    audit.record(session, actor=party, action="party.signed_in", object_kind="party",
                 object_id=party.id)  # fmt: skip
    session.flush()
    return party
