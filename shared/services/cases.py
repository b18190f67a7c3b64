"""Opening cases and moving them between states, with their timeline and audit entries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from shared.models import Case, CaseType, Decision, Event, Party, RoleCode, StaffUser, Team
from shared.models.base import utcnow
from shared.models.case import FINISHED_STATES
from shared.notices.kinds import STAFF_KINDS, NoticeKind
from shared.references import new_reference
from shared.services import audit, notices, sla
from shared.workflow import Transition, workflow_for

ENDED = frozenset({"closed", "withdrawn"})


def open_case(
    session: Session,
    *,
    case_type: CaseType,
    applicant: Party,
    summary: str,
    answers: dict[str, Any],
    team: Team | None = None,
    acknowledgement: NoticeKind | None = NoticeKind.ACKNOWLEDGEMENT,
    acknowledgement_context: dict[str, Any] | None = None,
) -> Case:
    """A new case in the first state of every workflow, with its first timeline entry and
    an acknowledgement to the applicant (none when `acknowledgement` is None: a resident
    a clerk recorded without an email address has nowhere to receive it)."""
    now = utcnow()
    workflow = workflow_for(case_type.code)
    case = Case(
        reference=_unused_reference(session),
        case_type=case_type,
        applicant=applicant,
        state=workflow.initial,
        summary=summary,
        answers=answers,
        workflow_version=workflow.version,
        team=team,
        submitted_at=now,
    )
    # Every case has a due date in working days from the start: its type's default SLA
    # policy (shared/casetypes/sla_policies.toml), until triage applies another.
    sla.start_clock(session, case=case, policy_code=None)
    session.add(case)
    session.flush()
    session.add(
        Event(
            case=case,
            kind="submitted",
            to_state=workflow.initial,
            actor_party_id=applicant.id,
            is_public=True,
            occurred_at=now,
        )
    )
    audit.record(
        session,
        actor=applicant,
        action="case.submitted",
        object_kind="case",
        object_id=case.reference,
        details={"case_type": case_type.code},
    )
    if acknowledgement is None:
        return case
    notices.create_notice(
        session,
        kind=acknowledgement,
        recipient=applicant,
        case=case,
        context={
            "recipient_name": applicant.display_name,
            "reference": case.reference,
            "case_type": case_type.code,
            "due_date": case.due_at.date().isoformat() if case.due_at else None,
            **(acknowledgement_context or {}),
        },
    )
    return case


class TransitionRefused(Exception):
    """A transition the case's workflow does not allow now, for this person or as asked."""

    def __init__(self, reason: str, transition: str, detail: str = "") -> None:
        super().__init__(f"{transition}: {reason}" + (f" ({detail})" if detail else ""))
        # unknown, stale, not_from_this_state, not_your_role, excluded, missing_reason,
        # needs_message
        self.reason = reason
        self.transition = transition
        self.detail = detail  # excluded: the workflow's exclusion that applies


# Who each of the workflows' exclusions (shared/workflow EXCLUSIONS) picks out: the member
# of staff it names on the decision an appeal challenges.
EXCLUDED_PEOPLE: dict[str, Callable[[Decision], int | None]] = {
    "decided_appealed_decision": lambda decision: decision.decided_by_id,
    "approved_appealed_decision": lambda decision: decision.approved_by_id,
}


def exclusion(
    session: Session, *, case: Case, person: StaffUser | Party | None, excludes: frozenset[str]
) -> str | None:
    """Which of `excludes` keeps `person` away from the case (the first, by name), or None."""
    if not excludes or not isinstance(person, StaffUser) or case.appealed_decision_id is None:
        return None
    challenged = session.get(Decision, case.appealed_decision_id)
    if challenged is None:
        return None
    return next((name for name in sorted(excludes)
                 if EXCLUDED_PEOPLE[name](challenged) == person.id), None)  # fmt: skip


def excluded_from(
    session: Session, *, case: Case, person: StaffUser | Party | None, name: str
) -> str | None:
    """Why the workflow keeps `person` from its transition `name` on this case, whatever
    their role (an exclusion's name), or None."""
    workflow = workflow_for(case.case_type.code, case.workflow_version)
    step = workflow.transitions.get(name)
    if step is None:
        return None
    return exclusion(session, case=case, person=person, excludes=step.excludes)


def excluded_from_assignment(session: Session, *, case: Case, person: StaffUser) -> str | None:
    """Why the workflow says `person` may not be given the case (an exclusion), or None."""
    workflow = workflow_for(case.case_type.code, case.workflow_version)
    return exclusion(session, case=case, person=person, excludes=workflow.assignment_excludes)


def roles_of(case: Case, actor: StaffUser | Party | None) -> frozenset[str]:
    """Who `actor` is to the workflow: their staff roles, the resident, or the system."""
    if actor is None:
        return frozenset({"system"})
    if isinstance(actor, Party):
        return frozenset({"resident"}) if actor.id == case.applicant_id else frozenset()
    if not actor.is_active:
        return frozenset()
    return frozenset(RoleCode(role.code).value for role in actor.roles)


