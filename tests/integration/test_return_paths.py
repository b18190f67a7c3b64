"""Return paths after choosing a language or cookies: only a page of this app, read the way
a browser reads it, never another site (open redirect) and never a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask

from tests.integration.test_cookies import csrf_token

HOSTILE = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\n/x",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/%2F/evil.example",
    "/no-such-page",
    "evil.example",
]


@pytest.mark.parametrize("next_path", HOSTILE)
def test_a_language_link_never_leaves_the_app(portal_app: Flask, next_path: str) -> None:
    response = portal_app.test_client().get(f"/language/cy?next={quote(next_path, safe='')}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("next_path", HOSTILE)
def test_the_cookie_banner_never_leaves_the_app(portal_app: Flask, next_path: str) -> None:
    client = portal_app.test_client()
    response = client.post(
        "/cookies/banner",
        data={"csrf_token": csrf_token(client, "/"), "cookies": "reject", "next": next_path},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "next_path", ["/cookies", "/accessibility", "/file/application/start?change=1", "/track"]
)
def test_a_page_of_the_app_is_returned_to(portal_app: Flask, next_path: str) -> None:
    response = portal_app.test_client().get(f"/language/cy?next={quote(next_path, safe='')}")
    assert response.headers["Location"] == next_path


def test_the_back_office_checks_against_its_own_pages(backoffice_app: Flask) -> None:
    client = backoffice_app.test_client()
    assert client.get("/language/en?next=/").headers["Location"] == "/"
    # A portal page is not a page of the back office.
    assert client.get("/language/en?next=/cookies").headers["Location"] == "/"


def test_a_nul_in_a_return_path_is_refused_before_anything_else(portal_app: Flask) -> None:
    """NUL is text no database stores: the request is refused outright, with a message."""
    response = portal_app.test_client().get("/language/cy?next=/cookies%00")
    assert response.status_code == 400
    assert "character we cannot accept" in response.get_data(as_text=True)
    assert "Location" not in response.headers
