"""Who may see which case. Every case a citizen sees is fetched through here; anything
they may not see is reported exactly like a case that does not exist."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import Case, Event, Party
from shared.references import normalise_reference


class NotFound(Exception):
    """No such case, or not one this person may see: the caller cannot tell which."""


def case_for_citizen(
    session: Session,
    *,
    reference: str,
    party: Party | None,
    looked_up_case_ids: Collection[int] = (),
) -> Case:
    """The case if the signed-in citizen filed it, or if they looked it up this visit with
    its reference number and their email address."""
    canonical = normalise_reference(reference)
    if canonical is None:
        raise NotFound
    case = session.scalars(select(Case).where(Case.reference == canonical)).first()
    if case is None:
        raise NotFound
    if case.id in looked_up_case_ids or (party is not None and _belongs_to(case, party)):
        return case
    raise NotFound


def _belongs_to(case: Case, party: Party) -> bool:
    # Signing in proves the email address, so cases filed with it (before an account
    # existed, each under a Party of its own) are this person's too.
    if case.applicant_id == party.id:
        return True
    return bool(party.is_email_verified and party.email and case.applicant.email == party.email)


def case_by_reference_and_email(session: Session, *, reference: str, email: str) -> Case:
    """Tracking without an account: both must match, or NotFound."""
    canonical = normalise_reference(reference)
    address = email.strip().lower()
    if canonical is None or not address:
        raise NotFound
    case = session.scalars(
        select(Case).join(Party, Case.applicant_id == Party.id)
        .where(Case.reference == canonical, Party.email == address)
    ).first()  # fmt: skip
    if case is None:
        raise NotFound
    return case


def cases_of(session: Session, *, party: Party) -> list[Case]:
    query = select(Case).join(Party, Case.applicant_id == Party.id)
    if party.is_email_verified and party.email:
        query = query.where((Party.id == party.id) | (Party.email == party.email))
    else:
        query = query.where(Party.id == party.id)
    return list(session.scalars(query.order_by(Case.submitted_at.desc(), Case.id.desc())))


def public_timeline(session: Session, *, case: Case) -> list[Event]:
    """What the citizen may see of the case's history: never internal notes."""
    query = select(Event).where(Event.case_id == case.id, Event.is_public.is_(True))
    return list(session.scalars(query.order_by(Event.occurred_at.desc(), Event.id.desc())))
