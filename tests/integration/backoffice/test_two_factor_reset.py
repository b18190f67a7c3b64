"""An administrator resets the two-factor sign-in of someone who lost both their phone and
their recovery codes: with a reason (audited), never their own, ending every session the
person has, and telling them by email with a link made from the configured address."""

from __future__ import annotations

import time

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from shared.db import transaction
from shared.jobs.notices import message_for
from shared.models import AuditEvent, Notice, RoleCode, StaffRecoveryCode, StaffUser
from shared.services import two_factor
from tests.factories import STAFF_PASSWORD, STAFF_TOTP_SECRET
from tests.staff_signing_in import csrf_token, post_form, signed_in_client, staff_member

REASON = "Lost phone and codes; checked in person with their manager on 7 December."


def reset(client: FlaskClient, member_id: int, reason: str = REASON) -> TestResponse:
    path = f"/staff/{member_id}"
    return post_form(client, f"{path}/two-factor/reset", {"reason": reason}, form_page=path)


def reloaded(app: Flask, member_id: int) -> StaffUser:
    session: Session
    with app.extensions["caseway"].sessions() as session:
        found = session.get(StaffUser, member_id)
        assert found is not None
        session.expunge(found)
        return found


def recovery_codes_of(app: Flask, member_id: int) -> int:
    with app.extensions["caseway"].sessions() as session:
        query = select(StaffRecoveryCode).where(StaffRecoveryCode.staff_user_id == member_id)
        return len(session.scalars(query).all())


def resets_of(app: Flask, member_id: int) -> list[AuditEvent]:
    with app.extensions["caseway"].sessions() as session:
        query = select(AuditEvent).where(
            AuditEvent.object_id == str(member_id), AuditEvent.action == "staff.two_factor_reset"
        )
        found = list(session.scalars(query))
        session.expunge_all()
        return found


def enrolled_caseworker(app: Flask) -> StaffUser:
    """A caseworker who set up two-factor sign-in through the service (recovery codes too)."""
    member = staff_member(app, RoleCode.CASEWORKER, two_factor=False)
    secret = pyotp.random_base32()
    with transaction(app.extensions["caseway"].sessions) as session:
        found = session.get(StaffUser, member.id)
        assert found is not None
        earlier = pyotp.TOTP(secret).at(time.time() - 30)
        assert two_factor.enrol(session, staff=found, secret=secret, code=earlier)
    return reloaded(app, member.id)


def test_a_reset_clears_the_second_factor_ends_sessions_is_audited_and_emailed(
    backoffice: Flask,
) -> None:
    admin_client, admin = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    # Another administrator, signed in on one device and half-way through signing in on
    # another (right password, code not yet entered).
    their_session, member = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    pending = backoffice.test_client()
    first_step = post_form(pending, "/sign-in", {"email": member.email, "password": STAFF_PASSWORD})
    assert first_step.headers["Location"] == "/sign-in/code"
    before = reloaded(backoffice, member.id)
    page = admin_client.get(f"/staff/{member.id}").get_data(as_text=True)
    assert "Two-factor sign-in" in page
    assert "Not set up" not in page
    assert "Set up on " in page
    assert "Reset two-factor sign-in" in page

    done = reset(admin_client, member.id)
    assert done.status_code == 302
    assert done.headers["Location"] == f"/staff/{member.id}"
    page = admin_client.get(f"/staff/{member.id}").get_data(as_text=True)
    assert "two-factor sign-in is reset" in page
    assert "Not set up" in page

    after = reloaded(backoffice, member.id)
    assert after.totp_secret is None
    assert after.totp_enrolled_at is None
    assert after.totp_last_step is None
    assert after.session_version == before.session_version + 1
    assert their_session.get("/").status_code == 302  # signed out everywhere
    # The pending sign-in is cancelled too, even with the code the old app still shows.
    old_code = pyotp.TOTP(STAFF_TOTP_SECRET).now()
    expired = post_form(pending, "/sign-in/code", {"code": old_code}, form_page="/sign-in")
    assert expired.headers["Location"] == "/sign-in"
    assert pending.get("/").status_code == 302

    [event] = resets_of(backoffice, member.id)
    assert event.actor_id == str(admin.id)
    assert event.details == {"reason": REASON}

    settings = backoffice.extensions["caseway"].settings
    with backoffice.extensions["caseway"].sessions() as session:
        notice = session.scalars(
            select(Notice).where(Notice.kind == "staff_two_factor_reset")
        ).one()
        assert notice.recipient_staff_id == member.id
        assert notice.recipient_address == member.email
        email = message_for(session, notice, settings)
    assert notice.context["link"] == f"{settings.backoffice_url}/sign-in"  # from settings
    assert "two-factor sign-in" in str(email["Subject"])
    text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "An administrator has reset your two-factor sign-in" in text
    assert "asked to set it up again the next time you sign in" in text
    assert f"{settings.backoffice_url}/sign-in" in text

    # Their role requires it: after the password they are taken to set it up again.
    again = backoffice.test_client()
    signed = post_form(again, "/sign-in", {"email": member.email, "password": STAFF_PASSWORD})
    assert signed.headers["Location"] != "/sign-in/code"
    assert again.get("/").headers["Location"] == "/account/two-factor"


