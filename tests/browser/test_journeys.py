"""Every page of every filing journey in the real browser: axe-core on each question,
its error state and the check and confirmation pages, left to right and right to left;
and the application completed with the keyboard alone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import select

from portal import create_portal
from shared.config import Settings
from shared.models import Notice
from tests.browser.conftest import axe_violations, describe, serve
from tests.browser.test_keyboard import tab_until
from tests.journeys import ANSWERS
from tests.page_checks import assert_page_checks_itself

NO_BANNER = {"name": "cookies_policy", "value": "settings-no"}


def resident_page(browser: Browser, base_url: str, locale: str) -> tuple[BrowserContext, Page]:
    """A new visitor whose browser prefers `locale`, the cookie question already answered."""
    context = browser.new_context(locale=locale)
    context.add_cookies([{**NO_BANNER, "url": base_url}])  # type: ignore[list-item]
    return context, context.new_page()


@pytest.fixture
def journey_app(settings: Settings, fresh_database_url: str, redis_url: str) -> Iterator[Flask]:
    app: Flask = create_portal(
        replace(settings, database_url=fresh_database_url, redis_url=redis_url)
    )
    yield app
    app.extensions["caseway"].engine.dispose()


@pytest.fixture
def journey_url(journey_app: Flask) -> Iterator[str]:
    yield from serve(journey_app)


def answer(page: Page, data: dict[str, object]) -> None:
    for name, value in data.items():
        if page.locator(f"input[type=checkbox][name={name}]").count():
            for item in value:  # type: ignore[union-attr]
                page.locator(f"input[name={name}][value={item}]").check()
        elif isinstance(value, list):  # day, month, year
            for part, text in zip(("day", "month", "year"), value, strict=True):
                page.locator(f"#{name}-{part}").fill(text)
        elif page.locator(f"input[type=radio][name={name}]").count():
            page.locator(f"input[name={name}][value={value}]").check()
        else:
            page.locator(f"[name={name}]").fill(str(value))


def press_first_button(page: Page) -> None:
    """Continue, send or save: the form's first button (Continue where a page has other
    buttons before it, such as "Upload file"), and wait for the next page."""
    proceed = page.locator("main form button[name=continue]")
    with page.expect_navigation():
        (
            proceed if proceed.count() else page.locator("main form button.govuk-button").first
        ).click()


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{where}\n{describe(violations)}"
    lang = page.locator("html").get_attribute("lang") or ""
    assert_page_checks_itself(page.content(), where, english=lang.startswith("en"))


@pytest.mark.parametrize("locale", ["en", "ar"])
@pytest.mark.parametrize("case_type", list(ANSWERS))
def test_every_journey_page_and_error_state_passes_axe(
    browser: Browser, journey_url: str, case_type: str, locale: str
) -> None:
    context, page = resident_page(browser, journey_url, locale)
    page.goto(f"{journey_url}/file/{case_type}/start")
    assert_accessible(page, "start")
    with page.expect_navigation():
        page.locator("button.govuk-button--start").click()
    page.goto(f"{journey_url}/file/{case_type}/save")
    assert_accessible(page, "save")
    page.goto(f"{journey_url}/file/resume/not-a-valid-link")
    assert_accessible(page, "resume (bad link)")
    page.goto(f"{journey_url}/file/{case_type}/{next(iter(ANSWERS[case_type]))}")
    for slug, data in ANSWERS[case_type].items():
        assert page.url.endswith(f"/file/{case_type}/{slug}"), (page.url, slug)
        assert_accessible(page, slug)
        with page.expect_navigation():
            page.locator("main form button.govuk-button").first.click()  # sent empty
        if page.locator(".govuk-error-summary").count():
            assert_accessible(page, f"{slug} (error)")
            # GOV.UK Frontend's script moves focus to the summary once it has run.
            page.wait_for_function(
                "document.activeElement.closest('.govuk-error-summary') !== null", timeout=10_000
            )
        else:
            page.goto(f"{journey_url}/file/{case_type}/{slug}")
        if slug == "evidence":
            upload_a_file(page)
            assert_accessible(page, f"{slug} (a file being checked)")
        answer(page, data)
        press_first_button(page)
    assert page.url.endswith(f"/file/{case_type}/check")
    assert_accessible(page, "check")
    press_first_button(page)
    assert page.url.endswith(f"/file/{case_type}/done")
    assert_accessible(page, "done")
    context.close()


def upload_a_file(page: Page, name: str = "letter.txt", content: bytes = b"A letter.\n") -> None:
    """Choose a file and press "Upload file": with JavaScript the page sends it in the
    background with a progress bar and shows the list in place, without a page load."""
    page.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": "text/plain", "buffer": content}
    )
    rows = page.locator("[data-upload-id]").count()
    page.locator("button[name=upload]").click()
    page.locator("[data-upload-id]").nth(rows).wait_for()


def look_up(page: Page, base: str, reference: str, email: str) -> None:
    """Open a case as a citizen without an account: its reference and their email."""
    if not page.url.endswith("/track"):
        page.goto(f"{base}/track")
    page.locator("[name=reference]").fill(reference)
    page.locator("[name=email]").fill(email)
    press_first_button(page)
    assert page.url.endswith(f"/cases/{reference}")


def sign_in(page: Page, app: Flask, base: str, email: str) -> None:
    """Sign in with the one-time link emailed to the address, as a resident does."""
    page.goto(f"{base}/sign-in")
    page.locator("[name=email]").fill(email)
    press_first_button(page)
    with app.extensions["caseway"].sessions() as db:
        notice = db.scalars(select(Notice).where(Notice.kind == "sign_in_link")
                            .order_by(Notice.id.desc())).first()  # fmt: skip
        assert notice is not None
    page.goto(notice.context["link"])
    press_first_button(page)  # the link opens a page with one "Sign in" button
    assert page.url.endswith("/cases")


def type_text(page: Page, text: str) -> None:
    page.keyboard.type(text, delay=0)


def test_the_application_by_keyboard_alone(browser: Browser, journey_url: str) -> None:
    context = browser.new_context()
    context.add_cookies([{**NO_BANNER, "url": journey_url}])  # type: ignore[list-item]
    page = context.new_page()
    page.goto(f"{journey_url}/file/application/start")
    tab_until(page, "el.classList.contains('govuk-button--start')")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    def next_page() -> None:
        tab_until(page, "el.tagName === 'BUTTON' && el.closest('main')")
        with page.expect_navigation():
            page.keyboard.press("Enter")

    tab_until(page, "el.name === 'service'")  # radios: Space picks the focused one
    page.keyboard.press("Space")
    next_page()
    tab_until(page, "el.name === 'details'")
    type_text(page, "A permit for Elm Street, please.")
    next_page()
    next_page()  # the date is optional
    tab_until(page, "el.name === 'continue'")  # no file to upload: past "Upload file"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for name, text in (("given_name", "Ana"), ("family_name", "Silva"), ("date_of_birth", "14"),
                       ("date_of_birth", "3"), ("date_of_birth", "1984")):  # fmt: skip
        tab_until(page, f"el.name === '{name}' && !el.value")
        type_text(page, text)
    next_page()
    tab_until(page, "el.name === 'email'")
    type_text(page, "ana@example.org")
    next_page()
    tab_until(page, "el.name === 'address_line_1'")
    type_text(page, "1 Elm Street")
    tab_until(page, "el.name === 'address_town'")
    type_text(page, "Cardiff")
    next_page()
    tab_until(page, "el.name === 'contact_by' && el.value === 'email'")
    page.keyboard.press("Space")
    tab_until(page, "el.name === 'large_print'")
    page.keyboard.press("Space")
    next_page()
    assert page.url.endswith("/file/application/check")
    assert "Resident parking permit" in page.locator("main").inner_text()
    # Change an answer from the check page and come back to it, still by keyboard.
    tab_until(page, "el.href && el.href.includes('/details?change=1')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_until(page, "el.name === 'details'")
    type_text(page, " On Saturdays.")
    next_page()
    assert page.url.endswith("/file/application/check")
    assert "On Saturdays." in page.locator("main").inner_text()
    next_page()
    assert page.url.endswith("/file/application/done")
    assert page.locator(".govuk-panel").count() == 1
    assert "Application sent" in page.locator(".govuk-panel__title").inner_text()
    context.close()


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_following_a_case_passes_axe(
    browser: Browser, journey_app: Flask, journey_url: str, locale: str
) -> None:
    context, page = resident_page(browser, journey_url, locale)
    page.goto(f"{journey_url}/file/application/start")
    with page.expect_navigation():
        page.locator("button.govuk-button--start").click()
    for data in ANSWERS["application"].values():
        answer(page, data)
        press_first_button(page)
    press_first_button(page)
    reference = page.locator(".caseway-reference").inner_text().strip()

    page.goto(f"{journey_url}/track")
    assert_accessible(page, "track")
    press_first_button(page)
    assert_accessible(page, "track (error)")
    look_up(page, journey_url, reference, "Ana.Silva@example.org")
    assert_accessible(page, "case (looked up)")
    page.goto(f"{journey_url}/sign-in")
    assert_accessible(page, "sign in")
    page.locator("[name=email]").fill("ana.silva@example.org")
    press_first_button(page)
    assert_accessible(page, "check your email")
    with journey_app.extensions["caseway"].sessions() as db:
        link = db.scalars(select(Notice).where(Notice.kind == "sign_in_link")).one().context["link"]
    page.goto(link)
    assert_accessible(page, "sign in (the link's page)")
    press_first_button(page)
    assert page.url.endswith("/cases")
    assert reference in page.locator("main").inner_text()
    assert_accessible(page, "your cases")
    page.goto(f"{journey_url}/cases/{reference}")
    assert_accessible(page, "case")
    page.goto(f"{journey_url}/cases/{reference}/withdraw")
    assert_accessible(page, "withdraw")
    press_first_button(page)
    assert_accessible(page, "withdraw (error)")
    page.locator("[name=reason]").fill("I moved house.")
    press_first_button(page)
    assert page.url.endswith(f"/cases/{reference}")
    assert_accessible(page, "case (withdrawn)")
    page.goto(link)
    assert_accessible(page, "link already used")
    context.close()


@pytest.mark.parametrize("locale", ["en", "cy", "ar"])
def test_appealing_a_decision_passes_axe(
    browser: Browser, journey_app: Flask, journey_url: str, locale: str
) -> None:
    from tests.integration.test_tracking import decide, file_case

    reference = file_case(journey_app, email="ana@example.org")
    decide(journey_app, reference)
    context, page = resident_page(browser, journey_url, locale)
    look_up(page, journey_url, reference, "ana@example.org")
    assert_accessible(page, "decided case (looked up)")
    sign_in(page, journey_app, journey_url, "ana@example.org")
    page.goto(f"{journey_url}/cases/{reference}")
    assert_accessible(page, "decided case")
    # The decision itself, with its reasons, and what the resident told us.
    assert page.locator("main .caseway-plain-text").inner_text() == "Not eligible."
    assert page.locator("main .govuk-list--bullet li").count() == 1
    assert page.locator("main .caseway-answers").count() == 1
    with page.expect_navigation():
        page.locator("form[action$='/appeal'] button").click()
    assert page.url.endswith("/file/appeal/start")
    assert_accessible(page, "appeal start")
    with page.expect_navigation():
        page.locator("a.govuk-button--start").click()
    assert page.url.endswith("/file/appeal/grounds")
    assert_accessible(page, "appeal grounds")
    press_first_button(page)
    assert_accessible(page, "appeal grounds (error)")
    page.locator("[name=grounds]").fill("I do live on Elm Street.")
    press_first_button(page)
    assert_accessible(page, "appeal outcome")
    press_first_button(page)
    assert page.url.endswith("/file/appeal/evidence")
    assert_accessible(page, "appeal evidence")
    press_first_button(page)
    assert page.url.endswith("/file/appeal/check")
    assert_accessible(page, "appeal check")
    press_first_button(page)
    assert page.url.endswith("/file/appeal/done")
    assert_accessible(page, "appeal sent")
    context.close()


@pytest.mark.parametrize("locale", ["en", "cy", "ar"])
def test_giving_feedback_from_the_beta_banner_passes_axe(
    browser: Browser, journey_app: Flask, journey_url: str, locale: str
) -> None:
    from shared.models import Feedback

    context, page = resident_page(browser, journey_url, locale)
    page.goto(f"{journey_url}/track")
    with page.expect_navigation():
        page.locator(".govuk-phase-banner a").click()
    assert_accessible(page, "feedback")
    press_first_button(page)
    assert_accessible(page, "feedback (error)")
    page.locator("input[name=satisfaction][value=satisfied]").check()
    page.locator("[name=improvement]").fill("Clear wording.")
    press_first_button(page)
    assert page.url.endswith("/feedback/thank-you")
    assert_accessible(page, "feedback sent")
    with journey_app.extensions["caseway"].sessions() as db:
        stored = db.scalars(select(Feedback).order_by(Feedback.id.desc())).first()
        assert stored is not None
        assert (stored.from_page, stored.improvement) == ("/track", "Clear wording.")
    context.close()


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_messages_pass_axe(
    browser: Browser, journey_app: Flask, journey_url: str, locale: str
) -> None:
    """The resident's messages, signed in: the overview, the conversation with a request
    for information and a link, the reply's error state and the page after sending."""
    from tests.integration.test_portal_messages import resident_case, staff_writes

    reference = resident_case(journey_app, email="ana@example.org")
    staff_writes(journey_app, reference, "Please send your tenancy.\nSee https://example.org/help", rfi=True)  # fmt: skip
    context, page = resident_page(browser, journey_url, locale)
    sign_in(page, journey_app, journey_url, "ana@example.org")
    page.goto(f"{journey_url}/messages")
    assert_accessible(page, "messages overview")
    page.goto(f"{journey_url}/cases/{reference}/messages")
    assert_accessible(page, "messages")
    assert (
        page.locator("main [data-message-body] a").get_attribute("href")
        == "https://example.org/help"
    )
    press_first_button(page)
    assert_accessible(page, "messages (error)")
    page.locator("[name=body]").fill("Attached.")
    press_first_button(page)
    assert page.url.endswith(f"/cases/{reference}/messages#latest")
    assert_accessible(page, "messages (sent)")
    context.close()
