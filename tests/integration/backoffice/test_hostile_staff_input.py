"""What a probe sends to the back office, as property tests on SQLite and PostgreSQL:
never a 500, and nothing stored from a refused form."""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask
from hypothesis import example, given
from sqlalchemy import func, select

from shared.db import transaction
from shared.models import Case, Event, Notice, RoleCode, StaffUser
from tests.factories import make_case
from tests.integration.test_hostile_input import (
    HOSTILE_TEXT,
    PROPERTY,
    csrf,
    new_client,
    raw_post,
)
from tests.staff_signing_in import sign_in_staff, staff_member


@PROPERTY
@given(email=HOSTILE_TEXT, password=HOSTILE_TEXT)
def test_signing_in_never_fails(backoffice: Flask, email: str, password: str) -> None:
    client = new_client(backoffice)
    response = raw_post(client, "/sign-in", [("csrf_token", csrf(client, "/sign-in")),
                                             ("email", email), ("password", password)])  # fmt: skip
    assert response.status_code in (200, 400)
    assert client.get("/").status_code == 302  # nobody signed in


@PROPERTY
@given(reference=HOSTILE_TEXT, note=HOSTILE_TEXT)
@example(reference="\ud800", note="0")  # a lone surrogate, once found failing the test itself
@example(reference="0/", note="0")  # "/cases/0//notes": slashes merged, once a redirect
def test_finding_a_case_and_adding_a_note_never_fail(
    backoffice: Flask, reference: str, note: str
) -> None:
    member = staff_member(backoffice, RoleCode.CASEWORKER)
    client = new_client(backoffice)
    sign_in_staff(client, member.email)
    # A lone surrogate has no UTF-8 form: its bytes go as an attacker could send them.
    typed = quote(reference, safe="", errors="surrogatepass")
    found = client.get(f"/cases/find?reference={typed}")
    assert found.status_code in (200, 302, 400)
    before = _notes(backoffice)
    path = f"/cases/{typed}/notes"
    response = raw_post(client, path, [("csrf_token", csrf(client, "/")), ("note", note)])
    # No such case (or text no database keeps, or an address that is no form of ours).
    assert response.status_code in (400, 404, 405)
    assert _notes(backoffice) == before


def _notes(app: Flask) -> int:
    with app.extensions["caseway"].sessions() as session:
        return session.scalar(select(func.count(Event.id)).where(Event.kind == "note")) or 0


@PROPERTY
@given(name=HOSTILE_TEXT, email=HOSTILE_TEXT, role=HOSTILE_TEXT, team=HOSTILE_TEXT)
def test_inviting_a_member_of_staff_never_fails(
    backoffice: Flask, name: str, email: str, role: str, team: str
) -> None:
    administrator = staff_member(backoffice, RoleCode.ADMINISTRATOR)
    client = new_client(backoffice)
    sign_in_staff(client, administrator.email)
    before = _count(backoffice, StaffUser.id), _count(backoffice, Notice.id)
    response = raw_post(client, "/staff/new", [("csrf_token", csrf(client, "/staff/new")),
                                               ("display_name", name), ("email", email),
                                               ("roles", role), ("roles", "caseworker"),
                                               ("team", team)])  # fmt: skip
    assert response.status_code in (200, 400)  # no hostile form is ever accepted
    # Nobody added, and no invitation sent, from a refused form.
    assert (_count(backoffice, StaffUser.id), _count(backoffice, Notice.id)) == before


@PROPERTY
@given(reason=HOSTILE_TEXT)
@example(reason="\ud800")  # a lone surrogate: the server reads its bytes %-escaped
def test_a_bare_request_for_information_never_fails_nor_moves_the_case(
    backoffice: Flask, reason: str
) -> None:
    """Asking for information is a message to the resident: the workflow's transition
    sent on its own, with any reason, is refused and writes nothing."""
    member = staff_member(backoffice, RoleCode.CASEWORKER)
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        case = make_case(session, state="in_progress")
        case.assignee_id = member.id
        reference = case.reference
    client = new_client(backoffice)
    sign_in_staff(client, member.email)
    token = csrf(client, f"/cases/{reference}")
    response = raw_post(client, f"/cases/{reference}/transitions/request_information",
                        [("csrf_token", token), ("request_information-csrf_token", token),
                         ("request_information-expected_state", "in_progress"),
                         ("request_information-reason", reason)])  # fmt: skip
    assert response.status_code in (200, 302, 400)
    with backoffice.extensions["caseway"].sessions() as session:
        found = session.scalars(select(Case).where(Case.reference == reference)).one()
        moves = session.scalars(
            select(Event).where(Event.case_id == found.id, Event.kind == "request_information")
        ).all()
    assert (found.state, moves) == ("in_progress", [])


def _count(app: Flask, column: object) -> int:
    with app.extensions["caseway"].sessions() as session:
        return session.scalar(select(func.count(column))) or 0
