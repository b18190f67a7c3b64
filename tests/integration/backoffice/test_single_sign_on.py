"""Staff single sign-on through OpenID Connect, against a real provider in a thread
(oidc-provider-mock): a browser's trip from the back office to the provider's authorisation
page and back, by hand, with the Flask test client on our side and `requests` on theirs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import oidc_provider_mock
import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from backoffice import create_backoffice
from shared.config import Settings, SingleSignOn
from shared.db import transaction
from shared.models import AuditEvent, RoleCode, StaffUser
from tests.factories import make_team
from tests.staff_signing_in import staff_member

PROVIDER_NAME = "Council Login"
ROLE_MAP = (("case-workers", "caseworker"), ("supervisors", "supervisor"))


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The identity provider's issuer: a real OpenID provider on a port of its own."""
    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


def sso_backoffice(settings: Settings, database_url: str, issuer: str, **config: Any) -> Flask:
    """The back office with single sign-on through `issuer`; `config` overrides the
    SingleSignOn settings (the role map, the team claim, provisioning...)."""
    single_sign_on = SingleSignOn(**{
        "issuer": issuer, "client_id": "caseway-backoffice", "client_secret": "a-client-secret",
        "name": PROVIDER_NAME, "role_map": ROLE_MAP, "team_claim": "team", **config,
    })  # fmt: skip
    app = create_backoffice(
        replace(settings, database_url=database_url, single_sign_on=single_sign_on)
    )
    app.config["TESTING"] = True  # an unexpected error fails the test, not a 500 page
    return app


@pytest.fixture
def app(settings: Settings, fresh_database_url: str, provider: str) -> Iterator[Flask]:
    """The back office with single sign-on, without provisioning, on SQLite and PostgreSQL."""
    app = sso_backoffice(settings, fresh_database_url, provider)
    yield app
    app.extensions["caseway"].engine.dispose()


@pytest.fixture
def provisioning_app(settings: Settings, fresh_database_url: str, provider: str) -> Iterator[Flask]:
    app = sso_backoffice(settings, fresh_database_url, provider, provision=True)
    yield app
    app.extensions["caseway"].engine.dispose()


