"""axe-core (WCAG 2.1 A and AA) on every page of both apps, and on each page's error states."""

from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import STAFF_EMAIL, axe_violations, describe
from tests.factories import STAFF_PASSWORD
from tests.page_checks import assert_page_checks_itself
from tests.pages import APPS, PAGES, page_path

# Pages are visited as a first-time visitor (cookie banner showing) and as a returning one.
CHOICE_MADE = {"name": "cookies_policy", "value": "settings-no"}
ERROR_PREFIX = {"en": "Error: ", "ar": "خطأ: "}


@pytest.fixture
def base_urls(portal_url: str, backoffice_url: str) -> dict[str, str]:
    return {"portal": portal_url, "backoffice": backoffice_url}


# The every-role account's signed-in cookies, per back office: signing in once and reusing
# them saves a sign-in per page visited.
SIGNED_IN: dict[str, list[Any]] = {}


def open_page(
    browser: Browser, url: str, *, returning: bool, locale: str = "en", staff: str = ""
) -> Page:
    """The page at `url` in a new browser; with `staff`, signed in to the back office as
    that person (staff pages are the sign-in page to anyone else)."""
    origin = "/".join(url.split("/", 3)[:3])
    context = browser.new_context(locale=locale)
    if returning:
        context.add_cookies([{**CHOICE_MADE, "url": url}])  # type: ignore[list-item]
    if staff and origin in SIGNED_IN:
        context.add_cookies(SIGNED_IN[origin])
    page = context.new_page()
    response = page.goto(url)
    if staff and page.url.split("?")[0] == origin + "/sign-in":  # not signed in (any more)
        page.locator("[name=email]").fill(staff)
        page.locator("[name=password]").fill(STAFF_PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        SIGNED_IN[origin] = context.cookies()
        response = page.goto(url)
    assert response is not None
    assert response.status < 500, f"{url} answered {response.status}"
    return page


def staff_for(app_name: str, endpoint: str) -> str:
    """Back-office pages are visited signed in, as someone holding every role, except
    those open to anyone (signing in, setting a password)."""
    if app_name != "backoffice" or endpoint.startswith("sign_in."):
        return ""
    return STAFF_EMAIL


def visits() -> list[object]:
    """Each page as a first-time and (where there is a cookie banner: the portal) a
    returning visitor, and right to left where offered (the portal); the back office,
    which does not offer Arabic, also in Welsh."""
    params = []
    for app_name, endpoint in PAGES:
        params.append(pytest.param(app_name, endpoint, False, "en", id=f"{endpoint}-first-visit"))
        if app_name == "portal":  # the back office has no cookie banner to have answered
            params.append(pytest.param(app_name, endpoint, True, "en", id=f"{endpoint}-returning"))
        if "ar" in APPS[app_name].config["CASEWAY_LOCALES"]:
            params.append(pytest.param(app_name, endpoint, False, "ar", id=f"{endpoint}-arabic"))
        elif "cy" in APPS[app_name].config["CASEWAY_LOCALES"]:  # the back office: Welsh
            params.append(pytest.param(app_name, endpoint, False, "cy", id=f"{endpoint}-welsh"))
    return params


@pytest.mark.parametrize(("app_name", "endpoint", "returning", "locale"), visits())
def test_page_has_no_axe_violations(
    browser: Browser,
    base_urls: dict[str, str],
    app_name: str,
    endpoint: str,
    returning: bool,
    locale: str,
) -> None:
    url = base_urls[app_name] + page_path(APPS[app_name], endpoint)
    page = open_page(
        browser, url, returning=returning, locale=locale, staff=staff_for(app_name, endpoint)
    )
    assert page.locator("html").get_attribute("lang") == locale
    violations = axe_violations(page)
    html = page.content()
    page.context.close()
    assert violations == [], f"{url}\n{describe(violations)}"
    assert_page_checks_itself(html, url, english=locale == "en")


def form_visits() -> list[object]:
    """Each page's forms in English, and right to left where the app offers it (the
    portal). The back office does not offer Arabic: sent "in Arabic" its forms answered in
    English, the same pages a second time."""
    params = []
    for app_name, endpoint in PAGES:
        for locale in ("en", "ar"):
            if locale == "en" or locale in APPS[app_name].config["CASEWAY_LOCALES"]:
                params.append(pytest.param(app_name, endpoint, locale, id=f"{endpoint}-{locale}"))
    return params


@pytest.mark.parametrize(("app_name", "endpoint", "locale"), form_visits())
def test_every_form_sent_empty_gives_an_accessible_page(
    browser: Browser, base_urls: dict[str, str], app_name: str, endpoint: str, locale: str
) -> None:
    """Each POST form on the page, sent with nothing filled in: its error or outcome page."""
    url = base_urls[app_name] + page_path(APPS[app_name], endpoint)
    staff = staff_for(app_name, endpoint)
    page = open_page(browser, url, returning=False, locale=locale, staff=staff)
    form_count = page.locator("form[method=post]").count()
    page.context.close()
    for index in range(form_count):
        page = open_page(browser, url, returning=False, locale=locale, staff=staff)
        with page.expect_navigation() as navigation:
            page.locator("form[method=post]").nth(index).evaluate("form => form.requestSubmit()")
        response = navigation.value
        assert response is not None
        # The banner on a not-found page comes back to that page: 404 is its answer.
        assert response.status in (200, 400, 404), f"form {index} on {url}: {response.status}"
        page.wait_for_load_state("load")
        lang = (page.locator("html").get_attribute("lang") or "en").split("-")[0]
        assert lang == locale
        assert_page_checks_itself(page.content(), f"form {index} on {url}", english=lang == "en")
        violations = axe_violations(page)
        if page.locator(".govuk-error-summary").count():
            assert page.title().startswith(ERROR_PREFIX[lang])
            # GOV.UK Frontend's script moves focus to the summary once it has run.
            page.wait_for_function(
                "document.activeElement.closest('.govuk-error-summary') !== null", timeout=10_000
            )
        page.context.close()
        assert violations == [], f"form {index} on {url}\n{describe(violations)}"


def test_every_page_with_arguments_has_data_or_a_reason() -> None:
    for app_name, endpoint in PAGES:
        page_path(APPS[app_name], endpoint)  # raises for a page nobody provided for
