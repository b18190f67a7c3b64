"""The back office's MOJ Frontend parts on real pages: the case's history as MOJ's timeline
(who did what, notes as text, "Staff only" on internal entries), the identity bar on the
case page, and the areas in MOJ's sub-navigation, each for the roles that open it."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from shared.db import transaction
from shared.models import RoleCode
from tests.factories import make_case, make_staff, make_team
from tests.staff_signing_in import post_form, sign_in_staff, signed_in_client

NOTE = 'Rang the <script>alert("x")</script> resident.\nNo answer.'


def caseworker_on_a_case(app: Flask) -> tuple[FlaskClient, str]:
    with transaction(app.extensions["caseway"].sessions) as session:
        team = make_team(session)
        case = make_case(session, state="assigned")
        case.team = team
        member = make_staff(session, roles=[RoleCode.CASEWORKER], team=team,
                            display_name="Rhys <Jones>")  # fmt: skip
        reference, email = case.reference, member.email
    client = app.test_client()
    assert sign_in_staff(client, email).status_code == 302
    return client, reference


def areas(page: str) -> list[tuple[str, bool]]:
    """The sub-navigation's links: text, and whether it is the current area."""
    navigation = re.search(r'<nav class="moj-sub-navigation"[^>]*>(.*?)</nav>', page, re.S)
    if navigation is None:
        return []
    links = re.findall(r"<a ([^>]*)>\s*([^<]+?)\s*</a>", navigation.group(1))
    return [(text, 'aria-current="page"' in attributes) for attributes, text in links]


def test_the_history_is_moj_timeline_with_who_did_it_and_notes_as_text(backoffice: Flask) -> None:
    client, reference = caseworker_on_a_case(backoffice)
    post_form(client, f"/cases/{reference}/notes", {"note": NOTE}, form_page=f"/cases/{reference}")
    page = client.get(f"/cases/{reference}/history").get_data(as_text=True)
    timeline = page[page.index('<div class="moj-timeline">') :]
    first = timeline[: timeline.index('<div class="moj-timeline__item">', 30)]
    assert '<h3 class="moj-timeline__title">' in first
    # the internal entry is marked, apart from the words ("Internal noteStaff only" else)
    assert re.search(r"Internal note\s+<strong class=\"govuk-tag[^>]*>\s*Staff only", first)
    assert '<p class="moj-timeline__byline">by Rhys &lt;Jones&gt;</p>' in first  # escaped
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in first  # the note is text
    assert "<script>alert" not in page
    assert 'class="govuk-body caseway-plain-text"' in first  # its line breaks kept
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[\d:.]+(\+00:00)?">', first)
    assert "None" not in page


def test_the_case_page_has_an_identity_bar_and_its_area_is_current(backoffice: Flask) -> None:
    client, reference = caseworker_on_a_case(backoffice)
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    bar = re.search(r'<span class="moj-identity-bar__title">(.*?)</span>\s*</div>', page, re.S)
    assert bar is not None
    assert reference in bar.group(1)
    assert "Assigned" in bar.group(1)  # the state, in the workflow's words for staff
    assert 'class="moj-badge"' in bar.group(1)
    assert page.index("moj-identity-bar") < page.index("<main")  # under the header
    assert ("Find a case", True) in areas(page)
    assert "Staff" not in dict(areas(page))  # a caseworker manages no staff
    assert page.count("<h1") == 1


def test_each_area_is_in_the_sub_navigation_for_the_roles_that_open_it(backoffice: Flask) -> None:
    admin, _ = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    staff_page = areas(admin.get("/staff/").get_data(as_text=True))
    assert ("Staff", True) in staff_page
    assert "Find a case" not in dict(staff_page)  # no casework role
    assert ("Staff", False) in areas(admin.get("/").get_data(as_text=True))

    both, _ = signed_in_client(backoffice, RoleCode.SUPERVISOR, RoleCode.ADMINISTRATOR)
    find_page = areas(both.get("/cases/find").get_data(as_text=True))
    assert ("Find a case", True) in find_page
    assert ("Staff", False) in find_page
    assert [current for _text, current in find_page].count(True) == 1

    auditor, _ = signed_in_client(backoffice, RoleCode.AUDITOR)
    home = auditor.get("/").get_data(as_text=True)
    assert ("Find a case", False) in areas(home)
    assert "Staff" not in dict(areas(home))
    assert 'aria-label="Back office areas"' in home

    anonymous = backoffice.test_client().get("/sign-in").get_data(as_text=True)
    assert areas(anonymous) == []
