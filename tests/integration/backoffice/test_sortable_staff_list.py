"""The staff list sorts on the server (MOJ's sortable table pattern, without its script):
each sortable heading is a link carrying the order in the query string, with aria-sort on
its heading; an order not on the table's allow-list falls back to the default, never an
error. On SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shared.db import transaction
from shared.models import RoleCode, StaffUser
from tests.factories import make_staff, make_team
from tests.staff_signing_in import signed_in_client

ALED, BEA, CAI, DANA = "Aled Rees", "bea Owusu", "Cai Jones", "Dana Kerr"
PEOPLE = [
    # name, email, team, last signed in (day of January 2026)
    (BEA, "b.owusu@council.example", "Permits", 3),
    (ALED, "z.rees@council.example", None, None),
    (CAI, "a.jones@council.example", "appeals", 9),
    (DANA, "D.Kerr@council.example", "Permits", None),
]
ROW_NAME = re.compile(
    r'<th scope="row" class="govuk-table__header"><a class="govuk-link" href="/staff/\d+">([^<]+)</a>'
)
HEADING = re.compile(r'<th scope="col" class="govuk-table__header"( aria-sort="(\w+)")?>(.*?)</th>', re.S)  # fmt: skip


@pytest.fixture
def administrator(backoffice: Flask) -> FlaskClient:
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        for name, email, team, day in PEOPLE:
            member = make_staff(session, display_name=name, email=email)
            if team:
                member.team = make_team(session, code=team.lower(), name=team)
            if day:
                member.last_signed_in_at = datetime(2026, 1, day, 9, 30, tzinfo=UTC)
    client, _admin = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    return client


def listed(client: FlaskClient, query: str = "") -> list[str]:
    response = client.get(f"/staff/{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "None" not in page
    return [
        unescape(name) for name in ROW_NAME.findall(page) if not name.startswith("Staff Member")
    ]


def headings(client: FlaskClient, query: str = "") -> dict[str, tuple[str | None, str | None]]:
    """Each column heading's text, with its aria-sort and where its link goes (if any)."""
    page = client.get(f"/staff/{query}").get_data(as_text=True)
    found = {}
    for _attribute, aria_sort, inside in HEADING.findall(page):
        link = re.search(r'href="([^"]+)"', inside)
        text = re.sub(r"<[^>]+>", "", inside).strip()
        found[text] = (aria_sort or None, unescape(link.group(1)) if link else None)
    return found


def test_the_list_starts_in_name_order_whatever_the_case_of_the_letters(
    administrator: FlaskClient,
) -> None:
    assert listed(administrator) == [ALED, BEA, CAI, DANA]
    columns = headings(administrator)
    assert columns["Name"] == ("ascending", "/staff/?sort=name&direction=descending")
    assert columns["Email address"] == ("none", "/staff/?sort=email&direction=ascending")
    assert columns["Team"] == ("none", "/staff/?sort=team&direction=ascending")
    assert columns["Last signed in"] == ("none", "/staff/?sort=last-signed-in&direction=ascending")
    # Roles and state are not sorted by: no aria-sort, no link
    assert columns["Roles"] == (None, None)
    assert columns["State"] == (None, None)


