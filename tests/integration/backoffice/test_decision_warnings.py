"""What the back office says around decisions and picking up work (issue 23): a decision
recorded while tasks are still open is warned of, not blocked (defect 18); a decision
waiting for an approval nobody but its maker could give is flagged on My work and the
team page (defect 18); My work says of each case in the team's queue whether its page
offers "Assign to me", and why not (defect 12). SQLite and PostgreSQL."""

from __future__ import annotations

import re
from html import unescape

from flask import Flask
from sqlalchemy import select

from shared.db import transaction
from shared.models import Case, Decision, RoleCode, StaffUser, Task, Team
from shared.services import decisions, tasks
from tests.factories import make_case, make_staff, make_team
from tests.integration.backoffice.test_appeal_separation import (
    DECISION_SECTION,
    an_appeal,
    client_of,
    page,
)
from tests.integration.test_hostile_input import csrf

STUCK_TAG = "Nobody else can approve it"


def words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def row_of(html: str, reference: str) -> str:
    return next(row for row in html.split("<tr") if f"/cases/{reference}" in row)


def test_recording_a_decision_with_tasks_open_is_warned_of_not_blocked(
    backoffice: Flask,
) -> None:
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        team = make_team(session, "permits", "Permits")
        worker = make_staff(session, roles=[RoleCode.CASEWORKER], team=team)
        case = make_case(session, case_type="complaint", state="in_progress")
        case.team_id = team.id
        open_one = tasks.add_task(session, case=case, author=worker, title="Ring the landlord")
        done = tasks.add_task(session, case=case, author=worker, title="Read the tenancy")
        tasks.complete_task(session, task=done, case=case, actor=worker)
        reference, worker_id, task_id = case.reference, worker.id, open_one.id
    client = client_of(backoffice, worker_id)
    seen = page(client, reference, DECISION_SECTION)
    warning = re.search(r'id="decision-open-tasks".*?</div>\s*</div>', seen, re.S)
    assert warning, "no warning of the open tasks"
    said = words(warning.group(0))
    assert "This case still has 1 open task." in said
    assert "Ring the landlord" in said
    assert "Read the tenancy" not in said  # done: nothing to warn of
    assert "govuk-warning-text" in warning.group(0)

    # Recorded all the same: a task may no longer matter.
    recorded = client.post(f"/cases/{reference}/decision", data={
        "decision-csrf_token": csrf(client, "/"), "decision-expected_state": "in_progress",
        "decision-outcome": "upheld", "decision-reasons": "delay",
        "decision-explanation": "Sorry."})  # fmt: skip
    assert recorded.status_code == 302
    with backoffice.extensions["caseway"].sessions() as session:
        found = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert found.state == "decided"
        assert session.scalars(select(Decision).where(Decision.case_id == found.id)).one()
        task = session.get(Task, task_id)
        assert task is not None
        assert task.state.value == "open"  # left as it was

    # With every task done, no warning.
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        quiet = make_case(session, case_type="complaint", state="in_progress")
        quiet.team_id = session.get(StaffUser, worker_id).team_id  # type: ignore[union-attr]
        quiet_reference = quiet.reference
    assert 'id="decision-open-tasks"' not in page(client, quiet_reference, DECISION_SECTION)


