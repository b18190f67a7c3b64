"""The Caseway-branded layout as a person sees it, in real Chromium."""

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import axe_violations, describe

BRAND_TEAL = "rgb(0, 98, 94)"


@pytest.fixture(params=["portal", "backoffice"])
def app_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


def test_header_is_caseway_teal_with_no_gov_uk_font_or_crown(page: Page, app_url: str) -> None:
    page.goto(app_url + "/")
    header = page.locator(".caseway-header")
    assert header.evaluate("el => getComputedStyle(el).backgroundColor") == BRAND_TEAL
    assert header.inner_text().strip() == "Caseway"
    font = page.locator("h1").evaluate("el => getComputedStyle(el).fontFamily")
    assert "GDS Transport" not in font
    assert "system-ui" in font
    assert page.locator(".govuk-footer__copyright-logo, .govuk-header__logotype").count() == 0


def test_stylesheet_and_script_load_and_enhance_the_page(page: Page, app_url: str) -> None:
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(app_url + "/")
    page.wait_for_function("document.body.classList.contains('govuk-frontend-supported')")
    assert failed == []


def test_skip_link_is_the_first_thing_the_keyboard_reaches(page: Page, app_url: str) -> None:
    page.context.add_cookies([{"name": "cookies_policy", "value": "settings-no", "url": app_url}])
    page.goto(app_url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main-content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


@pytest.mark.parametrize("path", ["/", "/no-such-page"])
def test_no_axe_violations(page: Page, app_url: str, path: str) -> None:
    page.goto(app_url + path)
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_reflows_at_320_pixels_without_horizontal_scroll(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(app_url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
