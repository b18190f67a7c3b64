"""Decisions on cases, and the window in which the applicant may appeal them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.casetypes import case_type_definition
from shared.models import Case, Decision, StaffUser
from shared.models.base import utcnow
from shared.notices.kinds import NoticeKind
from shared.services import cases, notices

# States in which the case's latest decision stands and the resident may read it.
DECIDED_STATES = frozenset({"decided", "closed"})


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
) -> Decision:
    """The outcome of a case, on its timeline, audited, and sent to the applicant."""
    definition = case_type_definition(case.case_type.code)
    if outcome not in definition.outcomes:
        raise UnknownDecision(f"{case.case_type.code} has no outcome {outcome!r}")
    unknown = [code for code in reason_codes if code not in definition.reasons]
    if unknown:
        raise UnknownDecision(f"{case.case_type.code} has no reasons {unknown}")
    decision = Decision(case_id=case.id, outcome=outcome, explanation=explanation,
                        reason_codes=list(reason_codes), decided_by_id=decided_by.id,
                        decided_at=utcnow())  # fmt: skip
    session.add(decision)
    cases.change_state(session, case=case, to_state="decided", actor=decided_by, kind="decided",
                       details={"outcome": outcome})  # fmt: skip
    notices.create_notice(
        session, kind=NoticeKind.DECISION, recipient=case.applicant, case=case,
        context={"recipient_name": case.applicant.display_name, "reference": case.reference},
    )  # fmt: skip
    session.flush()
    return decision


def published_decision(session: Session, case: Case) -> Decision | None:
    """The decision the resident may read: the latest, once the case is decided."""
    return latest_decision(session, case) if case.state in DECIDED_STATES else None


def latest_decision(session: Session, case: Case) -> Decision | None:
    query = select(Decision).where(Decision.case_id == case.id)
    return session.scalars(query.order_by(Decision.decided_at.desc(), Decision.id.desc())).first()


def appeal_window(case: Case, decision: Decision, *, today: date | None = None) -> AppealWindow:
    days = case.case_type.appeal_window_days
    if days <= 0:
        return AppealWindow(is_open=False, closes_on=None)
    closes_on = decision.decided_at.date() + timedelta(days=days)
    return AppealWindow(is_open=(today or date.today()) <= closes_on, closes_on=closes_on)