def test_recovery_codes_are_deleted_and_an_optional_user_signs_in_with_a_password(
    backoffice: Flask,
) -> None:
    admin_client, _ = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    member = enrolled_caseworker(backoffice)
    assert recovery_codes_of(backoffice, member.id) == two_factor.RECOVERY_CODES
    assert reset(admin_client, member.id).status_code == 302
    assert recovery_codes_of(backoffice, member.id) == 0
    client = backoffice.test_client()
    signed = post_form(client, "/sign-in", {"email": member.email, "password": STAFF_PASSWORD})
    assert signed.headers["Location"] == "/"  # no code asked for any more
    assert client.get("/").status_code == 200


def test_a_reason_is_required_and_the_page_says_so(backoffice: Flask) -> None:
    admin_client, _ = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    member = staff_member(backoffice, RoleCode.ADMINISTRATOR)
    for reason in ("", "   "):
        refused = reset(admin_client, member.id, reason)
        assert refused.status_code == 400
        page = refused.get_data(as_text=True)
        assert "There is a problem" in page
        assert "Enter why you are resetting their two-factor sign-in" in page
        assert 'href="#reason"' in page
    too_long = reset(admin_client, member.id, "x" * 501)
    assert too_long.status_code == 400
    assert "Enter 500 characters or fewer" in too_long.get_data(as_text=True)
    assert reloaded(backoffice, member.id).has_two_factor
    assert resets_of(backoffice, member.id) == []


def test_ones_own_two_factor_sign_in_cannot_be_reset(backoffice: Flask) -> None:
    admin_client, admin = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    own_page = admin_client.get(f"/staff/{admin.id}").get_data(as_text=True)
    assert "You cannot reset your own two-factor sign-in" in own_page
    assert f"/staff/{admin.id}/two-factor/reset" not in own_page  # no form to press
    token = csrf_token(admin_client, f"/staff/{admin.id}")
    refused = admin_client.post(
        f"/staff/{admin.id}/two-factor/reset", data={"csrf_token": token, "reason": REASON}
    )
    assert refused.headers["Location"] == f"/staff/{admin.id}"
    page = admin_client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "You cannot reset your own two-factor sign-in. Ask another administrator" in page
    assert reloaded(backoffice, admin.id).has_two_factor
    assert admin_client.get("/").status_code == 200  # still signed in
    assert resets_of(backoffice, admin.id) == []


def test_nothing_to_reset_and_only_administrators_may(backoffice: Flask) -> None:
    admin_client, _ = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    without = staff_member(backoffice, RoleCode.CASEWORKER)
    page = admin_client.get(f"/staff/{without.id}").get_data(as_text=True)
    assert "Not set up" in page
    assert f"/staff/{without.id}/two-factor/reset" not in page
    refused = reset(admin_client, without.id)
    page = admin_client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "has not set up two-factor sign-in, so there is nothing to reset" in page
    assert resets_of(backoffice, without.id) == []

    target = staff_member(backoffice, RoleCode.ADMINISTRATOR)
    for role in (RoleCode.SUPERVISOR, RoleCode.CASEWORKER):
        other, _ = signed_in_client(backoffice, role)
        token = csrf_token(other, "/")
        response = other.post(
            f"/staff/{target.id}/two-factor/reset", data={"csrf_token": token, "reason": REASON}
        )
        assert response.status_code == 403, role
    assert reloaded(backoffice, target.id).has_two_factor
    no_csrf = admin_client.post(f"/staff/{target.id}/two-factor/reset", data={"reason": REASON})
    assert no_csrf.status_code == 400
    assert reloaded(backoffice, target.id).has_two_factor
