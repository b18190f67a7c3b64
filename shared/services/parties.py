"""Parties: registering the people and organisations cases are about."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from shared.models import Party, PartyKind
from shared.references import new_client_id
from shared.services import audit


def register_person(
    session: Session,
    *,
    given_name: str,
    family_name: str,
    email: str | None,
    date_of_birth: date | None = None,
    preferred_locale: str = "en",
    is_email_verified: bool = False,
) -> Party:
    party = Party(
        client_id=new_client_id(),
        kind=PartyKind.PERSON,
        given_name=given_name,
        family_name=family_name,
        email=email.strip().lower() if email else None,
        is_email_verified=is_email_verified,
        date_of_birth=date_of_birth,
        preferred_locale=preferred_locale,
    )
    session.add(party)
    session.flush()
    audit.record(
        session, actor=None, action="party.registered", object_kind="party", object_id=party.id
    )
    return party


def set_preferred_locale(session: Session, *, party: Party, locale: str) -> None:
    """The language a person chose: their pages and every notice sent to them from now on."""
    if party.preferred_locale == locale:
        return
    previous = party.preferred_locale
    party.preferred_locale = locale
    audit.record(
        session,
        actor=party,
        action="party.language_changed",
        object_kind="party",
        object_id=party.id,
        details={"from": previous, "to": locale},
    )
    session.flush()
