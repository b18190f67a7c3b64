"""Keyboard alone: Tab, Shift+Tab, Space and Enter complete a form, focus is always visible
and never lost."""

from flask import Flask
from playwright.sync_api import Browser, Page

FOCUS_STATE = """() => {
  const el = document.activeElement
  const style = getComputedStyle(el)
  return {
    tag: el.tagName, id: el.id, text: (el.innerText || el.value || '').trim().slice(0, 60),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== 'none',
    yellow: style.backgroundColor === 'rgb(255, 221, 0)',
  }
}"""


def tab_until(
    page: Page, predicate: str, *, limit: int = 40, backwards: bool = False
) -> list[dict]:
    """Press Tab until `predicate` holds for the focused element; every stop is checked."""
    visited = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        state = page.evaluate(FOCUS_STATE)
        visited.append(state)
        assert state["tag"] != "BODY", f"focus was lost after {visited}"
        assert state["outline"] or state["shadow"] or state["yellow"], f"no visible focus: {state}"
        if page.evaluate(f"() => {{ const el = document.activeElement; return {predicate} }}"):
            return visited
    raise AssertionError(f"never reached {predicate}; visited {visited}")


def test_cookie_banner_by_keyboard(page: Page, portal_url: str) -> None:
    page.goto(portal_url + "/")
    stops = tab_until(page, "el.value === 'accept'")
    assert len(stops) == 1  # the banner comes first, before the skip link
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "You’ve accepted cookies" in page.locator(".govuk-cookie-banner").inner_text()
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies["cookies_policy"] == "settings-yes"


def test_cookie_settings_form_journey_by_keyboard(page: Page, portal_url: str) -> None:
    page.goto(portal_url + "/cookies")
    stops = tab_until(page, "el.href && el.href.endsWith('#main-content')")
    assert len(stops) == 1  # no banner on the cookies page: the skip link comes first
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"

    # Send the form empty first: the error summary takes focus and links to the question.
    tab_until(page, "el.type === 'submit'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title().startswith("Error: ")
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    tab_until(page, "el.closest('.govuk-error-summary') && el.tagName === 'A'")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "settings"

    # Answer with Space, check Shift+Tab goes back, then send with Enter.
    page.keyboard.press("Space")
    assert page.locator("input[name=settings][value=yes]").is_checked()
    tab_until(page, "el.type === 'submit'")
    back = tab_until(page, "el.name === 'settings'", backwards=True)
    assert len(back) == 1
    tab_until(page, "el.type === 'submit'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert not page.title().startswith("Error: ")
    banner = page.locator(".govuk-notification-banner--success")
    assert "You’ve set your cookie preferences." in banner.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('govuk-notification-banner')")
    assert page.locator("input[name=settings][value=yes]").is_checked()


def test_the_case_page_s_sections_are_reached_by_keyboard_and_the_back_key(
    browser: Browser, backoffice_app: Flask, backoffice_url: str
) -> None:
    """The case page's sub-navigation is plain links: Tab to a section, Enter, and the
    browser's Back returns to the section before (issue 23)."""
    from shared.db import transaction
    from shared.models import RoleCode
    from tests.browser.test_decision_journey import find_by_keyboard, staff_page
    from tests.factories import make_case, make_staff, make_team

    with transaction(backoffice_app.extensions["caseway"].sessions) as session:
        team = make_team(session, "permits", "Permits")
        email = make_staff(session, roles=[RoleCode.CASEWORKER], team=team).email
        case = make_case(session, state="assigned")
        case.team = team
        reference = case.reference
    context, page = staff_page(browser, backoffice_url, email)
    page.set_viewport_size({"width": 1280, "height": 800})
    find_by_keyboard(page, reference)
    # Each section is about two screens of a 1280 × 800 laptop, not the one long page
    # it was (some 9,000 px).
    for path in ("", "/answers", "/conversation", "/documents", "/task-list",
                 "/decision-record", "/history"):  # fmt: skip
        page.goto(f"{backoffice_url}/cases/{reference}{path}")
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= 2.4 * 800, (path, height)  # a sample case, with its forms
    find_by_keyboard(page, reference)
    for path, heading in (("/task-list", "Tasks"), ("/history", "History")):
        tab_until(page, f"el.tagName === 'A' && el.href.endsWith('/cases/{reference}{path}')",
                  limit=80)  # fmt: skip
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("h1").inner_text().strip() == heading
        assert (
            page.locator("nav[aria-label='Case sections'] [aria-current=page]").inner_text()
            == heading
        )
    page.go_back()
    assert page.url.endswith(f"/cases/{reference}/task-list")
    assert page.locator("h1").inner_text().strip() == "Tasks"
    context.close()
