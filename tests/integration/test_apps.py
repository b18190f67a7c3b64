"""Both apps: factories, the branded layout, security headers, error pages and /healthz."""

from dataclasses import replace

import pytest
from flask import Flask

from backoffice import create_backoffice
from portal import create_portal
from shared.config import Settings

CLOSED_PORT = "127.0.0.1:1"
# What a visitor who is not signed in first sees of each app.
FIRST_PAGE = {"portal": "/", "backoffice": "/sign-in"}


def first_page(app: Flask) -> str:
    return FIRST_PAGE[app.import_name]


@pytest.fixture(params=["portal", "backoffice"])
def app(request: pytest.FixtureRequest, portal_app: Flask, backoffice_app: Flask) -> Flask:
    return portal_app if request.param == "portal" else backoffice_app


def test_home_page_has_lang_dir_skip_link_and_landmarks(app: Flask) -> None:
    response = app.test_client().get(first_page(app))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="en" dir="ltr"' in page
    assert 'class="govuk-skip-link"' in page
    assert 'href="#main-content"' in page
    assert "<header>" in page
    assert '<main class="govuk-main-wrapper" id="main-content">' in page
    assert '<footer class="govuk-footer">' in page
    assert page.count("<h1") == 1
    assert "/static/caseway.css" in page


def test_pages_are_caseway_branded_not_gov_uk(app: Flask) -> None:
    page = app.test_client().get(first_page(app)).get_data(as_text=True)
    assert "Caseway" in page
    assert "GOV.UK" not in page
    assert "crown" not in page.lower()


def test_every_response_carries_the_security_headers(app: Flask) -> None:
    headers = app.test_client().get(first_page(app)).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_unknown_page_is_a_404_in_the_apps_layout(app: Flask) -> None:
    response = app.test_client().get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page
    assert '<footer class="govuk-footer">' in page


def test_healthz_reports_every_service_up(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "up",
        "redis": "up",
        "clamd": "up",
    }
    # States only: versions and error texts are not for anonymous callers.
    assert "ClamAV" not in response.get_data(as_text=True)
    assert all(set(check) == {"status"} for check in body["checks"].values())


@pytest.mark.parametrize("factory", [create_portal, create_backoffice])
def test_no_page_shows_the_system_behind_it(factory: object, settings: Settings) -> None:
    client = factory(settings).test_client()  # type: ignore[operator]
    for path in ("/", "/sign-in", "/healthz"):
        text = client.get(path).get_data(as_text=True)
        for detail in ("ClamAV", "sqlite", "postgresql", "Redis 7", "redis_version"):
            assert detail not in text, (path, detail)


@pytest.mark.parametrize("factory", [create_portal, create_backoffice])
def test_redis_and_clamd_down_still_serve_pages_and_healthz_says_why(
    factory: object, settings: Settings
) -> None:
    broken = replace(
        settings, redis_url=f"redis://{CLOSED_PORT}/0", clamd_url=f"tcp://{CLOSED_PORT}"
    )
    client = factory(broken).test_client()  # type: ignore[operator]
    assert client.get(first_page(client.application)).status_code == 200
    response = client.get("/healthz")
    assert response.status_code == 200  # the database is up, so the app can serve
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"]["status"] == "down"
    assert body["checks"]["clamd"]["status"] == "down"
    assert "refused" not in response.get_data(as_text=True).lower()  # no error texts


def test_healthz_is_503_when_the_database_is_down(settings: Settings) -> None:
    broken = replace(settings, database_url=f"postgresql+psycopg://nobody@{CLOSED_PORT}/caseway")
    client = create_portal(broken).test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "down"
    assert body["checks"]["database"]["status"] == "down"
    assert body["checks"]["redis"]["status"] == "up"


def test_wsgi_exposes_both_apps() -> None:
    import wsgi

    assert wsgi.portal.name == "portal"
    assert wsgi.backoffice.name == "backoffice"
    assert wsgi.portal is not wsgi.backoffice


def test_the_home_page_gives_the_configured_ways_to_contact_us(settings: Settings) -> None:
    configured = replace(
        settings, contact_phone="01632 960 001", contact_address="1 Town Hall Square, Cardiff"
    )
    page = create_portal(configured).test_client().get("/").get_data(as_text=True)
    assert '<bdi dir="ltr" class="caseway-ltr">01632 960 001</bdi>' in page
    assert "1 Town Hall Square, Cardiff" in page
    bare = create_portal(settings).test_client().get("/").get_data(as_text=True)
    assert "Phone:" not in bare  # nothing promised that is not configured
    assert "Write to:" not in bare
    assert settings.contact_email in bare
