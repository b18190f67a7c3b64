"""The triage queue: what it lists and to whom, each filter, both orders, keyset pages
that hold under concurrent inserts, a tampered cursor, capped counts, and junk query
strings (never a 500). SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import re
import threading
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import transaction
from shared.models import (
    Case,
    CaseChannel,
    CasePriority,
    PossibleDuplicate,
    RoleCode,
    StaffUser,
)
from shared.models.base import utcnow
from shared.scanning import Verdict
from shared.services import queue
from shared.services.queue import Cursor, QueueFilters
from tests.factories import make_case, make_document, make_party, make_staff, make_team
from tests.integration.test_hostile_input import HOSTILE_TEXT, PROPERTY, new_client
from tests.page_checks import assert_page_checks_itself
from tests.staff_signing_in import csrf_token, sign_in_staff, signed_in_client, staff_member

REFERENCE = re.compile(r'name="case" type="checkbox" value="([^"]+)"')


def listed(page: str) -> list[str]:
    return REFERENCE.findall(page)


def received(session: Session, when: datetime, **fields: Any) -> Case:
    """A case received at `when`."""
    case = make_case(session, **fields)
    case.submitted_at = when
    session.flush()
    return case


def test_the_queue_lists_new_cases_filters_and_sorts(backoffice: Flask) -> None:
    sessions = backoffice.extensions["caseway"].sessions
    now = utcnow()
    with transaction(sessions) as session:
        housing = make_team(session, code="housing", name="Housing")
        oldest = received(session, now - timedelta(days=5), state="submitted")
        oldest.channel, oldest.priority, oldest.area = (
            CaseChannel.PHONE, CasePriority.URGENT, "wales")  # fmt: skip
        oldest.due_at = now + timedelta(days=30)
        complaint = received(
            session, now - timedelta(days=4), case_type="complaint", state="triage"
        )
        complaint.due_at = now - timedelta(days=1)  # overdue
        complaint.area = "england"
        other = make_party(session, given_name="Ana", family_name="Silva")
        session.add(PossibleDuplicate(case_id=complaint.id, party_id=complaint.applicant_id,
                                      other_party_id=other.id))  # fmt: skip
        held = received(session, now - timedelta(days=3), state="triage")
        held.due_at = now + timedelta(days=1)  # due soon
        held.team_id = housing.id
        make_document(session, backoffice.extensions["caseway"].storage, case=held,
                      verdict=Verdict.INFECTED)  # fmt: skip
        working = received(session, now - timedelta(days=9), state="in_progress")
        refs = {"oldest": oldest.reference, "complaint": complaint.reference,
                "held": held.reference, "working": working.reference}  # fmt: skip
        housing_id = housing.id
    clerk, _ = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)

    page = clerk.get("/queue").get_data(as_text=True)
    assert_page_checks_itself(page, "queue", english=True)
    # Received and being triaged, oldest first; a case being worked is not new.
    assert listed(page) == [refs["oldest"], refs["complaint"], refs["held"]]
    assert "3 cases" in page
    assert 'aria-sort="ascending"' in page
    assert "Overdue" in page
    assert "Due soon" in page
    assert "Possible duplicate" in page
    assert "Held upload" in page
    assert 'class="moj-filter"' in page

    def shown(query: str) -> list[str]:
        response = clerk.get(f"/queue?{query}")
        assert response.status_code == 200
        return listed(response.get_data(as_text=True))

    assert shown("case_type=complaint") == [refs["complaint"]]
    assert shown("channel=phone") == [refs["oldest"]]
    assert shown("priority=urgent") == [refs["oldest"]]
    assert shown("priority=urgent&priority=normal") == [refs["oldest"], refs["complaint"],
                                                        refs["held"]]  # fmt: skip
    assert shown("area=wales&area=england") == [refs["oldest"], refs["complaint"]]
    assert shown("flag=possible_duplicate") == [refs["complaint"]]
    assert shown("flag=held_upload") == [refs["held"]]
    assert shown("sla=overdue") == [refs["complaint"]]
    assert shown("sla=due_soon") == [refs["held"]]
    assert shown("flag=held_upload&case_type=complaint") == []
    assert "No cases match these filters." in clerk.get("/queue?area=scotland").get_data(
        as_text=True
    )
    # Soonest due first.
    by_due = clerk.get("/queue?sort=due").get_data(as_text=True)
    assert listed(by_due) == [refs["complaint"], refs["held"], refs["oldest"]]
    assert re.search(r'aria-sort="ascending"[^>]*>\s*<a[^>]*sort=due', by_due) or (
        'href="/queue?sort=due"' in page
    )

    # A supervisor sees their team's cases (and their own) only.
    supervisor = staff_member(backoffice, RoleCode.SUPERVISOR)
    with transaction(sessions) as session:
        found = session.get(StaffUser, supervisor.id)
        assert found is not None
        found.team_id = housing_id
    client = new_client(backoffice)
    sign_in_staff(client, supervisor.email)
    assert listed(client.get("/queue").get_data(as_text=True)) == [refs["held"]]
    # Caseworkers and administrators do not triage (auditors read it: see below).
    for role in (RoleCode.CASEWORKER, RoleCode.ADMINISTRATOR):
        other_client, _ = signed_in_client(backoffice, role)
        assert other_client.get("/queue").status_code == 403


def test_keyset_pages_hold_under_concurrent_inserts(backoffice: Flask) -> None:
    """One thread pages forward through the queue, 4 cases a page, while another keeps
    adding cases: no case is listed twice, and none there at the start is skipped. Then
    back again with "Previous", the same pages in the same order."""
    sessions = backoffice.extensions["caseway"].sessions
    now = utcnow()
    with transaction(sessions) as session:
        # Some received at the very same moment: the id breaks the tie.
        start = [received(session, now - timedelta(hours=30 - n // 2),
                           state=("submitted", "triage")[n % 2])
                 for n in range(21)]  # fmt: skip
        present = {case.reference for case in start}
    clerk = staff_member(backoffice, RoleCode.INTAKE_CLERK)
    stop = threading.Event()
    added: list[str] = []

    def insert() -> None:
        while not stop.is_set() and len(added) < 40:
            with transaction(sessions) as session:
                added.append(make_case(session, state="submitted").reference)

    seen: list[str] = []
    pages: list[list[str]] = []

    def page_through() -> None:
        cursor: Cursor | None = None
        for _ in range(100):
            with sessions() as session:
                member = session.get(StaffUser, clerk.id)
                assert member is not None
                page = queue.triage_queue(session, staff=member, filters=QueueFilters(),
                                          after=cursor, limit=4)  # fmt: skip
                refs = [item.case.reference for item in page.items]
            seen.extend(refs)
            pages.append(refs)
            if page.next_cursor is None:
                return
            cursor = Cursor.decode(page.next_cursor.encode())  # through the URL's form

    inserter = threading.Thread(target=insert)
    pager = threading.Thread(target=page_through)
    inserter.start()
    pager.start()
    pager.join(timeout=120)
    stop.set()
    inserter.join(timeout=60)
    assert len(seen) == len(set(seen)), "a case listed twice"
    assert present <= set(seen), "a case present at the start was skipped"
    assert seen[: len(start)] == [c.reference for c in start]  # oldest first, ties by id

    # Backwards from the last page: the same pages, in reverse.
    with sessions() as session:
        member = session.get(StaffUser, clerk.id)
        assert member is not None
        last = None
        cursor = None
        while True:
            page = queue.triage_queue(session, staff=member, filters=QueueFilters(),
                                      after=cursor, limit=4)  # fmt: skip
            last = page
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        back: list[list[str]] = [[item.case.reference for item in last.items]]
        while last.previous_cursor is not None:
            last = queue.triage_queue(session, staff=member, filters=QueueFilters(),
                                      after=last.previous_cursor, limit=4)  # fmt: skip
            back.append([item.case.reference for item in last.items])
        flattened = [ref for refs in reversed(back) for ref in refs]
        assert flattened[: len(start)] == [c.reference for c in start]
        assert len(flattened) == len(set(flattened)) == len(start) + len(added)


def test_due_date_pages_put_cases_without_one_last(backoffice: Flask) -> None:
    sessions = backoffice.extensions["caseway"].sessions
    now = utcnow()
    with transaction(sessions) as session:
        made = [make_case(session, state="submitted") for _ in range(5)]
        for number, case in enumerate(made):
            case.due_at = None if number % 2 else now + timedelta(days=10 - number)
        expected = [made[4].reference, made[2].reference, made[0].reference,
                    made[1].reference, made[3].reference]  # fmt: skip
    clerk = staff_member(backoffice, RoleCode.INTAKE_CLERK)
    with sessions() as session:
        member = session.get(StaffUser, clerk.id)
        assert member is not None
        filters = QueueFilters(sort="due")
        forward: list[str] = []
        cursor = None
        while True:
            page = queue.triage_queue(session, staff=member, filters=filters, after=cursor,
                                      limit=2)  # fmt: skip
            forward += [item.case.reference for item in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert forward == expected
        backward: list[str] = []
        while page.previous_cursor is not None:
            page = queue.triage_queue(session, staff=member, filters=filters,
                                      after=page.previous_cursor, limit=2)  # fmt: skip
            backward = [item.case.reference for item in page.items] + backward
        assert backward == expected[: len(backward)]
        assert len(backward) >= 3


def test_a_tampered_cursor_shows_the_first_page_and_counts_are_capped(backoffice: Flask) -> None:
    sessions = backoffice.extensions["caseway"].sessions
    with transaction(sessions) as session:
        made = [make_case(session, state="submitted").reference for _ in range(5)]
    clerk, member = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    first = listed(clerk.get("/queue").get_data(as_text=True))
    assert first == made
    good = Cursor(sort="received", key=utcnow(), case_id=1).encode()
    edge = base64.urlsafe_b64encode(b'["received", "a", "9999-12-31T23:59:59-01:00", 1]')
    for cursor in [edge.decode(), "garbage", good[:-3] + "zzz", "A" * 500, quote("[1,2]"),
                   Cursor(sort="due", key=None, case_id=2**40).encode()[:30]]:  # fmt: skip
        response = clerk.get(f"/queue?cursor={cursor}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert listed(page) == made
        assert "page link was not recognised" in page
    # A cursor of the other order starts that order's first page, without complaint.
    other = Cursor(sort="due", key=utcnow(), case_id=3).encode()
    page = clerk.get(f"/queue?cursor={other}").get_data(as_text=True)
    assert listed(page) == made
    assert "not recognised" not in page
    with sessions() as session:
        staff = session.get(StaffUser, member.id)
        assert staff is not None
        capped = queue.count_queue(session, staff=staff, filters=QueueFilters(), cap=3)
        exact = queue.count_queue(session, staff=staff, filters=QueueFilters(), cap=10)
    assert (capped.number, capped.capped) == (3, True)
    assert (exact.number, exact.capped) == (5, False)


def test_filters_survive_a_round_trip_and_drop_junk() -> None:
    from werkzeug.datastructures import MultiDict

    args = MultiDict([("case_type", "complaint"), ("case_type", "nope"), ("channel", "phone"),
                      ("priority", "urgent"), ("area", "wales"), ("area", "mars"),
                      ("flag", "held_upload"), ("sla", "overdue"), ("sort", "due")])  # fmt: skip
    filters = QueueFilters.from_args(args, case_types=["application", "complaint"])
    assert filters.case_types == ("complaint",)
    assert filters.areas == ("wales",)
    assert filters.held_upload
    assert not filters.possible_duplicate
    again = QueueFilters.from_args(filters.to_saved(), case_types=["complaint"])
    assert again == filters


@PROPERTY
@given(
    query=st.lists(
        st.tuples(
            st.sampled_from(["case_type", "channel", "priority", "area", "flag", "sla", "sort",
                             "cursor", "direction", "view", "state"]),
            HOSTILE_TEXT,
        ),
        max_size=6,
    )
)  # fmt: skip
def test_junk_query_strings_never_fail(backoffice: Flask, query: list[tuple[str, str]]) -> None:
    clerk = staff_member(backoffice, RoleCode.INTAKE_CLERK)
    client = new_client(backoffice)
    sign_in_staff(client, clerk.email)
    typed = "&".join(f"{quote(k)}={quote(v, safe='', errors='surrogatepass')}" for k, v in query)
    response = client.get(f"/queue?{typed}")
    assert response.status_code in (200, 400)


def test_the_queue_shows_case_details(backoffice: Flask) -> None:
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        case = make_case(session, state="submitted")
        reference = case.reference
        assert session.scalars(select(Case).where(Case.reference == reference)).one()
    clerk, _ = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    page = clerk.get("/queue").get_data(as_text=True)
    assert f'href="/cases/{reference}"' in page
    assert "Online" in page
    assert "Normal" in page
    home = clerk.get("/").get_data(as_text=True)
    assert 'href="/queue"' in home


SELECT_HEADING = re.compile(r"<th scope=\"col\"[^>]*>\s*(.*?)\s*</th>", re.S)


def test_the_select_column_heading_is_hidden_text_not_markup(backoffice: Flask) -> None:
    """Defect 1: the heading was `&lt;span class=...&gt;Select&lt;/span&gt;`, shown (and
    read out) as text."""
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        make_case(session, state="submitted")
    clerk, _ = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    page = clerk.get("/queue").get_data(as_text=True)
    assert "&lt;span" not in page
    first_heading = SELECT_HEADING.findall(page)[0]
    assert first_heading == '<span class="govuk-visually-hidden">Select</span>'


def test_rows_show_state_team_and_assignee_and_the_queue_filters_by_state(
    backoffice: Flask,
) -> None:
    """Defect 9: a clerk tells what is done (routed to a team, assigned) from the row, and
    narrows the queue to a state."""
    sessions = backoffice.extensions["caseway"].sessions
    now = utcnow()
    with transaction(sessions) as session:
        housing = make_team(session, code="housing", name="Housing")
        new = received(session, now - timedelta(days=3), state="submitted")
        routed = received(session, now - timedelta(days=2), state="triage")
        routed.team_id = housing.id
        taken = received(session, now - timedelta(days=1), state="triage")
        taken.team_id = housing.id
        person = make_staff(session, display_name="Wyn Worker")
        taken.assignee_id = person.id
        refs = [new.reference, routed.reference, taken.reference]
    clerk, _ = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    page = clerk.get("/queue").get_data(as_text=True)
    rows = dict(zip(refs, re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S)[1:],
                    strict=True))  # fmt: skip
    assert "Submitted" in rows[refs[0]]
    assert "No team yet" in rows[refs[0]]
    assert "Nobody yet" in rows[refs[0]]
    assert "In triage" in rows[refs[1]]
    assert "Housing" in rows[refs[1]]
    assert "Nobody yet" in rows[refs[1]]
    assert "Housing" in rows[refs[2]]
    assert "Wyn Worker" in rows[refs[2]]
    assert 'name="state"' in page  # the filter panel offers the states
    assert listed(clerk.get("/queue?state=submitted").get_data(as_text=True)) == refs[:1]
    by_state = clerk.get("/queue?state=triage").get_data(as_text=True)
    assert listed(by_state) == refs[1:]
    assert "2 cases" in by_state
    assert listed(clerk.get("/queue?state=decided").get_data(as_text=True)) == refs
    args = QueueFilters.from_args({"state": ["triage", "nope"]}, case_types=[])
    assert args.states == ("triage",)
    assert QueueFilters.from_args(args.to_saved()) == args


def test_auditors_read_the_queue_and_change_nothing(backoffice: Flask) -> None:
    """Defect 14: an auditor sees every case in the queue, with no form that changes
    anything shown, and any such form sent is refused."""
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        reference = make_case(session, state="submitted").reference
    auditor, _ = signed_in_client(backoffice, RoleCode.AUDITOR)
    response = auditor.get("/queue")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert_page_checks_itself(page, "queue as an auditor", english=True)
    assert f'href="/cases/{reference}"' in page
    assert 'method="post"' not in page.split('id="main-content"')[1]
    assert 'name="case"' not in page  # no boxes to tick
    assert 'href="/queue"' in auditor.get("/").get_data(as_text=True)
    csrf = csrf_token(auditor, "/")  # the queue has no form of theirs: sign-out's token
    for path, data in [("/queue/bulk", {"action": "route", "case": reference}),
                       ("/queue/views", {"name": "Mine", "query": ""})]:  # fmt: skip
        assert auditor.post(path, data={"csrf_token": csrf, **data}).status_code == 403


def test_staff_lists_take_the_whole_width_and_other_pages_keep_the_reading_column(
    backoffice: Flask,
) -> None:
    """Defect 19: in the 960 px reading column a work queue's columns were cut off on a
    1280 px screen. Lists opt in to the whole width; a form or a case page does not."""
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        team = make_team(session)
        person = make_staff(session, roles=list(RoleCode), email="lists@council.example")
        person.team_id = team.id
    client = new_client(backoffice)
    sign_in_staff(client, "lists@council.example")
    full = "govuk-width-container caseway-width-container--full"
    for path in ["/queue", "/my-work", "/messages", "/teams", "/teams/permits",
                 "/routing-rules"]:  # fmt: skip
        response = client.get(path, follow_redirects=True)  # /teams: on to their one team
        assert response.status_code == 200, path
        assert full in response.get_data(as_text=True), path
    for path in ["/", "/routing-rules/new", "/cases/find"]:
        page = client.get(path).get_data(as_text=True)
        assert 'class="govuk-width-container"' in page, path
        assert full not in page, path
