"""Who works a case. For now: handing every open case of one person to another (before
they leave or move on), case by case, each with the reason, audited and on the case's
staff-only history. Triage and assignment of single cases build on this."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import Case, Event, StaffUser
from shared.permissions import Permission, may
from shared.services import audit
from shared.services.staff import OPEN_CASE_EXCLUDED_STATES

REASON_MAX_LENGTH = 500


class ReassignmentRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # same_person, cannot_work_cases, no_reason


@dataclass(frozen=True)
class Reassigned:
    references: list[str]


def open_cases_assigned_to(session: Session, member: StaffUser) -> list[Case]:
    query = (
        select(Case)
        .where(Case.assignee_id == member.id, Case.state.not_in(OPEN_CASE_EXCLUDED_STATES))
        .order_by(Case.due_at.is_(None), Case.due_at, Case.submitted_at, Case.id)
    )
    return list(session.scalars(query))


def may_take_cases(member: StaffUser) -> bool:
    """Someone cases can be handed to: active and working cases (caseworker, supervisor)."""
    return may(member, Permission.WORK_CASES)


def people_who_may_take_cases(session: Session, *, besides: StaffUser) -> list[StaffUser]:
    query = (
        select(StaffUser)
        .where(StaffUser.is_active.is_(True), StaffUser.id != besides.id)
        .order_by(StaffUser.display_name, StaffUser.id)
    )
    return [member for member in session.scalars(query) if may_take_cases(member)]


def reassign_open_cases(
    session: Session, *, from_staff: StaffUser, to_staff: StaffUser, actor: StaffUser, reason: str
) -> Reassigned:
    """Hand every open case of `from_staff` to `to_staff`. The cases are locked while they
    move, so a case reassigned or closed meanwhile by someone else is not moved twice."""
    reason = reason.strip()
    if not reason:
        raise ReassignmentRefused("no_reason")
    if from_staff.id == to_staff.id:
        raise ReassignmentRefused("same_person")
    if not may_take_cases(to_staff):
        raise ReassignmentRefused("cannot_work_cases")
    query = (
        select(Case)
        .where(Case.assignee_id == from_staff.id, Case.state.not_in(OPEN_CASE_EXCLUDED_STATES))
        .order_by(Case.id)
        .with_for_update()
    )
    moved: list[str] = []
    for case in session.scalars(query):
        case.assignee_id = to_staff.id
        # The new person's team, so the case shows in their team's lists too.
        if to_staff.team_id is not None:
            case.team_id = to_staff.team_id
        _history(session, case, actor=actor, note=reason)
        audit.record(session, actor=actor, action="case.reassigned", object_kind="case",
                     object_id=case.reference,
                     details={"from": from_staff.id, "to": to_staff.id,
                              "reason": reason})  # fmt: skip
        moved.append(case.reference)
    session.flush()
    return Reassigned(references=moved)


def _history(session: Session, case: Case, *, actor: StaffUser, note: str) -> None:
    session.add(Event(case=case, kind="reassigned", actor_staff_id=actor.id, note=note,
                      is_public=False))  # fmt: skip
