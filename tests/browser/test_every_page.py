"""axe-core (WCAG 2.1 A and AA) on every page of both apps, and on each page's error states."""

import time
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Browser, Page

from shared.db import transaction
from shared.models import RoleCode
from tests.browser.conftest import (
    MASKED_EMAIL,
    ROLE_EMAILS,
    STAFF_EMAIL,
    axe_violations,
    describe,
    serve,
)
from tests.factories import STAFF_PASSWORD, STAFF_TOTP_SECRET, make_staff
from tests.page_checks import assert_page_checks_itself, layout_problems, visible_text
from tests.pages import APPS, PAGES, page_path, roles_who_may_see

# Pages are visited as a first-time visitor (cookie banner showing) and as a returning one.
CHOICE_MADE = {"name": "cookies_policy", "value": "settings-no"}
ERROR_PREFIX = {"en": "Error: ", "ar": "خطأ: "}


@pytest.fixture
def base_urls(portal_url: str, backoffice_url: str) -> dict[str, str]:
    return {"portal": portal_url, "backoffice": backoffice_url}


# Each account's signed-in cookies, per back office: signing in once and reusing them
# saves a sign-in per page visited.
SIGNED_IN: dict[tuple[str, str], list[Any]] = {}


def open_page(
    browser: Browser, url: str, *, returning: bool, locale: str = "en", staff: str = ""
) -> Page:
    """The page at `url` in a new browser; with `staff`, signed in to the back office as
    that person (staff pages are the sign-in page to anyone else)."""
    origin = "/".join(url.split("/", 3)[:3])
    context = browser.new_context(locale=locale)
    if returning:
        context.add_cookies([{**CHOICE_MADE, "url": url}])  # type: ignore[list-item]
    if staff and (origin, staff) in SIGNED_IN:
        context.add_cookies(SIGNED_IN[origin, staff])
    page = context.new_page()
    response = page.goto(url)
    if staff and page.url.split("?")[0] == origin + "/sign-in":  # not signed in (any more)
        page.locator("[name=email]").fill(staff)
        page.locator("[name=password]").fill(STAFF_PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        if page.url.split("?")[0] == origin + "/sign-in/code":  # two-factor sign-in
            page.locator("[name=code]").fill(pyotp.TOTP(STAFF_TOTP_SECRET).now())
            with page.expect_navigation():
                page.locator("main form button[type=submit]").click()
        SIGNED_IN[origin, staff] = context.cookies()
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
    staff = staff_for(app_name, endpoint)
    page = open_page(browser, url, returning=returning, locale=locale, staff=staff)
    assert page.locator("html").get_attribute("lang") == locale
    violations = axe_violations(page)
    html = page.content()
    # Staff pages are also checked at each width here (axe once, at the first): as every
    # role sees them, with the most on them (test_every_staff_page_fits_for_each_role
    # checks them as each role alone). The portal's widths: test_page_rules.py.
    where = f"{endpoint} as {'every role' if staff else 'nobody signed in'}, in {locale}"
    layout = layout_problems(page, where) if app_name == "backoffice" else []
    page.context.close()
    assert violations == [], f"{url}\n{describe(violations)}"
    assert_page_checks_itself(html, url, english=locale == "en")
    assert layout == [], "\n".join(layout)


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
        if index >= page.locator("form[method=post]").count():
            # A button that needs nothing typed acts when sent (a case page's workflow
            # transition, say), so the page may offer fewer forms than at first.
            page.context.close()
            break
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


def staff_visits() -> list[object]:
    """Each back-office page that needs signing in, in English and in Welsh."""
    return [
        pytest.param(endpoint, locale, id=f"{endpoint}-{locale}")
        for app_name, endpoint in PAGES
        if app_name == "backoffice" and roles_who_may_see(endpoint)
        for locale in ("en", "cy")
    ]


@pytest.mark.parametrize(("endpoint", "locale"), staff_visits())
def test_every_staff_page_fits_for_each_role(
    browser: Browser, backoffice_url: str, endpoint: str, locale: str
) -> None:
    """The page as each role that may open it sees it, at 1280, 640 and 320 px: no
    sideways scroll (a wide table scrolls in a region of its own), one h1 and a title, no
    markup or "None" shown as text, nothing laid over its heading, first table cell or
    first button (tests/page_checks.py's LAYOUT_CHECK). Axe ran on it in
    test_page_has_no_axe_violations; what differs between roles is what is on the page."""
    url = backoffice_url + page_path(APPS["backoffice"], endpoint)
    problems = []
    for role in roles_who_may_see(endpoint):
        page = open_page(browser, url, returning=False, locale=locale, staff=ROLE_EMAILS[role])
        where = f"{endpoint} as {role.value.replace('_', ' ')}, in {locale}"
        status = page.evaluate("performance.getEntriesByType('navigation')[0].responseStatus")
        if status == 200:
            problems += layout_problems(page, where)
        else:  # the page they would see is not this one: the sample data is wrong for them
            problems.append(f"{where}: {page.url} answered {status}")
        page.context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_bulk_result_page_is_accessible_and_fits(
    browser: Browser, backoffice_url: str, locale: str
) -> None:
    """The page a bulk action answers with (a POST's page, so not in the URL map's walk):
    axe, and the layout checks at each width. A case ticked and routed as an intake clerk
    would; the form is sent by script, as the queue's own layout is checked above."""
    clerk = ROLE_EMAILS[RoleCode.INTAKE_CLERK]
    page = open_page(browser, backoffice_url + "/queue", returning=False, locale=locale,
                     staff=clerk)  # fmt: skip
    with page.expect_navigation():
        page.evaluate("""() => {
            const form = document.getElementById('bulk');
            form.querySelector('input[name=case]').checked = true;
            form.querySelector('input[name=action][value=route]').checked = true;
            form.requestSubmit();
        }""")
    assert page.locator("#totals").count() == 1, page.url  # the bulk result, not an error
    violations = axe_violations(page)
    problems = layout_problems(page, f"the bulk result as an intake clerk, in {locale}")
    page.context.close()
    assert violations == [], describe(violations)
    assert problems == [], "\n".join(problems)


# The pages where the sample data shows a date of birth masked, with the form to reveal it.
MASKED_PAGES = ("cases.section_answers", "triage.triage_page")


@pytest.mark.parametrize("locale", ["en", "cy"])
@pytest.mark.parametrize("endpoint", MASKED_PAGES)
def test_a_masked_field_and_its_reveal_form_are_accessible_and_fit(
    browser: Browser, backoffice_url: str, endpoint: str, locale: str
) -> None:
    """The every-role account sees every value, so the walks above never meet a masked
    one: here, as someone who sees dates of birth masked and may reveal them (an auditor
    who also triages), the page with its placeholder and reveal form, then that form
    sent with no reason (its error state): axe, the page's own checks, and the layout
    at each width."""
    url = backoffice_url + page_path(APPS["backoffice"], endpoint)
    page = open_page(browser, url, returning=False, locale=locale, staff=MASKED_EMAIL)
    where = f"{endpoint} with a masked date of birth, in {locale}"
    reveal = page.locator("form[action$='/reveal']")
    assert reveal.count() == 1, f"{where}: no reveal form"
    assert "1984" not in page.locator("main").inner_text(), f"{where}: the date is shown"
    reveal.locator("input[type=radio]").first.check()  # the hidden field, and no reason
    assert_page_and_its_error_pass(page, where, locale,
                                   lambda: reveal.evaluate("form => form.requestSubmit()"),
                                   "form[action$='/reveal'] .govuk-error-message",
                                   never_shown="1984")  # fmt: skip


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_the_second_step_of_signing_in_is_accessible_and_fits(
    browser: Browser, backoffice_app: Flask, locale: str
) -> None:
    """The page asking for the code after the password (/sign-in/code): the walks above
    visit it signed in, which sends them home, so here someone with two-factor sign-in
    enters their password and reaches it, then enters a wrong code (its error state):
    axe, the page's own checks and the layout at each width, both times. The back office
    is served with this one account only: none of the sample data is needed."""
    email = "second.step@council.example"
    with transaction(backoffice_app.extensions["caseway"].sessions) as session:
        make_staff(session, roles=[RoleCode.CASEWORKER], two_factor=True, email=email,
                   display_name="Second Step")  # fmt: skip
    served = serve(backoffice_app)
    origin = next(served)
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(origin + "/sign-in")
    page.locator("[name=email]").fill(email)
    page.locator("[name=password]").fill(STAFF_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url == origin + "/sign-in/code"
    where = f"the second step of signing in, in {locale}"
    assert page.locator("html").get_attribute("lang") == locale
    # A code the app does not show now (nor just before or after): refused on the page.
    shown = {pyotp.TOTP(STAFF_TOTP_SECRET).at(time.time() + step) for step in (-30, 0, 30)}
    page.locator("[name=code]").fill(next(c for c in ("000000", "111111") if c not in shown))
    assert_page_and_its_error_pass(page, where, locale,
                                   page.locator("main form button[type=submit]").click,
                                   "#code-error")  # fmt: skip
    next(served, None)  # stops the server


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_the_reset_two_factor_form_and_its_error_are_accessible_and_fit(
    browser: Browser, backoffice_app: Flask, locale: str
) -> None:
    """A member of staff's page with the form to reset their two-factor sign-in (the
    walks above open the every-role account's own page, which has no such form), then
    that form sent with no reason: axe, the page's own checks and the layout at each
    width, both times. Served with just the two accounts it needs."""
    with transaction(backoffice_app.extensions["caseway"].sessions) as session:
        make_staff(session, roles=[RoleCode.ADMINISTRATOR], email="reset.admin@council.example",
                   display_name="Reset Admin")  # fmt: skip
        member_id = make_staff(session, roles=[RoleCode.CASEWORKER], two_factor=True,
                               display_name="Lost Phone").id  # fmt: skip
    served = serve(backoffice_app)
    origin = next(served)
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(origin + f"/staff/{member_id}")
    page.locator("[name=email]").fill("reset.admin@council.example")
    page.locator("[name=password]").fill(STAFF_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.locator("[name=code]").fill(pyotp.TOTP(STAFF_TOTP_SECRET).now())
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url == origin + f"/staff/{member_id}"
    where = f"a member of staff's page with the reset form, in {locale}"
    form = page.locator("form[action$='/two-factor/reset']")
    assert form.count() == 1, f"{where}: no reset form"
    assert_page_and_its_error_pass(page, where, locale,
                                   lambda: form.evaluate("form => form.requestSubmit()"),
                                   "#reason-error")  # fmt: skip
    next(served, None)  # stops the server


def assert_page_and_its_error_pass(
    page: Page, where: str, locale: str, send: Callable[[], None], error: str,
    never_shown: str = "",
) -> None:  # fmt: skip
    """A page with a form, then that form sent wrongly by `send` (its error state: the
    summary, the message at the field the selector `error` finds, focus on the summary),
    `never_shown` in neither: axe, the page's own checks and the layout at each width,
    both times. The page's browser context is closed after."""
    violations, html = axe_violations(page), page.content()
    layout = layout_problems(page, where)
    with page.expect_navigation():
        send()
    assert page.locator(".govuk-error-summary").count() == 1, f"{where}: no error shown"
    assert page.locator(error).count() == 1, f"{where}: no error by the field"
    if locale == "en":  # Welsh's prefix is its own
        assert page.title().startswith(ERROR_PREFIX["en"]), where
    page.wait_for_function(
        "document.activeElement.closest('.govuk-error-summary') !== null", timeout=10_000
    )
    refused_violations, refused_html = axe_violations(page), page.content()
    layout += layout_problems(page, f"{where}, sent wrongly")
    page.context.close()
    if never_shown:
        assert never_shown not in visible_text(html), f"{where}: {never_shown} shown"
        assert never_shown not in visible_text(refused_html), f"{where}: {never_shown} shown"
    assert violations == [], f"{where}\n{describe(violations)}"
    assert refused_violations == [], f"{where}, sent wrongly\n{describe(refused_violations)}"
    assert_page_checks_itself(html, where, english=locale == "en")
    assert_page_checks_itself(refused_html, f"{where}, sent wrongly", english=locale == "en")
    assert layout == [], "\n".join(layout)
