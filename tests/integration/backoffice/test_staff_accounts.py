"""Administrators manage staff: an invitation is an emailed set-password link (never a
password), roles, team and skills change with an audit of before and after, and an
account with open cases, or the last administrator, is not deactivated."""

from __future__ import annotations

from unittest import mock

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from shared.db import transaction
from shared.models import AuditEvent, Notice, RoleCode, StaffUser
from shared.services import staff_sign_in
from tests.factories import make_case, make_team
from tests.staff_signing_in import post_form, sign_in_staff, signed_in_client, staff_member

NEW_PASSWORD = "correct horse battery staple"


def invite(client: FlaskClient, **overrides: object) -> TestResponse:
    data = {"display_name": "Rhys Jones", "email": "Rhys.Jones@council.example",
            "roles": ["caseworker"], "team": "", "skills": ["complaint"]} | overrides  # fmt: skip
    return post_form(client, "/staff/new", data)


def invitation_link(app: Flask, email: str) -> str:
    with app.extensions["caseway"].sessions() as session:
        notice = session.scalars(
            select(Notice).where(Notice.recipient_address == email).order_by(Notice.id.desc())
        ).first()
        assert notice is not None
        assert notice.kind == "staff_invitation"
        return str(notice.context["link"])


def member_by_email(app: Flask, email: str) -> StaffUser:
    with app.extensions["caseway"].sessions() as session:
        found = session.scalars(select(StaffUser).where(StaffUser.email == email)).one()
        assert found.roles is not None  # loaded while the session is open
        return found


def test_an_invited_person_sets_their_own_password_and_signs_in(backoffice: Flask) -> None:
    admin, _ = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    response = invite(admin)
    member = member_by_email(backoffice, "rhys.jones@council.example")
    assert response.headers["Location"] == f"/staff/{member.id}"
    assert not member.has_password  # nobody knows a password for it yet
    assert member.skills == ["complaint"]
    link = invitation_link(backoffice, member.email)
    settings = backoffice.extensions["caseway"].settings
    assert link.startswith(f"{settings.backoffice_url}/set-password/")  # from settings

    newcomer = backoffice.test_client()
    path = link.removeprefix(settings.backoffice_url)
    assert "rhys.jones@council.example" in newcomer.get(path).get_data(as_text=True)
    short = post_form(newcomer, path, {"password": "short", "confirm": "short"})
    assert "Enter a password of between 12 and 256 characters" in short.get_data(as_text=True)
    mismatch = post_form(newcomer, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert "The passwords do not match" in mismatch.get_data(as_text=True)
    done = post_form(newcomer, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.headers["Location"] == "/sign-in"
    assert newcomer.get(path).status_code == 400  # spent: the password it was bound to changed
    assert sign_in_staff(newcomer, member.email, NEW_PASSWORD).status_code == 302


def test_an_expired_or_altered_link_sets_nothing(backoffice: Flask) -> None:
    member = staff_member(backoffice)
    secret = backoffice.extensions["caseway"].settings.secret_key
    hours_ago = staff_sign_in.PASSWORD_LINK_HOURS * 3600 + 60
    import time

    with mock.patch("itsdangerous.timed.time.time", return_value=time.time() - hours_ago):
        old = staff_sign_in.password_link_token(secret, member)
    fresh = staff_sign_in.password_link_token(secret, member)
    client = backoffice.test_client()
    for token in (old, fresh[:-2] + ("A" if fresh[-2] != "A" else "B") + fresh[-1]):
        page = client.get(f"/set-password/{token}")
        assert page.status_code == 400
        assert "This link has expired or has been used" in page.get_data(as_text=True)
    assert client.get(f"/set-password/{fresh}").status_code == 200


def test_an_address_already_used_is_a_message_and_nothing_typed_is_lost(backoffice: Flask) -> None:
    admin, existing = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    page = invite(admin, email=existing.email, display_name="Someone Else").get_data(as_text=True)
    assert "There is already an account with this email address" in page
    assert 'value="Someone Else"' in page
    with backoffice.extensions["caseway"].sessions() as session:
        assert len(list(session.scalars(select(StaffUser)))) == 1


def test_changing_roles_team_and_skills_is_audited_before_and_after(backoffice: Flask) -> None:
    admin, _ = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    member = staff_member(backoffice, RoleCode.CASEWORKER)
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        team_id = make_team(session, "complaints", "Complaints").id
    response = post_form(admin, f"/staff/{member.id}", {
        "roles": ["caseworker", "supervisor"], "team": str(team_id), "skills": ["complaint", "appeal"],
    })  # fmt: skip
    assert response.headers["Location"] == f"/staff/{member.id}"
    changed = member_by_email(backoffice, member.email)
    assert changed.has_role(RoleCode.SUPERVISOR)
    assert changed.skills == ["appeal", "complaint"]
    with backoffice.extensions["caseway"].sessions() as session:
        entry = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "staff.changed")
        ).one()
    assert entry.details["before"] == {"roles": ["caseworker"], "team": None, "skills": []}
    assert entry.details["after"]["team"] == "complaints"


def test_the_last_administrator_keeps_the_role(backoffice: Flask) -> None:
    admin, me = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    page = post_form(admin, f"/staff/{me.id}", {"roles": ["caseworker"], "team": ""})
    assert "This is the only active administrator" in page.get_data(as_text=True)
    assert member_by_email(backoffice, me.email).has_role(RoleCode.ADMINISTRATOR)


def test_deactivating_is_refused_while_cases_are_assigned(backoffice: Flask) -> None:
    admin, me = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    member = staff_member(backoffice, RoleCode.CASEWORKER)
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        for _ in range(2):
            make_case(session, state="assigned").assignee_id = member.id
    post_form(admin, f"/staff/{member.id}/deactivate", {}, form_page=f"/staff/{member.id}")
    page = admin.get(f"/staff/{member.id}").get_data(as_text=True)
    assert "still has 2 open cases. Reassign them before deactivating the account." in page
    assert member_by_email(backoffice, member.email).is_active
    post_form(admin, f"/staff/{me.id}/deactivate", {}, form_page=f"/staff/{me.id}")
    assert "You cannot deactivate your own account" in admin.get(f"/staff/{me.id}").get_data(
        as_text=True
    )


def test_a_deactivated_account_ends_its_sessions(backoffice: Flask) -> None:
    admin, _ = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    worker, member = signed_in_client(backoffice, RoleCode.CASEWORKER)
    post_form(admin, f"/staff/{member.id}/deactivate", {}, form_page=f"/staff/{member.id}")
    assert not member_by_email(backoffice, member.email).is_active
    assert worker.get("/").status_code == 302
    page = admin.get("/staff/").get_data(as_text=True)
    assert "Deactivated" in page


def test_a_new_link_can_be_sent_and_the_old_one_still_sets_one_password(backoffice: Flask) -> None:
    admin, _ = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    member = staff_member(backoffice, RoleCode.CASEWORKER)
    post_form(admin, f"/staff/{member.id}/password-link", {}, form_page=f"/staff/{member.id}")
    link = invitation_link(backoffice, member.email)
    path = link.removeprefix(backoffice.extensions["caseway"].settings.backoffice_url)
    client = backoffice.test_client()
    post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert sign_in_staff(client, member.email, NEW_PASSWORD).status_code == 302
