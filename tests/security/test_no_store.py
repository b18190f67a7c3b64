"""No back-office page may be kept by a browser's or a shared cache: a case, My work, the
queue, a member of staff's page all stay in the browser after sign-out otherwise. The walk
is over the URL map, signed in with every role, so a new page cannot escape it. (The
portal's walk, with a resident's case, form and file, is test_portal_no_store.py.)"""

from __future__ import annotations

from flask import Flask

from tests.security.sweep import routes, signed_in_with_every_role


def test_every_back_office_page_says_no_store(backoffice: Flask) -> None:
    everyone = signed_in_with_every_role(backoffice)
    answered: dict[str, tuple[bool, int]] = {}
    for rule in routes(backoffice, "GET"):
        path = everyone.path(rule.endpoint)
        with everyone.client.get(path) as response:  # closed: a download holds its file open
            answered[path] = (bool(response.cache_control.no_store), response.status_code)
    assert [path for path, (no_store, _) in answered.items() if not no_store] == []
    # The walk saw the pages it is about, signed in, not sign-in or not-found pages.
    shown = [path for path, (_, status) in answered.items() if status == 200]
    assert len(shown) > 30
    assert any(path.startswith("/cases/") for path in shown)
    assert "/my-work" in shown


def test_pages_before_signing_in_and_errors_say_no_store(backoffice: Flask) -> None:
    client = backoffice.test_client()
    for path in ("/sign-in", "/no-such-page", "/cases"):
        response = client.get(path)
        assert response.cache_control.no_store, (path, response.status_code)
    assert client.get("/static/caseway.css").cache_control.no_store is not True
