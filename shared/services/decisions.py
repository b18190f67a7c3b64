"""Decisions on cases, and the window in which the applicant may appeal them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shared.access import may_see_case
from shared.casetypes import case_type_definition
from shared.models import Case, Decision, StaffUser, Task, TaskState
from shared.models.base import utcnow
from shared.permissions import Permission, may
from shared.services import cases
from shared.workflow import workflow_for

# States in which the case's latest decision stands and the resident may read it.
DECIDED_STATES = frozenset({"decided", "closed"})
# Where a decision waits for approval in every shipped workflow (a list's first filter;
# awaits_approval asks each case's own workflow).
APPROVAL_STATES = ("decision_pending",)


class UnknownDecision(ValueError):
    """An outcome or reason that the case type's configuration does not list."""


@dataclass(frozen=True)
class AppealWindow:
    is_open: bool
    closes_on: date | None  # None: this kind of case cannot be appealed


def record_decision(
    session: Session,
    *,
    case: Case,
    outcome: str,
    explanation: str,
    decided_by: StaffUser,
    reason_codes: Sequence[str] = (),
    expected_state: str | None = None,
) -> Decision:
    """The outcome of a case, with reasons from its case type and an explanation written
    for the resident, through the workflow's "decide": where the case type requires
    approval the case waits for a second person, otherwise the resident is told now."""
    definition = case_type_definition(case.case_type.code)
    if outcome not in definition.outcomes:
        raise UnknownDecision(f"{case.case_type.code} has no outcome {outcome!r}")
    unknown = [code for code in reason_codes if code not in definition.reasons]
    if unknown:
        raise UnknownDecision(f"{case.case_type.code} has no reasons {unknown}")
    cases.transition(session, case=case, name="decide", actor=decided_by,
                     expected_state=expected_state, details={"outcome": outcome})  # fmt: skip
    decision = Decision(case_id=case.id, outcome=outcome, explanation=explanation,
                        reason_codes=list(reason_codes), decided_by_id=decided_by.id,
                        decided_at=utcnow())  # fmt: skip
    session.add(decision)
    session.flush()
    return decision


class SelfApproval(Exception):
    """Nobody approves their own decision."""


def approve_decision(
    session: Session, *, case: Case, approver: StaffUser, decision_id: int | None = None
) -> Decision:
    """A second person approves the decision waiting on the case: the resident is told.
    `decision_id`: the decision the approver read; another one made meanwhile is refused
    as stale."""
    decision = _waiting_decision(session, case, approver, decision_id, "approve_decision")
    cases.transition(session, case=case, name="approve_decision", actor=approver,
                     expected_state="decision_pending")  # fmt: skip
    decision.approved_by_id = approver.id
    decision.approved_at = utcnow()
    session.flush()
    return decision


def return_decision(
    session: Session,
    *,
    case: Case,
    approver: StaffUser,
    comments: str,
    decision_id: int | None = None,
) -> None:
    """The approver sends the decision back to be worked on, saying why (staff only)."""
    _waiting_decision(session, case, approver, decision_id, "return_decision")
    cases.transition(session, case=case, name="return_decision", actor=approver,
                     reason=comments, expected_state="decision_pending")  # fmt: skip


def _waiting_decision(
    session: Session, case: Case, approver: StaffUser, decision_id: int | None, name: str
) -> Decision:
    # The case's row is locked first, so the decision read is the one still waiting when
    # the transition is written (a return and a new decision cannot slip in between).
    session.refresh(case, with_for_update=True)
    decision = latest_decision(session, case)
    if decision is None:
        raise cases.TransitionRefused("not_from_this_state", name)
    if decision_id is not None and decision.id != decision_id:
        raise cases.TransitionRefused("stale", name)
    if decision.decided_by_id == approver.id:
        raise SelfApproval(case.reference)
    return decision


def published_decision(session: Session, case: Case) -> Decision | None:
    """The decision the resident may read: the latest, once the case is decided (and,
    where the case type requires it, approved)."""
    return latest_decision(session, case) if case.state in DECIDED_STATES else None


def latest_decision(session: Session, case: Case) -> Decision | None:
    query = select(Decision).where(Decision.case_id == case.id)
    return session.scalars(query.order_by(Decision.decided_at.desc(), Decision.id.desc())).first()


def appeal_window(case: Case, decision: Decision, *, today: date | None = None) -> AppealWindow:
    days = case.case_type.appeal_window_days
    if days <= 0:
        return AppealWindow(is_open=False, closes_on=None)
    closes_on = decision.given_at.date() + timedelta(days=days)
    return AppealWindow(is_open=(today or date.today()) <= closes_on, closes_on=closes_on)


def open_tasks(session: Session, case: Case) -> list[Task]:
    """The case's tasks still open, oldest first: a decision recorded while they are is
    recorded (nothing is blocked), but the decision section warns with them."""
    query = select(Task).where(Task.case_id == case.id, Task.state == TaskState.OPEN)
    return list(session.scalars(query.order_by(Task.created_at, Task.id)))


def awaits_approval(case: Case) -> bool:
    """The case's latest decision waits for a second person (its workflow's approval)."""
    workflow = workflow_for(case.case_type.code, case.workflow_version)
    approval = workflow.transitions.get("approve_decision")
    return approval is not None and case.state in approval.from_states


def stuck_for_approval(session: Session, waiting: Sequence[Case]) -> set[int]:
    """The ids of those of these cases whose decision waits for approval that nobody but
    the person who made it could give: no other active member of staff who approves,
    sees the case, has a role the approval step names and is not excluded from it (on
    an appeal: who decided or approved the decision it challenges). Nothing shows such a
    case as stuck otherwise: the lists flag it (My work, the team page)."""
    pending = [case for case in waiting if awaits_approval(case)]
    if not pending:
        return set()
    latest: dict[int, Decision] = {}
    query = select(Decision).where(Decision.case_id.in_([case.id for case in pending]))
    for decision in session.scalars(query.order_by(Decision.decided_at, Decision.id)):
        latest[decision.case_id] = decision  # the last one of each case wins
    approvers = [
        person
        for person in session.scalars(
            select(StaffUser)
            .where(StaffUser.is_active.is_(True))
            .options(selectinload(StaffUser.roles))  # may() and may_see_case read them
        )
        if may(person, Permission.APPROVE)
    ]
    return {
        case.id
        for case in pending
        if case.id in latest
        and not _someone_else_approves(session, case, latest[case.id], approvers)
    }


def _someone_else_approves(
    session: Session, case: Case, decision: Decision, approvers: list[StaffUser]
) -> bool:
    step = workflow_for(case.case_type.code, case.workflow_version).transitions["approve_decision"]
    return any(
        person.id != decision.decided_by_id
        and step.roles & cases.roles_of(case, person)
        and may_see_case(person, case)
        and cases.exclusion(session, case=case, person=person, excludes=step.excludes) is None
        for person in approvers
    )
