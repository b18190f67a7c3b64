"""Signing a member of staff in to the back office the way a browser does."""

from __future__ import annotations

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from shared.db import transaction
from shared.models import RoleCode, StaffUser
from tests.factories import STAFF_PASSWORD, make_staff
from tests.integration.test_cookies import CSRF


def csrf_token(client: FlaskClient, path: str) -> str:
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, path
    return match.group(1)


def post_form(
    client: FlaskClient, path: str, data: dict[str, object], *, form_page: str = ""
) -> TestResponse:
    """A POST with the CSRF token of `form_page` (by default the page at `path`)."""
    return client.post(path, data={"csrf_token": csrf_token(client, form_page or path), **data})


def sign_in_staff(client: FlaskClient, email: str, password: str = STAFF_PASSWORD) -> TestResponse:
    """Sign in with a password, and with the code from the authenticator app when the
    person has two-factor sign-in (tests/factories.py STAFF_TOTP_SECRET)."""
    response = post_form(client, "/sign-in", {"email": email, "password": password})
    if response.status_code == 302 and response.headers["Location"] == "/sign-in/code":
        return enter_code(client, email)
    return response


def enter_code(client: FlaskClient, email: str) -> TestResponse:
    """The second step of signing in, with the current code of this person's app. The
    code last used is forgotten first: tests sign one person in several times within a
    30-second step, and a code works once (that rule has its own tests, in
    tests/integration/backoffice/test_two_factor.py)."""
    app = client.application
    with transaction(app.extensions["caseway"].sessions) as session:
        member = session.scalars(select(StaffUser).where(StaffUser.email == email.lower())).one()
        member.totp_last_step = None
        secret = member.totp_secret
    assert secret is not None, email
    return post_form(client, "/sign-in/code", {"code": pyotp.TOTP(secret).now()})


def staff_member(app: Flask, *roles: RoleCode, **overrides: object) -> StaffUser:
    with transaction(app.extensions["caseway"].sessions) as session:
        return make_staff(session, roles=roles or (RoleCode.CASEWORKER,), **overrides)


def signed_in_client(app: Flask, *roles: RoleCode) -> tuple[FlaskClient, StaffUser]:
    member = staff_member(app, *roles)
    client = app.test_client()
    assert sign_in_staff(client, member.email).status_code == 302
    return client, member


def resident_pages(app: Flask, reference: str, email: str) -> list[str]:
    """The portal's page of the case as the resident sees it, looked up with reference
    and email and signed in: what staff write must reach neither."""
    from portal import create_portal
    from tests.integration.test_tracking import sign_in

    portal = create_portal(app.extensions["caseway"].settings)
    try:
        looked_up = portal.test_client()
        post_form(looked_up, "/track", {"reference": reference, "email": email})
        signed_in = portal.test_client()
        sign_in(portal, signed_in, email)
        return [client.get(f"/cases/{reference}").get_data(as_text=True)
                for client in (looked_up, signed_in)]  # fmt: skip
    finally:
        portal.extensions["caseway"].engine.dispose()
