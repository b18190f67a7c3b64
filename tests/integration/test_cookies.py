"""The cookie banner and settings page (GOV.UK cookie banner pattern), without a browser."""

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shared.web.consent import decode_policy

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# Every CSRF token a page carries (form fields and the timeout dialog's data-csrf-token):
# each is signed with the second it was made, so two renderings of one page differ there.
SIGNED_TOKENS = re.compile(r'(name="csrf_token"[^>]*value|data-csrf-token)="[^"]*"')


def without_tokens(page: str) -> str:
    return SIGNED_TOKENS.sub(r'\1=""', page)


def csrf_token(client: FlaskClient, path: str) -> str:
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def policy(client: FlaskClient) -> dict[str, bool] | None:
    cookie = client.get_cookie("cookies_policy")
    return decode_policy(cookie.value) if cookie else None


def test_banner_shows_until_a_choice_is_made(portal_app: Flask) -> None:
    client = portal_app.test_client()
    assert "govuk-cookie-banner__heading" in client.get("/").get_data(as_text=True)
    response = client.post(
        "/cookies/banner",
        data={"csrf_token": csrf_token(client, "/"), "cookies": "accept", "next": "/accessibility"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/accessibility"
    assert policy(client) == {"settings": True}
    confirmation = client.get("/accessibility").get_data(as_text=True)
    assert "You’ve accepted cookies that remember your settings." in confirmation
    assert 'role="alert"' in confirmation
    assert "govuk-cookie-banner__heading" not in client.get("/").get_data(as_text=True)


def test_rejecting_is_remembered_as_a_choice(portal_app: Flask) -> None:
    client = portal_app.test_client()
    client.post(
        "/cookies/banner", data={"csrf_token": csrf_token(client, "/"), "cookies": "reject"}
    )
    assert policy(client) == {"settings": False}
    assert "You’ve rejected cookies" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_banner_never_redirects_off_the_site(portal_app: Flask, target: str) -> None:
    client = portal_app.test_client()
    response = client.post(
        "/cookies/banner",
        data={"csrf_token": csrf_token(client, "/"), "cookies": "accept", "next": target},
    )
    assert response.headers["Location"] == "/"


def test_banner_without_a_csrf_token_is_refused_with_a_clear_page(portal_app: Flask) -> None:
    portal_app.config["WTF_CSRF_ENABLED"] = True
    response = portal_app.test_client().post("/cookies/banner", data={"cookies": "accept"})
    assert response.status_code == 400
    assert "Your session may have timed out" in response.get_data(as_text=True)


def test_settings_page_needs_an_answer_and_says_so(portal_app: Flask) -> None:
    client = portal_app.test_client()
    response = client.post("/cookies", data={"csrf_token": csrf_token(client, "/cookies")})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Cookies" in page
    assert "There is a problem" in page
    assert 'href="#settings"' in page  # the summary links to the field
    assert "Select yes if you want cookies that remember your settings" in page
    assert '<span class="govuk-visually-hidden">Error:</span>' in page
    assert "Do you want to allow cookies that remember your settings?" in page  # the legend
    assert policy(client) is None


def test_settings_page_saves_the_choice(portal_app: Flask) -> None:
    client = portal_app.test_client()
    response = client.post(
        "/cookies",
        data={"csrf_token": csrf_token(client, "/cookies"), "settings": "yes"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "You’ve set your cookie preferences." in page
    assert policy(client) == {"settings": True}
    assert re.search(r'value="yes" checked', page)
    assert "govuk-cookie-banner__heading" not in page  # never on the cookies page itself


def test_session_can_be_extended_with_the_csrf_token(portal_app: Flask) -> None:
    client = portal_app.test_client()
    token = csrf_token(client, "/cookies")
    assert client.post("/session/extend", headers={"X-CSRFToken": token}).status_code == 204
    assert client.post("/session/extend").status_code == 400


def test_pages_with_a_form_carry_the_timeout_warning(portal_app: Flask) -> None:
    page = portal_app.test_client().get("/cookies").get_data(as_text=True)
    assert 'id="session-timeout"' in page
    assert 'data-timeout-seconds="1800"' in page


@pytest.mark.parametrize("raw", ["", "settings", "settings-maybe", "<script>-yes", "a-yes.b"])
def test_a_tampered_policy_cookie_means_no_choice_yet(portal_app: Flask, raw: str) -> None:
    client = portal_app.test_client()
    client.set_cookie("cookies_policy", raw)
    assert "govuk-cookie-banner__heading" in client.get("/").get_data(as_text=True)
