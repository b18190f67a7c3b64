"""Decisions on cases, and the window in which the applicant may appeal them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import Case, Decision, StaffUser
from shared.models.base import utcnow
from shared.notices.kinds import NoticeKind
from shared.services import cases, notices


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
    case_url: str,
) -> Decision:
    """The outcome of a case, on its timeline, audited, and sent to the applicant."""
    decision = Decision(case_id=case.id, outcome=outcome, explanation=explanation,
                        decided_by_id=decided_by.id, decided_at=utcnow())  # fmt: skip
    session.add(decision)
    cases.change_state(session, case=case, to_state="decided", actor=decided_by, kind="decided",
                       details={"outcome": outcome})  # fmt: skip
    notices.create_notice(
        session, kind=NoticeKind.DECISION, recipient=case.applicant, case=case,
        context={"recipient_name": case.applicant.display_name, "reference": case.reference,
                 "case_url": case_url},
    )  # fmt: skip
    session.flush()
    return decision


def latest_decision(session: Session, case: Case) -> Decision | None:
    query = select(Decision).where(Decision.case_id == case.id)
    return session.scalars(query.order_by(Decision.decided_at.desc(), Decision.id.desc())).first()


def appeal_window(case: Case, decision: Decision, *, today: date | None = None) -> AppealWindow:
    days = case.case_type.appeal_window_days
    if days <= 0:
        return AppealWindow(is_open=False, closes_on=None)
    closes_on = decision.decided_at.date() + timedelta(days=days)
    return AppealWindow(is_open=(today or date.today()) <= closes_on, closes_on=closes_on)
