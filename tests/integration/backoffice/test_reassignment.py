"""Before an account with open cases is deactivated, an administrator hands its open
cases to someone else, with a reason each case's staff history keeps."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from shared.casetypes import case_type_definition
from shared.db import transaction
from shared.models import AuditEvent, Case, Event, RoleCode, StaffUser
from tests.factories import decide_case, make_case, make_team
from tests.page_checks import assert_page_checks_itself
from tests.staff_signing_in import post_form, signed_in_client, staff_member

REASON = "Leaving the council on 31 January"


def caseload(app: Flask, member: StaffUser, *states: str) -> list[str]:
    with transaction(app.extensions["caseway"].sessions) as session:
        made = []
        for state in states:
            case = make_case(session, state=state)
            case.assignee_id = member.id
            made.append(case.reference)
        return made


def assignee_of(app: Flask, reference: str) -> int | None:
    with app.extensions["caseway"].sessions() as session:
        found = session.scalars(select(Case).where(Case.reference == reference)).one()
        return found.assignee_id


def test_an_administrator_hands_every_open_case_on_then_deactivates(backoffice: Flask) -> None:
    admin, _ = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        team = make_team(session, code="housing", name="Housing")
        team_id = team.id
    leaver = staff_member(backoffice, RoleCode.CASEWORKER)
    colleague = staff_member(backoffice, RoleCode.CASEWORKER, display_name="Cai Colleague",
                             team=None)  # fmt: skip
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        found = session.get(StaffUser, colleague.id)
        assert found is not None
        found.team_id = team_id
    open_one, open_two = caseload(backoffice, leaver, "in_progress", "assigned")

    refused = post_form(
        admin, f"/staff/{leaver.id}/deactivate", {}, form_page=f"/staff/{leaver.id}"
    )
    assert refused.status_code == 302
    member_page = admin.get(f"/staff/{leaver.id}").get_data(as_text=True)
    assert "still has 2 open cases" in member_page
    assert f'href="/staff/{leaver.id}/reassign"' in member_page  # the way out, linked

    page = admin.get(f"/staff/{leaver.id}/reassign").get_data(as_text=True)
    assert_page_checks_itself(page, "reassign", english=True)
    assert open_one in page
    assert open_two in page
    assert f'value="{leaver.id}"' not in page  # not offered their own cases
    done = post_form(admin, f"/staff/{leaver.id}/reassign",
                     {"to_staff": str(colleague.id), "reason": REASON})  # fmt: skip
    assert done.headers["Location"] == f"/staff/{leaver.id}"
    assert "2 cases are now with Cai Colleague." in admin.get(done.headers["Location"]).get_data(
        as_text=True
    )
    with backoffice.extensions["caseway"].sessions() as session:
        for reference in (open_one, open_two):
            case = session.scalars(select(Case).where(Case.reference == reference)).one()
            assert (case.assignee_id, case.team_id) == (colleague.id, team_id)
            moves = session.scalars(
                select(Event).where(Event.case_id == case.id, Event.kind == "reassigned")
            ).all()
            assert [(m.note, m.is_public) for m in moves] == [(REASON, False)]  # staff only
        audits = session.scalars(
            select(AuditEvent.object_id).where(AuditEvent.action == "case.reassigned")
        ).all()
        assert sorted(audits) == sorted([open_one, open_two])
    auditor, _ = signed_in_client(backoffice, RoleCode.AUDITOR)
    history = auditor.get(f"/cases/{open_one}/history").get_data(as_text=True)
    assert "Reassigned" in history
    assert REASON in history
    post_form(admin, f"/staff/{leaver.id}/deactivate", {}, form_page=f"/staff/{leaver.id}")
    assert "can no longer sign in" in admin.get(f"/staff/{leaver.id}").get_data(as_text=True)


def test_a_refused_reassignment_moves_nothing_and_keeps_what_was_typed(backoffice: Flask) -> None:
    admin, _ = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    leaver = staff_member(backoffice, RoleCode.CASEWORKER)
    auditor = staff_member(backoffice, RoleCode.AUDITOR)  # works no cases
    gone = staff_member(backoffice, RoleCode.CASEWORKER, display_name="Gwen Gone")
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        found = session.get(StaffUser, gone.id)
        assert found is not None
        found.is_active = False
    (reference,) = caseload(backoffice, leaver, "in_progress")
    path = f"/staff/{leaver.id}/reassign"

    empty = post_form(admin, path, {"to_staff": "", "reason": "  "}).get_data(as_text=True)
    assert "<title>Error:" in empty
    assert "Select who takes their cases" in empty
    assert "Enter the reason" in empty
    for someone in (leaver, auditor, gone):
        page = post_form(admin, path, {"to_staff": str(someone.id), "reason": REASON})
        assert page.status_code == 200
        assert REASON in page.get_data(as_text=True)  # nothing typed is lost
    made_up = post_form(admin, path, {"to_staff": "99999", "reason": REASON})
    assert made_up.status_code == 200
    assert assignee_of(backoffice, reference) == leaver.id


def test_only_those_who_manage_staff_reassign_a_caseload(backoffice: Flask) -> None:
    leaver = staff_member(backoffice, RoleCode.CASEWORKER)
    colleague = staff_member(backoffice, RoleCode.CASEWORKER)
    (reference,) = caseload(backoffice, leaver, "in_progress")
    for role in (RoleCode.SUPERVISOR, RoleCode.CASEWORKER, RoleCode.AUDITOR):
        client, _ = signed_in_client(backoffice, role)
        assert client.get(f"/staff/{leaver.id}/reassign").status_code == 403
        refused = client.post(f"/staff/{leaver.id}/reassign",
                              data={"to_staff": str(colleague.id), "reason": REASON})  # fmt: skip
        assert refused.status_code in (400, 403)  # no token to take from a page it cannot see
    assert assignee_of(backoffice, reference) == leaver.id


def test_nobody_with_no_open_cases_has_anything_to_reassign(backoffice: Flask) -> None:
    admin, _ = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    idle = staff_member(backoffice, RoleCode.CASEWORKER, display_name="Ida Idle")
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        case = make_case(session, state="in_progress")
        case.assignee_id = idle.id
        outcome = next(iter(case_type_definition("application").outcomes))
        decide_case(session, case, outcome=outcome, explanation="Granted.")  # not open
    page = admin.get(f"/staff/{idle.id}/reassign").get_data(as_text=True)
    assert "Ida Idle has no open cases." in page
    assert 'name="to_staff"' not in page
    assert admin.get("/staff/99999/reassign").status_code == 404
