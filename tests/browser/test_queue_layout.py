"""The triage queue as a clerk sees it in real Chromium, with a queue like a real office's
(issue 23, defects 1, 2 and 19): at 1280 px every column shows beside the filters; at 640
px (a laptop at 200 % zoom) and 320 px nothing lies over the heading or the list, the
filters wait behind MOJ's "Show filters" and, shown, sit above the list; never a sideways
scroll or markup shown as text; in English and Welsh. Without JavaScript the filters sit
above the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page

from shared.db import transaction
from shared.models import CaseChannel, CasePriority, PossibleDuplicate, RoleCode
from shared.models.base import utcnow
from shared.scanning import Verdict
from tests.factories import (
    STAFF_PASSWORD,
    make_case,
    make_document,
    make_party,
    make_staff,
    make_team,
)

QUEUE_EMAIL = "queue.clerk@council.example"
WIDTHS = [1280, 640, 320]

# Is `selector`'s first match the element at its own centre (or holding it)? Scrolled to
# the middle of the screen first, so the point is on screen.
NOTHING_LAID_OVER = """(selector) => {
  const element = document.querySelector(selector)
  element.scrollIntoView({block: 'center', inline: 'nearest'})
  const box = element.getBoundingClientRect()
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2)
  return hit !== null && (hit === element || element.contains(hit))
}"""
# The last column's heading: within the window and not scrolled out of its table's region.
LAST_HEADING_SHOWN = """() => {
  const heading = [...document.querySelectorAll('thead th')].at(-1)
  const region = heading.closest('.caseway-table-region')
  const box = heading.getBoundingClientRect()
  return box.right <= window.innerWidth && box.right <= region.getBoundingClientRect().right + 1
    && region.scrollWidth <= region.clientWidth
}"""
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def queue_url(backoffice_app: Flask, backoffice_url: str) -> str:
    """The back office with a queue like the demo's: 30 new cases of both types, in both
    queue states, routed or not, taken or not, with every flag, and long names."""
    now = utcnow()
    with transaction(backoffice_app.extensions["caseway"].sessions) as session:
        make_staff(session, roles=[RoleCode.INTAKE_CLERK, RoleCode.SUPERVISOR],
                   email=QUEUE_EMAIL, display_name="Gwenllian Ap Dafydd-Roberts")  # fmt: skip
        team = make_team(session, code="environmental", name="Environmental health and housing")
        worker = make_staff(session, display_name="Maximilian Llewellyn-Fotheringham")
        worker.team_id = team.id
        channels, priorities = list(CaseChannel), list(CasePriority)
        for number in range(30):
            case = make_case(session, case_type=("application", "complaint")[number % 2],
                             state=("submitted", "triage")[number % 3 > 0])  # fmt: skip
            case.submitted_at = now - timedelta(days=30 - number)
            case.due_at = now + timedelta(days=number - 3) if number % 4 else None
            case.channel = channels[number % len(channels)]
            case.priority = priorities[number % len(priorities)]
            if case.state == "triage":
                case.team_id = team.id
                case.assignee_id = worker.id if number % 2 else None
            if number % 7 == 0:
                other = make_party(session, given_name="Ana", family_name=f"Silva {number}")
                session.add(PossibleDuplicate(case_id=case.id, party_id=case.applicant_id,
                                              other_party_id=other.id))  # fmt: skip
        make_document(session, backoffice_app.extensions["caseway"].storage, case=case,
                      verdict=Verdict.INFECTED)  # fmt: skip
    return backoffice_url


def queue_page(
    browser: Browser, base: str, *, locale: str, width: int, script: bool = True
) -> Page:
    """/queue signed in as an intake clerk and supervisor, `width` pixels wide."""
    context = browser.new_context(locale=locale, java_script_enabled=script,
                                  viewport={"width": width, "height": 800})  # fmt: skip
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.locator("[name=email]").fill(QUEUE_EMAIL)
    page.locator("[name=password]").fill(STAFF_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.goto(f"{base}/queue")
    assert page.locator("html").get_attribute("lang") == locale
    if script:
        page.wait_for_function("document.body.classList.contains('govuk-frontend-supported')")
        page.wait_for_selector("[data-moj-filter-init]", state="attached")
    return page


@pytest.mark.parametrize("locale", ["en", "cy"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_queue_fits_the_screen_and_nothing_covers_it(
    browser: Browser, queue_url: str, locale: str, width: int
) -> None:
    page = queue_page(browser, queue_url, locale=locale, width=width)
    try:
        assert page.locator("tbody tr").count() == 25  # a full page of the queue
        assert "<span" not in page.inner_text("body")
        assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        if width == 1280:
            # Every column beside the filters, the filters shown with no toggle needed.
            assert page.evaluate(LAST_HEADING_SHOWN)
            assert page.locator(".moj-filter").is_visible()
        else:
            assert page.locator(".moj-filter").is_hidden()
        assert page.evaluate(NOTHING_LAID_OVER, "main h1")
        assert page.evaluate(NOTHING_LAID_OVER, "tbody td")
        assert page.evaluate(NOTHING_LAID_OVER, "tbody td a")
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
    finally:
        page.context.close()


@pytest.mark.parametrize(("locale", "show", "hide"), [("en", "Show filters", "Hide filters"),
                                                     ("cy", "Dangos yr hidlyddion",
                                                      "Cuddio’r hidlyddion")])  # fmt: skip
def test_show_filters_opens_and_closes_the_filters_at_320_pixels(
    browser: Browser, queue_url: str, locale: str, show: str, hide: str
) -> None:
    page = queue_page(browser, queue_url, locale=locale, width=320)
    try:
        toggle = page.locator(".moj-action-bar__filter button")
        assert toggle.inner_text() == show
        assert toggle.get_attribute("aria-expanded") == "false"
        assert page.locator(".moj-filter").is_hidden()
        toggle.click()
        assert page.locator(".moj-filter").is_visible()
        assert toggle.get_attribute("aria-expanded") == "true"
        assert toggle.inner_text() == hide
        assert page.locator("[name=case_type]").first.is_visible()
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        # Open, they sit above the list in the page's flow, covering nothing; their own
        # button closes them, and the keyboard is back on "Show filters".
        assert page.evaluate(NOTHING_LAID_OVER, "main h1")
        assert page.evaluate(NOTHING_LAID_OVER, "tbody td")
        page.locator(".moj-filter__close").click()
        assert page.locator(".moj-filter").is_hidden()
        assert toggle.inner_text() == show
        assert page.evaluate("document.activeElement.closest('.moj-action-bar__filter') !== null")
        assert page.evaluate(NOTHING_LAID_OVER, "tbody td")
        # A filter chosen and applied from the opened panel narrows the list.
        toggle.click()
        page.locator("[name=state][value=submitted]").check()
        with page.expect_navigation():
            page.locator(".moj-filter__options button").click()
        assert "state=submitted" in page.url
        assert 10 <= page.locator("tbody tr").count() < 25  # the 20 in triage are not listed
    finally:
        page.context.close()


@pytest.mark.parametrize("width", [640, 320])
def test_without_javascript_the_filters_sit_above_the_list(
    browser: Browser, queue_url: str, width: int
) -> None:
    page = queue_page(browser, queue_url, locale="en", width=width, script=False)
    try:
        assert page.locator(".moj-filter").is_visible()
        assert page.locator(".moj-action-bar__filter button").count() == 0
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        for selector in ("main h1", ".moj-filter__options button", "tbody td"):
            assert page.evaluate(NOTHING_LAID_OVER, selector), selector
    finally:
        page.context.close()
