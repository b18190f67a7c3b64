"""Page rules beyond axe: reflow, text size, motion, working without JavaScript, timeouts."""

from collections.abc import Iterator
from dataclasses import replace

import pytest
from playwright.sync_api import Browser, Page

from portal import create_portal
from shared.config import Settings
from tests.browser.conftest import axe_violations, describe, serve
from tests.pages import APPS, PAGES, page_path


@pytest.fixture
def base_urls(portal_url: str, backoffice_url: str) -> dict[str, str]:
    return {"portal": portal_url, "backoffice": backoffice_url}


# The back office's pages are checked signed in, at 1280, 640 and 320 px, in
# test_every_page.py: here, signed out, each was only its sign-in page again.
PORTAL_PAGES = [(app_name, endpoint) for app_name, endpoint in PAGES if app_name == "portal"]


@pytest.mark.parametrize(("app_name", "endpoint"), PORTAL_PAGES)
def test_every_page_reflows_at_320_pixels(
    page: Page, base_urls: dict[str, str], app_name: str, endpoint: str
) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(base_urls[app_name] + page_path(APPS[app_name], endpoint))
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


@pytest.mark.parametrize(("app_name", "endpoint"), PAGES)
def test_text_resized_to_200_percent_still_fits(
    page: Page, base_urls: dict[str, str], app_name: str, endpoint: str
) -> None:
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(base_urls[app_name] + page_path(APPS[app_name], endpoint))
    before = page.locator("h1").bounding_box()
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    after = page.locator("h1").bounding_box()
    assert before is not None
    assert after is not None
    assert after["height"] > before["height"] * 1.5  # the text really grew (sizes are in rem)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024


def test_reduced_motion_is_respected(page: Page, portal_url: str) -> None:
    page.emulate_media(reduced_motion="reduce")
    page.goto(portal_url + "/cookies")
    duration = page.locator(".govuk-button").first.evaluate(
        "el => parseFloat(getComputedStyle(el).transitionDuration)"
    )
    assert duration <= 0.001


def test_forms_work_without_javascript(browser: Browser, portal_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(portal_url + "/cookies")
    assert not page.evaluate("document.body.classList.contains('js-enabled')")
    page.locator("input[name=settings][value=no]").check()
    page.locator("button[type=submit], input[type=submit]").last.click()
    page.wait_for_load_state()
    assert "You’ve set your cookie preferences." in page.content()
    assert {c["name"]: c["value"] for c in context.cookies()}["cookies_policy"] == "settings-no"
    assert page.locator("#session-timeout[open]").count() == 0
    context.close()


@pytest.fixture
def short_session_url(settings: Settings) -> Iterator[str]:
    # 6 s sessions: the warning opens 2 s before the end (a third of the time).
    app = create_portal(replace(settings, session_timeout_seconds=6))
    yield from serve(app)


def test_timeout_is_warned_and_can_be_extended_by_keyboard(
    page: Page, short_session_url: str
) -> None:
    page.goto(short_session_url + "/cookies")
    page.locator("#session-timeout[open]").wait_for(timeout=8000)
    assert page.evaluate("document.activeElement.id") == "session-timeout-heading"
    assert "Time left" in page.locator("[data-countdown]").inner_text()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.hasAttribute('data-extend')")
    with page.expect_response(lambda r: r.url.endswith("/session/extend")) as extended:
        page.keyboard.press("Enter")
    assert extended.value.status == 204
    page.locator("#session-timeout:not([open])").wait_for(state="attached")
    assert page.locator("#session-timeout[open]").count() == 0
    assert page.url.endswith("/cookies")


def test_an_ignored_warning_ends_on_the_timed_out_page(page: Page, short_session_url: str) -> None:
    page.goto(short_session_url + "/cookies")
    page.wait_for_url("**/session/timed-out", timeout=12000)
    assert page.locator("h1").inner_text() == "Your session has timed out"


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_team_period_end_date_is_level_with_its_start_date(
    browser: Browser, backoffice_url: str, locale: str
) -> None:
    """The team page's period: side by side at 1280 px, the end date's boxes sat a line
    lower than the start date's (only the start had a hint above its boxes)."""
    from shared.models import RoleCode
    from tests.browser.conftest import ROLE_EMAILS
    from tests.browser.test_every_page import open_page

    url = backoffice_url + page_path(APPS["backoffice"], "teams.team")
    page = open_page(browser, url, returning=False, locale=locale,
                     staff=ROLE_EMAILS[RoleCode.SUPERVISOR])  # fmt: skip
    start, end = (box.bounding_box() for box in page.locator(".govuk-date-input").all())
    page.context.close()
    assert start is not None
    assert end is not None
    assert end["x"] > start["x"]  # side by side
    assert end["y"] == start["y"]
