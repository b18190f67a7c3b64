"""Arabic pages mirror correctly: the column, header, form controls and error summary."""

from playwright.sync_api import Browser, Page


def arabic_page(browser: Browser, url: str, *, cookie_choice: bool = True) -> Page:
    context = browser.new_context(locale="ar", viewport={"width": 1024, "height": 800})
    if cookie_choice:  # no banner in the way
        context.add_cookies([{"name": "cookies_policy", "value": "settings-no", "url": url}])
    page = context.new_page()
    page.goto(url)
    return page


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def test_arabic_layout_is_mirrored(browser: Browser, portal_url: str) -> None:
    page = arabic_page(browser, portal_url + "/cookies")
    assert page.locator("html").get_attribute("dir") == "rtl"
    width = page.evaluate("document.documentElement.clientWidth")
    container = box(page, "main .govuk-grid-column-two-thirds")
    assert container["x"] + container["width"] > width * 0.8  # the column sits on the right
    assert container["x"] > width * 0.2
    logo = box(page, ".caseway-header__name")
    assert logo["x"] > width / 2  # the service name starts on the right
    switcher = box(page, ".caseway-language-switcher__list li")
    assert switcher["x"] < width / 2  # and the language links move to the left
    radio = box(page, "input[name=settings]")
    label = box(page, "label[for=settings]")
    assert radio["x"] > label["x"]  # the radio circle is right of its label
    page.context.close()


def test_arabic_error_summary_and_messages_read_right_to_left(
    browser: Browser, portal_url: str
) -> None:
    page = arabic_page(browser, portal_url + "/cookies", cookie_choice=False)
    with page.expect_navigation():
        page.locator("form[method=post] button[type=submit]").last.click()
    assert page.title().startswith("خطأ: ")
    summary = box(page, ".govuk-error-summary")
    heading = box(page, ".govuk-error-summary__title")
    assert heading["x"] + heading["width"] > summary["x"] + summary["width"] - 40
    message = page.locator(".govuk-error-message").first
    assert message.evaluate("el => getComputedStyle(el).direction") == "rtl"
    border = page.locator(".govuk-form-group--error").first.evaluate(
        "el => [getComputedStyle(el).borderRightWidth, getComputedStyle(el).borderLeftWidth]"
    )
    assert border[0] != "0px"  # the red error bar is on the right
    assert border[1] == "0px"
    page.context.close()
