"""Every question page of every form, in every locale the portal offers, checks itself:
a title that names the page, one <h1> with text, and no template value leaking ("None",
"undefined", "{{", "%(")."""

from __future__ import annotations

import re
from html import unescape

import pytest

from portal import create_portal
from shared.casetypes.forms import form_for
from shared.config import Settings
from shared.i18n import locales_for
from tests.integration.test_cookies import CSRF
from tests.integration.test_filing import begin
from tests.journeys import FORM_VERSION

LEAKS = re.compile(r"\bNone\b|\bundefined\b|\{\{|\{%|%\(")
US_DATE = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}\b"
)


def visible_text(html: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", body))


def assert_page_checks_itself(html: str, where: str, *, english: bool) -> None:
    headings = re.findall(r"<h1\b[^>]*>(.*?)</h1>", html, re.S)
    assert len(headings) == 1, f"{where}: {len(headings)} <h1>"
    assert visible_text(headings[0]).strip(), f"{where}: empty <h1>"
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title is not None, where
    naming_the_page = re.split(r"\s+[–-]\s+", unescape(title.group(1)).strip())[0]
    assert naming_the_page.removeprefix("Error:").strip(), f"{where}: title {title.group(1)!r}"
    text = visible_text(html)
    assert not LEAKS.search(text), f"{where}: {LEAKS.search(text)}"
    if english:
        assert not US_DATE.search(text), f"{where}: US-style date {US_DATE.search(text)}"


# Pages shown whatever was answered before (conditional ones are reached in the journey
# tests, after the answer that shows them).
QUESTION_PAGES = [
    (case_type, page.slug)
    for case_type in ("application", "complaint")
    for page in form_for(case_type).pages
    if page.show_if is None
]


@pytest.mark.parametrize("locale", locales_for("portal"))
def test_every_question_page_names_itself_in_every_locale(settings: Settings, locale: str) -> None:
    app = create_portal(settings)  # the pages, not the database, are under test: SQLite
    client = app.test_client()
    client.get(f"/language/{locale}")
    for case_type in ("application", "complaint"):
        begin(client, case_type)
        for slug in [s for t, s in QUESTION_PAGES if t == case_type]:
            response = client.get(f"/file/{case_type}/{slug}")
            assert response.status_code == 200, (case_type, slug)
            html = response.get_data(as_text=True)
            assert_page_checks_itself(html, f"{locale} {case_type}/{slug}", english=locale == "en")
            token = CSRF.search(html)
            assert token is not None
            sent_empty = client.post(  # the page's error state
                f"/file/{case_type}/{slug}",
                data={"csrf_token": token.group(1), "form_version": FORM_VERSION[case_type]},
            )
            assert_page_checks_itself(
                sent_empty.get_data(as_text=True), f"{locale} {case_type}/{slug} error",
                english=locale == "en",
            )  # fmt: skip
    app.extensions["caseway"].engine.dispose()
