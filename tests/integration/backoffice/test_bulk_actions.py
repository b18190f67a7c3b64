"""Bulk route and bulk assign from the triage queue: each case through the same guards,
each in its own transaction, the result reported case by case; an empty selection is a
message; who may. SQLite and PostgreSQL."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from shared.db import transaction
from shared.models import Case, Event, RoleCode, RoutingRule, StaffUser, Team
from tests.factories import make_case, make_staff, make_team
from tests.integration.test_hostile_input import HOSTILE_TEXT, PROPERTY, new_client, raw_post
from tests.page_checks import assert_page_checks_itself
from tests.staff_signing_in import csrf_token, sign_in_staff, staff_member


def bulk(client: FlaskClient, fields: list[tuple[str, str]]) -> str:
    token = csrf_token(client, "/queue")
    response = client.post("/queue/bulk", data=MultiDict([("csrf_token", token), *fields]))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def housing_routed_complaints(session: Session) -> Team:
    """A Housing team that the only routing rule sends complaints to."""
    housing = make_team(session, code="housing", name="Housing")
    session.add(RoutingRule(position=1, name="Complaints to housing",
                            conditions={"case_type": ["complaint"]}, team_id=housing.id,
                            sla_policy="standard"))  # fmt: skip
    return housing


def states(app: Flask, references: list[str]) -> dict[str, tuple[str, int | None, int | None]]:
    with app.extensions["caseway"].sessions() as session:
        found = session.scalars(select(Case).where(Case.reference.in_(references)))
        return {case.reference: (case.state, case.team_id, case.assignee_id) for case in found}


def test_bulk_route_and_assign_report_case_by_case(backoffice: Flask) -> None:
    sessions = backoffice.extensions["caseway"].sessions
    with transaction(sessions) as session:
        housing = housing_routed_complaints(session)
        complaint = make_case(session, case_type="complaint", state="submitted")
        application = make_case(session, state="submitted")  # no rule matches
        boss = make_staff(session, roles=[RoleCode.SUPERVISOR, RoleCode.INTAKE_CLERK])
        boss.team_id = housing.id
        worker = make_staff(session, roles=[RoleCode.CASEWORKER], display_name="Wyn Worker")
        worker.team_id = housing.id
        worker.skills = ["complaint"]
        refs = [complaint.reference, application.reference]
        ids = {"housing": housing.id, "worker": worker.id}
        boss_email = boss.email
    clerk = staff_member(backoffice, RoleCode.INTAKE_CLERK)
    clerk_client = new_client(backoffice)
    sign_in_staff(clerk_client, clerk.email)

    # Nothing ticked: a message on the queue, nothing done.
    empty = bulk(clerk_client, [("action", "route")])
    assert "Select at least one case" in empty
    assert empty.count("<h1") == 1
    assert "<title>Error:" in empty

    page = bulk(clerk_client, [("action", "route"), ("case", refs[0]), ("case", refs[1]),
                               ("case", "ZZZZ-ZZZZ-Z")])  # fmt: skip
    assert_page_checks_itself(page, "bulk result", english=True)
    assert "3 cases selected." in page
    assert "Routed: 1" in page
    assert "Not routed: 2" in page
    assert "routed to Housing" in page
    assert "no routing rule matches it" in page
    assert "no such case, or not one you may see" in page
    after = states(backoffice, refs)
    assert after[refs[0]] == ("triage", ids["housing"], None)  # routed despite the refusals
    assert after[refs[1]] == ("submitted", None, None)

    # Clerks route; only supervisors assign.
    refused = clerk_client.post("/queue/bulk", data={
        "csrf_token": csrf_token(clerk_client, "/queue"), "action": "assign",
        "to_staff": str(ids["worker"]), "case": refs[0]})  # fmt: skip
    assert refused.status_code == 403
    boss_client = new_client(backoffice)
    sign_in_staff(boss_client, boss_email)
    assigned = bulk(boss_client, [("action", "assign"), ("to_staff", str(ids["worker"])),
                                  ("case", refs[0]), ("case", refs[1])])  # fmt: skip
    assert "2 cases selected." in assigned
    assert "Assigned: 1" in assigned
    assert "Not assigned: 1" in assigned
    assert "assigned to Wyn Worker" in assigned
    assert "that person does not work this type of case" in assigned
    after = states(backoffice, refs)
    assert after[refs[0]] == ("assigned", ids["housing"], ids["worker"])
    assert after[refs[1]] == ("submitted", None, None)
    # Assigning with nobody chosen: a message, the ticks kept.
    nobody = bulk(boss_client, [("action", "assign"), ("case", refs[1])])
    assert "Select who to assign the cases to" in nobody
    assert f'value="{refs[1]}" checked' in nobody
    # Caseworkers do not triage.
    worker_client = new_client(backoffice)
    with transaction(sessions) as session:
        found = session.get(StaffUser, ids["worker"])
        assert found is not None
        email = found.email
    sign_in_staff(worker_client, email)
    assert worker_client.post("/queue/bulk", data={"action": "route"}).status_code in (400, 403)


def test_a_bulk_action_with_nothing_to_do_says_so_case_by_case_and_in_total(
    backoffice: Flask,
) -> None:
    """Defect 15: a case already where the action would put it is neither done nor
    refused ("0 of 1 cases done"): it needed nothing, and the page says so."""
    sessions = backoffice.extensions["caseway"].sessions
    with transaction(sessions) as session:
        housing = housing_routed_complaints(session)
        boss = make_staff(session, roles=[RoleCode.SUPERVISOR, RoleCode.INTAKE_CLERK])
        boss.team_id = housing.id
        worker = make_staff(session, roles=[RoleCode.CASEWORKER], display_name="Wyn Worker")
        worker.team_id = housing.id
        fresh = make_case(session, case_type="complaint", state="submitted")
        refs = [fresh.reference]
        boss_email, worker_id = boss.email, worker.id
    boss_client = new_client(backoffice)
    sign_in_staff(boss_client, boss_email)
    first = bulk(boss_client, [("action", "route"), ("case", refs[0])])
    assert "Routed: 1" in first
    before = states(backoffice, refs)
    # Routed again: it is already with the team the rules propose.
    again = bulk(boss_client, [("action", "route"), ("case", refs[0])])
    assert_page_checks_itself(again, "bulk result, nothing to do", english=True)
    assert "1 case selected." in again
    assert "Nothing to do, already where the rules send them: 1" in again
    assert "Routed:" not in again
    assert "Nothing to do" in again
    assert "already with Housing" in again
    assert "of 1 cases done" not in again
    assert states(backoffice, refs) == before
    with transaction(sessions) as session:
        routed_events = session.scalar(select(func.count()).select_from(Event).where(
            Event.kind == "routed", Event.case.has(reference=refs[0])))  # fmt: skip
    assert routed_events == 1  # nothing written the second time
    assign = [("action", "assign"), ("to_staff", str(worker_id)), ("case", refs[0])]
    assert "Assigned: 1" in bulk(boss_client, assign)
    twice = bulk(boss_client, assign)
    assert "Nothing to do, already theirs: 1" in twice
    assert "already assigned to Wyn Worker" in twice
    assert "Not assigned" not in twice


@PROPERTY
@given(
    fields=st.lists(
        st.tuples(st.sampled_from(["case", "action", "to_staff", "back"]), HOSTILE_TEXT),
        max_size=6,
    )
)
def test_junk_in_the_bulk_form_never_fails(
    backoffice: Flask, fields: list[tuple[str, str]]
) -> None:
    clerk = staff_member(backoffice, RoleCode.SUPERVISOR)
    client = new_client(backoffice)
    sign_in_staff(client, clerk.email)
    response = raw_post(client, "/queue/bulk", [("csrf_token", csrf_token(client, "/queue")),
                                                *fields])  # fmt: skip
    assert response.status_code in (200, 400)


def test_a_bulk_route_names_the_team_in_the_reader_s_language(backoffice: Flask) -> None:
    sessions = backoffice.extensions["caseway"].sessions
    with transaction(sessions) as session:
        housing_routed_complaints(session).names = {"cy": "Tai"}
        reference = make_case(session, case_type="complaint", state="submitted").reference
    clerk = staff_member(backoffice, RoleCode.INTAKE_CLERK)
    client = new_client(backoffice)
    sign_in_staff(client, clerk.email)
    client.get("/language/cy")
    page = bulk(client, [("action", "route"), ("case", reference)])
    assert "Tai" in page
    assert "Housing" not in page
