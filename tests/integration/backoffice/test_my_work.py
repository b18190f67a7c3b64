"""A caseworker's "My work": only their own open cases, the soonest due first (no due
date last), paged by keyset with Next and Previous (no case twice, none skipped, even
when cases arrive between pages), each with its SLA flag; and their open tasks by due
date."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shared.db import transaction
from shared.models import Case, RoleCode, StaffUser
from shared.models.base import utcnow
from shared.services import my_work, tasks
from shared.services.sla import end_of, service_date
from tests.factories import decide_case, make_case, make_staff, make_team
from tests.integration.backoffice.test_case_page import team_member
from tests.staff_signing_in import signed_in_client

REFERENCE = re.compile(r'href="/cases/([0-9A-Z-]+)"')


def sessions(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["caseway"].sessions


def cases_for(app: Flask, member: StaffUser, dues: list[datetime | None]) -> list[str]:
    """Cases being worked, assigned to `member` in their team, due as given."""
    with transaction(sessions(app)) as session:
        made = []
        for due in dues:
            case = make_case(session, state="in_progress")
            case.assignee_id, case.team_id, case.due_at = member.id, member.team_id, due
            made.append(case)
        session.flush()
        return [case.reference for case in made]


def expected_order(app: Flask, references: list[str]) -> list[str]:
    """By due date, then id; no due date last: the order the page promises."""
    with sessions(app)() as session:
        found = session.query(Case).filter(Case.reference.in_(references)).all()
        found.sort(key=lambda c: (c.due_at is None, c.due_at.timestamp() if c.due_at else 0, c.id))
        return [case.reference for case in found]


def row_of(page: str, reference: str) -> str:
    return next(row for row in page.split("<tr") if f"/cases/{reference}" in row)


def case_references(page: str) -> list[str]:
    return REFERENCE.findall(page.split('id="team-waiting"')[0])


def test_my_work_shows_my_open_cases_by_due_date_with_flags_and_my_tasks(
    backoffice: Flask,
) -> None:
    client, me = team_member(backoffice, RoleCode.CASEWORKER)
    assert isinstance(me, StaffUser)
    today = service_date(utcnow())
    later, overdue, undated, due_soon = cases_for(
        backoffice, me, [end_of(today + timedelta(days=30)), end_of(today - timedelta(days=2)),
                         None, end_of(today)],
    )  # fmt: skip
    with transaction(sessions(backoffice)) as session:
        colleague = make_staff(session, team=make_team(session))
        theirs = make_case(session, state="in_progress")
        theirs.assignee_id, theirs.team_id = colleague.id, colleague.team_id
        decided = make_case(session, state="in_progress")
        decide_case(session, decided, outcome="approved")
        decided.assignee_id = me.id
        mine = session.get(StaffUser, me.id)
        assert mine is not None
        case = session.query(Case).filter_by(reference=later).one()
        week_ago = today - timedelta(days=7)
        tasks.add_task(session, case=case, author=mine, title="Phone the landlord",
                       assignee=mine, due_on=today + timedelta(days=5))  # fmt: skip
        tasks.add_task(session, case=case, author=mine, title="Check the tenancy",
                       assignee=mine, due_on=today - timedelta(days=1), today=week_ago)  # fmt: skip
        tasks.add_task(session, case=case, author=mine, title="Whenever", assignee=mine)
        tasks.add_task(session, case=case, author=mine, title="Not mine", assignee=colleague)
        done = tasks.add_task(session, case=case, author=mine, title="Done already",
                              assignee=mine)  # fmt: skip
        tasks.complete_task(session, task=done, case=case, actor=mine)
        theirs_reference, decided_reference = theirs.reference, decided.reference

    page = client.get("/my-work").get_data(as_text=True)
    assert "<title>My work" in page
    assert page.count("<h1") == 1
    assert case_references(page) == [overdue, due_soon, later, undated]
    assert theirs_reference not in page
    assert decided_reference not in page
    assert "Overdue" in row_of(page, overdue)
    assert "Due soon" not in row_of(page, overdue)
    assert "Due soon" in row_of(page, due_soon)
    assert "Overdue" not in row_of(page, later)
    assert "Due soon" not in row_of(page, later)
    assert "No due date" in row_of(page, undated)
    assert "Next" not in page
    assert "Previous" not in page
    listed = page.split('id="tasks"')[1]
    titles = ["Check the tenancy", "Phone the landlord", "Whenever"]
    assert [listed.index(title) for title in titles] == sorted(listed.index(t) for t in titles)
    assert "Not mine" not in listed
    assert "Done already" not in listed
    rows = listed.split("<tbody")[1].split("<tr")[1:]
    assert ["Overdue" in row for row in rows] == [True, False, False]  # due yesterday
    assert 'href="/my-work"' in client.get("/").get_data(as_text=True)  # linked from home

    nothing, _ = team_member(backoffice, RoleCode.CASEWORKER)
    empty = nothing.get("/my-work").get_data(as_text=True)
    assert "You have no open cases assigned to you." in empty
    assert "You have no open tasks." in empty
    clerk, _ = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    assert clerk.get("/my-work").status_code == 403


def walk(client: FlaskClient, path: str, link: str) -> list[list[str]]:
    """The pages from `path` on, following the `link` ("after" or "before") each time."""
    pages = []
    while True:
        page = client.get(path).get_data(as_text=True)
        pages.append(case_references(page))
        found = re.search(rf'href="(/my-work\?{link}=[^"#]+)', page)
        if found is None:
            return pages
        path = found.group(1)


def test_pages_follow_the_cursor_with_no_case_twice_and_none_skipped(
    backoffice: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(my_work, "PAGE_SIZE", 3)
    client, me = team_member(backoffice, RoleCode.CASEWORKER)
    assert isinstance(me, StaffUser)
    today = service_date(utcnow())
    tie = end_of(today + timedelta(days=4))  # two cases due the same day: the id decides
    dues = [tie, None, end_of(today - timedelta(days=1)), tie, None,
            end_of(today + timedelta(days=9)), end_of(today + timedelta(days=2))]  # fmt: skip
    made = cases_for(backoffice, me, dues)
    order = expected_order(backoffice, made)

    forward = walk(client, "/my-work", "after")
    assert forward == [order[0:3], order[3:6], order[6:7]]
    last = client.get("/my-work").get_data(as_text=True)
    assert "Previous" not in last.split('id="tasks"')[0]
    backward_from = re.findall(r'href="(/my-work\?after=[^"#]+)', last)[0]
    second = client.get(backward_from).get_data(as_text=True)
    assert case_references(second) == order[3:6]
    back = re.search(r'href="(/my-work\?before=[^"#]+)', second)
    assert back is not None
    assert case_references(client.get(back.group(1)).get_data(as_text=True)) == order[0:3]
    # From the last page back to the first through Previous: the same pages, reversed.
    third = re.findall(r'href="(/my-work\?after=[^"#]+)', second)[0]
    assert walk(client, third, "before") == [order[6:7], order[3:6], order[0:3]]

    # Cases arriving between pages: one due before the page already read (not shown
    # now; it is on the first page next time) and one after: nothing read twice or lost.
    first = client.get("/my-work").get_data(as_text=True)
    following = re.findall(r'href="(/my-work\?after=[^"#]+)', first)[0]
    early, late = cases_for(backoffice, me, [end_of(today - timedelta(days=30)), None])
    rest = walk(client, following, "after")
    seen = case_references(first) + [reference for page in rest for reference in page]
    assert seen == order + [late]
    assert early not in seen
    assert case_references(client.get("/my-work").get_data(as_text=True))[0] == early


def test_a_cursor_not_ours_or_past_the_end_shows_the_first_page(backoffice: Flask) -> None:
    client, me = team_member(backoffice, RoleCode.CASEWORKER)
    assert isinstance(me, StaffUser)
    made = cases_for(backoffice, me, [None, end_of(service_date(utcnow()))])
    order = expected_order(backoffice, made)
    for junk in (
        "d999999999999999999.5",
        "n.2147483646",
        "n.0",
        "x",
        "d1.99999999999",
        "n.-1",
        "d.1",
    ):
        for link in ("after", "before"):
            page = client.get(f"/my-work?{link}={junk}")
            assert page.status_code == 200
            assert case_references(page.get_data(as_text=True)) == order


def test_my_work_shows_what_waits_in_my_teams_queue(backoffice: Flask) -> None:
    """Routed to my team, nobody has it yet: offered to pick up, oldest first; cases of
    another team, and taken ones, are not."""
    client, me = team_member(backoffice, RoleCode.CASEWORKER)
    assert isinstance(me, StaffUser)
    with transaction(sessions(backoffice)) as session:
        older, newer, taken, elsewhere = (make_case(session, state="triage") for _ in range(4))
        for case in (older, newer, taken):
            case.team_id = me.team_id
        older.submitted_at = utcnow() - timedelta(days=3)
        taken.assignee_id = me.id
        elsewhere.team_id = make_team(session, "housing", "Housing").id
        session.flush()
        expected = [older.reference, newer.reference]
        not_shown = [elsewhere.reference]
    page = client.get("/my-work").get_data(as_text=True)
    waiting = page.split('id="team-waiting"')[1].split('id="tasks"')[0]
    # Each opens the case at its Assignment section.
    assert re.findall(r'href="/cases/([0-9A-Z-]+)#assignment"', waiting) == expected
    assert not any(reference in page for reference in not_shown)
    # Said case by case (issue 23, defect 12): this caseworker may take both.
    assert "Where you can take one, open it and assign it to yourself." in waiting
    assert waiting.count("Yes: “Assign to me” is on its page") == 2
