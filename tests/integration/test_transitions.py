"""cases.transition is the only way a case changes state: it follows the case's own
workflow (state, role, what must be given), writes the Event, AuditEvent and Notice
together, and writes nothing for a stale or refused one. Decisions go through it, with
approval by a second person where the case type requires it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.db import make_engine, make_session_factory, transaction
from shared.models import AuditEvent, Case, Event, Notice, RoleCode
from shared.services import cases, decisions
from shared.services.cases import TransitionRefused
from tests.factories import decide_case, make_case, make_party, make_staff


def counts(session: Session, case: Case) -> tuple[int, int, int]:
    session.flush()
    return (
        session.scalar(select(func.count(Event.id)).where(Event.case_id == case.id)) or 0,
        session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.object_id == case.reference)
        )
        or 0,
        session.scalar(select(func.count(Notice.id)).where(Notice.case_id == case.id)) or 0,
    )


def refused(session: Session, case: Case, because: str, **kwargs: object) -> None:
    before = (case.state, counts(session, case))
    with pytest.raises(TransitionRefused) as refusal:
        cases.transition(session, case=case, **kwargs)  # type: ignore[arg-type]
    assert refusal.value.reason == because
    assert (case.state, counts(session, case)) == before  # nothing written


def test_a_transition_writes_its_event_audit_and_notice_together(session: Session) -> None:
    case = make_case(session, case_type="complaint", state="in_progress")
    worker = make_staff(session, roles=[RoleCode.CASEWORKER])
    events, audits, notices = counts(session, case)
    event = cases.transition(session, case=case, name="decide", actor=worker)
    assert (case.state, event.from_state, event.to_state) == ("decided", "in_progress", "decided")
    assert (event.kind, event.is_public, event.actor_staff_id) == ("decide", True, worker.id)
    assert counts(session, case) == (events + 1, audits + 1, notices + 1)
    notice = session.scalars(
        select(Notice).where(Notice.case_id == case.id).order_by(Notice.id.desc())
    ).first()
    assert notice is not None
    assert (notice.kind, notice.recipient_party_id) == ("decision", case.applicant_id)


def test_the_state_and_the_role_must_allow_it(session: Session) -> None:
    case = make_case(session, state="triage")
    worker = make_staff(session, roles=[RoleCode.CASEWORKER])
    auditor = make_staff(session, roles=[RoleCode.AUDITOR])
    refused(session, case, "not_from_this_state", name="decide", actor=worker)
    refused(session, case, "not_your_role", name="withdraw", actor=worker)  # the resident's
    refused(session, case, "not_your_role", name="assign", actor=auditor)  # reads only
    refused(session, case, "not_your_role", name="withdraw", actor=make_party(session))
    refused(session, case, "unknown", name="teleport", actor=worker)


def test_a_reason_is_required_where_the_workflow_asks_for_one(session: Session) -> None:
    case = make_case(session, state="assigned")
    refused(session, case, "missing_reason", name="withdraw", actor=case.applicant, reason="  ")
    cases.transition(session, case=case, name="withdraw", actor=case.applicant, reason="Moved")
    assert case.state == "withdrawn"
    assert case.closed_at is not None


def test_a_deactivated_person_can_take_no_transition(session: Session) -> None:
    case = make_case(session, state="assigned")
    worker = make_staff(session, roles=[RoleCode.CASEWORKER])
    worker.is_active = False
    refused(session, case, "not_your_role", name="start_work", actor=worker)


def test_a_transition_from_a_stale_page_writes_nothing(session: Session) -> None:
    case = make_case(session, state="assigned")
    worker = make_staff(session, roles=[RoleCode.CASEWORKER])
    cases.transition(session, case=case, name="start_work", actor=worker, expected_state="assigned")
    # The same button again, from the page as it was: the case has moved on.
    refused(session, case, "stale", name="start_work", actor=worker, expected_state="assigned")


def test_two_people_pressing_one_button_at_once_move_the_case_once(
    fresh_database_url: str,
) -> None:
    engine = make_engine(fresh_database_url)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        case = make_case(session, state="assigned")
        worker = make_staff(session, roles=[RoleCode.CASEWORKER])
        case_id, worker_id = case.id, worker.id
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def press() -> None:
        from shared.models import StaffUser

        start.wait()
        try:
            with transaction(sessions) as session:
                found = session.get(Case, case_id)
                actor = session.get(StaffUser, worker_id)
                assert found is not None
                cases.transition(session, case=found, name="start_work", actor=actor,
                                 expected_state="assigned")  # fmt: skip
            outcomes.append("moved")
        except TransitionRefused as refusal:
            outcomes.append(refusal.reason)

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["moved", "stale"]
    with sessions() as session:
        moves = session.scalar(
            select(func.count(Event.id)).where(Event.case_id == case_id, Event.kind == "start_work")
        )
        assert moves == 1
    engine.dispose()


def test_a_decision_waits_for_a_second_person_where_approval_is_required(
    session: Session,
) -> None:
    case = make_case(session, state="in_progress")  # applications require approval
    worker = make_staff(session, roles=[RoleCode.CASEWORKER])
    decision = decisions.record_decision(session, case=case, outcome="refused",
                                         reason_codes=["not_eligible"], explanation="Sorry.",
                                         decided_by=worker)  # fmt: skip
    assert case.state == "decision_pending"
    assert decisions.published_decision(session, case) is None  # the resident cannot see it
    told = session.scalars(select(Notice).where(Notice.kind == "decision")).all()
    assert told == []  # nobody is told before approval
    with pytest.raises(decisions.SelfApproval):
        decisions.approve_decision(session, case=case, approver=worker)
    refused(session, case, "not_your_role", name="approve_decision", actor=worker)
    supervisor = make_staff(session, roles=[RoleCode.SUPERVISOR])
    decisions.approve_decision(session, case=case, approver=supervisor)
    assert case.state == "decided"
    assert decision.approved_by_id == supervisor.id
    assert decisions.published_decision(session, case) is decision
    told = session.scalars(select(Notice).where(Notice.kind == "decision")).all()
    assert [notice.recipient_party_id for notice in told] == [case.applicant_id]


def test_a_returned_decision_goes_back_to_work_with_comments_staff_only(session: Session) -> None:
    case = make_case(session, state="in_progress")
    worker = make_staff(session, roles=[RoleCode.CASEWORKER])
    decisions.record_decision(session, case=case, outcome="approved", explanation="",
                              decided_by=worker)  # fmt: skip
    supervisor = make_staff(session, roles=[RoleCode.SUPERVISOR])
    with pytest.raises(TransitionRefused):
        decisions.return_decision(session, case=case, approver=supervisor, comments="")
    decisions.return_decision(session, case=case, approver=supervisor, comments="Check the map.")
    assert case.state == "in_progress"
    returned = session.scalars(select(Event).where(Event.kind == "return_decision")).one()
    assert (returned.note, returned.is_public) == ("Check the map.", False)


def test_only_the_decision_the_approver_read_is_approved(session: Session) -> None:
    case = make_case(session, state="in_progress")
    worker = make_staff(session, roles=[RoleCode.CASEWORKER])
    first = decisions.record_decision(session, case=case, outcome="approved", explanation="",
                                      decided_by=worker)  # fmt: skip
    supervisor = make_staff(session, roles=[RoleCode.SUPERVISOR])
    decisions.return_decision(session, case=case, approver=supervisor, comments="Check.",
                              decision_id=first.id)  # fmt: skip
    second = decisions.record_decision(session, case=case, outcome="refused", explanation="",
                                       reason_codes=["not_eligible"], decided_by=worker)  # fmt: skip
    # An approver still reading the first (returned) decision approves nothing.
    with pytest.raises(TransitionRefused) as stale:
        decisions.approve_decision(session, case=case, approver=supervisor, decision_id=first.id)
    assert stale.value.reason == "stale"
    assert case.state == "decision_pending"
    decisions.approve_decision(session, case=case, approver=supervisor, decision_id=second.id)
    assert (case.state, second.approved_by_id, first.approved_by_id) == (
        "decided",
        supervisor.id,
        None,
    )


def test_the_appeal_window_runs_from_when_the_resident_was_told(session: Session) -> None:
    case = make_case(session, state="in_progress")
    worker = make_staff(session, roles=[RoleCode.CASEWORKER])
    decision = decisions.record_decision(session, case=case, outcome="approved",
                                         explanation="", decided_by=worker)  # fmt: skip
    decision.decided_at -= timedelta(days=40)  # approval waited longer than the window
    decisions.approve_decision(session, case=case, approver=make_staff(session,
                               roles=[RoleCode.SUPERVISOR]))  # fmt: skip
    assert decision.approved_at is not None
    window = decisions.appeal_window(case, decision, today=decision.approved_at.date())
    days = case.case_type.appeal_window_days
    assert window == decisions.AppealWindow(
        is_open=True, closes_on=decision.approved_at.date() + timedelta(days=days)
    )


def test_a_decided_case_can_be_closed_and_the_resident_is_told(session: Session) -> None:
    case = make_case(session, case_type="complaint")
    decide_case(session, case, outcome="upheld", reason_codes=["delay"])
    worker = make_staff(session, roles=[RoleCode.CASEWORKER])
    options = [t.name for t in cases.open_transitions(case, worker)]
    assert options == ["close"]
    cases.transition(session, case=case, name="close", actor=worker)
    assert case.state == "closed"
    assert cases.open_transitions(case, worker) == []  # closed is final
    kinds = session.scalars(select(Notice.kind).where(Notice.case_id == case.id)).all()
    assert "case_closed" in kinds
