"""Links in emails come from the configured addresses, never from the request's Host
header; production answers only its own host names; rate limits see the real client
behind the number of proxies the operator declared."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from portal import create_portal
from shared import PROJECT_ROOT
from shared.config import Settings
from shared.db import transaction
from shared.models import Notice
from shared.services import parties
from tests.integration.test_cookies import CSRF

EVIL = "evil.example"


def register(app: Flask, email: str) -> None:
    with transaction(app.extensions["caseway"].sessions) as session:
        parties.register_person(session, given_name="Ana", family_name="Silva", email=email)


def emailed_links(app: Flask) -> list[str]:
    with app.extensions["caseway"].sessions() as session:
        return [
            str(n.context["link"]) for n in session.scalars(select(Notice)) if "link" in n.context
        ]


def test_a_sign_in_link_asked_for_under_another_host_points_at_the_portal(
    settings: Settings,
) -> None:
    app = create_portal(replace(settings, portal_url="https://cases.council.example"))
    register(app, "ana@example.org")
    client = app.test_client()
    token = CSRF.search(client.get("/sign-in", headers={"Host": EVIL}).get_data(as_text=True))
    assert token is not None
    response = client.post(
        "/sign-in",
        data={"csrf_token": token.group(1), "email": "ana@example.org"},
        headers={"Host": EVIL, "X-Forwarded-Host": EVIL},
    )
    assert response.status_code == 200
    [link] = emailed_links(app)
    assert link.startswith("https://cases.council.example/sign-in/")
    assert EVIL not in link


def test_the_save_for_later_link_points_at_the_portal(settings: Settings) -> None:
    app = create_portal(replace(settings, portal_url="https://cases.council.example"))
    client = app.test_client()
    headers = {"Host": EVIL}
    start = client.get("/file/application/start", headers=headers).get_data(as_text=True)
    token = CSRF.search(start)
    assert token is not None
    client.post("/file/application/start", data={"csrf_token": token.group(1)}, headers=headers)
    client.post(
        "/file/application/save",
        data={"csrf_token": token.group(1), "email": "ana@example.org"},
        headers=headers,
    )
    [link] = emailed_links(app)
    assert link.startswith("https://cases.council.example/file/resume/")


def test_no_view_builds_an_address_from_the_request() -> None:
    """url_for(..., _external=True) uses the Host header: every absolute address must come
    from shared.web.links.absolute_url instead."""
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for folder in ("portal", "backoffice", "shared", "templates")
        for path in (PROJECT_ROOT / folder).rglob("*")
        if path.suffix in (".py", ".html")
        and re.search(r"_external\s*=\s*True|request\.(host_url|url_root|host)\b", _read(path))
    ]
    assert offenders == []


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def production(settings: Settings, **changes: object) -> Flask:
    return create_portal(
        replace(
            settings,
            environment="production",
            secret_key="x" * 40,
            portal_url="https://cases.council.example",
            **changes,  # type: ignore[arg-type]
        )
    )


def test_production_refuses_hosts_it_does_not_serve(settings: Settings) -> None:
    client = production(settings, extra_trusted_hosts=("portal.internal",)).test_client()
    assert client.get("/", headers={"Host": EVIL}).status_code == 400
    assert client.get("/sign-in", headers={"Host": EVIL}).status_code == 400
    assert client.get("/", headers={"Host": "cases.council.example"}).status_code == 200
    assert client.get("/", headers={"Host": "portal.internal"}).status_code == 200


def test_outside_production_any_host_is_answered(portal_app: Flask) -> None:
    assert portal_app.test_client().get("/", headers={"Host": EVIL}).status_code == 200


def lookups_until_limited(app: Flask, forwarded_for: str) -> int:
    """How many look-ups a client gets before its 429 (the limit is per client)."""
    client = app.test_client()
    token = CSRF.search(client.get("/track").get_data(as_text=True))
    assert token is not None
    for attempt in range(1, 30):
        response = client.post(
            "/track",
            data={"csrf_token": token.group(1), "reference": "ABCD-EFGH-J", "email": "a@b.example"},
            headers={"X-Forwarded-For": forwarded_for},
        )
        if response.status_code == 429:
            return attempt
    return 0


def test_behind_one_proxy_each_resident_has_their_own_limit(settings: Settings) -> None:
    app = create_portal(replace(settings, proxy_hops=1))
    first = lookups_until_limited(app, "203.0.113.1")
    assert first == 11  # "10 per 15 minutes"
    assert lookups_until_limited(app, "203.0.113.2") == 11  # not the same bucket


def test_without_proxies_a_forged_header_does_not_dodge_the_limit(settings: Settings) -> None:
    app = create_portal(replace(settings, proxy_hops=0))
    assert lookups_until_limited(app, "203.0.113.1") == 11
    assert lookups_until_limited(app, "203.0.113.2") == 1  # same client: still limited


def test_static_files_never_put_an_older_session_back(portal_app: Flask) -> None:
    """A stylesheet or icon fetched with the cookie from before a sign-in, answered after
    it, must not overwrite the new session (browsers fetch them alongside the next page)."""
    client = portal_app.test_client()
    client.get("/")
    page = client.get("/")
    assert "session=" in page.headers.get("Set-Cookie", "")
    static = client.get("/static/caseway.css")
    static.close()
    assert static.status_code == 200
    assert "Set-Cookie" not in static.headers
