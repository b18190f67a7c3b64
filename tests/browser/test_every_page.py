"""axe-core (WCAG 2.1 A and AA) on every page of both apps, and on each page's error states."""

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import axe_violations, describe
from tests.browser.pages import APPS, PAGES, page_path

# Pages are visited as a first-time visitor (cookie banner showing) and as a returning one.
CHOICE_MADE = {"name": "cookies_policy", "value": "settings-no"}


@pytest.fixture
def base_urls(portal_url: str, backoffice_url: str) -> dict[str, str]:
    return {"portal": portal_url, "backoffice": backoffice_url}


def open_page(browser: Browser, url: str, *, returning: bool) -> Page:
    context = browser.new_context()
    if returning:
        context.add_cookies([{**CHOICE_MADE, "url": url}])  # type: ignore[list-item]
    page = context.new_page()
    response = page.goto(url)
    assert response is not None
    assert response.status < 500, f"{url} answered {response.status}"
    return page


@pytest.mark.parametrize("returning", [False, True], ids=["first-visit", "returning"])
@pytest.mark.parametrize(("app_name", "endpoint"), PAGES)
def test_page_has_no_axe_violations(
    browser: Browser, base_urls: dict[str, str], app_name: str, endpoint: str, returning: bool
) -> None:
    url = base_urls[app_name] + page_path(APPS[app_name], endpoint)
    page = open_page(browser, url, returning=returning)
    violations = axe_violations(page)
    page.context.close()
    assert violations == [], f"{url}\n{describe(violations)}"


@pytest.mark.parametrize(("app_name", "endpoint"), PAGES)
def test_every_form_sent_empty_gives_an_accessible_page(
    browser: Browser, base_urls: dict[str, str], app_name: str, endpoint: str
) -> None:
    """Each POST form on the page, sent with nothing filled in: its error or outcome page."""
    url = base_urls[app_name] + page_path(APPS[app_name], endpoint)
    page = open_page(browser, url, returning=False)
    form_count = page.locator("form[method=post]").count()
    page.context.close()
    for index in range(form_count):
        page = open_page(browser, url, returning=False)
        with page.expect_navigation():
            page.locator("form[method=post]").nth(index).evaluate("form => form.requestSubmit()")
        assert "Sorry, there is a problem" not in page.title(), f"form {index} on {url}"
        violations = axe_violations(page)
        if page.locator(".govuk-error-summary").count():
            assert page.title().startswith("Error: ")
            assert page.evaluate("document.activeElement.closest('.govuk-error-summary') !== null")
        page.context.close()
        assert violations == [], f"form {index} on {url}\n{describe(violations)}"


def test_every_page_with_arguments_has_data_or_a_reason() -> None:
    for app_name, endpoint in PAGES:
        page_path(APPS[app_name], endpoint)  # raises for a page nobody provided for
