"""Two-factor sign-in for password accounts: enrolment with a QR code and recovery codes,
the second step of signing in (wrong codes locked like wrong passwords, no code twice),
required for administrators, optional for others; and guessable passwords refused."""

from __future__ import annotations

import re
import time
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from backoffice import create_backoffice
from shared.config import Settings, load_settings
from shared.db import transaction
from shared.models import AuditEvent, RoleCode, StaffRecoveryCode, StaffUser
from shared.models.base import utcnow
from shared.services import staff_sign_in, two_factor
from shared.services.password_strength import WeakPassword
from shared.services.staff_sign_in import WRONG_PASSWORDS_BEFORE_LOCK
from tests.factories import STAFF_PASSWORD, STAFF_TOTP_SECRET
from tests.staff_signing_in import csrf_token, post_form, sign_in_staff, staff_member

WRONG_CODE = "Enter the 6-digit code your authenticator app shows now"
SECRET_ON_PAGE = re.compile(r'<code id="two-factor-key">([A-Z2-7 ]+)</code>')
CODE_ON_PAGE = re.compile(r"<li><code>([0-9a-z-]{19})</code></li>")


def sessions(app: Flask) -> AbstractContextManager[Session]:
    return transaction(app.extensions["caseway"].sessions)


def reloaded(app: Flask, member: StaffUser) -> StaffUser:
    with app.extensions["caseway"].sessions() as session:
        found = session.get(StaffUser, member.id)
        assert found is not None
        session.expunge(found)
        return found


def actions_of(app: Flask, member: StaffUser) -> list[str]:
    with app.extensions["caseway"].sessions() as session:
        query = select(AuditEvent.action).where(AuditEvent.object_id == str(member.id))
        return list(session.scalars(query.order_by(AuditEvent.id)))


def password_step(client: FlaskClient, email: str, path: str = "/sign-in") -> TestResponse:
    return post_form(client, path, {"email": email, "password": STAFF_PASSWORD}, form_page=path)


def code_step(client: FlaskClient, code: str) -> TestResponse:
    return post_form(client, "/sign-in/code", {"code": code})


