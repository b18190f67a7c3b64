"""Signing out ends the session on the server, in both apps: a copy of the session cookie
taken before sign-out (a shared computer, a stolen cookie) opens nothing afterwards, however
often it is tried, while the person's other devices stay signed in until they sign out
there or everywhere."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import AuditEvent, RoleCode, StaffSession
from shared.models.base import utcnow
from shared.services import staff_sessions
from tests.factories import make_staff
from tests.integration.test_tracking import file_case, sign_in
from tests.security.test_permissions import case_assigned_to
from tests.staff_signing_in import post_form, sign_in_staff, staff_member

COOKIE = "session"


def copy_of(client: FlaskClient, app: Flask) -> FlaskClient:
    """Another browser holding the same session cookie."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def test_back_office_sign_out_ends_copies_of_the_cookie(backoffice: Flask) -> None:
    member = staff_member(backoffice, RoleCode.CASEWORKER)
    reference = case_assigned_to(backoffice, member.id)
    client, other_device = backoffice.test_client(), backoffice.test_client()
    assert sign_in_staff(client, member.email).status_code == 302
    assert sign_in_staff(other_device, member.email).status_code == 302
    copied = copy_of(client, backoffice)
    assert copied.get(f"/cases/{reference}").status_code == 200  # the copy works until...

    assert post_form(client, "/sign-out", {}, form_page="/").status_code == 302

    for _ in range(2):  # refused, and refusing does not renew it
        refused = copied.get(f"/cases/{reference}")
        assert refused.status_code == 302
        assert refused.headers["Location"].startswith("/sign-in")
    assert client.get(f"/cases/{reference}").status_code == 302
    assert other_device.get(f"/cases/{reference}").status_code == 200  # only this session
    with backoffice.extensions["caseway"].sessions() as db:
        sessions = db.scalars(select(StaffSession).order_by(StaffSession.id)).all()
        assert [row.ended_at is not None for row in sessions] == [True, False]
        signed_out = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "staff.signed_out")
        ).all()
        assert [event.object_id for event in signed_out] == [str(member.id)]


def test_the_session_key_is_stored_only_hashed(backoffice: Flask) -> None:
    member = staff_member(backoffice, RoleCode.CASEWORKER)
    client = backoffice.test_client()
    assert sign_in_staff(client, member.email).status_code == 302
    with client.session_transaction() as cookie:
        key = str(cookie["_user_id"]).split(":", 2)[2]
    with backoffice.extensions["caseway"].sessions() as db:
        stored = db.scalars(select(StaffSession.key_hash)).one()
    assert len(key) >= 40
    assert key not in stored


def test_a_cookie_from_before_sessions_were_kept_is_refused(backoffice: Flask) -> None:
    member = staff_member(backoffice, RoleCode.CASEWORKER)
    client = backoffice.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = f"{member.id}:{member.session_version}"  # no session key
        cookie["_fresh"] = True
    assert client.get("/my-work").status_code == 302


def test_portal_sign_out_ends_copies_of_the_cookie(portal: Flask) -> None:
    reference = file_case(portal, email="ana@example.org")
    client = portal.test_client()
    sign_in(portal, client, "ana@example.org")
    copied = copy_of(client, portal)
    assert reference in copied.get("/cases").get_data(as_text=True)

    assert post_form(client, "/sign-out", {}, form_page="/cases").status_code == 302

    for _ in range(2):
        assert reference not in copied.get("/cases").get_data(as_text=True)
        assert copied.get(f"/cases/{reference}").status_code != 200


def test_a_session_lasts_a_working_day_at_most_and_is_then_forgotten(session: Session) -> None:
    member = make_staff(session)
    started = utcnow()
    key = staff_sessions.begin(session, staff=member, now=started)
    other = staff_sessions.begin(session, staff=member, now=started + timedelta(hours=6))

    def signed_in(key: str, hours: float) -> bool:
        found = staff_sessions.signed_in_staff(session, staff_id=member.id,
                                               version=member.session_version, key=key,
                                               now=started + timedelta(hours=hours))  # fmt: skip
        return found is not None

    assert signed_in(key, 11.9)
    assert not signed_in(key, 12)
    assert signed_in(other, 12)
    assert staff_sessions.forget_spent(session, now=started + timedelta(hours=12)) == 1
    assert signed_in(other, 17)
    assert len(session.scalars(select(StaffSession)).all()) == 1
