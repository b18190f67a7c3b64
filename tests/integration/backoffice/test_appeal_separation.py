"""Separation of duties on appeals (issue 23, defect 3): whoever decided or approved the
decision under appeal is never given the appeal (to me, named, least-loaded, bulk), never
decides it and never approves or returns its decision, as the appeal's workflow says
(`excludes`); the page says why; an uninvolved colleague may. Least-loaded assignment
says what is true of the team when nobody is left to choose (defect 13). SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from shared.db import transaction
from shared.models import Case, Decision, Event, RoleCode, StaffUser, Team
from shared.services import assignment, cases, decisions
from shared.services.assignment import AssignmentRefused
from tests.factories import make_case, make_staff, make_team, move_to
from tests.integration.test_hostile_input import csrf, new_client
from tests.page_checks import assert_page_checks_itself
from tests.staff_signing_in import csrf_token, post_form, sign_in_staff

DECIDED = "decided_appealed_decision"
APPROVED = "approved_appealed_decision"
# The decision section's own address (the case page's sub-navigation).
DECISION_SECTION = "decision-record"


@dataclass(frozen=True)
class Appeal:
    reference: str
    team_id: int
    decider: int  # decided the decision under appeal (a caseworker of the team)
    approver: int  # approved it (a supervisor of the team)
    colleague: int  # a caseworker of the team, not involved
    boss: int  # a supervisor of the team, not involved


def person(session: Session, role: RoleCode, team: Team, name: str, *skills: str) -> StaffUser:
    member = make_staff(session, roles=[role], display_name=name)
    member.team_id = team.id
    member.skills = list(skills)
    session.flush()
    return member


def an_appeal(session: Session, state: str = "triage") -> tuple[Case, Appeal]:
    """An application decided by Ann Decider and approved by Abe Approver, and the
    resident's appeal against it in the Appeals team's queue. Ann has nothing open, so
    least-loaded would pick her first were she not excluded."""
    team = make_team(session, "appeals", "Appeals")
    decider = person(session, RoleCode.CASEWORKER, team, "Ann Decider", "appeal")
    approver = person(session, RoleCode.SUPERVISOR, team, "Abe Approver")
    colleague = person(session, RoleCode.CASEWORKER, team, "Cai Colleague", "appeal")
    boss = person(session, RoleCode.SUPERVISOR, team, "Sue Boss")
    busy = make_case(session, state="in_progress")  # Cai has one open case already
    busy.assignee_id = colleague.id
    original = make_case(session, state="in_progress")
    original.team_id = team.id
    decision = decisions.record_decision(session, case=original, outcome="refused",
                                         reason_codes=["not_eligible"], explanation="No.",
                                         decided_by=decider)  # fmt: skip
    decisions.approve_decision(session, case=original, approver=approver)
    appeal = make_case(session, case_type="appeal", applicant=original.applicant, state="triage")
    appeal.team_id = team.id
    appeal.appealed_decision_id = decision.id
    session.flush()
    if state != "triage":
        assignment.assign(session, case=appeal, to_staff=colleague, actor=boss)
        move_to(session, appeal, state)
    ids = Appeal(appeal.reference, team.id, decider.id, approver.id, colleague.id, boss.id)
    return appeal, ids


def staff_of(session: Session, staff_id: int) -> StaffUser:
    found = session.get(StaffUser, staff_id)
    assert found is not None
    return found


def make_appeal(app: Flask, state: str = "triage") -> Appeal:
    with transaction(app.extensions["caseway"].sessions) as session:
        return an_appeal(session, state)[1]


def client_of(app: Flask, staff_id: int) -> FlaskClient:
    with app.extensions["caseway"].sessions() as session:
        member = session.get(StaffUser, staff_id)
        assert member is not None
        email = member.email
    client = new_client(app)
    assert sign_in_staff(client, email).status_code == 302
    return client


def words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def page(client: FlaskClient, reference: str, section: str = "") -> str:
    response = client.get(f"/cases/{reference}/{section}" if section else f"/cases/{reference}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def followed(client: FlaskClient, response: object) -> str:
    """The page a refused form was sent back to (its flash message shown once there)."""
    location = response.headers["Location"]  # type: ignore[attr-defined]
    return client.get(location).get_data(as_text=True)


def stored(app: Flask, reference: str) -> tuple[str, int | None, list[Decision], list[str]]:
    with app.extensions["caseway"].sessions() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        found = list(session.scalars(select(Decision).where(Decision.case_id == case.id)))
        kinds = list(session.scalars(select(Event.kind).where(Event.case_id == case.id)))
        session.expunge_all()
        return case.state, case.assignee_id, found, kinds


def test_the_services_keep_those_involved_in_the_first_decision_away(backoffice: Flask) -> None:
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        appeal, ids = an_appeal(session)
        decider, approver, colleague, boss = (
            staff_of(session, i) for i in (ids.decider, ids.approver, ids.colleague, ids.boss)
        )
        # Assignment: named, to oneself, least-loaded; and who the forms offer.
        with pytest.raises(AssignmentRefused) as refused:
            assignment.assign(session, case=appeal, to_staff=decider, actor=boss)
        assert (refused.value.reason, refused.value.detail) == ("excluded", DECIDED)
        with pytest.raises(AssignmentRefused) as refused:
            assignment.assign(session, case=appeal, to_staff=approver, actor=approver)
        assert (refused.value.reason, refused.value.detail) == ("excluded", APPROVED)
        assert not assignment.may_assign_to_self(session, appeal, decider)
        assert not assignment.may_assign_to_self(session, appeal, approver)
        assert assignment.may_assign_to_self(session, appeal, colleague)
        offered = {m.id for m in assignment.assignable_people(session, case=appeal)}
        assert offered == {colleague.id, boss.id}
        assert [(m.id, why) for m, why in assignment.excluded_people(session, case=appeal)] == [
            (approver.id, APPROVED), (decider.id, DECIDED)]  # fmt: skip
        assert [m.id for m in assignment.least_loaded_candidates(session, case=appeal)] == [
            colleague.id
        ]
        assert assignment.assign_least_loaded(session, case=appeal, actor=boss).id == colleague.id
        assert appeal.state == "assigned"
        # Handing all of Cai's cases to Ann would give her the appeal: nothing moves.
        with pytest.raises(assignment.ReassignmentRefused) as handed:
            assignment.reassign_open_cases(session, from_staff=colleague, to_staff=decider,
                                           actor=boss, reason="Cai is leaving")  # fmt: skip
        assert handed.value.reason == "excluded"
        assert appeal.assignee_id == colleague.id
        move_to(session, appeal, "in_progress")

        # Deciding: the workflow's "decide" refuses both, with the reason.
        for who, why in ((decider, DECIDED), (approver, APPROVED)):
            assert "decide" not in {t.name for t in cases.open_transitions(appeal, who)}
            with pytest.raises(cases.TransitionRefused) as barred:
                decisions.record_decision(session, case=appeal, outcome="dismissed",
                                          explanation="No.", decided_by=who)  # fmt: skip
            assert (barred.value.reason, barred.value.detail) == ("excluded", why)
        assert "decide" in {t.name for t in cases.open_transitions(appeal, colleague)}
        decisions.record_decision(session, case=appeal, outcome="allowed",
                                  explanation="Yes.", decided_by=colleague)  # fmt: skip
        assert appeal.state == "decision_pending"

        # Approving and returning: refused to the approver of the first decision.
        with pytest.raises(cases.TransitionRefused) as barred:
            decisions.approve_decision(session, case=appeal, approver=approver)
        assert (barred.value.reason, barred.value.detail) == ("excluded", APPROVED)
        with pytest.raises(cases.TransitionRefused) as barred:
            decisions.return_decision(session, case=appeal, approver=approver, comments="No")
        assert barred.value.reason == "excluded"
        assert appeal.state == "decision_pending"
        decisions.approve_decision(session, case=appeal, approver=boss)
        assert appeal.state == "decided"


def test_assignment_pages_never_offer_nor_accept_an_excluded_person(backoffice: Flask) -> None:
    ids = make_appeal(backoffice)
    path = f"/cases/{ids.reference}"

    # Ann decided the first decision: no "Assign to me", and the page says why.
    decider = client_of(backoffice, ids.decider)
    seen = page(decider, ids.reference)
    assert "Assign to me" not in seen
    assert (
        "You decided the decision under appeal, so you may not be assigned this appeal. "
        "Someone who was not involved in the first decision must work on it."
    ) in words(seen)
    # The form sent by hand: refused, with the same words; nobody assigned.
    by_hand = decider.post(f"{path}/assign/me", data={"csrf_token": csrf(decider, path)})
    assert by_hand.status_code == 200
    assert "You decided the decision under appeal" in words(by_hand.get_data(as_text=True))
    assert stored(backoffice, ids.reference)[1] is None

    # Abe approved it: the same, in his words.
    approver = client_of(backoffice, ids.approver)
    assert "You approved the decision under appeal, so you may not be assigned this appeal." in (
        words(page(approver, ids.reference))
    )

    # A supervisor not involved: the named list leaves both out and says why.
    boss = client_of(backoffice, ids.boss)
    offered = page(boss, ids.reference)
    assert_page_checks_itself(offered, "appeal with people left out", english=True)
    named_list = re.search(r'<select[^>]*name="person-to_staff".*?</select>', offered, re.S)
    assert named_list, "no named-person form"
    assert f'value="{ids.decider}"' not in named_list.group(0)
    assert f'value="{ids.approver}"' not in named_list.group(0)
    assert f'value="{ids.colleague}"' in named_list.group(0)
    told = words(offered)
    assert "Ann Decider decided the decision under appeal, so may not be assigned this appeal." in (
        told
    )
    assert (
        "Abe Approver approved the decision under appeal, so may not be assigned this appeal."
        in (told)
    )
    # Posted anyway: refused on the person field.
    named = post_form(boss, f"{path}/assign", {"person-to_staff": str(ids.decider)})
    assert named.status_code == 200
    assert "Select someone who was not involved in the decision under appeal" in named.get_data(
        as_text=True
    )
    # In bulk, from the queue: refused case by case with the reason.
    token = csrf_token(boss, "/queue")
    result = boss.post("/queue/bulk", data=MultiDict([
        ("csrf_token", token), ("action", "assign"), ("to_staff", str(ids.approver)),
        ("case", ids.reference)]))  # fmt: skip
    assert result.status_code == 200
    assert "that person decided or approved the decision under appeal" in result.get_data(
        as_text=True
    )
    assert stored(backoffice, ids.reference)[1] is None
    # Least-loaded passes over Ann (no cases) for Cai (one), who was not involved.
    least = post_form(boss, f"{path}/assign/least-loaded", {}, form_page=path)
    assert least.status_code == 302
    assert "The case is assigned to Cai Colleague." in followed(boss, least)
    assert stored(backoffice, ids.reference)[1] == ids.colleague


def test_deciding_and_approving_pages_refuse_those_involved_and_say_why(
    backoffice: Flask,
) -> None:
    ids = make_appeal(backoffice, "in_progress")
    reference = ids.reference

    decider = client_of(backoffice, ids.decider)
    seen = page(decider, reference, DECISION_SECTION)
    assert f'action="/cases/{reference}/decision"' not in seen
    assert (
        "You decided the decision under appeal, so you may not decide this appeal. Someone "
        "who was not involved in the first decision must decide it."
    ) in words(seen)
    by_hand = decider.post(f"/cases/{reference}/decision", data={
        "decision-csrf_token": csrf(decider, "/"), "decision-expected_state": "in_progress",
        "decision-outcome": "dismissed", "decision-reasons": "error_in_decision",
        "decision-explanation": "No."})  # fmt: skip
    assert by_hand.status_code == 302
    assert "You decided or approved the decision under appeal, so you may not do that" in words(
        followed(decider, by_hand)
    )
    state, _, found, _ = stored(backoffice, reference)
    assert (state, found) == ("in_progress", [])

    # Cai, not involved, decides.
    colleague = client_of(backoffice, ids.colleague)
    form = page(colleague, reference, DECISION_SECTION)
    assert f'action="/cases/{reference}/decision"' in form
    decided = colleague.post(f"/cases/{reference}/decision", data={
        "decision-csrf_token": csrf(colleague, "/"), "decision-expected_state": "in_progress",
        "decision-outcome": "allowed", "decision-reasons": "new_evidence",
        "decision-explanation": "Yes."})  # fmt: skip
    assert decided.status_code == 302
    state, _, [decision], _ = stored(backoffice, reference)
    assert (state, decision.decided_by_id) == ("decision_pending", ids.colleague)

    # Abe approved the first decision: he may neither approve nor return this one.
    approver = client_of(backoffice, ids.approver)
    waiting = page(approver, reference, DECISION_SECTION)
    assert "Approve the decision" not in waiting
    assert "Return with comments" not in waiting
    assert (
        "You approved the decision under appeal, so you may not approve or return the "
        "decision on this appeal."
    ) in words(waiting)
    seen_fields = {"approve-csrf_token": csrf(approver, "/"),
                   "approve-expected_state": "decision_pending",
                   "approve-decision": str(decision.id)}  # fmt: skip
    approved = approver.post(f"/cases/{reference}/decision/approve", data=seen_fields)
    assert approved.status_code == 302
    assert "so you may not do that on this appeal" in words(followed(approver, approved))
    returned = approver.post(f"/cases/{reference}/decision/return", data={
        "return-csrf_token": csrf(approver, "/"), "return-expected_state": "decision_pending",
        "return-decision": str(decision.id), "return-comments": "Change it"})  # fmt: skip
    assert returned.status_code == 302
    state, _, [decision], kinds = stored(backoffice, reference)
    assert (state, decision.approved_by_id) == ("decision_pending", None)
    assert "approve_decision" not in kinds
    assert "return_decision" not in kinds

    # Sue, not involved, approves.
    boss = client_of(backoffice, ids.boss)
    assert "Approve the decision" in page(boss, reference, DECISION_SECTION)
    ok = boss.post(f"/cases/{reference}/decision/approve", data={
        **seen_fields, "approve-csrf_token": csrf(boss, "/")})  # fmt: skip
    assert ok.status_code == 302
    state, _, [decision], _ = stored(backoffice, reference)
    assert (state, decision.approved_by_id) == ("decided", ids.boss)


def test_least_loaded_says_what_is_true_of_the_team(backoffice: Flask) -> None:
    """Defect 13: "Nobody in the team works this type of case" only when nobody does."""
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        team = make_team(session, "licensing", "Licensing")
        boss = person(session, RoleCode.SUPERVISOR, team, "Lee Boss")
        only = person(session, RoleCode.CASEWORKER, team, "Olu Only", "complaint")
        case = make_case(session, case_type="complaint", state="triage")
        case.team_id = team.id
        assignment.assign(session, case=case, to_staff=only, actor=boss)
        with pytest.raises(AssignmentRefused) as refused:
            assignment.assign_least_loaded(session, case=case, actor=boss, reason="Rebalance")
        assert refused.value.reason == "only_one_has_it"
        nobody = make_case(session, case_type="application", state="triage")
        nobody.team_id = team.id
        with pytest.raises(AssignmentRefused) as refused:
            assignment.assign_least_loaded(session, case=nobody, actor=boss)
        assert refused.value.reason == "nobody_fits"
        reference, boss_id = case.reference, boss.id
        # An appeal whose other caseworker for the type decided the first decision.
        appeal, ids = an_appeal(session)
        assignment.assign(session, case=appeal, to_staff=staff_of(session, ids.colleague),
                          actor=staff_of(session, ids.boss))  # fmt: skip
        with pytest.raises(AssignmentRefused) as refused:
            assignment.assign_least_loaded(session, case=appeal, actor=boss, reason="Swap")
        assert refused.value.reason == "all_excluded"
        appeal_reference, appeal_boss = appeal.reference, ids.boss

    client = client_of(backoffice, boss_id)
    path = f"/cases/{reference}"
    said = post_form(client, f"{path}/assign/least-loaded", {"least-reason": "Rebalance"},
                     form_page=path)  # fmt: skip
    assert said.status_code == 200
    text = words(said.get_data(as_text=True))
    assert "The only caseworker in the team who works this type of case already has it" in text
    assert "Nobody in the team works this type of case" not in text

    client = client_of(backoffice, appeal_boss)
    path = f"/cases/{appeal_reference}"
    said = post_form(client, f"{path}/assign/least-loaded", {"least-reason": "Swap"},
                     form_page=path)  # fmt: skip
    assert "Everyone else in the team who works this type of case decided or approved the " in (
        words(said.get_data(as_text=True))
    )
