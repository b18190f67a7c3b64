"""Every question page of every form, in every locale the portal offers, checks itself:
a title that names the page, one <h1> with text, and no template value leaking ("None",
"undefined", "{{", "%(")."""

from __future__ import annotations

import pytest

from portal import create_portal
from shared.casetypes.forms import form_for
from shared.config import Settings
from shared.i18n import locales_for
from tests.integration.test_cookies import CSRF
from tests.integration.test_filing import begin
from tests.journeys import FORM_VERSION
from tests.page_checks import assert_page_checks_itself

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
