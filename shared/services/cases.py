"""Opening cases and moving them between states, with their timeline and audit entries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import Case, CaseType, Event, Party, StaffUser, Team
from shared.models.base import utcnow
from shared.notices.kinds import NoticeKind
from shared.references import new_reference
from shared.services import audit, notices

SUBMITTED = "submitted"
ENDED = frozenset({"closed", "withdrawn"})


def open_case(
    session: Session,
    *,
    case_type: CaseType,
    applicant: Party,
    summary: str,
    answers: dict[str, Any],
    team: Team | None = None,
    acknowledgement: NoticeKind = NoticeKind.ACKNOWLEDGEMENT,
    acknowledgement_context: dict[str, Any] | None = None,
) -> Case:
    """A new case in the first state of every workflow, with its first timeline entry and
    an acknowledgement to the applicant."""
    now = utcnow()
    case = Case(
        reference=_unused_reference(session),
        case_type=case_type,
        applicant=applicant,
        state=SUBMITTED,
        summary=summary,
        answers=answers,
        form_version=case_type.workflow_version,
        team=team,
        submitted_at=now,
        due_at=now + timedelta(days=case_type.target_days),
    )
    session.add(case)
    session.flush()
    session.add(
        Event(
            case=case,
            kind="submitted",
            to_state=SUBMITTED,
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


def change_state(
    session: Session,
    *,
    case: Case,
    to_state: str,
    actor: StaffUser | Party | None,
    note: str | None = None,
    is_public: bool = True,
    kind: str = "state_changed",
    details: dict[str, Any] | None = None,
) -> Event:
    """Move a case and write the Event and AuditEvent that go with it, in one transaction."""
    from_state = case.state
    case.state = to_state
    if to_state in ENDED:
        case.closed_at = utcnow()
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
    session.flush()
    return event


def _unused_reference(session: Session) -> str:
    # 32**8 possible bodies make a clash vanishingly rare, but a rare clash must not
    # become a failed submission.
    while True:
        reference = new_reference()
        if session.scalar(select(Case.id).where(Case.reference == reference)) is None:
            return reference


WITHDRAWABLE = frozenset({"submitted", "triage", "assigned", "in_progress", "awaiting_information"})


class CannotWithdraw(Exception):
    """The case is past the point where it can be withdrawn (decided, closed...)."""


def withdraw(session: Session, *, case: Case, applicant: Party, reason: str) -> None:
    """The applicant withdraws their case: a public timeline entry with their reason, and a
    notice to whoever handles it (the caseworker, else the team)."""
    if case.state not in WITHDRAWABLE:
        raise CannotWithdraw(case.state)
    change_state(session, case=case, to_state="withdrawn", actor=applicant, note=reason,
                 kind="withdrawn")  # fmt: skip
    for staff in handlers(session, case):
        notices.create_notice(
            session, kind=NoticeKind.CASE_WITHDRAWN, recipient=staff, case=case,
            context={"reference": case.reference, "reason": reason},
        )  # fmt: skip
    session.flush()


def handlers(session: Session, case: Case) -> list[StaffUser]:
    if case.assignee is not None:
        return [case.assignee]
    if case.team_id is None:
        return []
    query = select(StaffUser).where(
        StaffUser.team_id == case.team_id, StaffUser.is_active.is_(True)
    )
    return list(session.scalars(query))
