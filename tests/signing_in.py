"""Following an emailed sign-in link as a resident does: open it, then press "Sign in"."""

from __future__ import annotations

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.integration.test_cookies import CSRF


def follow_sign_in_link(client: FlaskClient, link: str) -> TestResponse:
    """The answer to pressing the button; the opened page's own answer if it has none
    (an expired or used link)."""
    opened = client.get(link)
    found = CSRF.search(opened.get_data(as_text=True))
    if opened.status_code != 200 or found is None:
        return opened
    return client.post(link, data={"csrf_token": found.group(1)})
