"""Who may see which case and which document. Every case or document a person sees is
fetched through here; anything they may not see is reported exactly like one that does
not exist.

Citizens reach a case in two ways. Looking it up with its reference number and an email
address shows its status and public timeline, but knowing an address is not proof of
reading its mail; acting on the case (withdrawing, appealing) and opening its files take
a one-time sign-in link, which is.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import Case, Classification, Document, Draft, Event, Party, RoleCode, StaffUser
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
    """The case to see (its status and public timeline) if the signed-in citizen filed
    it, or if they looked it up this visit with its reference number and email address."""
    case = _case_by_reference(session, reference)
    if case.id in looked_up_case_ids or may_act_on(case, party):
        return case
    raise NotFound


def case_to_act_on(session: Session, *, reference: str, party: Party | None) -> Case:
    """The case to withdraw or appeal: only for the signed-in citizen who filed it. Cases
    looked up this visit do not count."""
    case = _case_by_reference(session, reference)
    if may_act_on(case, party):
        return case
    raise NotFound


def may_act_on(case: Case, party: Party | None) -> bool:
    """Whether this signed-in citizen (None: nobody signed in) may act on the case and
    open its files."""
    return party is not None and _belongs_to(case, party)


def _case_by_reference(session: Session, reference: str) -> Case:
    canonical = normalise_reference(reference)
    if canonical is None:
        raise NotFound
    case = session.scalars(select(Case).where(Case.reference == canonical)).first()
    if case is None:
        raise NotFound
    return case


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


def document_for_citizen(
    session: Session,
    *,
    public_id: str,
    party: Party | None,
    draft_tokens: Collection[str] = (),
) -> Document:
    """A document the citizen sent: on a form they are filling in (this browser holds the
    draft), or on a case of theirs while signed in (a look-up never opens files). Files
    staff add are not shown to citizens."""
    document = session.scalars(select(Document).where(Document.public_id == public_id)).first()
    if document is None or document.removed_at is not None:
        raise NotFound
    if document.case_id is None:
        draft = session.get(Draft, document.draft_id) if document.draft_id else None
        if draft is not None and draft.token in draft_tokens:
            return document
        raise NotFound
    if document.uploaded_by_staff_id is not None:
        raise NotFound
    case = session.get(Case, document.case_id)
    if case is not None and may_act_on(case, party):
        return document
    raise NotFound


# Roles that work cases; auditors and administrators see the audit trail and settings,
# not what people sent.
CASE_ROLES = frozenset({RoleCode.INTAKE_CLERK, RoleCode.CASEWORKER, RoleCode.SUPERVISOR})


def document_for_staff(session: Session, *, public_id: str, staff: StaffUser) -> Document:
    """A document on a case the staff member works: their team's cases, or one assigned to
    them. Sensitive documents only for the case's assignee and the team's supervisors."""
    document = session.scalars(select(Document).where(Document.public_id == public_id)).first()
    if document is None or document.case_id is None or not staff.is_active:
        raise NotFound
    roles = {role.code for role in staff.roles}
    case = session.get(Case, document.case_id)
    if case is None or not roles & {role.value for role in CASE_ROLES}:
        raise NotFound
    assigned = case.assignee_id == staff.id
    same_team = case.team_id is not None and case.team_id == staff.team_id
    if not (assigned or same_team):
        raise NotFound
    if document.classification is Classification.SENSITIVE and not (
        assigned or RoleCode.SUPERVISOR.value in roles
    ):
        raise NotFound
    return document


# Who sees every case: auditors (they read everything) and intake clerks (they triage
# what arrives). Caseworkers and supervisors see their team's cases and those assigned
# to them; an administrator without a casework role sees none.
SEES_EVERY_CASE = frozenset({RoleCode.AUDITOR.value, RoleCode.INTAKE_CLERK.value})
SEES_TEAM_CASES = frozenset({RoleCode.CASEWORKER.value, RoleCode.SUPERVISOR.value})


def may_see_case(staff: StaffUser, case: Case) -> bool:
    if not staff.is_active:
        return False
    roles = {role.code for role in staff.roles}
    if roles & SEES_EVERY_CASE:
        return True
    if roles & SEES_TEAM_CASES:
        return case.assignee_id == staff.id or (
            case.team_id is not None and case.team_id == staff.team_id
        )
    return False


def case_for_staff(session: Session, *, reference: str, staff: StaffUser) -> Case:
    """A case this member of staff may see; any other is reported as not existing."""
    case = _case_by_reference(session, reference)
    if may_see_case(staff, case):
        return case
    raise NotFound


def staff_timeline(session: Session, *, case: Case) -> list[Event]:
    """Everything that happened to the case, internal notes included, newest first."""
    query = select(Event).where(Event.case_id == case.id)
    return list(session.scalars(query.order_by(Event.occurred_at.desc(), Event.id.desc())))