def to_provider(client: FlaskClient, path: str = "/sign-in/sso") -> str:
    """Start signing in: the address of the provider's authorisation page we are sent to."""
    response = client.get(path)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def at_provider(issuer: str, authorize_url: str, subject: str, claims: dict[str, Any]) -> str:
    """The person signs in at the provider with these claims: the address it sends the
    browser back to (our callback, with a code and the state)."""
    assert requests.put(f"{issuer}/users/{subject}", json=claims, timeout=10).ok
    answer = requests.post(authorize_url, data={"sub": subject}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return str(answer.headers["Location"])


def back_from_provider(client: FlaskClient, callback_url: str) -> TestResponse:
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in_through_provider(
    client: FlaskClient,
    issuer: str,
    subject: str,
    claims: dict[str, Any],
    path: str = "/sign-in/sso",
) -> TestResponse:
    return back_from_provider(
        client, at_provider(issuer, to_provider(client, path), subject, claims)
    )


def claims_of(
    email: str, *roles: str, team: str | None = None, verified: bool = True
) -> dict[str, Any]:
    found: dict[str, Any] = {"email": email, "email_verified": verified, "name": "Ann Example",
                             "roles": list(roles)}  # fmt: skip
    if team is not None:
        found["team"] = team
    return found


def account(app: Flask, email: str) -> StaffUser | None:
    with app.extensions["caseway"].sessions() as session:
        query = select(StaffUser).where(StaffUser.email == email)
        member: StaffUser | None = session.scalars(query).first()
        if member is not None:
            _ = member.roles, member.team  # loaded before the session closes
        return member


def role_codes(member: StaffUser | None) -> set[str]:
    assert member is not None
    return {role.code for role in member.roles}


def audit_trail(app: Flask) -> list[tuple[str, dict[str, Any]]]:
    with app.extensions["caseway"].sessions() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        return [(row.action, dict(row.details)) for row in rows]


def refusals(app: Flask) -> list[str]:
    return [details["reason"] for action, details in audit_trail(app)
            if action == "staff.sign_in_refused"]  # fmt: skip


def is_signed_in(client: FlaskClient) -> bool:
    response = client.get("/cases/find")
    assert response.status_code in (200, 302)
    return response.status_code == 200


# ---------------------------------------------------------------- the flow


def test_the_flow_uses_pkce_state_and_nonce_and_our_own_address(app: Flask, provider: str) -> None:
    # A Host header of the sender's choosing does not become the address the code goes to.
    response = app.test_client().get("/sign-in/sso", headers={"Host": "evil.example"})
    location = urlsplit(response.headers["Location"])
    asked = {name: values[0] for name, values in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}" == provider
    assert asked["redirect_uri"] == app.extensions["caseway"].settings.backoffice_url + (
        "/sign-in/sso/callback"
    )
    assert asked["code_challenge_method"] == "S256"
    assert all(asked[name] for name in ("code_challenge", "state", "nonce"))
    assert set(asked["scope"].split()) == {"openid", "email", "profile"}


def test_an_existing_account_signs_in_by_its_email_and_is_linked(app: Flask, provider: str) -> None:
    member = staff_member(app, RoleCode.CASEWORKER)
    client = app.test_client()
    assert not is_signed_in(client)
    response = sign_in_through_provider(
        client, provider, "subject-ann", claims_of(member.email.upper(), "case-workers")
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert is_signed_in(client)  # the session opens case pages
    assert "Ann Example" in client.get("/").get_data(as_text=True)  # the provider's name
    linked = account(app, member.email)
    assert linked is not None
    assert (linked.oidc_issuer, linked.oidc_subject) == (provider, "subject-ann")
    assert linked.last_signed_in_at is not None
    actions = [action for action, _ in audit_trail(app)]
    assert actions[-3:] == ["staff.sso_linked", "staff.sso_details_updated", "staff.signed_in"]
    assert audit_trail(app)[-1][1] == {"via": "single_sign_on"}

    # Linked, the subject finds the account even once the address at the provider changes
    # (and the account takes the new address: test_single_sign_on_accounts.py).
    again = app.test_client()
    sign_in_through_provider(again, provider, "subject-ann",
                             claims_of("ann.married@council.example", "case-workers"))  # fmt: skip
    assert is_signed_in(again)
    moved = account(app, "ann.married@council.example")
    assert moved is not None
    assert moved.id == member.id  # no second account


def test_the_page_asked_for_before_signing_in_is_where_one_lands(app: Flask, provider: str) -> None:
    member = staff_member(app, RoleCode.CASEWORKER)
    client = app.test_client()
    sign_in_page = client.get("/sign-in?next=/cases/find").get_data(as_text=True)
    assert f"Sign in with {PROVIDER_NAME}" in sign_in_page
    assert "/sign-in/sso?next=/cases/find" in sign_in_page
    response = sign_in_through_provider(client, provider, "subject-next",
                                        claims_of(member.email, "case-workers"),
                                        path="/sign-in/sso?next=/cases/find")  # fmt: skip
    assert response.headers["Location"] == "/cases/find"


def test_an_account_linked_to_one_subject_is_not_taken_by_another(
    app: Flask, provider: str
) -> None:
    member = staff_member(app, RoleCode.CASEWORKER)
    claims = claims_of(member.email, "case-workers")
    sign_in_through_provider(app.test_client(), provider, "subject-first", claims)
    # Another person at the provider, given the same address later.
    client = app.test_client()
    response = sign_in_through_provider(client, provider, "subject-second", claims)
    assert response.status_code == 403
    assert "already linked to another sign-in" in response.get_data(as_text=True)
    assert not is_signed_in(client)
    linked = account(app, member.email)
    assert linked is not None
    assert linked.oidc_subject == "subject-first"
    assert refusals(app) == ["linked_elsewhere"]


def test_an_unverified_address_links_no_account(app: Flask, provider: str) -> None:
    member = staff_member(app, RoleCode.CASEWORKER)
    client = app.test_client()
    response = sign_in_through_provider(
        client,
        provider,
        "subject-unverified",
        claims_of(member.email, "case-workers", verified=False),
    )
    assert response.status_code == 403
    assert not is_signed_in(client)
    refreshed = account(app, member.email)
    assert refreshed is not None
    assert refreshed.oidc_subject is None
    assert refusals(app) == ["unknown"]


def test_roles_and_team_follow_the_providers_claims_at_every_sign_in(
    app: Flask, provider: str
) -> None:
    with transaction(app.extensions["caseway"].sessions) as session:
        make_team(session, code="licensing", name="Licensing")
        make_team(session, code="permits", name="Permits")
    member = staff_member(app, RoleCode.CASEWORKER)
    claims = claims_of(member.email, "case-workers", "supervisors", "cleaners", team="licensing")
    sign_in_through_provider(app.test_client(), provider, "subject-roles", claims)
    first = account(app, member.email)
    assert role_codes(first) == {"caseworker", "supervisor"}  # unmapped values are ignored
    assert first is not None
    assert first.team is not None
    assert first.team.code == "licensing"

    # Removed at the provider, removed here; moved team there, moved here.
    claims = claims_of(member.email, "case-workers", team="permits")
    client = app.test_client()
    sign_in_through_provider(client, provider, "subject-roles", claims)
    second = account(app, member.email)
    assert role_codes(second) == {"caseworker"}
    assert second is not None
    assert second.team is not None
    assert second.team.code == "permits"
    assert is_signed_in(client)
    updates = [details for action, details in audit_trail(app)
               if action == "staff.sso_roles_updated"]  # fmt: skip
    assert updates[-1]["before"] == {"roles": ["caseworker", "supervisor"], "team": "licensing"}
    assert updates[-1]["after"] == {"roles": ["caseworker"], "team": "permits"}


def test_a_person_with_no_mapped_role_is_refused_and_keeps_their_roles(
    app: Flask, provider: str
) -> None:
    member = staff_member(app, RoleCode.SUPERVISOR)
    client = app.test_client()
    response = sign_in_through_provider(
        client, provider, "subject-no-role", claims_of(member.email, "cleaners")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "You could not be signed in" in page
    assert f"{PROVIDER_NAME} has not given you a role in the back office" in page
    assert not is_signed_in(client)
    unchanged = account(app, member.email)
    assert role_codes(unchanged) == {"supervisor"}
    assert unchanged is not None
    assert unchanged.oidc_subject is None  # not linked either
    assert refusals(app) == ["no_role"]


def test_without_provisioning_an_unknown_person_is_refused(app: Flask, provider: str) -> None:
    client = app.test_client()
    response = sign_in_through_provider(
        client, provider, "subject-stranger", claims_of("stranger@council.example", "case-workers")
    )
    assert response.status_code == 403
    assert "You do not have an account for the back office" in response.get_data(as_text=True)
    assert not is_signed_in(client)
    assert account(app, "stranger@council.example") is None
    assert refusals(app) == ["unknown"]


def test_with_provisioning_a_new_person_gets_an_account_without_a_password(
    provisioning_app: Flask, provider: str
) -> None:
    with transaction(provisioning_app.extensions["caseway"].sessions) as session:
        make_team(session, code="licensing", name="Licensing")
    client = provisioning_app.test_client()
    claims = claims_of("newcomer@council.example", "supervisors", team="licensing")
    response = sign_in_through_provider(client, provider, "subject-newcomer", claims)
    assert response.status_code == 302
    assert is_signed_in(client)
    made = account(provisioning_app, "newcomer@council.example")
    assert made is not None
    assert made.display_name == "Ann Example"
    assert role_codes(made) == {"supervisor"}
    assert made.team is not None
    assert made.team.code == "licensing"
    assert not made.has_password  # it signs in through the provider only
    assert (made.oidc_issuer, made.oidc_subject) == (provider, "subject-newcomer")
    actions = [action for action, _ in audit_trail(provisioning_app)]
    assert actions[:2] == ["staff.provisioned", "staff.sso_roles_updated"]
    assert actions[-1] == "staff.signed_in"

    # Nobody is provisioned without a role.
    refused = sign_in_through_provider(provisioning_app.test_client(), provider, "subject-x",
                                       claims_of("x@council.example", "cleaners"))  # fmt: skip
    assert refused.status_code == 403
    assert account(provisioning_app, "x@council.example") is None


def test_a_deactivated_account_is_refused(app: Flask, provider: str) -> None:
    member = staff_member(app, RoleCode.CASEWORKER)
    with transaction(app.extensions["caseway"].sessions) as session:
        found = session.get(StaffUser, member.id)
        assert found is not None
        found.is_active = False
    client = app.test_client()
    response = sign_in_through_provider(
        client, provider, "subject-gone", claims_of(member.email, "case-workers")
    )
    assert response.status_code == 403
    assert "Your back-office account has been deactivated" in response.get_data(as_text=True)
    assert not is_signed_in(client)
    assert refusals(app) == ["deactivated"]


# ---------------------------------------------------------------- refused answers


def test_a_callback_without_this_browsers_state_is_refused(app: Flask, provider: str) -> None:
    member = staff_member(app, RoleCode.CASEWORKER)
    started = app.test_client()
    callback = at_provider(provider, to_provider(started), "subject-s",
                           claims_of(member.email, "case-workers"))  # fmt: skip
    # Another browser (an attacker's link): its session holds no such state.
    other = app.test_client()
    response = back_from_provider(other, callback)
    assert response.status_code == 400
    assert "Your sign-in could not be completed" in response.get_data(as_text=True)
    assert not is_signed_in(other)
    # A made-up state and code.
    assert app.test_client().get("/sign-in/sso/callback?code=x&state=y").status_code == 400
    assert refusals(app) == ["bad_response", "bad_response"]
    assert account(app, member.email).oidc_subject is None  # type: ignore[union-attr]


def test_a_tampered_code_is_refused(app: Flask, provider: str) -> None:
    member = staff_member(app, RoleCode.CASEWORKER)
    client = app.test_client()
    callback = at_provider(provider, to_provider(client), "subject-t",
                           claims_of(member.email, "case-workers"))  # fmt: skip
    parts = urlsplit(callback)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    response = client.get(parts.path, query_string={**query, "code": query["code"] + "x"})
    assert response.status_code == 400
    assert not is_signed_in(client)
    # The state is spent: the genuine answer cannot be replayed after it either.
    assert back_from_provider(client, callback).status_code == 400
    assert refusals(app) == ["bad_response", "bad_response"]


def test_a_refusal_at_the_provider_shows_a_page(app: Flask, provider: str) -> None:
    client = app.test_client()
    answer = requests.post(to_provider(client), data={"action": "deny"},
                           allow_redirects=False, timeout=10)  # fmt: skip
    assert "error=access_denied" in answer.headers["Location"]
    response = back_from_provider(client, answer.headers["Location"])
    assert response.status_code == 400
    assert f"Signing in with {PROVIDER_NAME} was cancelled or refused" in response.get_data(
        as_text=True
    )
    assert refusals(app) == ["provider_error"]
    assert audit_trail(app)[-1][1]["detail"] == "access_denied"


def test_an_unreachable_provider_shows_a_page(settings: Settings, fresh_database_url: str) -> None:
    app = sso_backoffice(settings, fresh_database_url, "http://localhost:9")  # nothing there
    try:
        response = app.test_client().get("/sign-in/sso")
        assert response.status_code == 502
        assert f"We could not reach {PROVIDER_NAME}" in response.get_data(as_text=True)
    finally:
        app.extensions["caseway"].engine.dispose()


def test_without_configuration_there_is_no_single_sign_on(backoffice: Flask) -> None:
    client = backoffice.test_client()
    assert "Sign in with" not in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/sign-in/sso").status_code == 404
    assert client.get("/sign-in/sso/callback?code=x&state=y").status_code == 404
