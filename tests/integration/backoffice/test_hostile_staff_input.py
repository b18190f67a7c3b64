"""What a probe sends to the back office, as property tests on SQLite and PostgreSQL:
never a 500, and nothing stored from a refused form."""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask
from hypothesis import given
from sqlalchemy import func, select

from shared.models import Event, RoleCode
from tests.integration.test_hostile_input import HOSTILE_TEXT, PROPERTY, csrf, new_client, raw_post
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
def test_finding_a_case_and_adding_a_note_never_fail(
    backoffice: Flask, reference: str, note: str
) -> None:
    member = staff_member(backoffice, RoleCode.CASEWORKER)
    client = new_client(backoffice)
    sign_in_staff(client, member.email)
    found = client.get("/cases/find", query_string={"reference": reference})
    assert found.status_code in (200, 302, 400)
    before = _notes(backoffice)
    # A lone surrogate has no UTF-8 form: its bytes go as an attacker could send them.
    path = f"/cases/{quote(reference, safe='', errors='surrogatepass')}/notes"
    response = raw_post(client, path, [("csrf_token", csrf(client, "/")), ("note", note)])
    # No such case (or text no database keeps, or an address that is no form of ours).
    assert response.status_code in (400, 404, 405)
    assert _notes(backoffice) == before


def _notes(app: Flask) -> int:
    with app.extensions["caseway"].sessions() as session:
        return session.scalar(select(func.count(Event.id)).where(Event.kind == "note")) or 0
