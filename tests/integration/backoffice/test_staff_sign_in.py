"""Staff sign-in: one message for every refusal, a per-account lock and a per-client
limit, every attempt audited, a new session at sign-in, and sign out everywhere."""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shared.db import transaction
from shared.models import AuditEvent, RoleCode, StaffUser
from shared.models.base import utcnow
from shared.services.staff_sign_in import WRONG_PASSWORDS_BEFORE_LOCK
from tests.staff_signing_in import (
    csrf_token,
    post_form,
    sign_in_staff,
    signed_in_client,
    staff_member,
)

REFUSED = "Enter the email address and password of your account."


def audit_actions(app: Flask) -> list[tuple[str, str]]:
    with app.extensions["caseway"].sessions() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        return [(row.action, str(row.details.get("reason", ""))) for row in rows]


def test_nothing_but_sign_in_and_health_is_open_to_a_visitor(backoffice: Flask) -> None:
    client = backoffice.test_client()
    for path in ("/", "/staff/", "/staff/new"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/sign-in?next="), path
    assert client.get("/sign-in").status_code == 200
    health = client.get("/healthz").get_json()
    assert set(health["checks"]["database"]) == {"status"}  # a state, no version


def test_signing_in_starts_a_new_session_and_is_audited(backoffice: Flask) -> None:
    member = staff_member(backoffice, RoleCode.CASEWORKER)
    client = backoffice.test_client()
    client.get("/sign-in")
    with client.session_transaction() as before:
        before["left_over"] = "from before signing in"
    response = sign_in_staff(client, member.email.upper())  # the address as typed
    assert response.headers["Location"] == "/"
    with client.session_transaction() as after:
        assert "left_over" not in after  # a new session: nothing carried over
    page = client.get("/").get_data(as_text=True)
    assert member.display_name in page
    assert ("staff.signed_in", "") in audit_actions(backoffice)


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(backoffice: Flask) -> None:
    member = staff_member(backoffice)
    client = backoffice.test_client()
    wrong = sign_in_staff(client, member.email, "not the password").get_data(as_text=True)
    unknown = sign_in_staff(client, "nobody@council.example", "whatever").get_data(as_text=True)
    for page in (wrong, unknown):
        assert REFUSED in page
        assert "<title>Error: Sign in to the back office" in page
    assert f'value="{member.email}"' in wrong  # the address typed is kept
    refusals = [
        reason for action, reason in audit_actions(backoffice) if action == "staff.sign_in_refused"
    ]
    assert refusals == ["wrong_password", "unknown"]


def test_too_many_wrong_passwords_lock_the_account_for_a_while(backoffice: Flask) -> None:
    member = staff_member(backoffice)
    client = backoffice.test_client()
    for _ in range(WRONG_PASSWORDS_BEFORE_LOCK):
        sign_in_staff(client, member.email, "guess")
    locked = sign_in_staff(client, member.email)  # the right password, while locked
    assert locked.status_code == 200
    assert REFUSED in locked.get_data(as_text=True)  # the same words: nothing to learn
    actions = audit_actions(backoffice)
    assert ("staff.locked", "") in actions
    assert actions[-1] == ("staff.sign_in_refused", "locked")
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        found = session.get(StaffUser, member.id)
        assert found is not None
        assert found.locked_until is not None
        found.locked_until = utcnow() - timedelta(seconds=1)  # the lock has run out
    assert sign_in_staff(client, member.email).status_code == 302


def test_guessing_from_one_client_is_limited_whatever_the_account(backoffice: Flask) -> None:
    client = backoffice.test_client()
    statuses = [
        sign_in_staff(client, f"guess{n}@council.example", "password").status_code
        for n in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    other = backoffice.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert sign_in_staff(other, "guess@council.example", "password").status_code == 200


def test_sign_out_everywhere_ends_every_session_of_that_person(backoffice: Flask) -> None:
    laptop, member = signed_in_client(backoffice, RoleCode.CASEWORKER)
    phone = backoffice.test_client()
    sign_in_staff(phone, member.email)
    assert phone.get("/").status_code == 200
    response = post_form(laptop, "/sign-out-everywhere", {}, form_page="/")
    assert response.headers["Location"] == "/sign-in"
    for client in (laptop, phone):
        assert client.get("/").status_code == 302
    assert ("staff.signed_out_everywhere", "") in audit_actions(backoffice)


def test_signing_out_is_a_post_and_ends_the_session(backoffice: Flask) -> None:
    client, _member = signed_in_client(backoffice)
    assert client.get("/sign-out").status_code == 405
    post_form(client, "/sign-out", {}, form_page="/")
    assert client.get("/").status_code == 302


def test_a_deactivated_person_is_signed_out_and_cannot_sign_in(backoffice: Flask) -> None:
    client, member = signed_in_client(backoffice)
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        found = session.get(StaffUser, member.id)
        assert found is not None
        found.is_active = False
    assert client.get("/").status_code == 302
    assert REFUSED in sign_in_staff(client, member.email).get_data(as_text=True)


def test_health_shows_versions_to_a_signed_in_administrator_only(backoffice: Flask) -> None:
    admin, _ = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    worker, _ = signed_in_client(backoffice, RoleCode.CASEWORKER)
    assert "detail" in admin.get("/healthz").get_json()["checks"]["database"]
    assert "detail" not in worker.get("/healthz").get_json()["checks"]["database"]


def test_wrong_passwords_at_the_same_moment_are_all_counted(backoffice: Flask) -> None:
    # Guesses sent in parallel must not overwrite each other's count (a lost update would
    # let a script guess for ever): the row is locked while an attempt is checked.
    member = staff_member(backoffice)
    clients = []
    for n in range(WRONG_PASSWORDS_BEFORE_LOCK):
        client = backoffice.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        clients.append((client, csrf_token(client, "/sign-in")))
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def guess(client: FlaskClient, token: str) -> None:
        start.wait()
        response = client.post("/sign-in", data={"csrf_token": token, "email": member.email,
                                                 "password": "a guess"})  # fmt: skip
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * WRONG_PASSWORDS_BEFORE_LOCK
    actions = audit_actions(backoffice)
    assert actions.count(("staff.sign_in_refused", "wrong_password")) == len(clients)
    assert actions.count(("staff.locked", "")) == 1  # every guess counted: locked once
    assert sign_in_staff(backoffice.test_client(), member.email).status_code == 200  # locked
