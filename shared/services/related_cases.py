"""Cases related to a case: the decision an appeal challenges and the appeals against a
decision, and the other cases of the same person, as far as a member of staff may see.

The same person is the same applicant, a record confirmed at triage to be the same
person (linked under one client id), or the same email address where one of the two
parties proved it by signing in (as shared/access.py `_belongs_to` counts a case as a
citizen's own); an address merely typed twice proves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from shared.access import may_see_case
from shared.models import Case, Decision, Party, StaffUser
from shared.services.triage import linked_party_ids

# The newest cases of a party looked at: the list is for finding one's way, not a search.
SHOWN = 10
CANDIDATES = 200


@dataclass(frozen=True)
class RelatedCases:
    appealed: Case | None = None  # the case whose decision this appeal challenges
    appeals: list[Case] = field(default_factory=list)  # appeals against this case's decisions
    same_party: list[Case] = field(default_factory=list)  # newest first
    more_of_same_party: bool = False  # more than SHOWN of them could be listed

    def __bool__(self) -> bool:
        return bool(self.appealed or self.appeals or self.same_party)


def related_cases(session: Session, *, case: Case, staff: StaffUser) -> RelatedCases:
    """What this member of staff may see of the cases related to `case`; any other is left
    out, as if it did not exist."""
    appealed = _appealed_case(session, case)
    appeals = [c for c in _appeals_against(session, case) if may_see_case(staff, c)]
    listed = {case.id, *(c.id for c in appeals), *([appealed.id] if appealed else [])}
    party = [
        other
        for other in _same_party(session, case)
        if other.id not in listed and may_see_case(staff, other)
    ]
    return RelatedCases(
        appealed=appealed if appealed is not None and may_see_case(staff, appealed) else None,
        appeals=appeals,
        same_party=party[:SHOWN],
        more_of_same_party=len(party) > SHOWN,
    )


def _appealed_case(session: Session, case: Case) -> Case | None:
    if case.appealed_decision_id is None:
        return None
    decision = session.get(Decision, case.appealed_decision_id)
    return session.get(Case, decision.case_id) if decision is not None else None


def _appeals_against(session: Session, case: Case) -> list[Case]:
    decisions = select(Decision.id).where(Decision.case_id == case.id)
    query = (
        select(Case)
        .where(Case.appealed_decision_id.in_(decisions))
        .order_by(Case.submitted_at.desc(), Case.id.desc())
        .limit(CANDIDATES)
    )
    return list(session.scalars(query))


def _same_party(session: Session, case: Case) -> list[Case]:
    query = (
        select(Case)
        .join(Party, Case.applicant_id == Party.id)
        .where(_same_person(case.applicant) | _linked(session, case.applicant), Case.id != case.id)
        .order_by(Case.submitted_at.desc(), Case.id.desc())
        .limit(CANDIDATES)
    )
    return list(session.scalars(query))


def _linked(session: Session, applicant: Party) -> ColumnElement[bool]:
    """Records confirmed at triage to be this person (shared/services/triage.py): the
    root record and every record linked to it."""
    return Party.id.in_(linked_party_ids(session, applicant))


def _same_person(applicant: Party) -> ColumnElement[bool]:
    same = Party.id == applicant.id
    if not applicant.email:
        return same
    same_address = Party.email == applicant.email
    if applicant.is_email_verified:
        return same | same_address
    return same | (same_address & Party.is_email_verified.is_(True))
