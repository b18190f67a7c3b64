"""SLAs in working days, as staff and residents meet them: the clock stops while the case
waits for the resident and the date moves on by the working days paused; a supervisor
extends it with a reason (a caseworker may not); administrators keep closure days, which
move the open cases' dates; the overdue escalation tells the team's supervisors once per
case, even run twice at once; and the resident reads why their date is what it is."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from sqlalchemy import delete, select

from shared import PROJECT_ROOT
from shared.db import transaction
from shared.jobs import context
from shared.jobs.escalation import escalate_overdue_cases
from shared.jobs.queues import MAINTENANCE, queue
from shared.models import AuditEvent, Case, ClosureDay, Event, Notice, RoleCode
from shared.models.base import utcnow
from shared.services import cases, messages, sla
from shared.sla.calendar import WorkingCalendar, calendar_for
from tests.factories import make_case, make_staff, make_team, supervisor
from tests.integration.backoffice.test_case_page import case_in_team, team_member
from tests.integration.test_documents import worker_env
from tests.integration.test_hostile_input import (
    HOSTILE_TEXT,
    NUMBERS,
    PROPERTY,
    csrf,
    new_client,
    raw_post,
)
from tests.integration.test_tracking import post
from tests.staff_signing_in import post_form, sign_in_staff, signed_in_client


def sessions(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["caseway"].sessions


def the_case(app: Flask, reference: str) -> Case:
    with sessions(app)() as session:
        found = session.scalars(select(Case).where(Case.reference == reference)).one()
        session.expunge(found)
        return found


def test_the_clock_stops_while_waiting_and_the_date_moves_on_by_the_days_paused(
    backoffice: Flask,
) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    opened = the_case(backoffice, reference)
    assert (opened.sla_policy, opened.sla_working_days) == ("standard", 20)
    with transaction(sessions(backoffice)) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        submitted = case.submitted_at.date()
        assert case.due_at == sla.end_of(calendar_for(session, None).add(submitted, 20))
        messages.post_from_staff(session, case=case, staff=supervisor(session),
                                 body="Send your tenancy agreement",
                                 request_for_information=True)  # fmt: skip
        assert case.clock_stopped_at is not None
        assert sla.sla_flag(case, utcnow()) is None  # nobody's lateness while it waits
        # It stopped twelve days ago (as if the resident took that long to answer).
        stopped = utcnow() - timedelta(days=12)
        case.clock_stopped_at = stopped
    paused = WorkingCalendar().count(stopped.date(), utcnow().date())
    assert 8 <= paused <= 9  # twelve days hold eight or nine working days, less holidays
    with transaction(sessions(backoffice)) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        cases.transition(session, case=case, name="information_received", actor=None)
        assert case.clock_stopped_at is None
        assert case.paused_working_days == paused
        assert case.due_at == sla.end_of(WorkingCalendar().add(submitted, 20 + paused))
        assert case.due_at.date() > opened.due_at.date()  # type: ignore[union-attr]
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Service level" in page
    assert "Standard" in page
    assert f"{paused} working days" in page
    assert "Extend the due date" not in page  # a caseworker has no extension form


def extend(client, reference: str, days: str, reason: str):  # type: ignore[no-untyped-def]
    return post_form(client, f"/cases/{reference}/extension",
                     {"working_days": days, "reason": reason}, form_page=f"/cases/{reference}")  # fmt: skip


def test_a_supervisor_extends_with_a_reason_and_a_caseworker_may_not(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    before = the_case(backoffice, reference)
    boss, _ = team_member(backoffice, RoleCode.SUPERVISOR)
    page = boss.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Extend the due date" in page
    # No reason, or days that are not days: the page says so and keeps what was typed.
    refused = extend(boss, reference, "5", "   ").get_data(as_text=True)
    assert "Enter the reason for the extension" in refused
    assert "<title>Error:" in refused
    refused = extend(boss, reference, "5000", "Waiting for the landlord").get_data(as_text=True)
    assert "Enter a whole number of working days" in refused
    assert "Waiting for the landlord" in refused
    assert the_case(backoffice, reference).due_at == before.due_at
    response = extend(boss, reference, "5", "Waiting for the landlord")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{reference}#sla"
    after = the_case(backoffice, reference)
    assert after.extended_working_days == 5
    with sessions(backoffice)() as session:
        assert after.due_at == sla.end_of(
            calendar_for(session, None).add(before.submitted_at.date(), 25)
        )
        event = session.scalars(select(Event).where(Event.kind == "sla_extended")).one()
        assert (event.note, event.is_public) == ("Waiting for the landlord", False)
        audit = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case.sla_extended")
        ).one()
        assert audit.details["working_days"] == 5
    shown = boss.get(f"/cases/{reference}").get_data(as_text=True)
    assert "5 working days" in shown
    assert "Due date extended" in boss.get(f"/cases/{reference}/history").get_data(as_text=True)
    # A caseworker of the same team: 403, and nothing changes.
    worker, _ = team_member(backoffice, RoleCode.CASEWORKER)
    assert extend(worker, reference, "5", "Because").status_code == 403
    # A supervisor of another team does not see the case at all.
    stranger, _ = team_member(backoffice, RoleCode.SUPERVISOR, team="housing")
    assert stranger.post(f"/cases/{reference}/extension").status_code in (400, 404)
    assert the_case(backoffice, reference).extended_working_days == 5


def staff_client(app: Flask, role: RoleCode, team: object = None) -> FlaskClient:
    """Signed in from an address of its own (the sign-in rate limit is per address)."""
    with transaction(sessions(app)) as session:
        member = make_staff(
            session, roles=[role], team=make_team(session, "permits", "Permits") if team else None
        )
        email = member.email
    client = new_client(app)
    assert sign_in_staff(client, email).status_code == 302
    return client


@PROPERTY
@given(days=NUMBERS, reason=HOSTILE_TEXT)
def test_the_extension_form_never_fails_whatever_is_typed(
    backoffice: Flask, days: str, reason: str
) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    client = staff_client(backoffice, RoleCode.SUPERVISOR, team=make_team)
    before = the_case(backoffice, reference).due_at
    response = raw_post(client, f"/cases/{reference}/extension",
                        [("csrf_token", csrf(client, "/")), ("working_days", days),
                         ("reason", reason)])  # fmt: skip
    assert response.status_code in (200, 302, 400)
    if response.status_code != 302:
        assert the_case(backoffice, reference).due_at == before


@PROPERTY
@given(area=HOSTILE_TEXT, day=NUMBERS, month=NUMBERS, year=NUMBERS, name=HOSTILE_TEXT)
def test_the_closure_day_form_never_fails_whatever_is_typed(
    backoffice: Flask, area: str, day: str, month: str, year: str, name: str
) -> None:
    client = staff_client(backoffice, RoleCode.ADMINISTRATOR)
    fields = [("csrf_token", csrf(client, "/closure-days")), ("area", area), ("day", day),
              ("day", month), ("day", year), ("name", name)]  # fmt: skip
    response = raw_post(client, "/closure-days", fields)
    assert response.status_code in (200, 302, 400)
    with sessions(backoffice)() as session:
        stored = session.scalars(select(ClosureDay)).all()
    assert len(stored) == (1 if response.status_code == 302 else 0)
    with transaction(sessions(backoffice)) as session:
        session.execute(delete(ClosureDay))


def add_closure(client, area: str, day: date | None, name: str):  # type: ignore[no-untyped-def]
    parts = [str(day.day), str(day.month), str(day.year)] if day else ["", "", ""]
    return post_form(client, "/closure-days", {"area": area, "day": parts, "name": name})


def next_weekday(after: date, weekday: int = 2) -> date:
    day = after + timedelta(days=1)
    while day.weekday() != weekday or not WorkingCalendar("wales").is_working_day(day):
        day += timedelta(days=1)
    return day


def test_administrators_keep_closure_days_and_open_cases_move_on(backoffice: Flask) -> None:
    admin, _ = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    with transaction(sessions(backoffice)) as session:
        case = make_case(session, state="in_progress")
        case.area = "wales"
        sla.start_clock(session, case=case, policy_code=None)
        reference, due = case.reference, case.due_at.date()  # type: ignore[union-attr]
        english = make_case(session, state="in_progress").reference  # England: unaffected
    closed_on = next_weekday(utcnow().date() + timedelta(days=3))
    assert closed_on < due
    page = admin.get("/closure-days").get_data(as_text=True)
    assert "<title>Closure days" in page
    assert "No closure days yet." in page
    assert add_closure(admin, "wales", closed_on, "Office move").status_code == 302
    listed = admin.get("/closure-days").get_data(as_text=True)
    assert "Office move" in listed
    assert "Wales" in listed
    moved = the_case(backoffice, reference)
    with sessions(backoffice)() as session:
        wales = calendar_for(session, "wales")
        assert wales.closures == {closed_on: "Office move"}
        assert moved.due_at == sla.end_of(wales.add(moved.submitted_at.date(), 20))
    assert moved.due_at.date() == WorkingCalendar("wales").add(due, 1)  # type: ignore[union-attr]
    assert the_case(backoffice, english).due_at.date() < moved.due_at.date()  # type: ignore[union-attr]
    # Refused: the same day twice, a past day, a weekend, a bank holiday, a date not real.
    again = add_closure(admin, "wales", closed_on, "Again").get_data(as_text=True)
    assert "already a closure day in this area" in again
    assert "<title>Error:" in again
    past = add_closure(admin, "wales", utcnow().date() - timedelta(days=1), "Late")
    assert "must be today or in the future" in past.get_data(as_text=True)
    saturday = closed_on + timedelta(days=(5 - closed_on.weekday()) % 7)
    assert "is a weekend" in add_closure(admin, "wales", saturday, "W").get_data(as_text=True)
    christmas = date(utcnow().year + 1, 12, 25)
    christmas += timedelta(days=2) if christmas.weekday() >= 5 else timedelta()
    assert "already a bank holiday" in add_closure(admin, "wales", christmas, "X").get_data(
        as_text=True
    )
    unreal = post_form(
        admin, "/closure-days", {"area": "wales", "day": ["31", "2", "2030"], "name": "X"}
    )
    assert "Enter a real date" in unreal.get_data(as_text=True)
    nothing = add_closure(admin, "", None, "").get_data(as_text=True)
    assert "Select the area" in nothing
    assert "Enter the date the offices close" in nothing
    with sessions(backoffice)() as session:
        closure_id = session.scalars(select(ClosureDay.id)).one()
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_kind == "closure_day")
        )
        assert list(actions) == ["closure_day.added"]
    # Removed: the date moves back; a second press changes nothing.
    assert (
        post_form(
            admin, f"/closure-days/{closure_id}/remove", {}, form_page="/closure-days"
        ).status_code
        == 302
    )
    assert the_case(backoffice, reference).due_at.date() == due  # type: ignore[union-attr]
    second = post_form(admin, f"/closure-days/{closure_id}/remove", {}, form_page="/closure-days")
    assert second.status_code == 302
    # Only administrators.
    boss, _ = signed_in_client(backoffice, RoleCode.SUPERVISOR)
    assert boss.get("/closure-days").status_code == 403


def test_the_overdue_escalation_tells_the_supervisors_once_even_run_twice_at_once(
    backoffice: Flask, monkeypatch: object
) -> None:
    with transaction(sessions(backoffice)) as session:
        team = make_team(session, "permits", "Permits")
        bosses = [make_staff(session, roles=[RoleCode.SUPERVISOR], team=team) for _ in range(2)]
        make_staff(session, roles=[RoleCode.CASEWORKER], team=team)  # not a supervisor
        gone = make_staff(session, roles=[RoleCode.SUPERVISOR], team=team)
        gone.is_active = False
        late = [make_case(session, state="in_progress") for _ in range(3)]
        waiting = make_case(session, state="in_progress")
        on_time = make_case(session, state="in_progress")
        for case in [*late, waiting, on_time]:
            case.team = team
        session.flush()
        messages.post_from_staff(session, case=waiting, staff=supervisor(session),
                                 body="Proof of address", request_for_information=True)  # fmt: skip
        for case in [*late, waiting]:
            case.due_at = utcnow() - timedelta(days=2)
        late_ids, boss_ids = [c.id for c in late], {b.id for b in bosses}
    monkeypatch.setattr(context, "sessions", lambda: sessions(backoffice))  # type: ignore[attr-defined]
    start = threading.Barrier(2)
    written: list[int] = []

    def run() -> None:
        start.wait()
        written.append(escalate_overdue_cases())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(written)[-1] + sorted(written)[0] == 6  # 3 cases x 2 supervisors, once
    assert escalate_overdue_cases() == 0  # and never again
    with sessions(backoffice)() as session:
        sent = session.execute(
            select(Notice.case_id, Notice.recipient_staff_id)
            .where(Notice.kind == "overdue_escalation")
            .order_by(Notice.case_id, Notice.recipient_staff_id)
        ).all()
        assert sorted(sent) == sorted((c, b) for c in late_ids for b in boss_ids)
        told = session.scalars(select(Case.id).where(Case.overdue_notified_at.is_not(None)))
        assert sorted(told) == sorted(late_ids)
        # Extended past today, a case may be told again when it goes overdue again.
        case = session.get(Case, late_ids[0])
        assert case is not None
        sla.extend(session, case=case, working_days=30, reason="More time", actor=bosses[0])
        assert case.overdue_notified_at is None
        session.rollback()


def test_the_resident_reads_why_their_date_is_what_it_is_in_english_and_welsh(
    portal: Flask,
) -> None:
    with transaction(sessions(portal)) as session:
        case = make_case(session, state="in_progress")
        case.area = "northern_ireland"
        case.submitted_at = datetime(2027, 2, 12, 10, 0, tzinfo=UTC)
        case.paused_working_days = 5
        session.add(ClosureDay(area="northern_ireland", day=date(2027, 3, 18), name="Move",
                               added_by_staff_id=supervisor(session).id))  # fmt: skip
        session.flush()
        sla.start_clock(session, case=case, policy_code=None)
        reference, email = case.reference, case.applicant.email
        assert case.due_at == sla.end_of(date(2027, 3, 23))
    client = portal.test_client()
    assert post(client, "/track", {"reference": reference, "email": email}).status_code == 302
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert (
        "We aim to decide by 23 March 2027: 20 working days from 12 February 2027, not counting "
        "5 working days while we waited for information from you, the bank holiday on "
        "17 March 2027 and the day our offices were closed, 18 March 2027."
    ) in page
    client.get("/language/cy")
    welsh = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert '<html lang="cy"' in welsh
    # Welsh joins the last of a list with "a'r" before the article (not CLDR's "a(c)").
    assert (
        "Ein nod yw penderfynu erbyn 23 Mawrth 2027: 20 diwrnod gwaith o 12 Chwefror 2027, heb "
        "gyfrif 5 diwrnod gwaith tra oeddem yn aros am wybodaeth gennych chi, yr ŵyl banc ar "
        "17 Mawrth 2027, a&#39;r diwrnod pan oedd ein swyddfeydd ar gau, 18 Mawrth 2027."
    ) in welsh


def test_the_escalation_job_queued_twice_runs_in_two_real_workers_and_tells_once(
    backoffice: Flask,
) -> None:
    """As two schedulers would on the same tick: the job is queued twice on the real
    Redis, and two real `caseway worker --burst` processes take one each at once."""
    with transaction(sessions(backoffice)) as session:
        team = make_team(session, "permits", "Permits")
        boss = make_staff(session, roles=[RoleCode.SUPERVISOR], team=team)
        late = [make_case(session, state="in_progress") for _ in range(4)]
        for case in late:
            case.team, case.due_at = team, utcnow() - timedelta(days=3)
        session.flush()
        late_ids, boss_id = sorted(c.id for c in late), boss.id
    settings = backoffice.extensions["caseway"].settings
    maintenance = queue(MAINTENANCE, settings.redis_url)
    jobs = [maintenance.enqueue(escalate_overdue_cases) for _ in range(2)]
    env = worker_env(backoffice)
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "shared.cli", "worker", "--burst", "--queue", MAINTENANCE],
            env=env,
            cwd=PROJECT_ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    for process in workers:
        output, _ = process.communicate(timeout=180)
        assert process.returncode == 0, output
    for job in jobs:
        job.refresh()
        assert job.is_finished, job.get_status()
    # Between them the two runs told about each case once (each claims a case before telling).
    assert sum(job.return_value() for job in jobs) == 4
    with sessions(backoffice)() as session:
        sent = session.execute(
            select(Notice.case_id, Notice.recipient_staff_id)
            .where(Notice.kind == "overdue_escalation")
        ).all()  # fmt: skip
        assert sorted(sent) == [(case_id, boss_id) for case_id in late_ids]
