"""The parties of a case beyond its applicant, as staff add and remove them. Each change
writes an AuditEvent and a staff-only event on the case's history: the resident never
sees the other parties of their case.

A party added here is a new Party every time (names typed by staff are no proof of who
someone is), except where a Party has proved the email address given (they signed in
with it): that person is linked, never merged into.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.models import Case, CaseParty, CasePartyRole, Event, Party, PartyKind, StaffUser
from shared.references import new_client_id
from shared.services import audit
from shared.services.tasks import may_work_on

# Party's columns
NAME_MAX_LENGTH = 120
ORGANISATION_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 254
PHONE_MAX_LENGTH = 40
# The order a case page lists them in, after the applicant.
ROLE_ORDER = list(CasePartyRole)


class PartyRefused(Exception):
    """Nothing was written. `reason`: not_allowed (the actor may not work this case),
    name (no name at all), applicant (the resident who filed the case), already_added
    (the same person in the same role: a second press), already_removed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ListedParty:
    """A party as a case page lists it; the applicant has no role and no link."""

    party: Party
    role: CasePartyRole | None
    case_party_id: int | None


def add_party_to_case(
    session: Session,
    *,
    case: Case,
    staff: StaffUser,
    role: CasePartyRole,
    given_name: str | None = None,
    family_name: str | None = None,
    organisation_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> CaseParty:
    if not may_work_on(staff, case):
        raise PartyRefused("not_allowed")
    names = (_clean(given_name), _clean(family_name), _clean(organisation_name))
    if not any(names):
        raise PartyRefused("name")
    address = (_clean(email) or "").lower() or None
    number = _clean(phone)
    # Two people adding at once wait for each other here, so the second sees the first's.
    session.refresh(case, with_for_update=True)
    party = _verified_party(session, address)
    if (party is not None and party.id == case.applicant_id) or (
        address is not None and address == (case.applicant.email or "").lower()
    ):
        raise PartyRefused("applicant")
    if party is None:
        if _already_there(session, case, role, (*names, address, number)):
            raise PartyRefused("already_added")
        party = _new_party(session, staff, names, address, number)
    link = CaseParty(case_id=case.id, party_id=party.id, role=role, added_by_staff_id=staff.id)
    try:
        with session.begin_nested():
            session.add(link)
            session.flush()
    except IntegrityError:  # the same known person in the same role already
        raise PartyRefused("already_added") from None
    _write_history(session, case=case, staff=staff, link_id=link.id, role=role, party=party,
                   kind="party_added")  # fmt: skip
    return link


def remove_party_from_case(
    session: Session, *, case: Case, staff: StaffUser, case_party: CaseParty
) -> None:
    """Takes the party off the case; the Party itself stays (other cases may have it)."""
    if not may_work_on(staff, case) or case_party.case_id != case.id:
        raise PartyRefused("not_allowed")
    party, link_id, role = case_party.party, case_party.id, case_party.role
    # A plain DELETE counts what it took away, so a second press (or someone else's at
    # the same moment) removes nothing and says so.
    removed = session.execute(
        delete(CaseParty).where(CaseParty.id == link_id),
        execution_options={"synchronize_session": False},
    )
    if removed.rowcount == 0:  # type: ignore[attr-defined]
        raise PartyRefused("already_removed")
    _write_history(session, case=case, staff=staff, link_id=link_id, role=role, party=party,
                   kind="party_removed")  # fmt: skip


def parties_of(session: Session, *, case: Case) -> list[ListedParty]:
    """The applicant first, then the others by role and in the order they were added."""
    query = (
        select(CaseParty, Party)
        .join(Party, CaseParty.party_id == Party.id)
        .where(CaseParty.case_id == case.id)
        .order_by(CaseParty.added_at, CaseParty.id)
    )
    others = [ListedParty(party, link.role, link.id) for link, party in session.execute(query)]
    others.sort(key=lambda listed: ROLE_ORDER.index(listed.role))  # type: ignore[arg-type]
    return [ListedParty(case.applicant, None, None), *others]


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def _verified_party(session: Session, address: str | None) -> Party | None:
    if address is None:
        return None
    query = select(Party).where(Party.email == address, Party.is_email_verified.is_(True))
    return session.scalars(query.order_by(Party.id)).first()


def _already_there(
    session: Session, case: Case, role: CasePartyRole, typed: tuple[str | None, ...]
) -> bool:
    """The same names and contact details in the same role: a form sent twice."""
    query = (
        select(Party)
        .join(CaseParty, CaseParty.party_id == Party.id)
        .where(CaseParty.case_id == case.id, CaseParty.role == role)
    )
    return any(
        (p.given_name, p.family_name, p.organisation_name, p.email, p.phone) == typed
        for p in session.scalars(query)
    )


def _new_party(
    session: Session,
    staff: StaffUser,
    names: tuple[str | None, str | None, str | None],
    email: str | None,
    phone: str | None,
) -> Party:
    given_name, family_name, organisation_name = names
    is_person = bool(given_name or family_name)
    party = Party(
        client_id=new_client_id(),
        kind=PartyKind.PERSON if is_person else PartyKind.ORGANISATION,
        given_name=given_name,
        family_name=family_name,
        organisation_name=organisation_name,
        email=email,
        phone=phone,
    )
    session.add(party)
    session.flush()
    audit.record(session, actor=staff, action="party.registered", object_kind="party",
                 object_id=party.id)  # fmt: skip
    return party


def _write_history(
    session: Session,
    *,
    case: Case,
    staff: StaffUser,
    link_id: int,
    role: CasePartyRole,
    party: Party,
    kind: str,
) -> None:
    # Internal: the resident never sees the other parties (access.public_timeline).
    session.add(Event(case_id=case.id, kind=kind, actor_staff_id=staff.id,
                      note=display_name(party), is_public=False))  # fmt: skip
    audit.record(session, actor=staff, action=kind.replace("_", ".", 1), object_kind="case_party",
                 object_id=link_id, details={"case": case.reference, "party_id": party.id,
                                             "role": role.value})  # fmt: skip
    session.flush()


def display_name(party: Party) -> str:
    """A person's name (with their organisation, if given), or the organisation's."""
    name = party.display_name or party.organisation_name or ""
    if party.kind is PartyKind.PERSON and party.organisation_name:
        return f"{name} ({party.organisation_name})"
    return name
