"""A supervisor's team page: caseload per person, the team's overdue cases and those due
this week, the oldest unassigned, and the success measures over a period (average days
to resolution, share resolved within the target date, backlog by age), with exact
figures derived here from the data; only their own team; a wrong period is said on the
page; and junk in the query string of My work or the team page is never a 500."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from shared.db import transaction
from shared.models import Case, RoleCode, StaffUser
from shared.models.base import utcnow
from shared.services import cases, decisions
from shared.services.sla import end_of, service_date, sla_flag
from shared.services.team import start_of_next_week
from tests.factories import decide_case, make_case, make_staff, make_team, supervisor
from tests.integration.backoffice.test_case_page import team_member
from tests.integration.test_hostile_input import HOSTILE_TEXT, PROPERTY, new_client
from tests.staff_signing_in import sign_in_staff, signed_in_client

CELL = re.compile(r"<t[hd][^>]*>\s*(.*?)\s*</t[hd]>", re.S)


def sessions(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["caseway"].sessions


def section(page: str, anchor: str) -> str:
    """The page from the heading with this id up to the next h2."""
    return page.split(f'id="{anchor}"')[1].split("<h2")[0]


def row_cells(page: str, first_cell_text: str) -> list[str]:
    row = next(row for row in page.split("<tr") if first_cell_text in row)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in CELL.findall("<tr" + row)]


def summary_value(page: str, key: str) -> str:
    found = re.search(
        rf"<dt[^>]*>\s*{re.escape(key)}\s*</dt>\s*<dd[^>]*>\s*(.*?)\s*</dd>", page, re.S
    )
    assert found is not None, key
    return found.group(1)


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def period_query(start: date, end: date) -> dict[str, list[str]]:
    return {"start": [str(start.day), str(start.month), str(start.year)],
            "end": [str(end.day), str(end.month), str(end.year)]}  # fmt: skip


def test_the_team_page_counts_from_the_data(backoffice: Flask) -> None:
    client, boss = team_member(backoffice, RoleCode.SUPERVISOR)
    assert isinstance(boss, StaffUser)
    now = utcnow()
    today = service_date(now)
    start, end = today - timedelta(days=120), today - timedelta(days=91)
    opened: list[Case] = []  # the team's open cases, for the backlog
    with transaction(sessions(backoffice)) as session:
        team, roads = make_team(session), make_team(session, "roads", "Roads")
        ana = make_staff(session, team=team, display_name="Ana Caseworker")
        ben = make_staff(session, team=team, display_name="Ben Caseworker")
        owen = make_staff(session, team=roads, display_name="Owen Outsider")

        def open_case(assignee: StaffUser | None, due: datetime | None, *, in_team=team,
                      submitted: datetime | None = None, state: str = "in_progress") -> Case:  # fmt: skip
            case = make_case(session, state=state)
            case.team_id, case.due_at = in_team.id, due
            case.assignee_id = assignee.id if assignee else None
            case.submitted_at = submitted or now
            session.flush()
            if in_team is team:
                opened.append(case)
            return case

        overdue = open_case(ana, end_of(today - timedelta(days=3)))
        this_week = open_case(ana, end_of(today))
        later = open_case(ana, end_of(today + timedelta(days=8)))
        open_case(ben, None)
        elsewhere = open_case(owen, end_of(today - timedelta(days=3)), in_team=roads)
        unassigned = [open_case(None, None, submitted=now - timedelta(days=days, hours=12),
                                state="triage") for days in (25, 40, 1)]  # fmt: skip

        def resolved(submitted: datetime, given: datetime, due: datetime | None, *,
                     in_team=team, close: bool = False) -> Case:  # fmt: skip
            case = make_case(session, state="in_progress")
            decision = decide_case(session, case, outcome="approved")
            if close:
                cases.transition(session, case=case, name="close", actor=supervisor(session))
            decision.decided_at, decision.approved_at = given - timedelta(hours=1), given
            case.team_id, case.submitted_at, case.due_at = in_team.id, submitted, due
            return case

        within = resolved(at(start - timedelta(days=5), 9), at(start + timedelta(days=5), 9),
                          end_of(start + timedelta(days=8)))  # fmt: skip
        late = resolved(at(start), at(start + timedelta(days=20), 12),
                        end_of(start + timedelta(days=15)), close=True)  # fmt: skip
        undated = resolved(at(end - timedelta(days=2), 23, 59), at(end, 23, 59), None)
        in_period = [within, late, undated]
        resolved(at(start), at(end + timedelta(days=1)), None)  # the day after the period
        resolved(at(start), at(start + timedelta(days=1)), None, in_team=roads)
        # Decided in the period but sent back, then decided again and approved after it.
        sent_back = make_case(session, state="in_progress")
        sent_back.team_id = team.id
        session.flush()
        first_try = decisions.record_decision(session, case=sent_back, outcome="approved",
                                              explanation="", decided_by=ana)  # fmt: skip
        decisions.return_decision(session, case=sent_back, approver=supervisor(session),
                                  comments="Check the address")  # fmt: skip
        second_try = decide_case(session, sent_back, outcome="approved")
        first_try.decided_at = at(start + timedelta(days=3))
        second_try.decided_at = second_try.approved_at = at(end + timedelta(days=2))
        sent_back.submitted_at = at(start)
        waiting = open_case(ana, None, submitted=at(start))  # decided, not yet approved
        decisions.record_decision(session, case=waiting, outcome="approved", explanation="",
                                  decided_by=ben)  # fmt: skip
        session.flush()
        assert waiting.state == "decision_pending"
        waiting.assignee_id = None
        session.flush()
        given = {within.id: at(start + timedelta(days=5), 9),
                 late.id: at(start + timedelta(days=20), 12), undated.id: at(end, 23, 59)}  # fmt: skip
        days = [(given[c.id] - c.submitted_at) / timedelta(days=1) for c in in_period]
        with_due = [c for c in in_period if c.due_at is not None]
        on_time = [c for c in with_due if given[c.id] <= c.due_at]  # type: ignore[operator]
        # Caseload: each person's open cases, due this week (by Sunday, not overdue) and overdue.
        monday = start_of_next_week(now)
        load = {}
        for person in (ana, ben, boss):
            theirs = [c for c in opened if c.assignee_id == person.id]
            load[person.display_name] = [
                str(len(theirs)),
                str(sum(1 for c in theirs if c.due_at and now <= c.due_at < monday)),
                str(sum(1 for c in theirs if sla_flag(c, now) == "overdue")),
            ]
        ages = [(now - c.submitted_at) // timedelta(days=1) for c in opened]
        references = {name: c.reference for name, c in [
            ("overdue", overdue), ("this_week", this_week), ("later", later),
            ("elsewhere", elsewhere)]}  # fmt: skip
        oldest = [c.reference for c in sorted(unassigned, key=lambda c: c.submitted_at)]
        oldest.insert(0, waiting.reference)  # submitted long ago, nobody has it
        roads_id, team_id = roads.id, team.id

    assert client.get("/teams").headers["Location"] == "/teams/permits"
    page = client.get("/teams/permits", query_string=period_query(start, end)).get_data(
        as_text=True
    )
    assert "<title>Team: Permits" in page
    assert page.count("<h1") == 1
    for name, expected in load.items():
        assert row_cells(section(page, "caseload"), name)[1:] == expected, name
    assert load["Ana Caseworker"] == ["3", "1", "1"]  # the data is what the test means
    assert references["overdue"] in section(page, "overdue")
    assert references["this_week"] not in section(page, "overdue")
    assert references["this_week"] in section(page, "due-this-week")
    assert references["later"] not in section(page, "due-this-week")
    assert references["elsewhere"] not in page  # another team's
    listed = re.findall(r'href="/cases/([0-9A-Z-]+)"', section(page, "unassigned"))
    assert listed == oldest

    measures = section(page, "measures")
    average = sum(days) / len(days)
    assert summary_value(measures, "Cases resolved") == str(len(in_period)) == "3"
    assert summary_value(measures, "Average days to resolution") == f"{average:.1f}"
    share = f"{round(100 * len(on_time) / len(with_due))}%"
    assert summary_value(measures, "Resolved within the target date") == (
        f"{share} ({len(on_time)} of {len(with_due)} with a target date)"
    )
    buckets = [sum(1 for a in ages if first <= a <= last) for first, last in
               ((0, 5), (6, 10), (11, 20), (21, 10**6))]  # fmt: skip
    assert [row_cells(measures, label)[1] for label in
            ("0 to 5 days", "6 to 10 days", "11 to 20 days", "Over 20 days")] == [
        str(count) for count in buckets
    ]  # fmt: skip
    assert buckets == [5, 0, 0, 3]

    # Only their own team: another team, by code or id, is not found; their own by id is.
    assert client.get("/teams/roads").status_code == 404
    assert client.get(f"/teams/{roads_id}").status_code == 404
    assert client.get(f"/teams/{team_id}").status_code == 200
    caseworker, _ = team_member(backoffice, RoleCode.CASEWORKER)
    assert caseworker.get("/teams/permits").status_code == 403
    assert 'href="/teams"' not in caseworker.get("/").get_data(as_text=True)
    assert 'href="/teams"' in client.get("/").get_data(as_text=True)
    teamless, _ = signed_in_client(backoffice, RoleCode.SUPERVISOR)
    assert "You are not in a team" in teamless.get("/teams").get_data(as_text=True)
    assert teamless.get("/teams/permits").status_code == 404


def test_a_wrong_period_is_said_on_the_page(backoffice: Flask) -> None:
    client, _ = team_member(backoffice, RoleCode.SUPERVISOR)
    today = service_date(utcnow())
    default = client.get("/teams/permits").get_data(as_text=True)
    first_day = today - timedelta(days=29)
    assert "Cases resolved" in default  # the last 30 days unless asked
    assert f"From {first_day.day} " in default
    wrong = {
        "Enter a real date, like": {"start": ["31", "2", "2026"], "end": ["", "", ""]},
        "The end of the period must be the same as or after its start": period_query(
            today - timedelta(days=3), today - timedelta(days=4)
        ),
        "The date must be today or in the past": period_query(today, today + timedelta(days=1)),
    }
    for message, query in wrong.items():
        response = client.get("/teams/permits", query_string=query)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<title>Error:" in page
        assert "There is a problem" in page
        assert message in page, message
        assert "Cases resolved" not in page  # no measures for a period that is not one
        for typed in query["start"] + query["end"]:
            assert f'value="{typed}"' in page  # nothing typed is lost


JUNK_KEYS = st.sampled_from(["after", "before", "start", "end", "start", "end", "page"])


@PROPERTY
@given(fields=st.lists(st.tuples(JUNK_KEYS, HOSTILE_TEXT), max_size=6))
def test_junk_in_the_query_string_is_never_a_500(
    backoffice: Flask, fields: list[tuple[str, str]]
) -> None:
    if "team_page_member" not in backoffice.config:
        _, boss = team_member(backoffice, RoleCode.SUPERVISOR)
        backoffice.config["team_page_member"] = boss.email  # type: ignore[attr-defined]
    client = new_client(backoffice)
    sign_in_staff(client, backoffice.config["team_page_member"])
    query = "&".join(
        f"{quote(name)}={quote(value.encode('utf-8', 'surrogatepass'), safe='')}"
        for name, value in fields
    )
    for path in ("/my-work", "/teams/permits"):
        response = client.get(f"{path}?{query}")
        # 400: what no browser sends (NUL, lone surrogates), refused for every page.
        assert response.status_code in (200, 400), (path, response.status_code)
        if response.status_code == 200:
            assert "None" not in response.get_data(as_text=True).split("<main")[1]
