"""Staff single sign-on, continued: two first sign-ins of one person at once, rate limits,
the last administrator, and names and addresses kept up to date from the provider; against
the same real provider in a thread as test_single_sign_on.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from werkzeug.test import TestResponse

from shared.config import Settings
from shared.db import transaction
from shared.models import AuditEvent, RoleCode, StaffUser
from tests.integration.backoffice.test_single_sign_on import (
    ROLE_MAP,
    account,
    at_provider,
    audit_trail,
    back_from_provider,
    claims_of,
    is_signed_in,
    refusals,
    role_codes,
    sign_in_through_provider,
    sso_backoffice,
    to_provider,
)
from tests.integration.backoffice.test_single_sign_on import (
    provider as provider,  # the module's real provider, shared (a fixture)
)
from tests.staff_signing_in import staff_member

ADMINISTRATORS = ("council-admins", "administrator")
KEPT = "You are the only active administrator, so you keep the administrator role here"


def sso_app(settings: Settings, database_url: str, issuer: str, **config: Any) -> Flask:
    """As the other single sign-on tests, with a provider group for administrators."""
    return sso_backoffice(settings, database_url, issuer, team_claim="",
                          role_map=(*ROLE_MAP, ADMINISTRATORS), **config)  # fmt: skip


@pytest.fixture
def app(settings: Settings, fresh_database_url: str, provider: str) -> Iterator[Flask]:
    app = sso_app(settings, fresh_database_url, provider)
    yield app
    app.extensions["caseway"].engine.dispose()


@pytest.fixture
def provisioning_app(settings: Settings, fresh_database_url: str, provider: str) -> Iterator[Flask]:
    app = sso_app(settings, fresh_database_url, provider, provision=True)
    yield app
    app.extensions["caseway"].engine.dispose()


def accounts_with_email(app: Flask, email: str) -> int:
    with app.extensions["caseway"].sessions() as session:
        query = select(func.count(StaffUser.id)).where(StaffUser.email == email)
        return int(session.scalar(query) or 0)


def signed_in_ids(app: Flask) -> list[str]:
    with app.extensions["caseway"].sessions() as session:
        query = select(AuditEvent.object_id).where(AuditEvent.action == "staff.signed_in")
        return [str(found) for found in session.scalars(query)]


# ---------------------------------------------------------------- two at once


class BothLookFirst:
    """On PostgreSQL, holds each racing request just after it looked its person up by
    (issuer, subject), until the other has looked too: both find no account, as two
    requests arriving at the same instant can. (SQLite takes the write lock when the
    transaction begins, so there the second request cannot look until the first has
    committed: it is not held, or it would wait for a lock the first never gives up.)"""

    def __init__(self, app: Flask) -> None:
        self.engine = app.extensions["caseway"].engine
        self.barrier = threading.Barrier(2, timeout=30)
        self.racing = threading.local()
        self.active = self.engine.dialect.name == "postgresql"
        if self.active:
            event.listen(self.engine, "after_cursor_execute", self._after)

    def _after(self, *args: Any) -> None:
        statement = str(args[2])
        looked_up = "staff_user.oidc_subject =" in statement and "FROM staff_user" in statement
        if looked_up and getattr(self.racing, "on", False):
            self.racing.on = False  # once: a second look (the retry) goes straight on
            self.barrier.wait()

    def close(self) -> None:
        if self.active:
            event.remove(self.engine, "after_cursor_execute", self._after)


def come_back_at_once(app: Flask, callbacks: list[tuple[FlaskClient, str]]) -> list[TestResponse]:
    """Both browsers arrive back from the provider at the same instant, on threads."""
    hold = BothLookFirst(app)
    start = threading.Barrier(len(callbacks), timeout=30)
    answers: list[TestResponse | BaseException | None] = [None] * len(callbacks)

    def arrive(index: int, client: FlaskClient, callback: str) -> None:
        hold.racing.on = True
        try:
            start.wait()
            answers[index] = back_from_provider(client, callback)
        except BaseException as error:  # reported by the test, not lost in the thread
            answers[index] = error
            hold.barrier.abort()  # never leave the other one waiting

    threads = [
        threading.Thread(target=arrive, args=(index, client, callback))
        for index, (client, callback) in enumerate(callbacks)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        hold.close()
    for answer in answers:
        if isinstance(answer, BaseException):
            raise answer
    return [answer for answer in answers if isinstance(answer, TestResponse)]


def two_browsers_at_the_provider(
    app: Flask, issuer: str, subject: str, claims: dict[str, Any]
) -> list[tuple[FlaskClient, str]]:
    """Two browsers (a double click, two tabs) each signed in at the provider as the same
    person, each with its own code to bring back."""
    browsers = [app.test_client(), app.test_client()]
    return [(client, at_provider(issuer, to_provider(client), subject, claims))
            for client in browsers]  # fmt: skip


def test_two_first_sign_ins_at_once_make_one_account_and_both_are_signed_in(
    provisioning_app: Flask, provider: str
) -> None:
    claims = claims_of("twice@council.example", "case-workers")
    callbacks = two_browsers_at_the_provider(provisioning_app, provider, "subject-twice", claims)
    answers = come_back_at_once(provisioning_app, callbacks)
    assert [answer.status_code for answer in answers] == [302, 302]
    assert all(is_signed_in(client) for client, _ in callbacks)
    assert accounts_with_email(provisioning_app, "twice@council.example") == 1
    made = account(provisioning_app, "twice@council.example")
    assert made is not None
    assert (made.oidc_issuer, made.oidc_subject) == (provider, "subject-twice")
    assert role_codes(made) == {"caseworker"}
    assert signed_in_ids(provisioning_app) == [str(made.id)] * 2  # the one account, twice
    actions = [action for action, _ in audit_trail(provisioning_app)]
    assert actions.count("staff.provisioned") == 1
    assert refusals(provisioning_app) == []


def test_two_first_sign_ins_at_once_link_the_account_once_and_both_are_signed_in(
    app: Flask, provider: str
) -> None:
    member = staff_member(app, RoleCode.CASEWORKER)
    claims = claims_of(member.email, "case-workers")
    callbacks = two_browsers_at_the_provider(app, provider, "subject-link-twice", claims)
    answers = come_back_at_once(app, callbacks)
    assert [answer.status_code for answer in answers] == [302, 302]
    assert all(is_signed_in(client) for client, _ in callbacks)
    linked = account(app, member.email)
    assert linked is not None
    assert (linked.oidc_issuer, linked.oidc_subject) == (provider, "subject-link-twice")
    assert signed_in_ids(app) == [str(member.id)] * 2
    assert [action for action, _ in audit_trail(app)].count("staff.sso_linked") == 1
    assert refusals(app) == []  # not "linked_elsewhere": it is linked to this very person


# ---------------------------------------------------------------- rate limits


def test_starting_single_sign_on_is_limited_per_client(app: Flask) -> None:
    client = app.test_client()
    statuses = [client.get("/sign-in/sso").status_code for _ in range(11)]
    assert statuses[:10] == [302] * 10
    limited = client.get("/sign-in/sso")
    assert limited.status_code == 429
    assert "You have made too many requests" in limited.get_data(as_text=True)  # our page
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert other.get("/sign-in/sso").status_code == 302


def test_callbacks_are_limited_per_client(app: Flask) -> None:
    client = app.test_client()
    statuses = [
        client.get(f"/sign-in/sso/callback?code=guess{n}&state=x").status_code for n in range(10)
    ]
    assert statuses == [400] * 10
    limited = client.get("/sign-in/sso/callback?code=guess&state=x")
    assert limited.status_code == 429
    page = limited.get_data(as_text=True)
    assert "You have made too many requests" in page
    assert "Wait a few minutes and try again." in page
    assert len(refusals(app)) == 10  # the limited one never reached the provider or the trail


# ---------------------------------------------------------------- the last administrator


def test_the_last_administrator_keeps_the_role_the_provider_took_away(
    app: Flask, provider: str
) -> None:
    admin = staff_member(app, RoleCode.ADMINISTRATOR, RoleCode.CASEWORKER)
    client = app.test_client()
    response = sign_in_through_provider(
        client, provider, "subject-admin", claims_of(admin.email, "case-workers")
    )
    assert response.status_code == 302  # signed in with the other roles
    assert is_signed_in(client)
    assert KEPT in client.get("/").get_data(as_text=True)
    assert role_codes(account(app, admin.email)) == {"administrator", "caseworker"}
    kept = [details for action, details in audit_trail(app) if action == "staff.sso_role_kept"]
    assert kept == [
        {"via": "single_sign_on", "role": "administrator", "reason": "last_administrator"}
    ]

    # With another administrator, the provider's word goes.
    staff_member(app, RoleCode.ADMINISTRATOR)
    again = app.test_client()
    sign_in_through_provider(again, provider, "subject-admin",
                             claims_of(admin.email, "case-workers"))  # fmt: skip
    assert is_signed_in(again)
    assert KEPT not in again.get("/").get_data(as_text=True)
    assert role_codes(account(app, admin.email)) == {"caseworker"}
    updates = [details for action, details in audit_trail(app)
               if action == "staff.sso_roles_updated"]  # fmt: skip
    assert updates[-1]["before"]["roles"] == ["administrator", "caseworker"]
    assert updates[-1]["after"]["roles"] == ["caseworker"]


def test_a_deactivated_administrator_does_not_count(app: Flask, provider: str) -> None:
    admin = staff_member(app, RoleCode.ADMINISTRATOR, RoleCode.CASEWORKER)
    gone = staff_member(app, RoleCode.ADMINISTRATOR)
    with transaction(app.extensions["caseway"].sessions) as session:
        found = session.get(StaffUser, gone.id)
        assert found is not None
        found.is_active = False
    sign_in_through_provider(app.test_client(), provider, "subject-admin-2",
                             claims_of(admin.email, "case-workers"))  # fmt: skip
    assert role_codes(account(app, admin.email)) == {"administrator", "caseworker"}


# ---------------------------------------------------------------- name and address


def test_a_linked_accounts_name_and_verified_address_follow_the_provider(
    app: Flask, provider: str
) -> None:
    member = staff_member(app, RoleCode.CASEWORKER, display_name="Ann Before")
    sign_in_through_provider(app.test_client(), provider, "subject-details",
                             claims_of(member.email, "case-workers"))  # fmt: skip
    claims = claims_of("ann.new@council.example", "case-workers") | {"name": "Ann Afterwards"}
    client = app.test_client()
    sign_in_through_provider(client, provider, "subject-details", claims)
    assert is_signed_in(client)
    moved = account(app, "ann.new@council.example")
    assert moved is not None
    assert moved.id == member.id
    assert moved.display_name == "Ann Afterwards"
    updates = [details for action, details in audit_trail(app)
               if action == "staff.sso_details_updated"]  # fmt: skip
    assert updates[0]["before"] == {"display_name": "Ann Before", "email": member.email}
    assert updates[0]["after"] == {"display_name": "Ann Example", "email": member.email}
    assert updates[1]["before"] == {"display_name": "Ann Example", "email": member.email}
    assert updates[1]["after"] == {"display_name": "Ann Afterwards",
                                   "email": "ann.new@council.example"}  # fmt: skip

    # Signing in again unchanged changes nothing, and audits no change.
    sign_in_through_provider(app.test_client(), provider, "subject-details", claims)
    actions = [action for action, _ in audit_trail(app)]
    assert actions.count("staff.sso_details_updated") == 2


def test_an_unverified_or_taken_address_is_not_taken(app: Flask, provider: str) -> None:
    member = staff_member(app, RoleCode.CASEWORKER)
    other = staff_member(app, RoleCode.CASEWORKER)
    sign_in_through_provider(app.test_client(), provider, "subject-kept",
                             claims_of(member.email, "case-workers"))  # fmt: skip

    unverified = claims_of("not.checked@council.example", "case-workers", verified=False)
    sign_in_through_provider(app.test_client(), provider, "subject-kept",
                             unverified | {"name": "Ann Renamed"})  # fmt: skip
    kept = account(app, member.email)
    assert kept is not None
    assert kept.display_name == "Ann Renamed"  # the name is taken, the address is not
    assert account(app, "not.checked@council.example") is None

    client = app.test_client()
    sign_in_through_provider(client, provider, "subject-kept",
                             claims_of(other.email, "case-workers"))  # fmt: skip
    assert is_signed_in(client)
    still = account(app, member.email)
    assert still is not None
    assert still.id == member.id
    taken = account(app, other.email)
    assert taken is not None
    assert taken.id == other.id  # still the other person's
    last = [details for action, details in audit_trail(app)
            if action == "staff.sso_details_updated"][-1]  # fmt: skip
    assert last["email_taken"] == other.email
    assert last["after"]["email"] == member.email


def test_roles_the_map_never_grants_are_kept_as_caseway_gave_them(
    settings: Settings, fresh_database_url: str, provider: str
) -> None:
    """With no `=administrator` in the map, the provider neither gives nor takes the role."""
    app = sso_backoffice(settings, fresh_database_url, provider, team_claim="")
    try:
        admin = staff_member(app, RoleCode.ADMINISTRATOR, RoleCode.CASEWORKER)
        staff_member(app, RoleCode.ADMINISTRATOR)  # not the last: nothing is kept for that
        for theirs, ours in (("case-workers", "caseworker"), ("supervisors", "supervisor")):
            client = app.test_client()
            sign_in_through_provider(client, provider, "subject-kept",
                                     claims_of(admin.email, theirs))  # fmt: skip
            assert is_signed_in(client)
            assert role_codes(account(app, admin.email)) == {"administrator", ours}
        assert "staff.sso_role_kept" not in [action for action, _ in audit_trail(app)]
    finally:
        app.extensions["caseway"].engine.dispose()
