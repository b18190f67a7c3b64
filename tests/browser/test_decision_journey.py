"""From a Welsh resident's application to the decision on their portal page: the staff
part by keyboard alone (Tab, Shift+Tab, Space, Enter; no clicks), every stop with a
visible focus, and axe-core on the decision's states of the staff case page. And a
complaint taken to a decision, then its appeal to another person's decision, by clicking
through the case page's sections alone (issue 23)."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import select

from shared.db import transaction
from shared.models import Case, Decision, Notice, RoleCode
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_journeys import (
    NO_BANNER,
    answer,
    press_first_button,
    resident_page,
    sign_in,
    type_text,
)
from tests.browser.test_keyboard import tab_until
from tests.factories import STAFF_PASSWORD, make_staff, make_team
from tests.journeys import ANSWERS

EMAIL = "rhys.decision@example.org"
EXPLANATION = "You live inside the permit zone, so you can have a permit."
# Room for every stop of the longest section of the case page (the overview).
STOPS = 250


def file_in_welsh(browser: Browser, portal_url: str) -> str:
    """The resident files an application with their browser in Welsh: its reference."""
    context, page = resident_page(browser, portal_url, "cy")
    page.goto(f"{portal_url}/file/application/start")
    assert page.locator("html").get_attribute("lang") == "cy"
    with page.expect_navigation():
        page.locator("button.govuk-button--start").click()
    for slug, data in ANSWERS["application"].items():
        answer(page, {**data, "email": EMAIL} if slug == "contact" else data)
        press_first_button(page)
    press_first_button(page)  # check your answers: send
    reference = page.locator(".caseway-reference").inner_text().strip()
    context.close()
    return reference


def staff_page(browser: Browser, backoffice_url: str, email: str) -> tuple[BrowserContext, Page]:
    """A member of staff signed in by keyboard, on the back office's home page."""
    context = browser.new_context(locale="en")
    context.add_cookies([{**NO_BANNER, "url": backoffice_url}])  # type: ignore[list-item]
    page = context.new_page()
    page.goto(f"{backoffice_url}/sign-in")
    tab_until(page, "el.name === 'email'")
    type_text(page, email)
    tab_until(page, "el.name === 'password'")
    type_text(page, STAFF_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return context, page


def find_by_keyboard(page: Page, reference: str) -> None:
    tab_until(page, "el.tagName === 'A' && el.href.endsWith('/cases/find')", limit=STOPS)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_until(page, "el.name === 'reference'")
    type_text(page, reference.lower().replace("-", " "))  # as read out on the phone
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/cases/{reference}"), page.url


def press(page: Page, button_text: str) -> None:
    """Tab on from where focus is (the top of a page just loaded, or its banner) to the
    button, and press Enter."""
    tab_until(
        page,
        f"el.tagName === 'BUTTON' && el.innerText.includes({button_text!r})",
        limit=STOPS,
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")


def open_section(page: Page, reference: str, path: str) -> None:
    """Shift+Tab back to the case page's tab for the section at `path` (the tabs come
    before the banner that takes focus after a form) and follow it."""
    tab_until(page, f"el.tagName === 'A' && el.closest('nav') && el.href.endsWith("
                    f"'/cases/{reference}/{path}')", limit=STOPS, backwards=True)  # fmt: skip
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/cases/{reference}/{path}"), page.url


def banner(page: Page) -> str:
    return page.locator(".govuk-notification-banner").first.inner_text()


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{where}\n{describe(violations)}"


def staff(app: Flask) -> dict[str, str]:
    """An intake clerk, and a caseworker and a supervisor of the permits team."""
    with transaction(app.extensions["caseway"].sessions) as session:
        team = make_team(session, "permits", "Permits")
        people = {
            "clerk": make_staff(session, roles=[RoleCode.INTAKE_CLERK], display_name="Ivy Intake"),
            "caseworker": make_staff(session, roles=[RoleCode.CASEWORKER], team=team,
                                     display_name="Cai Caseworker"),
            "supervisor": make_staff(session, roles=[RoleCode.SUPERVISOR], team=team,
                                     display_name="Sara Supervisor"),
        }  # fmt: skip
        return {role: person.email for role, person in people.items()}


def routed_to_the_permits_team(app: Flask, reference: str) -> None:
    # As triage would route it (tests/integration/backoffice/test_triage.py): the case
    # goes to the team, whose caseworker and supervisor then see it.
    with transaction(app.extensions["caseway"].sessions) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        case.team = make_team(session, "permits", "Permits")


def test_a_decision_by_keyboard_reaches_the_resident_in_welsh(
    browser: Browser,
    portal_app: Flask,
    portal_url: str,
    backoffice_app: Flask,
    backoffice_url: str,
) -> None:
    reference = file_in_welsh(browser, portal_url)
    people = staff(backoffice_app)
    routed_to_the_permits_team(backoffice_app, reference)

    # The intake clerk starts checking it.
    context, page = staff_page(browser, backoffice_url, people["clerk"])
    find_by_keyboard(page, reference)
    press(page, "In triage")  # the state's name for staff
    assert "In triage" in banner(page)
    context.close()

    # A caseworker of the team takes it, starts work and records the decision, first
    # sending it empty.
    context, page = staff_page(browser, backoffice_url, people["caseworker"])
    find_by_keyboard(page, reference)
    press(page, "Assign to me")
    assert "The case is assigned to you." in banner(page)
    press(page, "In progress")
    open_section(page, reference, "decision-record")
    press(page, "Record the decision")
    assert page.title().startswith("Error: ")
    page.wait_for_function(
        "document.activeElement.closest('.govuk-error-summary') !== null", timeout=10_000
    )
    assert_accessible(page, "the decision form with its errors")
    tab_until(page, "el.closest('.govuk-error-summary') && el.tagName === 'A'")
    page.keyboard.press("Enter")  # the summary's first link: to the outcome
    assert page.evaluate("document.activeElement.name") == "decision-outcome"
    page.keyboard.press("Space")  # the first outcome: Approved
    assert page.locator("input[name=decision-outcome][value=approved]").is_checked()
    tab_until(page, "el.name === 'decision-reasons' && el.value === 'meets_criteria'")
    page.keyboard.press("Space")
    tab_until(page, "el.name === 'decision-explanation'")
    type_text(page, EXPLANATION)
    back = tab_until(page, "el.name === 'decision-reasons' && el.checked", backwards=True)
    assert len(back) == 4  # back through the other reasons to the one ticked
    tab_until(page, "el.tagName === 'BUTTON' && el.innerText.includes('Record the decision')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "A supervisor must approve it before the resident is told." in banner(page)
    assert "It is waiting for approval by a supervisor" in page.locator("main").inner_text()
    assert page.locator("form[action$='/decision/approve']").count() == 0
    assert_accessible(page, "the decision waiting, seen by the person who made it")
    context.close()

    # The supervisor reads it and approves it.
    context, page = staff_page(browser, backoffice_url, people["supervisor"])
    find_by_keyboard(page, reference)
    open_section(page, reference, "decision-record")
    main = page.locator("main").inner_text()
    assert "Cai Caseworker" in main
    assert EXPLANATION in main
    assert_accessible(page, "the decision waiting, seen by a supervisor")
    press(page, "Approve the decision")
    assert "The decision is approved and the resident is told." in banner(page)
    assert "Sara Supervisor" in page.locator("main").inner_text()
    assert_accessible(page, "the decision made")
    context.close()

    with backoffice_app.extensions["caseway"].sessions() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        decision = session.scalars(select(Decision).where(Decision.case_id == case.id)).one()
        told = session.scalars(select(Notice).where(Notice.case_id == case.id,
                                                    Notice.kind == "decision")).one()  # fmt: skip
        assert (case.state, decision.outcome, decision.reason_codes) == (
            "decided", "approved", ["meets_criteria"])  # fmt: skip
        assert told.locale == "cy"

    # The resident signs in with their one-time link and reads the decision in Welsh.
    context, page = resident_page(browser, portal_url, "cy")
    sign_in(page, portal_app, portal_url, EMAIL)
    page.goto(f"{portal_url}/cases/{reference}")
    assert page.locator("html").get_attribute("lang") == "cy"
    main = page.locator("main").inner_text()
    assert "Cymeradwywyd" in main  # Approved
    assert "Rydych yn bodloni'r meini prawf ar gyfer y gwasanaeth" in main  # the reason
    assert EXPLANATION in main  # in the words the caseworker wrote
    assert_accessible(page, "the resident's decided case, in Welsh")
    context.close()


def click_to(page: Page, locator: str) -> None:
    with page.expect_navigation():
        page.locator(locator).first.click()


def click_tab(page: Page, label: str) -> None:
    """The case page's sub-navigation: a plain link to the section."""
    click_to(page, f"nav[aria-label='Case sections'] a:has-text({label!r})")
    assert page.locator("h1").inner_text().strip() == label


def find_by_clicking(page: Page, reference: str) -> None:
    click_to(page, "nav a:has-text('Find a case')")
    page.locator("input[name=reference]").fill(reference)
    click_to(page, "main form button")
    assert page.url.endswith(f"/cases/{reference}"), page.url


def decide_by_clicking(page: Page, reference: str, explanation: str) -> None:
    """Assign to me, start work, and record a decision from the Decision tab."""
    find_by_clicking(page, reference)
    click_to(page, "form[action$='/assign/me'] button")
    assert "The case is assigned to you." in banner(page)
    click_to(page, "form[action$='/transitions/start_work'] button")
    click_tab(page, "Decision")
    page.locator("input[name=decision-outcome]").first.check()
    page.locator("input[name=decision-reasons]").first.check()
    page.locator("textarea[name=decision-explanation]").fill(explanation)
    click_to(page, "form[action$='/decision'] button")
    assert page.url.endswith(f"/cases/{reference}/decision-record"), page.url


def test_a_complaint_and_its_appeal_are_decided_by_clicking_through_the_case_pages(
    browser: Browser, backoffice_app: Flask, backoffice_url: str
) -> None:
    from shared.services import decisions
    from tests.factories import make_case

    with transaction(backoffice_app.extensions["caseway"].sessions) as session:
        team = make_team(session, "complaints", "Complaints")
        people = {
            role: make_staff(session, roles=[code], team=team, display_name=name).email
            for role, code, name in (
                ("first", RoleCode.CASEWORKER, "Fay First"),
                ("second", RoleCode.CASEWORKER, "Sol Second"),
                ("supervisor", RoleCode.SUPERVISOR, "Sara Supervisor"),
            )
        }
        complaint = make_case(session, case_type="complaint", state="triage",
                              summary="The bins were not collected")  # fmt: skip
        complaint.team = team
        complaint_reference = complaint.reference

    # A caseworker takes the new complaint to its decision (no approval for complaints).
    context, page = staff_page(browser, backoffice_url, people["first"])
    decide_by_clicking(page, complaint_reference, "We will collect them on Monday.")
    assert "Your decision is recorded and the resident is told." in banner(page)
    assert_accessible(page, "the complaint's decision section, decided")
    click_tab(page, "History")
    page.go_back()  # each section is a page of its own: the back button returns to it
    assert page.url.endswith(f"/cases/{complaint_reference}/decision-record")
    assert "We will collect them on Monday." in page.locator("main").inner_text()
    context.close()

    # The resident appeals against it (as the portal files one), in the same team's queue.
    with transaction(backoffice_app.extensions["caseway"].sessions) as session:
        decided = session.scalars(select(Case).where(Case.reference == complaint_reference)).one()
        published = decisions.published_decision(session, decided)
        assert published is not None
        appeal = make_case(session, case_type="appeal", applicant=decided.applicant,
                           state="triage", summary="Appeal")  # fmt: skip
        appeal.team_id = decided.team_id
        appeal.appealed_decision_id = published.id
        appeal_reference = appeal.reference

    # Another caseworker, not involved in the first decision, decides the appeal.
    context, page = staff_page(browser, backoffice_url, people["second"])
    decide_by_clicking(page, appeal_reference, "The first decision stands.")
    assert "A supervisor must approve it before the resident is told." in banner(page)
    context.close()

    # A supervisor checks it from the header's link and approves it.
    context, page = staff_page(browser, backoffice_url, people["supervisor"])
    find_by_clicking(page, appeal_reference)
    click_to(page, ".moj-identity-bar a:has-text('Check the decision')")
    main = page.locator("main").inner_text()
    assert "Sol Second" in main
    assert "The first decision stands." in main
    click_to(page, "form[action$='/decision/approve'] button")
    assert "The decision is approved and the resident is told." in banner(page)
    assert_accessible(page, "the appeal's decision section, approved")
    context.close()

    with backoffice_app.extensions["caseway"].sessions() as session:
        chosen = select(Case).where(Case.reference.in_([complaint_reference, appeal_reference]))
        states = {case.reference: case.state for case in session.scalars(chosen)}
    assert states == {complaint_reference: "decided", appeal_reference: "decided"}
