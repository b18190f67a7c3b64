"""Assigning one case: to me, to a named person, to a team's queue, to the least-loaded
caseworker who works its type; reassignment needs a reason; refusals; two supervisors at
once make one assignment. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from hypothesis import example, given
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import transaction
from shared.models import AuditEvent, Case, Event, RoleCode, StaffUser, Team
from shared.services import assignment
from shared.services.assignment import AssignmentRefused
from tests.factories import make_case, make_staff, make_team
from tests.integration.test_hostile_input import HOSTILE_TEXT, PROPERTY, new_client, raw_post
from tests.page_checks import assert_page_checks_itself
from tests.staff_signing_in import csrf_token, post_form, sign_in_staff, staff_member


def staffer(
    session: Session,
    role: RoleCode,
    team: Team | None,
    skills: tuple[str, ...] | list[str] = (),
    name: str | None = None,
) -> StaffUser:
    extra = {"display_name": name} if name else {}
    person = make_staff(session, roles=[role], **extra)
    person.team_id = team.id if team else None
    person.skills = list(skills)
    session.flush()
    return person


def case_of(app: Flask, reference: str) -> Case:
    with app.extensions["caseway"].sessions() as session:
        found = session.scalars(select(Case).where(Case.reference == reference)).one()
        session.expunge(found)
        return found


def test_assigning_through_the_service(backoffice: Flask) -> None:
    sessions = backoffice.extensions["caseway"].sessions
    with transaction(sessions) as session:
        housing = make_team(session, code="housing", name="Housing")
        permits = make_team(session, code="permits", name="Permits")
        boss = staffer(session, RoleCode.SUPERVISOR, housing)
        busy = staffer(session, RoleCode.CASEWORKER, housing, ["application"], "Bea Busy")
        free = staffer(session, RoleCode.CASEWORKER, housing, ["application"], "Fay Free")
        tied = staffer(session, RoleCode.CASEWORKER, housing, ["application"], "Ann Tied")
        complaints_only = staffer(session, RoleCode.CASEWORKER, housing, ["complaint"], "Cy")
        elsewhere = staffer(session, RoleCode.CASEWORKER, permits, ["application"])
        clerk = staffer(session, RoleCode.INTAKE_CLERK, housing)
        for person, load in ((busy, 2), (free, 0), (tied, 0)):
            for _ in range(load):
                other = make_case(session, state="in_progress")
                other.assignee_id = person.id
        # Fay and Ann have none: Ann comes first by name.
        case = make_case(session, state="triage")
        case.team_id = housing.id
        session.flush()

        with pytest.raises(AssignmentRefused) as refused:
            assignment.assign(session, case=case, to_staff=elsewhere, actor=boss)
        assert refused.value.reason == "other_team"
        with pytest.raises(AssignmentRefused) as refused:
            assignment.assign(session, case=case, to_staff=complaints_only, actor=boss)
        assert refused.value.reason == "no_skill"
        with pytest.raises(AssignmentRefused) as refused:
            assignment.assign(session, case=case, to_staff=clerk, actor=boss)
        assert refused.value.reason == "cannot_work_cases"
        with pytest.raises(AssignmentRefused) as refused:  # a caseworker assigns nobody else
            assignment.assign(session, case=case, to_staff=free, actor=busy)
        assert refused.value.reason == "not_allowed"

        chosen = assignment.assign_least_loaded(session, case=case, actor=boss)
        assert chosen.id == tied.id
        assert (case.state, case.assignee_id) == ("assigned", tied.id)
        # Taking it from Ann needs a reason.
        with pytest.raises(AssignmentRefused) as refused:
            assignment.assign(session, case=case, to_staff=free, actor=boss)
        assert refused.value.reason == "no_reason"
        assignment.assign(session, case=case, to_staff=free, actor=boss, reason="Ann is away")
        assert case.assignee_id == free.id
        loads = {
            load.staff.display_name: load for load in assignment.caseload(session, team=housing)
        }
        assert (loads["Bea Busy"].open, loads["Fay Free"].open, loads["Ann Tied"].open) == (2, 1, 0)
        # Least loaded never picks the person who has it.
        assert assignment.assign_least_loaded(session, case=case, actor=boss,
                                              reason="Rebalance").id == tied.id  # fmt: skip

        lonely = make_case(session, case_type="complaint", state="triage")
        lonely.team_id = permits.id
        with pytest.raises(AssignmentRefused) as refused:
            assignment.assign_least_loaded(session, case=lonely, actor=boss)
        assert refused.value.reason == "nobody_fits"
        unrouted = make_case(session, state="triage")
        with pytest.raises(AssignmentRefused) as refused:
            assignment.assign_least_loaded(session, case=unrouted, actor=boss)
        assert refused.value.reason == "no_team"
        # A received case is triaged on the way to its caseworker; the team follows them.
        assignment.assign(session, case=unrouted, to_staff=elsewhere, actor=boss)
        assert (unrouted.state, unrouted.team_id) == ("assigned", permits.id)

        assignment.assign_to_team(session, case=lonely, team=housing, actor=boss)
        assert (lonely.team_id, lonely.assignee_id) == (housing.id, None)
        kinds = session.scalars(select(Event.kind).where(Event.case_id == case.id)).all()
        assert kinds.count("assign") == 1  # the workflow's move, once
        assert "assigned" in kinds
        assert kinds.count("reassigned") == 2
        audits = session.scalars(select(AuditEvent.action)
                                 .where(AuditEvent.object_id == case.reference)).all()  # fmt: skip
        assert "case.assigned" in audits
        assert "case.reassigned" in audits


def test_assign_forms_on_the_case_page(backoffice: Flask) -> None:
    sessions = backoffice.extensions["caseway"].sessions
    with transaction(sessions) as session:
        housing = make_team(session, code="housing", name="Housing")
        boss = staffer(session, RoleCode.SUPERVISOR, housing, name="Sue Boss")
        worker = staffer(session, RoleCode.CASEWORKER, housing, ["application"], "Wyn Worker")
        case = make_case(session, state="triage")
        case.team_id = housing.id
        reference = case.reference
        team_id = housing.id
    boss_client = new_client(backoffice)
    sign_in_staff(boss_client, boss.email)
    path = f"/cases/{reference}"
    page = boss_client.get(path).get_data(as_text=True)
    assert_page_checks_itself(page, "case with assignment", english=True)
    assert "Assign to me" in page
    assert "Wyn Worker" in page
    assert "Caseload in Housing" in page

    # A caseworker of the team may take the routed case from the team's queue, but is
    # offered nobody else's name and no bare "Move to" button.
    worker_client = new_client(backoffice)
    sign_in_staff(worker_client, worker.email)
    worker_page = worker_client.get(path).get_data(as_text=True)
    assert "Assign to me" in worker_page
    assert "Caseload in Housing" not in worker_page
    assert "Move to “Assigned”" not in worker_page
    assert case_of(backoffice, reference).assignee_id is None
    # Named, by the supervisor.
    done = post_form(boss_client, f"{path}/assign", {"person-to_staff": str(worker.id)})
    assert done.status_code == 302
    assert "The case is assigned to Wyn Worker." in boss_client.get(path).get_data(as_text=True)
    # The supervisor takes it: someone has it, so the reason is asked for, then given.
    missing = post_form(boss_client, f"{path}/assign/me", {"me-reason": " "})
    assert "Enter the reason" in missing.get_data(as_text=True)
    taken = post_form(boss_client, f"{path}/assign/me", {"me-reason": "Wyn is on leave"})
    assert taken.status_code == 302
    assert case_of(backoffice, reference).assignee_id == boss.id
    # A made-up person, and a team that is not there: a message, no 500.
    for data in ({"person-to_staff": "99999"}, {"person-to_staff": "x"}):
        response = post_form(boss_client, f"{path}/assign", data)
        assert response.status_code == 200
    response = post_form(boss_client, f"{path}/assign/team", {"team-team": "0"})
    assert response.status_code == 200
    moved = post_form(boss_client, f"{path}/assign/team",
                      {"team-team": str(team_id), "team-reason": "Back to the queue"})  # fmt: skip
    assert moved.status_code == 302
    assert case_of(backoffice, reference).assignee_id is None
    # Who may: caseworkers assign nobody else; clerks and auditors nothing.
    assert post_form(worker_client, f"{path}/assign", {"person-to_staff": str(worker.id)},
                     form_page=path).status_code == 403  # fmt: skip
    auditor = staff_member(backoffice, RoleCode.AUDITOR)
    auditor_client = new_client(backoffice)
    sign_in_staff(auditor_client, auditor.email)
    assert "Assign to me" not in auditor_client.get(path).get_data(as_text=True)


def test_two_supervisors_assigning_at_once_make_one_assignment(backoffice: Flask) -> None:
    sessions = backoffice.extensions["caseway"].sessions
    with transaction(sessions) as session:
        housing = make_team(session, code="housing", name="Housing")
        bosses = [staffer(session, RoleCode.SUPERVISOR, housing) for _ in range(2)]
        workers = [staffer(session, RoleCode.CASEWORKER, housing) for _ in range(2)]
        case = make_case(session, state="triage")
        case.team_id = housing.id
        reference = case.reference
    clients = []
    for boss in bosses:
        client = new_client(backoffice)
        sign_in_staff(client, boss.email)
        clients.append((client, csrf_token(client, f"/cases/{reference}")))
    together = threading.Barrier(2)
    statuses: list[int] = []

    def press(client: Any, token: str, worker: StaffUser) -> None:
        together.wait()
        response = client.post(f"/cases/{reference}/assign",
                               data={"csrf_token": token, "person-to_staff": str(worker.id)})  # fmt: skip
        statuses.append(response.status_code)

    threads = [threading.Thread(target=press, args=(client, token, worker))
               for (client, token), worker in zip(clients, workers, strict=True)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 302]  # one done; the other told someone has it now
    with sessions() as session:
        found = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert found.assignee_id in {worker.id for worker in workers}
        moves = session.scalars(
            select(Event).where(Event.case_id == found.id, Event.kind.in_(["assign", "assigned"]))
        ).all()
        assert sorted(move.kind for move in moves) == ["assign", "assigned"]


_SIGNED_IN: dict[int, tuple[Any, str, str]] = {}


def _supervisor_on_a_case(app: Flask) -> tuple[Any, str, str]:
    """One supervisor signed in, with a case of their team, for every example of a run."""
    if id(app) not in _SIGNED_IN:
        with transaction(app.extensions["caseway"].sessions) as session:
            team = make_team(session, code="hostile", name="Hostile")
            boss = staffer(session, RoleCode.SUPERVISOR, team)
            case = make_case(session, state="triage")
            case.team_id = team.id
            reference, email = case.reference, boss.email
        client = new_client(app)
        sign_in_staff(client, email)
        _SIGNED_IN.clear()
        _SIGNED_IN[id(app)] = (client, reference, csrf_token(client, f"/cases/{reference}"))
    return _SIGNED_IN[id(app)]


@PROPERTY
@given(person=HOSTILE_TEXT, reason=HOSTILE_TEXT)
@example(person="²", reason="0")  # a digit to str.isdigit(), not to int(): once a 500
def test_junk_in_the_assign_forms_never_fails(backoffice: Flask, person: str, reason: str) -> None:
    client, reference, token = _supervisor_on_a_case(backoffice)
    for path, fields in ((f"/cases/{reference}/assign", [("person-to_staff", person),
                                                          ("person-reason", reason)]),
                         (f"/cases/{reference}/assign/team", [("team-team", person),
                                                              ("team-reason", reason)]),
                         (f"/cases/{reference}/assign/me", [("me-reason", reason)])):  # fmt: skip
        response = raw_post(client, path, [("csrf_token", token), *fields])
        assert response.status_code in (200, 302, 400)