@pytest.mark.parametrize(
    ("sort", "ascending", "descending"),
    [
        ("name", [ALED, BEA, CAI, DANA], [DANA, CAI, BEA, ALED]),
        ("email", [CAI, BEA, DANA, ALED], [ALED, DANA, BEA, CAI]),
        # no team last either way; within a team, name order
        ("team", [CAI, BEA, DANA, ALED], [BEA, DANA, CAI, ALED]),
        # never signed in last either way, in name order
        ("last-signed-in", [BEA, CAI, ALED, DANA], [CAI, BEA, ALED, DANA]),
    ],
)
def test_each_sortable_column_sorts_both_ways(
    administrator: FlaskClient, sort: str, ascending: list[str], descending: list[str]
) -> None:
    assert listed(administrator, f"?sort={sort}&direction=ascending") == ascending
    columns = headings(administrator, f"?sort={sort}&direction=ascending")
    (heading,) = [text for text, (aria, _link) in columns.items() if aria == "ascending"]
    assert columns[heading][1] == f"/staff/?sort={sort}&direction=descending"
    assert [aria for aria, _link in columns.values()].count("none") == 3

    assert listed(administrator, f"?sort={sort}&direction=descending") == descending
    columns = headings(administrator, f"?sort={sort}&direction=descending")
    assert columns[heading] == ("descending", f"/staff/?sort={sort}&direction=ascending")
    assert [aria for aria, _link in columns.values()].count("none") == 3


HOSTILE_ORDERS = [
    "?sort=password_hash",
    "?sort=name;DROP TABLE staff_user",
    "?sort=display_name&direction=descending",
    "?sort=%00&direction=%00",
    "?sort=" + "x" * 5000,
    "?sort=name&direction=sideways",
    "?sort=name&sort=email&direction=descending&direction=ascending",
    "?sort[]=name",
    "?direction=descending",
    "?sort=%E2%80%AEname",
    "?sort=NAME",
    "?sort=__class__&direction=__init__",
]


def test_an_order_not_on_the_allow_list_gets_a_safe_default(
    administrator: FlaskClient, backoffice: Flask
) -> None:
    for query in HOSTILE_ORDERS:
        response = administrator.get(f"/staff/{query}")
        # A NUL byte is refused before any view (400); anything else lists in a known order.
        assert response.status_code == (400 if "%00" in query else 200), query
        if response.status_code == 200:
            names = listed(administrator, query)
            assert sorted(names, key=str.lower) in (names, list(reversed(names))), query
            columns = headings(administrator, query)
            sorted_by = [aria for aria, _link in columns.values() if aria != "none" and aria]
            assert len(sorted_by) == 1, query
    with backoffice.extensions["caseway"].sessions() as session:  # nothing written or lost
        assert len(session.scalars(select(StaffUser)).all()) == len(PEOPLE) + 1


def test_unknown_sort_falls_back_to_name_ascending(administrator: FlaskClient) -> None:
    assert listed(administrator, "?sort=password_hash&direction=descending") == listed(
        administrator
    )
    assert headings(administrator, "?sort=bogus")["Name"][0] == "ascending"


def test_other_query_arguments_stay_and_a_new_order_starts_at_page_one(
    administrator: FlaskClient,
) -> None:
    columns = headings(administrator, "?sort=email&direction=descending&page=4&q=rees&q=kerr")
    assert columns["Email address"][1] == "/staff/?q=rees&q=kerr&sort=email&direction=ascending"
    assert columns["Team"][1] == "/staff/?q=rees&q=kerr&sort=team&direction=ascending"
    # url_for's own options from the query string never make a link point elsewhere
    hostile = "?_external=1&_scheme=javascript&_anchor=x&sort=team&q=%22%3E%3Cb%3E"
    page = administrator.get(f"/staff/{hostile}").get_data(as_text=True)
    assert "javascript:" not in page
    assert "<b>" not in page
    for _aria, link in headings(administrator, hostile).values():
        assert link is None or link.startswith("/staff/?"), link


def test_roles_are_shown_as_badges(administrator: FlaskClient) -> None:
    page = administrator.get("/staff/").get_data(as_text=True)
    assert re.search(r'<span class="moj-badge[^"]*">\s*Administrator\s*</span>', page)
    assert page.count('class="moj-badge') >= len(PEOPLE) + 1


def test_the_sort_links_work_for_administrators_only(backoffice: Flask) -> None:
    client, _member = signed_in_client(backoffice, RoleCode.CASEWORKER)
    assert client.get("/staff/?sort=email&direction=descending").status_code == 403
