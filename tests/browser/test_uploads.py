"""The upload page in a real browser: without JavaScript (one page load per step) and with
it (a progress bar, the list shown in place, and the state of a file being checked kept
up to date while a real worker scans it with the real clamd)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from portal import create_portal
from shared.config import Settings
from tests.browser.conftest import serve
from tests.browser.test_journeys import (
    NO_BANNER,
    answer,
    assert_accessible,
    look_up,
    press_first_button,
    resident_page,
    sign_in,
    upload_a_file,
)
from tests.eicar import eicar_bytes
from tests.integration.test_documents import AFTER_EVIDENCE, BEFORE_EVIDENCE, work
from tests.journeys import ANSWERS


@pytest.fixture
def upload_app(settings: Settings, fresh_database_url: str) -> Iterator[Flask]:
    app = create_portal(replace(settings, database_url=fresh_database_url))
    yield app
    app.extensions["caseway"].engine.dispose()


@pytest.fixture
def upload_url(upload_app: Flask) -> Iterator[str]:
    yield from serve(upload_app)


def to_evidence(page: Page, base: str) -> None:
    page.goto(f"{base}/file/application/start")
    with page.expect_navigation():
        page.locator("button.govuk-button--start").click()
    for data in BEFORE_EVIDENCE.values():
        answer(page, data)
        press_first_button(page)
    assert page.url.endswith("/file/application/evidence")


def test_uploading_without_javascript(browser: Browser, upload_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies([{**NO_BANNER, "url": upload_url}])  # type: ignore[list-item]
    page = context.new_page()
    to_evidence(page, upload_url)
    page.locator("input[type=file]").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": b"<html>not a picture</html>"}
    )
    with page.expect_navigation():
        page.locator("button[name=upload]").click()
    assert (
        "The selected file must be one of these types"
        in page.locator(".govuk-error-summary").inner_text()
    )
    # (axe needs JavaScript; the same page with it is checked below and in test_journeys.py)
    page.locator("input[type=file]").set_input_files(
        {"name": "note.txt", "mimeType": "text/plain", "buffer": b"A note.\n"}
    )
    with page.expect_navigation():
        page.locator("button[name=upload]").click()
    row = page.locator("[data-upload-id]")
    assert row.count() == 1
    assert "note.txt" in row.inner_text()
    assert "Checking for viruses" in row.inner_text()
    with page.expect_navigation():
        page.locator("button[name=remove]").click()
    assert page.locator("[data-upload-id]").count() == 0
    assert "“note.txt” has been removed" in page.locator(".govuk-notification-banner").inner_text()
    context.close()


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_progress_and_live_status_with_javascript(
    browser: Browser, upload_app: Flask, upload_url: str, locale: str
) -> None:
    context, page = resident_page(browser, upload_url, locale)
    to_evidence(page, upload_url)
    sent_by = []
    page.on("request", lambda request: sent_by.append(request.resource_type))
    page.evaluate("""() => {
        window.shownProgress = []
        const bar = document.querySelector('progress')
        new MutationObserver(() => window.shownProgress.push(Number(bar.value)))
            .observe(bar, {attributes: true})
    }""")
    upload_a_file(page, "letter.txt", b"A clean letter.\n" * 100_000)
    assert "xhr" in sent_by  # sent in the background, not by a page load
    assert max(page.evaluate("window.shownProgress")) == 100  # the bar was filled as it went
    upload_a_file(page, "invoice.txt", eicar_bytes())
    assert page.locator("[data-upload-state=checking]").count() == 2
    assert_accessible(page, "two files being checked")

    work(upload_app)  # a real worker scans both with the real clamd

    expect(page.locator("[data-upload-state=checking]")).to_have_count(0, timeout=30_000)
    clean = page.locator("[data-upload-id]").nth(0)
    infected = page.locator("[data-upload-id]").nth(1)
    assert clean.get_attribute("data-upload-state") == "ready"
    assert clean.locator("a[data-upload-name]").get_attribute("href").startswith("/documents/")
    assert infected.get_attribute("data-upload-state") == "not_accepted"
    assert infected.locator("a").count() == 0
    assert page.locator("[data-caseway-upload-announcer]").inner_text().strip()
    assert_accessible(page, "one ready, one refused")
    # Sent with the form, the files are listed on the case page, each with its state.
    press_first_button(page)
    for data in AFTER_EVIDENCE.values():
        answer(page, data)
        press_first_button(page)
    press_first_button(page)  # check your answers: send
    reference = page.locator(".caseway-reference").inner_text().strip()
    email = str(ANSWERS["application"]["contact"]["email"])
    look_up(page, upload_url, reference, email)
    files = page.locator("main dl").last.inner_text()
    assert "letter.txt" in files
    assert "invoice.txt" in files
    assert page.locator("main a[href^='/documents/']").count() == 0  # a look-up opens no files
    assert_accessible(page, "case page with files, looked up")
    sign_in(page, upload_app, upload_url, email)
    page.goto(f"{upload_url}/cases/{reference}")
    assert page.locator("main a[href^='/documents/']").count() == 1  # the clean one only
    assert_accessible(page, "case page with files")
    context.close()