def open_transitions(case: Case, actor: StaffUser | Party | None) -> list[Transition]:
    """What this person may do to the case now, in the workflow's order: by their role,
    less the steps its `excludes` keep them from (so no page offers what `transition`
    would refuse)."""
    workflow = workflow_for(case.case_type.code, case.workflow_version)
    by_role = workflow.open_to(case.state, roles_of(case, actor))
    # The case's own session: its callers (pages, lists) hold the case, not a session.
    session = object_session(case)
    if session is None or not any(step.excludes for step in by_role):
        return by_role
    return [
        step
        for step in by_role
        if exclusion(session, case=case, person=actor, excludes=step.excludes) is None
    ]


def transition(
    session: Session,
    *,
    case: Case,
    name: str,
    actor: StaffUser | Party | None,
    reason: str = "",
    expected_state: str | None = None,
    details: dict[str, Any] | None = None,
    with_message: bool = False,
) -> Event:
    """The only way a case changes state: checked against the case's own workflow (the
    state, the person's role, whom it excludes, what they must give), then the Event,
    the AuditEvent and the transition's notice, in the caller's transaction.
    `expected_state` is the state the person saw: if the case moved since (another
    person, a second click), nothing is written."""
    session.refresh(case, with_for_update=True)  # one transition at a time per case
    workflow = workflow_for(case.case_type.code, case.workflow_version)
    step = workflow.transitions.get(name)
    if step is None:
        raise TransitionRefused("unknown", name)
    if expected_state is not None and case.state != expected_state:
        raise TransitionRefused("stale", name)
    if case.state not in step.from_states:
        raise TransitionRefused("not_from_this_state", name)
    if not step.roles & roles_of(case, actor):
        raise TransitionRefused("not_your_role", name)
    barred = exclusion(session, case=case, person=actor, excludes=step.excludes)
    if barred is not None:
        raise TransitionRefused("excluded", name, barred)
    if "reason" in step.requires and not reason.strip():
        raise TransitionRefused("missing_reason", name)
    if "message" in step.requires and not with_message:
        # Taken only by the message that tells the resident (`with_message`, from
        # shared/services/messages.py): never a bare move they hear nothing of.
        raise TransitionRefused("needs_message", name)
    event = _move(session, case=case, to_state=step.to, actor=actor, kind=name,
                  note=reason.strip() or None, is_public=step.public, details=details)  # fmt: skip
    if step.notice is not None:
        _send_notice(session, case=case, kind=step.notice, reason=reason.strip())
    session.flush()
    return event


def _send_notice(session: Session, *, case: Case, kind: NoticeKind, reason: str) -> None:
    context = {"recipient_name": case.applicant.display_name, "reference": case.reference,
               "reason": reason}  # fmt: skip
    if kind in STAFF_KINDS:
        for staff in handlers(session, case):
            notices.create_notice(session, kind=kind, recipient=staff, case=case, context=context)
    else:
        notices.create_notice(session, kind=kind, recipient=case.applicant, case=case,
                              context=context)  # fmt: skip


def _move(
    session: Session,
    *,
    case: Case,
    to_state: str,
    actor: StaffUser | Party | None,
    kind: str,
    note: str | None,
    is_public: bool,
    details: dict[str, Any] | None,
) -> Event:
    from_state = case.state
    case.state = to_state
    sla.clock_state_changed(session, case=case, from_state=from_state, to_state=to_state)
    if to_state in ENDED:
        case.closed_at = utcnow()
    if to_state in FINISHED_STATES:
        # The decision (or the close) is the answer: the inbox stops listing the case.
        case.awaiting_reply_since = None
    event = Event(
        case=case,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        actor_staff_id=actor.id if isinstance(actor, StaffUser) else None,
        actor_party_id=actor.id if isinstance(actor, Party) else None,
        note=note,
        is_public=is_public,
    )
    session.add(event)
    audit.record(
        session,
        actor=actor,
        action=f"case.{kind}",
        object_kind="case",
        object_id=case.reference,
        details={"from": from_state, "to": to_state, **(details or {})},
    )
    return event


def _unused_reference(session: Session) -> str:
    # 32**8 possible bodies make a clash vanishingly rare, but a rare clash must not
    # become a failed submission.
    while True:
        reference = new_reference()
        if session.scalar(select(Case.id).where(Case.reference == reference)) is None:
            return reference


def may_withdraw(case: Case, applicant: Party | None) -> bool:
    return any(t.name == "withdraw" for t in open_transitions(case, applicant))


def withdraw(session: Session, *, case: Case, applicant: Party, reason: str) -> None:
    """The applicant withdraws their case: a public timeline entry with their reason, and
    (by the workflow) a notice to whoever handles it (the caseworker, else the team)."""
    transition(session, case=case, name="withdraw", actor=applicant, reason=reason)


def handlers(session: Session, case: Case) -> list[StaffUser]:
    if case.assignee is not None:
        return [case.assignee]
    if case.team_id is None:
        return []
    query = select(StaffUser).where(
        StaffUser.team_id == case.team_id, StaffUser.is_active.is_(True)
    )
    return list(session.scalars(query))
