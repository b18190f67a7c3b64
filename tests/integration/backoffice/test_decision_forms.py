"""Deciding a case from the staff case page: recording a decision (outcome and reasons
from the case type, an explanation for the resident), approval by a supervisor who did
not make it, returning it with staff-only comments; refused input, stale pages, double
presses, the wrong role and two supervisors at once, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from weakref import WeakKeyDictionary

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from shared.db import transaction
from shared.models import Case, Decision, Event, Notice, RoleCode, StaffUser
from shared.services import cases, decisions
from tests.factories import make_case, make_party, make_staff, make_team, supervisor
from tests.integration.backoffice.test_case_page import team_member
from tests.integration.test_hostile_input import (
    HOSTILE_TEXT,
    PROPERTY,
    csrf,
    new_client,
    raw_post,
)
from tests.staff_signing_in import sign_in_staff

EXPLANATION = "You live outside the permit zone.\nThe zone map is on our website."
HIDDEN = re.compile(r"<input\b[^>]*\btype=\"hidden\"[^>]*>")


def case_at(
    app: Flask,
    state: str = "in_progress",
    *,
    case_type: str = "application",
    moved_by: int | None = None,
) -> str:
    """A case of the permits team, filed by a resident who reads Welsh (and moved on by
    the supervisor `moved_by`, or by the factories' own)."""
    with transaction(app.extensions["caseway"].sessions) as session:
        if moved_by is not None:
            session.info["factory_supervisor"] = session.get(StaffUser, moved_by)
        resident = make_party(session, given_name="Rhys", preferred_locale="cy")
        case = make_case(session, case_type=case_type, applicant=resident, state=state)
        case.team = make_team(session, "permits", "Permits")
        return case.reference


def hidden_fields(page: str, prefix: str) -> dict[str, str]:
    """The hidden fields of one form on the page (its CSRF token, the state seen...)."""
    found = {}
    for tag in HIDDEN.findall(page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and name.group(1).startswith(f"{prefix}-"):
            found[name.group(1)] = unescape(value.group(1)) if value else ""
    assert found, f"no {prefix} form on the page"
    return found


def words(html: str) -> str:
    """The text a person reads, its spacing as the browser shows it."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def page_of(client: FlaskClient, reference: str) -> str:
    return client.get(f"/cases/{reference}/decision-record").get_data(as_text=True)


def decide(client: FlaskClient, reference: str, **fields: object) -> TestResponse:
    """Record a decision from the case page as it is now."""
    form = hidden_fields(page_of(client, reference), "decision")
    sent = {f"decision-{name}": value for name, value in fields.items()}
    return client.post(f"/cases/{reference}/decision", data={**form, **sent})


def stored(app: Flask, reference: str) -> tuple[str, list[Decision], list[str]]:
    """The case's state, its decisions and the kinds of its events, as stored."""
    with app.extensions["caseway"].sessions() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        found = list(session.scalars(select(Decision).where(Decision.case_id == case.id)))
        kinds = list(session.scalars(select(Event.kind).where(Event.case_id == case.id)))
        session.expunge_all()
        return case.state, found, kinds


def decision_notices(app: Flask, reference: str) -> list[Notice]:
    with app.extensions["caseway"].sessions() as session:
        told = session.scalars(
            select(Notice).join(Case, Notice.case_id == Case.id)
            .where(Case.reference == reference, Notice.kind == "decision")
        ).all()  # fmt: skip
        session.expunge_all()
        return list(told)


def test_a_complaint_is_decided_from_the_page_and_the_resident_told_in_welsh(
    backoffice: Flask,
) -> None:
    reference = case_at(backoffice, case_type="complaint")  # decided in one step
    client, worker = team_member(backoffice, RoleCode.CASEWORKER)
    page = page_of(client, reference)
    assert "Record the decision" in page
    assert 'value="not_upheld"' in page
    assert "Not upheld" in page
    assert "We took too long" in page
    response = decide(client, reference, outcome="upheld", reasons=["delay"],
                      explanation=EXPLANATION)  # fmt: skip
    assert response.headers["Location"] == f"/cases/{reference}/decision-record"
    after = page_of(client, reference)
    assert "Your decision is recorded and the resident is told." in after
    assert "Upheld" in after
    assert "Record the decision" not in after
    assert words(EXPLANATION) in words(after)
    state, found, _kinds = stored(backoffice, reference)
    assert state == "decided"
    [decision] = found
    assert (decision.outcome, decision.reason_codes, decision.explanation) == (
        "upheld", ["delay"], EXPLANATION)  # fmt: skip
    assert decision.decided_by_id == worker.id
    [notice] = decision_notices(backoffice, reference)
    assert notice.locale == "cy"  # the resident's language, not the caseworker's


def test_the_choices_are_in_the_staff_members_language(backoffice: Flask) -> None:
    reference = case_at(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    client.get("/language/cy")
    page = page_of(client, reference)
    assert "Cymeradwywyd yn rhannol" in page  # "Partly approved", from the configuration
    assert "Ni chawsom y dystiolaeth yr oedd ei hangen arnom" in unescape(page)
    assert "Partly approved" not in page


def test_a_decision_waits_for_a_supervisor_who_did_not_make_it(backoffice: Flask) -> None:
    reference = case_at(backoffice)  # applications need approval
    decider, member = team_member(backoffice, RoleCode.SUPERVISOR)  # who could approve others'
    decide(decider, reference, outcome="refused", reasons=["outside_area", "not_eligible"],
           explanation=EXPLANATION)  # fmt: skip
    waiting = page_of(decider, reference)
    assert "A supervisor must approve it before the resident is told." in waiting
    assert "You made this decision. It is waiting for approval by a supervisor" in waiting
    assert "Approve the decision" not in waiting
    assert "Return with comments" not in waiting
    assert decision_notices(backoffice, reference) == []  # nobody told yet
    # Pressed anyway (a form sent by hand): refused, and nothing written.
    mine = {"approve-csrf_token": csrf(decider, "/"),
            "approve-expected_state": "decision_pending",
            "approve-decision": str(stored(backoffice, reference)[1][0].id)}  # fmt: skip
    refused = decider.post(f"/cases/{reference}/decision/approve", data=mine)
    assert refused.status_code == 302
    assert "someone else must approve or return it. Nothing was done." in page_of(
        decider, reference
    )
    state, [decision], kinds = stored(backoffice, reference)
    assert (state, decision.approved_by_id, kinds.count("approve_decision")) == (
        "decision_pending", None, 0)  # fmt: skip

    approver, second = team_member(backoffice, RoleCode.SUPERVISOR)
    seen = page_of(approver, reference)
    assert "Waiting for approval" in seen
    assert member.display_name in seen  # who decided
    assert "The address is outside our area" in seen
    approved = approver.post(f"/cases/{reference}/decision/approve",
                             data=hidden_fields(seen, "approve"))  # fmt: skip
    assert approved.headers["Location"] == f"/cases/{reference}/decision-record"
    after = page_of(approver, reference)
    assert "The decision is approved and the resident is told." in after
    assert "Approved by" in after
    assert second.display_name in after
    state, [decision], _ = stored(backoffice, reference)
    assert (state, decision.approved_by_id) == ("decided", second.id)
    [notice] = decision_notices(backoffice, reference)
    assert notice.locale == "cy"
    # The resident, signed in on the portal, reads the decision in Welsh.
    seen_by_resident = resident_page(backoffice, reference)
    assert "Gwrthodwyd" in seen_by_resident  # "Refused"
    assert "Mae'r cyfeiriad y tu allan i'n hardal" in unescape(seen_by_resident)
    assert words(EXPLANATION) in words(seen_by_resident)


def resident_page(backoffice: Flask, reference: str) -> str:
    """The case page the resident sees on the portal, signed in by their one-time link."""
    from portal import create_portal
    from tests.integration.test_tracking import sign_in

    portal = create_portal(backoffice.extensions["caseway"].settings)
    try:
        with portal.extensions["caseway"].sessions() as session:
            case = session.scalars(select(Case).where(Case.reference == reference)).one()
            email = case.applicant.email or ""
        resident = portal.test_client()
        sign_in(portal, resident, email)
        return resident.get(f"/cases/{reference}").get_data(as_text=True)
    finally:
        portal.extensions["caseway"].engine.dispose()


def waiting_case(app: Flask, *, decided_by: int | None = None, moved_by: int | None = None) -> str:
    """A case with a decision waiting for approval, made by a caseworker of the team."""
    reference = case_at(app, moved_by=moved_by)
    with transaction(app.extensions["caseway"].sessions) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        worker = (
            session.get(StaffUser, decided_by)
            if decided_by is not None
            else make_staff(session, roles=[RoleCode.CASEWORKER], team=case.team)
        )
        decisions.record_decision(session, case=case, outcome="approved",
                                  reason_codes=["meets_criteria"], explanation="Granted.",
                                  decided_by=worker)  # fmt: skip
    return reference


def test_a_returned_decision_goes_back_to_work_with_comments_for_staff_only(
    backoffice: Flask,
) -> None:
    reference = waiting_case(backoffice)
    approver, _ = team_member(backoffice, RoleCode.SUPERVISOR)
    seen = page_of(approver, reference)
    path = f"/cases/{reference}/decision/return"
    empty = approver.post(path, data={**hidden_fields(seen, "return"), "return-comments": " "})
    page = empty.get_data(as_text=True)
    assert empty.status_code == 200
    assert "<title>Error: Case" in page
    assert "There is a problem" in page
    assert "Enter your comments for the person who decided" in page
    assert stored(backoffice, reference)[0] == "decision_pending"  # nothing written
    comments = "Check the map: Elm Street is inside the zone."
    sent = approver.post(path, data={**hidden_fields(seen, "return"), "return-comments": comments})
    assert sent.headers["Location"] == f"/cases/{reference}/decision-record"
    assert "The decision is returned to be worked on again." in page_of(approver, reference)
    state, [decision], _ = stored(backoffice, reference)
    assert (state, decision.approved_by_id) == ("in_progress", None)
    with backoffice.extensions["caseway"].sessions() as session:
        returned = session.scalars(select(Event).where(Event.kind == "return_decision")).one()
        assert (returned.note, returned.is_public) == (comments, False)
    assert decision_notices(backoffice, reference) == []
    # The caseworker sees the comments and the decision again, to change and record.
    worker, _ = team_member(backoffice, RoleCode.CASEWORKER)
    again = page_of(worker, reference)
    assert "A supervisor returned the decision with these comments." in again
    assert "Check the map: Elm Street is inside the zone." in again
    assert re.search(r'value="approved"[^>]*checked|checked[^>]*value="approved"', again)
    assert "Granted." in again
    # Never on the resident's own page.
    assert "Elm Street is inside the zone" not in resident_page(backoffice, reference)


def test_an_empty_decision_is_an_error_summary_and_keeps_what_was_typed(
    backoffice: Flask,
) -> None:
    reference = case_at(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    empty = decide(client, reference)
    page = empty.get_data(as_text=True)
    assert empty.status_code == 200
    assert "<title>Error: Case" in page
    assert "There is a problem" in page
    for message in ("Select the outcome", "Select at least one reason",
                    "Enter the explanation for the resident"):  # fmt: skip
        assert message in page
    assert 'href="#decision-outcome"' in page  # the summary links to the first radio
    assert page.count("<h1") == 1
    assert "None" not in page
    part = decide(client, reference, reasons=["missing_evidence"], explanation=EXPLANATION)
    kept = part.get_data(as_text=True)
    assert "Select the outcome" in kept
    assert "Select at least one reason" not in kept
    assert EXPLANATION in unescape(kept)  # nothing typed is lost
    assert re.search(r'value="missing_evidence"[^>]*checked|checked[^>]*value="missing_evidence"',
                     kept)  # fmt: skip
    too_long = decide(client, reference, outcome="approved", reasons=["meets_criteria"],
                      explanation="x" * 5001).get_data(as_text=True)  # fmt: skip
    assert "Enter 5000 characters or fewer" in too_long
    state, found, _ = stored(backoffice, reference)
    assert (state, found) == ("in_progress", [])


def test_codes_posted_by_hand_are_refused_with_a_message(backoffice: Flask) -> None:
    reference = case_at(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    made_up = decide(client, reference, outcome="granted_by_magic", reasons=["meets_criteria"],
                     explanation=EXPLANATION)  # fmt: skip
    assert made_up.status_code == 200
    assert "Select one of the outcomes shown" in made_up.get_data(as_text=True)
    # "delay" is a reason for complaints, not applications.
    elsewhere = decide(client, reference, outcome="approved", reasons=["meets_criteria", "delay"],
                       explanation=EXPLANATION)  # fmt: skip
    assert elsewhere.status_code == 200
    assert "Select only reasons shown" in elsewhere.get_data(as_text=True)
    state, found, _ = stored(backoffice, reference)
    assert (state, found) == ("in_progress", [])


def test_a_stale_page_or_a_second_press_writes_nothing(backoffice: Flask) -> None:
    reference = case_at(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    form = hidden_fields(page_of(client, reference), "decision")
    choice = {"decision-outcome": "approved", "decision-reasons": "meets_criteria",
              "decision-explanation": EXPLANATION}  # fmt: skip
    path = f"/cases/{reference}/decision"
    first = client.post(path, data={**form, **choice})
    second = client.post(path, data={**form, **choice})  # the same page, pressed again
    assert (
        first.headers["Location"]
        == second.headers["Location"]
        == f"/cases/{reference}/decision-record"
    )
    after = page_of(client, reference)
    assert "The case changed while you were looking at it, so nothing was done." in after
    assert len(stored(backoffice, reference)[1]) == 1
    # A page that says nothing of the state it showed is no fresher.
    no_state = {k: v for k, v in form.items() if not k.endswith("expected_state")}
    assert client.post(path, data={**no_state, **choice}).status_code == 302
    assert len(stored(backoffice, reference)[1]) == 1

    # Approving from a page shown before the decision was returned and made again.
    approver, _ = team_member(backoffice, RoleCode.SUPERVISOR)
    old_page = hidden_fields(page_of(approver, reference), "approve")
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        decisions.return_decision(session, case=case, approver=supervisor(session),
                                  comments="Say more.")  # fmt: skip
        worker = make_staff(session, roles=[RoleCode.CASEWORKER], team=case.team)
        decisions.record_decision(session, case=case, outcome="refused", explanation="No.",
                                  reason_codes=["not_eligible"], decided_by=worker)  # fmt: skip
    pressed = approver.post(f"/cases/{reference}/decision/approve", data=old_page)
    assert pressed.status_code == 302
    assert "The case changed while you were looking at it" in page_of(approver, reference)
    state, found, _ = stored(backoffice, reference)
    assert state == "decision_pending"
    assert [d.approved_by_id for d in found] == [None, None]  # the new one unseen, unapproved


def test_the_wrong_role_is_refused_and_writes_nothing(backoffice: Flask) -> None:
    reference = waiting_case(backoffice)
    undecided = case_at(backoffice)
    auditor, _ = team_member(backoffice, RoleCode.AUDITOR)
    clerk, _ = team_member(backoffice, RoleCode.INTAKE_CLERK)
    worker, _ = team_member(backoffice, RoleCode.CASEWORKER)
    outsider, _ = team_member(backoffice, RoleCode.SUPERVISOR, team="complaints")
    seen = hidden_fields(page_of(worker, undecided), "decision")
    choice = {"decision-expected_state": seen["decision-expected_state"],
              "decision-outcome": "approved", "decision-reasons": "meets_criteria",
              "decision-explanation": "Granted."}  # fmt: skip
    auditor_page = page_of(auditor, undecided)
    assert "Record the decision" not in auditor_page
    assert "No decision yet." in auditor_page
    for reader in (auditor, clerk):  # they read every case, and decide none
        sent = reader.post(f"/cases/{undecided}/decision",
                           data={**choice, "decision-csrf_token": csrf(reader, "/")})  # fmt: skip
        assert sent.status_code == 403
    assert "Approve the decision" not in page_of(worker, reference)
    for action in ("approve", "return"):
        press = {f"{action}-expected_state": "decision_pending", f"{action}-comments": "No."}
        sent = worker.post(f"/cases/{reference}/decision/{action}",
                           data={**press, f"{action}-csrf_token": csrf(worker, "/")})  # fmt: skip
        assert sent.status_code == 403  # caseworkers decide; supervisors approve
        # Another team's case is not found, for a supervisor too.
        sent = outsider.post(f"/cases/{reference}/decision/{action}",
                             data={**press, f"{action}-csrf_token": csrf(outsider, "/")})  # fmt: skip
        assert sent.status_code == 404
    assert outsider.get(f"/cases/{reference}").status_code == 404
    assert stored(backoffice, undecided)[:2] == ("in_progress", [])
    state, [decision], _ = stored(backoffice, reference)
    assert (state, decision.approved_by_id) == ("decision_pending", None)


def test_two_supervisors_approving_at_once_approve_once(backoffice: Flask) -> None:
    reference = waiting_case(backoffice)
    pressers = [team_member(backoffice, RoleCode.SUPERVISOR)[0] for _ in range(2)]
    forms = [hidden_fields(page_of(client, reference), "approve") for client in pressers]
    start = threading.Barrier(2)
    answers: list[int] = []

    def press(client: FlaskClient, form: dict[str, str]) -> None:
        start.wait()
        answers.append(client.post(f"/cases/{reference}/decision/approve", data=form).status_code)

    threads = [
        threading.Thread(target=press, args=pair) for pair in zip(pressers, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [302, 302]
    told = [page_of(client, reference) for client in pressers]
    assert sum("The decision is approved and the resident is told." in page for page in told) == 1
    assert sum("The case changed while you were looking at it" in page for page in told) == 1
    state, [decision], kinds = stored(backoffice, reference)
    assert (state, kinds.count("approve_decision")) == ("decided", 1)
    assert decision.approved_by_id is not None
    assert len(decision_notices(backoffice, reference)) == 1


# Hostile input: whatever a script sends, never a 500 and never half a decision.


@contextmanager
def _unchanged_unless_moved(app: Flask, reference: str) -> Iterator[list[int]]:
    """Yields a list for the response's status: unless it was a redirect (accepted, or
    refused as stale with a message), nothing about the case may have changed."""
    before = stored(app, reference)
    status: list[int] = []
    yield status
    after = stored(app, reference)
    assert status
    assert status[0] < 500
    if status[0] != 302:
        assert (after[0], len(after[1]), after[2]) == (before[0], len(before[1]), before[2])


# Argon2 makes each new account and each sign-in slow on purpose: the people of a property
# test are made and signed in once, for all its examples.
_TEAMS: WeakKeyDictionary[Flask, dict[RoleCode, tuple[int, FlaskClient]]] = WeakKeyDictionary()


def the_team(app: Flask) -> dict[RoleCode, tuple[int, FlaskClient]]:
    """A caseworker and a supervisor of the permits team, signed in: id and client."""
    if app not in _TEAMS:
        with transaction(app.extensions["caseway"].sessions) as session:
            team = make_team(session, "permits", "Permits")
            people = {role: make_staff(session, roles=[role], team=team)
                      for role in (RoleCode.CASEWORKER, RoleCode.SUPERVISOR)}  # fmt: skip
            accounts = {role: (person.id, person.email) for role, person in people.items()}
        _TEAMS[app] = {}
        for role, (staff_id, email) in accounts.items():
            client = new_client(app)
            assert sign_in_staff(client, email).status_code == 302
            _TEAMS[app][role] = (staff_id, client)
    return _TEAMS[app]


def _count_decisions(app: Flask) -> int:
    with app.extensions["caseway"].sessions() as session:
        return session.scalar(select(func.count(Decision.id))) or 0


OUTCOMES = st.one_of(st.sampled_from(["approved", "refused", ""]), HOSTILE_TEXT)
REASONS = st.lists(st.one_of(st.sampled_from(["meets_criteria", "delay"]), HOSTILE_TEXT),
                   max_size=3)  # fmt: skip


@PROPERTY
@given(outcome=OUTCOMES, reasons=REASONS, explanation=HOSTILE_TEXT)
def test_a_hostile_decision_never_fails(
    backoffice: Flask, outcome: str, reasons: list[str], explanation: str
) -> None:
    team = the_team(backoffice)
    client = team[RoleCode.CASEWORKER][1]
    reference = case_at(backoffice, moved_by=team[RoleCode.SUPERVISOR][0])
    form = hidden_fields(page_of(client, reference), "decision")
    fields = [*form.items(), ("decision-outcome", outcome),
              *(("decision-reasons", reason) for reason in reasons),
              ("decision-explanation", explanation)]  # fmt: skip
    with _unchanged_unless_moved(backoffice, reference) as status:
        response = raw_post(client, f"/cases/{reference}/decision", fields)
        status.append(response.status_code)
    assert response.status_code in (200, 302, 400), response.get_data(as_text=True)[:300]
    state, found, _ = stored(backoffice, reference)
    if response.status_code == 302:  # a whole decision, of codes the case type lists
        [decision] = found
        assert state == "decision_pending"
        assert decision.outcome in ("approved", "refused")
        assert set(decision.reason_codes) <= {"meets_criteria"}
        assert "\x00" not in (decision.explanation or "")


@PROPERTY
@given(comments=HOSTILE_TEXT, decision_id=st.one_of(st.just(""), HOSTILE_TEXT))
def test_hostile_return_comments_never_fail(
    backoffice: Flask, comments: str, decision_id: str
) -> None:
    team = the_team(backoffice)
    supervisor_id, client = team[RoleCode.SUPERVISOR]
    reference = waiting_case(backoffice, decided_by=team[RoleCode.CASEWORKER][0],
                             moved_by=supervisor_id)  # fmt: skip
    form = hidden_fields(page_of(client, reference), "return")
    fields = [*form.items(), ("return-comments", comments)]
    tampered = bool(decision_id) and decision_id != form["return-decision"]
    if decision_id:  # the decision the page showed, replaced by what a script sends
        fields = [(k, decision_id if k == "return-decision" else v) for k, v in fields]
    decisions_before = _count_decisions(backoffice)
    with _unchanged_unless_moved(backoffice, reference) as status:
        response = raw_post(client, f"/cases/{reference}/decision/return", fields)
        status.append(response.status_code)
    assert response.status_code in (200, 302, 400), response.get_data(as_text=True)[:300]
    assert _count_decisions(backoffice) == decisions_before  # a return adds no decision
    state, _found, kinds = stored(backoffice, reference)
    if state == "in_progress":  # returned: with the comments, kept for staff
        assert not tampered  # never a decision other than the one the page showed
        with backoffice.extensions["caseway"].sessions() as session:
            note = session.scalars(
                select(Event.note).join(Case, Event.case_id == Case.id)
                .where(Case.reference == reference, Event.kind == "return_decision")
            ).one()  # fmt: skip
        assert note
        assert note.strip()
        assert "\x00" not in note
    else:
        assert (state, kinds.count("return_decision")) == ("decision_pending", 0)


def test_a_transition_refused_by_the_workflow_says_so(backoffice: Flask) -> None:
    """The case is no longer where a decision can be made (withdrawn by the resident
    meanwhile): the page says it cannot be done now, and nothing is written."""
    reference = case_at(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    form = hidden_fields(page_of(client, reference), "decision")
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        cases.withdraw(session, case=case, applicant=case.applicant, reason="Moved away.")
    form["decision-expected_state"] = "withdrawn"  # as if the page were reloaded in between
    sent = client.post(f"/cases/{reference}/decision",
                       data={**form, "decision-outcome": "approved",
                             "decision-reasons": "meets_criteria", "decision-explanation": "Yes."})  # fmt: skip
    assert sent.status_code == 302
    assert "That cannot be done to the case as it is now." in page_of(client, reference)
    assert stored(backoffice, reference)[:2] == ("withdrawn", [])
