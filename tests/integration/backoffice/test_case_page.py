"""The caseworker's case page: found by reference, fetched through shared/access.py (a
case outside the person's teams is not found), the resident's answers and the whole
history, internal notes that never reach the resident, and the workflow's transitions as
buttons that do nothing twice."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from shared.db import transaction
from shared.models import Case, CasePriority, Event, Notice, RoleCode
from tests.factories import make_case, make_staff, make_team
from tests.staff_signing_in import post_form, sign_in_staff, signed_in_client

NOTE = "Rang the resident <b>at home</b>: the dog bites."


def case_in_team(app: Flask, state: str = "assigned", team: str = "permits") -> str:
    with transaction(app.extensions["caseway"].sessions) as session:
        case = make_case(session, state=state, answers={"details": "A permit for Elm Street"})
        case.team = make_team(session, team, team.title())
        return case.reference


def team_member(app: Flask, *roles: RoleCode, team: str = "permits") -> tuple[object, object]:
    with transaction(app.extensions["caseway"].sessions) as session:
        member = make_staff(session, roles=roles, team=make_team(session, team, team.title()))
        email = member.email
    client = app.test_client()
    assert sign_in_staff(client, email).status_code == 302
    return client, member


def test_a_case_is_found_by_its_reference_as_the_resident_reads_it(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    first = client.get("/cases/find").get_data(as_text=True)
    assert "<title>Find a case" in first  # no error before a search
    assert "Enter a reference number" in client.get("/cases/find?reference=").get_data(as_text=True)
    typed = reference.lower().replace("-", " ")
    assert client.get(f"/cases/find?reference={typed}").headers["Location"] == f"/cases/{reference}"
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "A permit for Elm Street" in page  # the resident's answers
    assert "With a caseworker" in page  # the state, in the workflow's words
    assert page.count("<h1") == 1


def test_the_summary_shows_the_case_s_priority_in_the_staff_member_s_words(
    backoffice: Flask,
) -> None:
    reference = case_in_team(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    priority = re.compile(r"Priority\s*</dt>\s*<dd[^>]*>\s*(\S[^<]*?)\s*</dd>")
    found = priority.search(client.get(f"/cases/{reference}").get_data(as_text=True))
    assert found is not None
    assert found.group(1) == "Normal"  # every case starts normal; triage raises it
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        case.priority = CasePriority.URGENT
    client.get("/language/cy")
    welsh = priority.search(client.get(f"/cases/{reference}").get_data(as_text=True))
    assert welsh is None  # the key is in Welsh too
    assert "Brys" in client.get(f"/cases/{reference}").get_data(as_text=True)


def test_a_case_outside_the_persons_teams_is_not_found(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, team="permits")
    outsider, _ = team_member(backoffice, RoleCode.CASEWORKER, team="complaints")
    assert outsider.get(f"/cases/{reference}").status_code == 404
    missing = outsider.get(f"/cases/find?reference={reference}").get_data(as_text=True)
    assert "There is no case with that reference number that you can open" in missing
    for role in (RoleCode.AUDITOR, RoleCode.INTAKE_CLERK):  # they see every case
        reader, _ = signed_in_client(backoffice, role)
        assert reader.get(f"/cases/{reference}").status_code == 200
    admin, _ = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    assert admin.get(f"/cases/{reference}").status_code == 403  # no casework role


def test_an_internal_note_is_for_staff_and_never_reaches_the_resident(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    response = post_form(client, f"/cases/{reference}/notes", {"note": NOTE},
                         form_page=f"/cases/{reference}")  # fmt: skip
    assert response.headers["Location"] == f"/cases/{reference}#history"
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Rang the resident &lt;b&gt;at home&lt;/b&gt;: the dog bites." in page  # text, not HTML
    assert "Staff only" in page
    with backoffice.extensions["caseway"].sessions() as session:
        note = session.scalars(select(Event).where(Event.kind == "note")).one()
        assert note.is_public is False
        texts = [str(n.context) for n in session.scalars(select(Notice))]
    assert not any("dog bites" in text for text in texts)  # in no notice
    # The resident's own view of the case, on the same database: no note anywhere.
    from portal import create_portal
    from shared.models import Case

    with backoffice.extensions["caseway"].sessions() as session:
        email = (
            session.scalars(select(Case).where(Case.reference == reference)).one().applicant.email
        )
    portal = create_portal(backoffice.extensions["caseway"].settings)
    try:
        resident = portal.test_client()
        post_form(resident, "/track", {"reference": reference, "email": email})
        seen = resident.get(f"/cases/{reference}").get_data(as_text=True)
        assert reference in seen
        assert "dog bites" not in seen
        assert "Internal note" not in seen
    finally:
        portal.extensions["caseway"].engine.dispose()


def test_an_empty_note_is_a_message_and_writes_nothing(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    page = post_form(client, f"/cases/{reference}/notes", {"note": "  "},
                     form_page=f"/cases/{reference}").get_data(as_text=True)  # fmt: skip
    assert "Enter the note" in page
    assert "<title>Error: Case" in page
    auditor, _ = signed_in_client(backoffice, RoleCode.AUDITOR)
    refused = post_form(auditor, f"/cases/{reference}/notes", {"note": "x"}, form_page="/")
    assert refused.status_code == 403  # auditors change nothing
    with backoffice.extensions["caseway"].sessions() as session:
        assert session.scalars(select(Event).where(Event.kind == "note")).all() == []


def transition_fields(page: str, name: str) -> dict[str, str]:
    fields = dict(re.findall(rf'name="({name}-[a-z_]+)"[^>]*value="([^"]*)"', page))
    assert fields, name
    return fields


def test_a_transition_button_moves_the_case_once_even_pressed_twice(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="assigned")
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Move to “Being worked on”" in page
    fields = transition_fields(page, "start_work")
    assert fields["start_work-expected_state"] == "assigned"
    path = f"/cases/{reference}/transitions/start_work"
    first = client.post(path, data=fields)
    second = client.post(path, data=fields)  # the same page, pressed again
    assert first.headers["Location"] == second.headers["Location"] == f"/cases/{reference}"
    after = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Done: the case is now “Being worked on”." in after
    assert "The case changed while you were looking at it, so nothing was done." in after
    with backoffice.extensions["caseway"].sessions() as session:
        moves = session.scalars(select(Event).where(Event.kind == "start_work")).all()
        assert len(moves) == 1


def test_a_transition_that_needs_a_reason_asks_for_it_on_the_page(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    fields = transition_fields(page, "request_information")
    path = f"/cases/{reference}/transitions/request_information"
    refused = client.post(path, data={**fields, "request_information-reason": ""})
    assert refused.status_code == 200
    assert "Enter the reason" in refused.get_data(as_text=True)
    done = client.post(path, data={**fields, "request_information-reason": "Proof of address"})
    assert done.status_code == 302
    with backoffice.extensions["caseway"].sessions() as session:
        event = session.scalars(select(Event).where(Event.kind == "request_information")).one()
        assert event.note == "Proof of address"


def test_the_buttons_are_what_the_persons_role_allows(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="submitted")
    clerk, _ = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    auditor, _ = signed_in_client(backoffice, RoleCode.AUDITOR)
    assert "Move to “Being checked”" in clerk.get(f"/cases/{reference}").get_data(as_text=True)
    auditor_page = auditor.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Move to" not in auditor_page
    assert "Your role allows nothing more on this case as it is now." in auditor_page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', auditor_page)
    assert token
    pressed = auditor.post(f"/cases/{reference}/transitions/start_triage",
                           data={"start_triage-csrf_token": token.group(1),
                                 "start_triage-expected_state": "submitted"})  # fmt: skip
    assert pressed.status_code == 302
    assert "Your role does not allow that." in auditor.get(f"/cases/{reference}").get_data(
        as_text=True
    )
    with backoffice.extensions["caseway"].sessions() as session:
        assert session.scalars(select(Event).where(Event.kind == "start_triage")).all() == []