def test_a_decision_only_its_maker_could_approve_is_flagged(backoffice: Flask) -> None:
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        permits = make_team(session, "permits", "Permits")
        housing = make_team(session, "housing", "Housing")
        sue = make_staff(session, roles=[RoleCode.SUPERVISOR], team=permits, display_name="Sue")
        make_staff(session, roles=[RoleCode.SUPERVISOR], team=housing, display_name="Hal")
        stuck, fine = (make_case(session, state="in_progress") for _ in range(2))
        stuck.team_id, fine.team_id = permits.id, housing.id
        for case in (stuck, fine):
            case.assignee_id = sue.id
            session.flush()  # the decision locks the case, reading it afresh
            decisions.record_decision(session, case=case, outcome="approved",
                                      reason_codes=["meets_criteria"], explanation="Yes.",
                                      decided_by=sue)  # fmt: skip
        assert decisions.stuck_for_approval(session, [stuck, fine]) == {stuck.id}
        refs = {"stuck": stuck.reference, "fine": fine.reference}
        sue_id, permits_id = sue.id, permits.id
    sue_client = client_of(backoffice, sue_id)

    # My work: the tag on the stuck case only, and what it means.
    mine = sue_client.get("/my-work").get_data(as_text=True)
    assert STUCK_TAG in row_of(mine, refs["stuck"])
    assert STUCK_TAG not in row_of(mine, refs["fine"])  # Hal, of its team, can approve it
    assert "only the person who made it could give, and nobody approves their own" in words(mine)
    # The team page lists it, flagged; the case's own page says so too.
    team_page = sue_client.get("/teams/permits").get_data(as_text=True)
    assert "Decisions nobody else can approve" in team_page
    assert STUCK_TAG in row_of(team_page, refs["stuck"])
    assert refs["fine"] not in team_page
    assert STUCK_TAG in page(sue_client, refs["stuck"], DECISION_SECTION)

    # Another supervisor joins the team: it can be approved, and the flags go.
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        make_staff(
            session,
            roles=[RoleCode.SUPERVISOR],
            team=session.get(Team, permits_id),
            display_name="Pat",
        )
    assert STUCK_TAG not in sue_client.get("/my-work").get_data(as_text=True)
    assert "Decisions nobody else can approve" not in sue_client.get("/teams/permits").get_data(
        as_text=True
    )


def test_an_appeal_whose_other_approver_is_excluded_is_stuck(backoffice: Flask) -> None:
    """The team's only other supervisor approved the decision under appeal."""
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        appeal, ids = an_appeal(session, "in_progress")
        boss = session.get(StaffUser, ids.boss)
        assert boss is not None
        decisions.record_decision(session, case=appeal, outcome="allowed", explanation="Yes.",
                                  reason_codes=["new_evidence"], decided_by=boss)  # fmt: skip
        # Sue decided; Abe approved the first decision: nobody else may approve.
        assert decisions.stuck_for_approval(session, [appeal]) == {appeal.id}


def test_my_work_says_whether_each_waiting_case_can_be_taken(backoffice: Flask) -> None:
    """Defect 12: "Open one to assign it to yourself" for a case whose page offers no
    "Assign to me". My work now says, case by case, what the page offers."""
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        appeal, ids = an_appeal(session)  # Ann decided the decision under appeal
        ann = session.get(StaffUser, ids.decider)
        assert ann is not None
        ann.skills = ["appeal", "complaint"]
        mine, not_my_type = (
            make_case(session, case_type=code, state="triage")
            for code in ("complaint", "application")
        )
        untriaged = make_case(session, case_type="complaint", state="submitted")
        for case in (mine, not_my_type, untriaged):
            case.team_id = ids.team_id
        refs = {"appeal": appeal.reference, "mine": mine.reference,
                "not_my_type": not_my_type.reference, "untriaged": untriaged.reference}  # fmt: skip
    client = client_of(backoffice, ids.decider)
    html = client.get("/my-work").get_data(as_text=True)
    waiting = html.split('id="team-waiting"')[1].split('id="tasks"')[0]
    assert "Open one to assign it to yourself" not in waiting
    said = {name: words(row_of(waiting, ref)) for name, ref in refs.items()}
    assert "Yes: “Assign to me” is on its page" in said["mine"]
    assert "No: not a type of case you work" in said["not_my_type"]
    assert "No: you decided or approved the decision under appeal" in said["appeal"]
    assert "No: it must be triaged first" in said["untriaged"]
    # What My work says is what each case's page offers.
    for name, ref in refs.items():
        offered = "Assign to me" in page(client, ref)
        assert offered == (name == "mine"), name
