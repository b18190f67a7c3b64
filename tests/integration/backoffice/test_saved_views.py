"""Saved views of the triage queue: a person's own; one an administrator publishes to a
role shows for that role only, to a team for that team only. SQLite and PostgreSQL."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from sqlalchemy import select

from shared.db import transaction
from shared.models import AuditEvent, RoleCode, SavedView, StaffUser
from tests.factories import make_case, make_team
from tests.integration.test_hostile_input import HOSTILE_TEXT, PROPERTY, new_client, raw_post
from tests.page_checks import assert_page_checks_itself
from tests.staff_signing_in import csrf_token, post_form, sign_in_staff, staff_member

NAV_LINK = re.compile(r'class="moj-sub-navigation__link"[^>]*href="([^"]+)"[^>]*>\s*([^<]+?)\s*<')


def saved_views_nav(page: str) -> str:
    found = re.search(r'<nav class="moj-sub-navigation caseway-saved-views".*?</nav>', page, re.S)
    return found.group(0) if found else ""


def view_links(client: FlaskClient) -> dict[str, str]:
    page = saved_views_nav(client.get("/queue").get_data(as_text=True))
    return {name: href.replace("&amp;", "&") for href, name in NAV_LINK.findall(page)}


def test_own_views_and_views_published_to_a_role_or_a_team(backoffice: Flask) -> None:
    sessions = backoffice.extensions["caseway"].sessions
    with transaction(sessions) as session:
        complaint = make_case(session, case_type="complaint", state="submitted").reference
        application = make_case(session, state="submitted").reference
        housing = make_team(session, code="housing", name="Housing")
        make_team(session, code="permits", name="Permits")
        housing_id = housing.id
    clerk = staff_member(backoffice, RoleCode.INTAKE_CLERK)
    other_clerk = staff_member(backoffice, RoleCode.INTAKE_CLERK)
    supervisor = staff_member(backoffice, RoleCode.SUPERVISOR)
    housing_supervisor = staff_member(backoffice, RoleCode.SUPERVISOR)
    with transaction(sessions) as session:
        found = session.get(StaffUser, housing_supervisor.id)
        assert found is not None
        found.team_id = housing_id
    clients = {}
    for name, person in (("clerk", clerk), ("other_clerk", other_clerk),
                         ("supervisor", supervisor),
                         ("housing_supervisor", housing_supervisor)):  # fmt: skip
        clients[name] = new_client(backoffice)
        sign_in_staff(clients[name], person.email)

    # Her own: the current filters, kept under a name, shown to her alone.
    saved = post_form(clients["clerk"], "/queue/views",
                      {"name": "My complaints", "query": "case_type=complaint&sort=due"},
                      form_page="/queue?case_type=complaint&sort=due")  # fmt: skip
    assert saved.status_code == 302
    links = view_links(clients["clerk"])
    assert list(links) == ["My complaints"]
    applied = clients["clerk"].get(links["My complaints"]).get_data(as_text=True)
    assert complaint in applied
    assert application not in applied
    assert 'aria-current="page"' in saved_views_nav(applied)  # the view in use is marked
    assert view_links(clients["other_clerk"]) == {}
    nameless = post_form(clients["clerk"], "/queue/views", {"name": "  ", "query": ""},
                         form_page="/queue")  # fmt: skip
    assert nameless.status_code == 200
    assert "Enter a name for the view" in nameless.get_data(as_text=True)

    # Published by an administrator, to intake clerks, and to the housing team.
    admin = staff_member(backoffice, RoleCode.ADMINISTRATOR)
    admin_client = new_client(backoffice)
    sign_in_staff(admin_client, admin.email)
    publish_page = admin_client.get("/queue/views/published?priority=urgent")
    assert_page_checks_itself(publish_page.get_data(as_text=True), "published views",
                              english=True)  # fmt: skip
    for name, audience, query in (("Urgent", "role:intake_clerk", "priority=urgent"),
                                  ("Housing apps", f"team:{housing_id}",
                                   "case_type=application")):  # fmt: skip
        published = post_form(admin_client, "/queue/views/published",
                              {"name": name, "audience": audience, "query": query})  # fmt: skip
        assert published.status_code == 302
    assert set(view_links(clients["clerk"])) == {"My complaints", "Urgent"}
    assert set(view_links(clients["other_clerk"])) == {"Urgent"}
    assert view_links(clients["supervisor"]) == {}
    assert set(view_links(clients["housing_supervisor"])) == {"Housing apps"}
    with sessions() as session:
        audited = session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_kind == "saved_view")
        ).all()
        assert audited == ["saved_view.published", "saved_view.published"]
        urgent = session.scalars(select(SavedView).where(SavedView.name == "Urgent")).one()
        own = session.scalars(select(SavedView).where(SavedView.name == "My complaints")).one()
        urgent_id, own_id = urgent.id, own.id
    # Only administrators publish; only the owner deletes her own view.
    refused = post_form(clients["clerk"], "/queue/views/published",
                        {"name": "x", "audience": "role:caseworker"}, form_page="/queue")  # fmt: skip
    assert refused.status_code == 403
    assert post_form(clients["other_clerk"], f"/queue/views/{own_id}/delete", {},
                     form_page="/queue").status_code == 404  # fmt: skip
    assert post_form(clients["clerk"], f"/queue/views/{urgent_id}/delete", {},
                     form_page="/queue").status_code == 404  # fmt: skip
    deleted = post_form(clients["clerk"], f"/queue/views/{own_id}/delete", {},
                        form_page="/queue")  # fmt: skip
    assert deleted.status_code == 302
    post_form(admin_client, f"/queue/views/published/{urgent_id}/delete", {},
              form_page="/queue/views/published")  # fmt: skip
    assert view_links(clients["clerk"]) == {}


_SIGNED_IN: dict[int, list[tuple[FlaskClient, str, str]]] = {}


def _clerk_and_administrator(app: Flask) -> list[tuple[FlaskClient, str, str]]:
    """Signed in once for every example of a run: (client, form, CSRF token)."""
    if id(app) not in _SIGNED_IN:
        _SIGNED_IN.clear()
        _SIGNED_IN[id(app)] = []
        for role, path in ((RoleCode.INTAKE_CLERK, "/queue/views"),
                           (RoleCode.ADMINISTRATOR, "/queue/views/published")):  # fmt: skip
            client = new_client(app)
            sign_in_staff(client, staff_member(app, role).email)
            _SIGNED_IN[id(app)].append((client, path, csrf_token(client, "/")))
    return _SIGNED_IN[id(app)]


@PROPERTY
@given(name=HOSTILE_TEXT, query=HOSTILE_TEXT, audience=HOSTILE_TEXT)
def test_junk_in_the_saved_view_forms_never_fails(
    backoffice: Flask, name: str, query: str, audience: str
) -> None:
    for client, path, token in _clerk_and_administrator(backoffice):
        fields = [("name", name), ("query", query), ("audience", audience)]
        response = raw_post(client, path, [("csrf_token", token), *fields])
        assert response.status_code in (200, 302, 400)