def wrong_code(secret: str) -> str:
    right = {pyotp.TOTP(secret).at(time.time() + offset) for offset in (-30, 0, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in right)


def enrolled_with_codes(app: Flask, *roles: RoleCode) -> tuple[StaffUser, list[str]]:
    """Someone who has set up two-factor sign-in (through the service), and their
    recovery codes."""
    member = staff_member(app, *roles, two_factor=False)
    secret = pyotp.random_base32()
    with sessions(app) as session:
        found = session.get(StaffUser, member.id)
        assert found is not None
        codes = two_factor.enrol(
            session, staff=found, secret=secret, code=pyotp.TOTP(secret).at(time.time() - 30)
        )
    assert codes is not None
    return reloaded(app, member), codes


def test_setting_up_again_under_the_lock_keeps_the_first_set_up_and_its_codes(
    backoffice: Flask,
) -> None:
    """Two tabs sending a set-up code at once both pass the page's first look; the one
    that takes the row lock second finds it set up and changes nothing."""
    member, codes = enrolled_with_codes(backoffice, RoleCode.CASEWORKER)
    other_secret = pyotp.random_base32()
    with sessions(backoffice) as session:
        found = session.get(StaffUser, member.id, with_for_update=True)
        assert found is not None
        with pytest.raises(two_factor.AlreadySetUp):
            two_factor.enrol(session, staff=found, secret=other_secret,
                             code=pyotp.TOTP(other_secret).now())  # fmt: skip
    after = reloaded(backoffice, member)
    assert after.totp_secret == member.totp_secret
    with sessions(backoffice) as session:
        assert two_factor.remaining_recovery_codes(session, staff=after) == len(codes)


def test_a_caseworker_enrols_with_a_qr_code_and_a_code_and_gets_recovery_codes(
    backoffice: Flask,
) -> None:
    member = staff_member(backoffice, RoleCode.CASEWORKER)
    client = backoffice.test_client()
    assert sign_in_staff(client, member.email).headers["Location"] == "/"
    assert "Set up two-factor sign-in" in client.get("/").get_data(as_text=True)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code, inline (the CSP allows data:)
    found = SECRET_ON_PAGE.search(page)
    assert found, "the key for typing in by hand"
    secret = found.group(1).replace(" ", "")
    assert len(found.group(1).split()) > 1  # in groups, for reading

    refused = post_form(client, "/account/two-factor", {"code": wrong_code(secret)})
    assert refused.status_code == 200
    assert "Enter the 6-digit code your authenticator app shows now for this account" in (
        refused.get_data(as_text=True)
    )
    assert not reloaded(backoffice, member).has_two_factor

    done = post_form(client, "/account/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    codes = CODE_ON_PAGE.findall(done.get_data(as_text=True))
    assert len(codes) == two_factor.RECOVERY_CODES == len(set(codes))
    enrolled = reloaded(backoffice, member)
    assert enrolled.has_two_factor
    assert enrolled.totp_secret == secret
    with backoffice.extensions["caseway"].sessions() as session:
        stored = session.scalars(
            select(StaffRecoveryCode.code_hash).where(StaffRecoveryCode.staff_user_id == member.id)
        ).all()
    assert len(stored) == len(codes)
    assert not {code.replace("-", "") for code in codes} & set(stored)  # only hashes kept
    assert actions_of(backoffice, member)[-2:] == [
        "staff.two_factor_enrolment_failed",
        "staff.two_factor_enrolled",
    ]
    account = client.get("/account/two-factor").get_data(as_text=True)
    assert "Get new recovery codes" in account
    assert CODE_ON_PAGE.search(account) is None  # shown once only


def test_signing_in_needs_the_code_after_the_password(backoffice: Flask) -> None:
    member = staff_member(backoffice, RoleCode.CASEWORKER, two_factor=True)
    client = backoffice.test_client()
    first = password_step(client, member.email, "/sign-in?next=/cases/find")
    assert first.headers["Location"] == "/sign-in/code"
    assert client.get("/").status_code == 302  # not signed in yet
    assert client.get("/sign-in/code").status_code == 200

    refused = code_step(client, wrong_code(STAFF_TOTP_SECRET))
    assert refused.status_code == 200
    assert WRONG_CODE in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302

    done = code_step(client, pyotp.TOTP(STAFF_TOTP_SECRET).now())
    assert done.headers["Location"] == "/cases/find"  # ?next= kept through the second step
    assert client.get("/").status_code == 200
    assert reloaded(backoffice, member).failed_sign_ins == 0
    actions = actions_of(backoffice, member)
    assert actions[-4:] == [
        "staff.password_accepted",
        "staff.two_factor_code_refused",
        "staff.two_factor_code_used",
        "staff.signed_in",
    ]


def test_wrong_codes_count_towards_the_lock_of_wrong_passwords(backoffice: Flask) -> None:
    member = staff_member(backoffice, RoleCode.CASEWORKER, two_factor=True)
    client = backoffice.test_client()
    wrong = wrong_code(STAFF_TOTP_SECRET)
    password_step(client, member.email)
    for _ in range(WRONG_PASSWORDS_BEFORE_LOCK - 1):
        assert code_step(client, wrong).status_code == 200
    # The right password again does not start the count again: only a right code does.
    assert password_step(client, member.email).headers["Location"] == "/sign-in/code"
    locked = code_step(client, wrong)
    assert locked.headers["Location"] == "/sign-in"  # locked: start again
    assert "too many wrong codes or passwords" in client.get("/sign-in").get_data(as_text=True)
    assert reloaded(backoffice, member).locked_until is not None
    again = password_step(client, member.email)
    assert again.status_code == 200  # refused: locked, whatever is right
    assert "staff.locked" in actions_of(backoffice, member)


def test_a_code_works_once(backoffice: Flask) -> None:
    member = staff_member(backoffice, RoleCode.CASEWORKER, two_factor=True)
    code = pyotp.TOTP(STAFF_TOTP_SECRET).now()
    first = backoffice.test_client()
    password_step(first, member.email)
    assert code_step(first, code).headers["Location"] == "/"
    second = backoffice.test_client()  # someone who saw the code typed in
    password_step(second, member.email)
    replayed = code_step(second, code)
    assert replayed.status_code == 200
    assert WRONG_CODE in replayed.get_data(as_text=True)
    assert second.get("/").status_code == 302


def test_a_recovery_code_signs_in_once(backoffice: Flask) -> None:
    member, codes = enrolled_with_codes(backoffice, RoleCode.CASEWORKER)
    client = backoffice.test_client()
    password_step(client, member.email)
    assert code_step(client, codes[0].upper()).headers["Location"] == "/"  # as typed
    assert "staff.recovery_code_used" in actions_of(backoffice, member)
    post_form(client, "/sign-out", {}, form_page="/")

    password_step(client, member.email)
    assert code_step(client, codes[0]).status_code == 200  # spent
    assert code_step(client, codes[1]).headers["Location"] == "/"
    with backoffice.extensions["caseway"].sessions() as session:
        assert two_factor.remaining_recovery_codes(session, staff=member) == len(codes) - 2


def test_new_recovery_codes_need_a_current_code_and_replace_the_old(backoffice: Flask) -> None:
    member, old_codes = enrolled_with_codes(backoffice, RoleCode.CASEWORKER)
    client = backoffice.test_client()
    password_step(client, member.email)
    code_step(client, old_codes[0])
    token = csrf_token(client, "/account/two-factor")
    path = "/account/two-factor/recovery-codes"
    refused = client.post(path, data={"replace-csrf_token": token, "replace-code": "123456"})
    assert refused.status_code == 200
    assert WRONG_CODE in refused.get_data(as_text=True)
    done = client.post(path, data={"replace-csrf_token": token, "replace-code": old_codes[1]})
    new_codes = CODE_ON_PAGE.findall(done.get_data(as_text=True))
    assert len(new_codes) == two_factor.RECOVERY_CODES
    post_form(client, "/sign-out", {}, form_page="/")
    password_step(client, member.email)
    assert code_step(client, old_codes[2]).status_code == 200  # the old ones stopped working
    assert code_step(client, new_codes[0]).headers["Location"] == "/"


def test_an_administrator_without_two_factor_must_enrol_before_anything_else(
    backoffice: Flask,
) -> None:
    admin = staff_member(backoffice, RoleCode.ADMINISTRATOR, two_factor=False)
    client = backoffice.test_client()
    assert sign_in_staff(client, admin.email).status_code == 302
    for path in ("/", "/cases/find", "/staff/", "/my-work"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/two-factor", path
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Your role needs two-factor sign-in" in page
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")  # type: ignore[union-attr]
    post_form(client, "/account/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert client.get("/staff/").status_code == 200
    # Required: they cannot turn it off.
    token = csrf_token(client, "/account/two-factor")
    client.post(
        "/account/two-factor/turn-off",
        data={"turn_off-csrf_token": token, "turn_off-code": pyotp.TOTP(secret).now()},
    )
    assert reloaded(backoffice, admin).has_two_factor


def test_two_factor_is_optional_for_a_caseworker_who_may_turn_it_off(backoffice: Flask) -> None:
    member, codes = enrolled_with_codes(backoffice, RoleCode.CASEWORKER)
    plain = staff_member(backoffice, RoleCode.CASEWORKER)
    assert sign_in_staff(backoffice.test_client(), plain.email).headers["Location"] == "/"

    client = backoffice.test_client()
    password_step(client, member.email)
    code_step(client, codes[0])
    token = csrf_token(client, "/account/two-factor")
    path = "/account/two-factor/turn-off"
    refused = client.post(path, data={"turn_off-csrf_token": token, "turn_off-code": "000000"})
    assert WRONG_CODE in refused.get_data(as_text=True)
    assert reloaded(backoffice, member).has_two_factor
    done = client.post(path, data={"turn_off-csrf_token": token, "turn_off-code": codes[1]})
    assert done.headers["Location"] == "/"
    found = reloaded(backoffice, member)
    assert not found.has_two_factor
    assert found.totp_secret is None
    assert "staff.two_factor_removed" in actions_of(backoffice, member)
    post_form(client, "/sign-out", {}, form_page="/")
    assert password_step(client, member.email).headers["Location"] == "/"  # password alone


def test_the_second_step_without_a_pending_sign_in_sends_to_sign_in(backoffice: Flask) -> None:
    member = staff_member(backoffice, RoleCode.CASEWORKER, two_factor=True)
    client = backoffice.test_client()
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"
    password_step(client, member.email)
    with client.session_transaction() as pending:
        waiting = dict(pending["two_factor_pending"])
        waiting["until"] = int(time.time()) - 1  # five minutes have passed
        pending["two_factor_pending"] = waiting
    code = pyotp.TOTP(STAFF_TOTP_SECRET).now()
    expired = post_form(client, "/sign-in/code", {"code": code}, form_page="/sign-in")
    assert expired.headers["Location"] == "/sign-in"
    assert "did not finish in time" in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_new_password_voids_a_pending_sign_in(backoffice: Flask) -> None:
    member = staff_member(backoffice, RoleCode.CASEWORKER, two_factor=True)
    client = backoffice.test_client()
    password_step(client, member.email)
    with sessions(backoffice) as session:
        found = session.get(StaffUser, member.id)
        assert found is not None
        staff_sign_in.set_password(session, staff=found, password="copper kettle on a windy hill")
    refused = code_step(client, pyotp.TOTP(STAFF_TOTP_SECRET).now())
    assert refused.headers["Location"] == "/sign-in"
    assert client.get("/").status_code == 302


def test_passwords_and_codes_share_one_limit_per_client(backoffice: Flask) -> None:
    client = backoffice.test_client()
    for n in range(10):
        password_step(client, f"guess{n}@council.example")
    # The first code posted from this client is over the limit its passwords used up.
    limited = post_form(client, "/sign-in/code", {"code": "123456"}, form_page="/sign-in")
    assert limited.status_code == 429


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password1234", "This password is one of the most common ones."),
        ("aaaaaaaaaaaaaa", "Repeated letters or words are easy to guess."),
    ],
)
def test_a_guessable_password_is_refused_when_set_saying_why(
    backoffice: Flask, password: str, reason: str
) -> None:
    member = staff_member(backoffice, RoleCode.CASEWORKER)
    secret_key = backoffice.extensions["caseway"].settings.secret_key
    path = f"/set-password/{staff_sign_in.password_link_token(secret_key, member)}"
    client = backoffice.test_client()
    refused = post_form(client, path, {"password": password, "confirm": password})
    assert refused.status_code == 200
    assert reason in refused.get_data(as_text=True)
    assert sign_in_staff(client, member.email, password).status_code == 200  # not set
    strong = "copper kettle on a windy hill"
    assert post_form(client, path, {"password": strong, "confirm": strong}).status_code == 302
    assert sign_in_staff(client, member.email, strong).headers["Location"] == "/"


def test_a_password_made_of_the_persons_name_is_refused(backoffice: Flask) -> None:
    member = staff_member(
        backoffice, RoleCode.CASEWORKER, display_name="Gwenllian Prydderch", two_factor=False
    )
    with sessions(backoffice) as session:
        found = session.get(StaffUser, member.id)
        assert found is not None
        with pytest.raises(WeakPassword) as refused:
            staff_sign_in.set_password(session, staff=found, password="gwenllianprydderch")
    assert refused.value.kind == "personal"


def test_a_lock_from_codes_runs_out_like_a_password_lock(backoffice: Flask) -> None:
    member = staff_member(backoffice, RoleCode.CASEWORKER, two_factor=True)
    with sessions(backoffice) as session:
        found = session.get(StaffUser, member.id)
        assert found is not None
        found.locked_until = utcnow() - timedelta(seconds=1)
    assert sign_in_staff(backoffice.test_client(), member.email).headers["Location"] == "/"


def test_which_roles_must_use_two_factor_sign_in_is_configured() -> None:
    assert load_settings({}).two_factor_required_roles == ("administrator",)
    chosen = load_settings({"CASEWAY_TWO_FACTOR_REQUIRED_ROLES": " Supervisor, administrator "})
    assert chosen.two_factor_required_roles == ("supervisor", "administrator")
    assert load_settings({"CASEWAY_TWO_FACTOR_REQUIRED_ROLES": ""}).two_factor_required_roles == ()


def test_a_caseworker_must_enrol_when_the_configuration_says_so(
    settings: Settings, fresh_database_url: str
) -> None:
    app = create_backoffice(
        replace(
            settings,
            database_url=fresh_database_url,
            two_factor_required_roles=("caseworker",),
        )
    )
    app.config["TESTING"] = True
    try:
        admin = staff_member(app, RoleCode.ADMINISTRATOR, two_factor=False)
        client = app.test_client()
        sign_in_staff(client, admin.email)
        assert client.get("/staff/").status_code == 200  # not required of them here
        worker = staff_member(app, RoleCode.CASEWORKER)
        client = app.test_client()
        sign_in_staff(client, worker.email)
        assert client.get("/my-work").headers["Location"] == "/account/two-factor"
    finally:
        app.extensions["caseway"].engine.dispose()
