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

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from shared.models import (
    Case,
    CaseChannel,
    CaseParty,
    Classification,
    Document,
    Draft,
    Event,
    Message,
    MessageState,
    Party,
    RoleCode,
    StaffUser,
    Task,
)
from shared.permissions import Permission, may
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
    if document.message_id is not None:
        # A file on a message: the resident's or a caseworker's, once the message is on
        # the conversation (an emailed reply from another address waits for staff).
        message = session.get(Message, document.message_id)
        if message is None or message.state is not MessageState.DELIVERED:
            raise NotFound
    elif document.uploaded_by_staff_id is not None:
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
    if document is None or document.case_id is None:
        raise NotFound
    case = session.get(Case, document.case_id)
    if case is None or not may_open_document(staff, case, document):
        raise NotFound
    return document


def may_open_document(staff: StaffUser, case: Case, document: Document) -> bool:
    """Whether this member of staff may open the document's file (see document_for_staff),
    so a page offers a download link only to those it will serve."""
    roles = {role.code for role in staff.roles}
    if not staff.is_active or not roles & {role.value for role in CASE_ROLES}:
        return False
    assigned = case.assignee_id == staff.id
    same_team = case.team_id is not None and case.team_id == staff.team_id
    if not (assigned or same_team):
        return False
    return document.classification is not Classification.SENSITIVE or (
        assigned or RoleCode.SUPERVISOR.value in roles
    )


def document_of_case(session: Session, *, case: Case, document_id: int) -> Document:
    """A document (any version) of a case already fetched for this person through
    case_for_staff; one of another case is reported as not existing."""
    if not 0 < document_id < 2**31:  # no row has it, and PostgreSQL would refuse to compare it
        raise NotFound
    document = session.get(Document, document_id)
    if document is None or document.case_id != case.id or document.removed_at is not None:
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


def cases_visible_to(staff: StaffUser) -> ColumnElement[bool]:
    """may_see_case as a WHERE condition, for lists: every case, their team's and their
    own, or none."""
    roles = {role.code for role in staff.roles}
    if not staff.is_active:
        return false()
    if roles & SEES_EVERY_CASE:
        return true()
    if roles & SEES_TEAM_CASES:
        own = Case.assignee_id == staff.id
        return or_(own, Case.team_id == staff.team_id) if staff.team_id is not None else own
    return false()


def case_for_staff(session: Session, *, reference: str, staff: StaffUser) -> Case:
    """A case this member of staff may see; any other is reported as not existing."""
    case = _case_by_reference(session, reference)
    if may_see_case(staff, case):
        return case
    raise NotFound


def task_for_staff(session: Session, *, case: Case, task_id: int, staff: StaffUser) -> Task:
    """A task of a case this member of staff may see; a task of another case, or of one
    they may not see, is reported as not existing."""
    if not 0 < task_id < 2**31 or not may_see_case(staff, case):  # PostgreSQL's integer
        raise NotFound
    task = session.get(Task, task_id)
    if task is None or task.case_id != case.id:
        raise NotFound
    return task


def case_party_of_case(session: Session, *, case: Case, case_party_id: int) -> CaseParty:
    """A party (other than the applicant) of a case already fetched for this person
    through case_for_staff; one of another case is reported as not existing."""
    if not 0 < case_party_id < 2**31:  # PostgreSQL's integer
        raise NotFound
    link = session.get(CaseParty, case_party_id)
    if link is None or link.case_id != case.id:
        raise NotFound
    return link


def staff_timeline(session: Session, *, case: Case) -> list[Event]:
    """Everything that happened to the case, internal notes included, newest first."""
    query = select(Event).where(Event.case_id == case.id)
    return list(session.scalars(query.order_by(Event.occurred_at.desc(), Event.id.desc())))


def recording_for_staff(
    session: Session, *, token: str, staff: StaffUser, lock: bool = False
) -> Draft:
    """A case a clerk is recording for a resident (assisted intake), by its draft's token,
    for someone who may record cases. A resident's own draft on the portal is never found
    here, whatever its token. With `lock`, the draft's row is locked and read afresh, so
    two people sending the same record at once make one case."""
    if not may(staff, Permission.RECORD_CASES):
        raise NotFound
    query = select(Draft).where(Draft.token == token, Draft.channel != CaseChannel.PORTAL)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    draft = session.scalars(query).first()
    if draft is None:
        raise NotFound
    return draft
