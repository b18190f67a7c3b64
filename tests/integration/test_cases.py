"""Opening and moving cases writes the timeline and the audit trail in the same transaction."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.models import AuditEvent, Case, CaseType, Event, Notice, Party
from shared.references import normalise_reference
from shared.services import cases
from tests.factories import make_party


def make_case_type(session: Session, **overrides: object) -> CaseType:
    fields = {"code": "application", "labels": {"en": "Application"}, "target_days": 20}
    case_type = CaseType(**(fields | overrides))
    session.add(case_type)
    session.flush()
    return case_type


def test_opening_a_case_writes_a_public_event_and_an_audit_entry(session: Session) -> None:
    applicant = make_party(session, email="Ana.Silva@Example.org ")
    case = cases.open_case(
        session,
        case_type=make_case_type(session),
        applicant=applicant,
        summary="Parking permit",
        answers={"street": "Elm Street"},
    )
    assert normalise_reference(case.reference) == case.reference
    assert case.state == "submitted"
    assert case.due_at is not None
    # 20 working days (the default SLA policy), to the end of the day: 26 to 32 days on.
    assert (case.sla_policy, case.sla_working_days) == ("standard", 20)
    assert timedelta(days=26) <= case.due_at - case.submitted_at < timedelta(days=33)
    notice = session.scalars(select(Notice).where(Notice.case_id == case.id)).one()
    assert notice.kind == "acknowledgement"
    assert notice.recipient_address == "ana.silva@example.org"
    assert notice.context["reference"] == case.reference
    event = session.scalars(select(Event).where(Event.case_id == case.id)).one()
    assert (event.kind, event.to_state, event.is_public) == ("submitted", "submitted", True)
    audit = session.scalars(select(AuditEvent).where(AuditEvent.object_kind == "case")).one()
    assert (audit.action, audit.object_id, audit.actor_kind) == (
        "case.submitted",
        case.reference,
        "party",
    )
    assert applicant.email == "ana.silva@example.org"
    assert applicant.client_id.startswith("C-")


def test_a_state_change_records_from_and_to(session: Session) -> None:
    case = cases.open_case(
        session,
        case_type=make_case_type(session),
        applicant=make_party(session),
        summary="Permit",
        answers={},
    )
    cases.transition(session, case=case, name="start_triage", actor=None)
    cases.transition(session, case=case, name="withdraw", actor=case.applicant, reason="Moved")
    session.expire_all()
    reloaded = session.get(Case, case.id)
    assert reloaded is not None
    assert [(e.from_state, e.to_state, e.kind) for e in reloaded.events] == [
        (None, "submitted", "submitted"),
        ("submitted", "triage", "start_triage"),
        ("triage", "withdrawn", "withdraw"),
    ]
    assert reloaded.closed_at is not None
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert [a for a in actions if a.startswith("case.")] == [
        "case.submitted",
        "case.start_triage",
        "case.withdraw",
    ]


def test_datetimes_come_back_aware_and_in_utc(session: Session) -> None:
    party = make_party(session)
    session.flush()
    session.expire(party)
    assert party.created_at.tzinfo is not None
    assert party.created_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - party.created_at) < timedelta(minutes=1)


def test_a_failed_transaction_leaves_nothing_half_written(session: Session) -> None:
    case_type = make_case_type(session)
    before = session.scalar(select(func.count(Party.id)))
    savepoint = session.begin_nested()
    make_party(session)
    with pytest.raises(IntegrityError):
        make_case_type(session, code=case_type.code)  # duplicate code: the use case fails
    savepoint.rollback()
    assert session.scalar(select(func.count(Party.id))) == before
    assert (
        session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "party.registered")
        )
        == before
    )
