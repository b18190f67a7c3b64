"""Tasks on a case, as staff work them: added with or without someone and a due date,
given only to people who work the case, flagged when overdue, done once however often
the button is pressed, fetched only through the case they belong to, read-only for
auditors, never shown to the resident, and never a 500 whatever is sent."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from shared.db import transaction
from shared.models import AuditEvent, Case, Event, RoleCode, StaffUser, Task, TaskState
from shared.services import tasks
from tests.factories import make_case, make_staff, make_team
from tests.integration.backoffice.test_case_page import case_in_team, team_member
from tests.integration.test_hostile_input import (
    HOSTILE_TEXT,
    NUMBERS,
    PROPERTY,
    csrf,
    new_client,
    raw_post,
)
from tests.staff_signing_in import (
    csrf_token,
    post_form,
    resident_pages,
    sign_in_staff,
    signed_in_client,
)

TITLE = "Ask the landlord for the <b>tenancy</b> agreement"


def sessions(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["caseway"].sessions


def member_of(app: Flask, team: str = "permits", *roles: RoleCode, active: bool = True,
              **fields: object) -> StaffUser:  # fmt: skip
    with transaction(sessions(app)) as session:
        member = make_staff(session, roles=roles or (RoleCode.CASEWORKER,),
                            team=make_team(session, team, team.title()), **fields)  # fmt: skip
        member.is_active = active
        return member


def add(client: FlaskClient, reference: str, **fields: object) -> str | None:
    """Sends the add-a-task form; the page's text when refused, None when added."""
    data = {"title": "", "assignee": "", "due_on": ["", "", ""]} | fields
    response = post_form(client, f"/cases/{reference}/tasks", data, form_page=f"/cases/{reference}")
    if response.status_code == 302:
        assert response.headers["Location"] == f"/cases/{reference}/task-list"
        return None
    assert response.status_code == 200
    return response.get_data(as_text=True)


def press(client: FlaskClient, reference: str, task_id: int, button: str = "done") -> int:
    token = csrf_token(client, f"/cases/{reference}")
    return client.post(f"/cases/{reference}/tasks/{task_id}/{button}",
                       data={"csrf_token": token}).status_code  # fmt: skip


def task_ids(app: Flask) -> list[int]:
    with sessions(app)() as session:
        return list(session.scalars(select(Task.id).order_by(Task.id)))


def task_rows(app: Flask) -> list[tuple[str, TaskState, int | None, object]]:
    with sessions(app)() as session:
        found = session.scalars(select(Task).order_by(Task.id))
        return [(t.title, t.state, t.assignee_id, t.due_at) for t in found]


def counts(app: Flask, kind: str) -> tuple[int, int]:
    """Events of `kind` (all staff only, or the count is off) and audit entries."""
    with sessions(app)() as session:
        events = session.scalar(select(func.count(Event.id)).where(
            Event.kind == kind, Event.is_public.is_(False))) or 0  # fmt: skip
        audits = session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == kind.replace("_", ".", 1))) or 0  # fmt: skip
        return events, audits


def task_on(app: Flask, reference: str, *, days_due: int | None = None, days_ago: int = 0,
            assignee: StaffUser | None = None, title: str = TITLE) -> int:  # fmt: skip
    """A task added `days_ago` days ago, due `days_due` days from today (may be past)."""
    with transaction(sessions(app)) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        today = tasks.service_today()
        due = today + timedelta(days=days_due) if days_due is not None else None
        found = session.get(StaffUser, assignee.id) if assignee else None
        task = tasks.add_task(session, case=case, author=found or make_staff(session, roles=[
            RoleCode.SUPERVISOR], team=case.team), title=title, assignee=found, due_on=due,
            today=today - timedelta(days=days_ago))  # fmt: skip
        return task.id


def test_a_task_is_added_with_or_without_someone_and_a_due_date(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    client, me = team_member(backoffice, RoleCode.CASEWORKER)
    colleague = member_of(backoffice, "permits", display_name="Cai Colleague")
    page = client.get(f"/cases/{reference}/task-list").get_data(as_text=True)
    assert "No tasks." in page
    assert "Add a task" in page
    assert f'<option value="{colleague.id}">Cai Colleague</option>' in page
    assert add(client, reference, title=f"  {TITLE}  ") is None
    due = tasks.service_today() + timedelta(days=7)
    assert add(client, reference, title="Visit the street", assignee=str(colleague.id),
               due_on=[str(due.day), str(due.month), str(due.year)]) is None  # fmt: skip
    page = client.get(f"/cases/{reference}/task-list").get_data(as_text=True)
    assert "The task is added." in page
    table = page[page.index('id="tasks"') : page.index("Add a task")]
    assert "Ask the landlord for the &lt;b&gt;tenancy&lt;/b&gt; agreement" in table  # text
    assert "Nobody yet" in table
    assert "No due date" in table
    assert "Cai Colleague" in table
    assert f"{due.day} {due.strftime('%B %Y')}" in table  # written long, in the page's style
    assert "Overdue" not in table
    assert "None" not in table
    assert page.count("<h1") == 1
    assert [(title, state, assignee) for title, state, assignee, _ in task_rows(backoffice)] == [
        (TITLE, TaskState.OPEN, None),
        ("Visit the street", TaskState.OPEN, colleague.id),
    ]
    assert counts(backoffice, "task_added") == (2, 2)
    with sessions(backoffice)() as session:
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "task.added")
                                .order_by(AuditEvent.id)).all()  # fmt: skip
        assert {entry.actor_id for entry in audit} == {str(me.id)}  # who added them
        assert audit[1].details == {"case": reference, "assignee_id": colleague.id,
                                    "due_on": due.isoformat()}  # fmt: skip
    # The history shows it to staff, as staff only.
    history = client.get(f"/cases/{reference}/history").get_data(as_text=True)
    assert "Task added" in history
    assert "Staff only" in history


def test_only_someone_who_works_and_sees_the_case_can_be_given_a_task(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    outsider = member_of(backoffice, "complaints", display_name="Olu Outsider")
    gone = member_of(backoffice, "permits", display_name="Dee Deactivated", active=False)
    auditor = member_of(backoffice, "permits", RoleCode.AUDITOR, display_name="Aud Auditor")
    page = client.get(f"/cases/{reference}/task-list").get_data(as_text=True)
    for name in ("Olu Outsider", "Dee Deactivated", "Aud Auditor"):
        assert name not in page  # not offered
    for person in (outsider, gone, auditor):  # sent anyway
        refused = add(client, reference, title="Check the plans", assignee=str(person.id))
        assert refused is not None
        assert "<title>Error: Case" in refused
        assert "Select who the task is for from the list" in refused
        assert 'value="Check the plans"' in refused  # nothing typed is lost
    assert task_rows(backoffice) == []


def test_a_deactivated_or_outside_person_is_refused_by_the_service_too(backoffice: Flask) -> None:
    with transaction(sessions(backoffice)) as session:
        team = make_team(session)
        case = make_case(session, state="in_progress")
        case.team = team
        author = make_staff(session, roles=[RoleCode.CASEWORKER], team=team)
        gone = make_staff(session, roles=[RoleCode.CASEWORKER], team=team)
        gone.is_active = False
        outsider = make_staff(session, roles=[RoleCode.CASEWORKER],
                              team=make_team(session, "other", "Other"))  # fmt: skip
        auditor = make_staff(session, roles=[RoleCode.AUDITOR])
        today = tasks.service_today()
        refusals = []
        for kwargs in ({"assignee": gone}, {"assignee": outsider}, {"assignee": auditor},
                       {"due_on": today - timedelta(days=1)}, {"title": " "},
                       {"title": "x" * 201}, {"author": auditor}, {"author": outsider}):  # fmt: skip
            try:
                tasks.add_task(session, **({"case": case, "author": author, "title": "Call"}
                                           | kwargs))  # type: ignore[arg-type]  # fmt: skip
            except tasks.TaskRefused as refused:
                refusals.append(refused.reason)
        assert (
            refusals == ["assignee"] * 3 + ["due_in_past", "title", "title"] + ["not_allowed"] * 2
        )
        assert session.scalars(select(Task)).all() == []
        # Due today is fine: the last moment to do it.
        task = tasks.add_task(session, case=case, author=author, title="Call", due_on=today)
        assert not tasks.is_overdue(task, today)


def test_a_task_is_given_to_someone_else_only_while_open(backoffice: Flask) -> None:
    with transaction(sessions(backoffice)) as session:
        team = make_team(session)
        case = make_case(session, state="in_progress")
        case.team = team
        author = make_staff(session, roles=[RoleCode.CASEWORKER], team=team)
        colleague = make_staff(session, roles=[RoleCode.SUPERVISOR], team=team)
        outsider = make_staff(session, roles=[RoleCode.CASEWORKER],
                              team=make_team(session, "other", "Other"))  # fmt: skip
        task = tasks.add_task(session, case=case, author=author, title="Call", assignee=author)
        tasks.assign_task(session, task=task, case=case, actor=author, assignee=colleague)
        assert task.assignee_id == colleague.id
        reasons = []
        for assignee in (outsider, colleague):
            if assignee is colleague:
                tasks.complete_task(session, task=task, case=case, actor=colleague)
            try:
                tasks.assign_task(session, task=task, case=case, actor=author, assignee=assignee)
            except tasks.TaskRefused as refused:
                reasons.append(refused.reason)
        assert reasons == ["assignee", "not_open"]
        assert task.assignee_id == colleague.id
        audit = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "task.assigned")
        ).one()
        assert audit.details == {"case": case.reference, "before": author.id, "after": colleague.id}
        kinds = sorted(e.kind for e in case.events if e.kind.startswith("task_"))
        assert kinds == ["task_added", "task_assigned", "task_completed"]


def test_the_form_says_what_is_wrong_and_keeps_what_was_typed(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    empty = add(client, reference)
    assert empty is not None
    assert "Enter what needs doing" in empty
    assert "<title>Error: Case" in empty
    assert 'href="#title"' in empty  # the summary links to the field
    yesterday = tasks.service_today() - timedelta(days=1)
    for parts, message in (
        (["31", "2", "2030"], "Enter a real date, like"),
        (["1", "", "2030"], "Enter a real date, like"),
        (["1e30", "1", "2030"], "Enter a real date, like"),
        (["9" * 20, "9" * 20, "9" * 20], "Enter a real date, like"),
        ([str(yesterday.day), str(yesterday.month), str(yesterday.year)],
         "The due date must be today or in the future"),
    ):  # fmt: skip
        page = add(client, reference, title="Phone back", due_on=parts)
        assert page is not None, parts
        assert message in page, parts
        assert 'href="#due_on-day"' in page  # the summary goes to the day box
        assert 'value="Phone back"' in page
        assert f'value="{parts[0]}"' in page  # the date as typed, to correct it
    long = add(client, reference, title="x" * 201)
    assert long is not None
    assert "Enter 200 characters or fewer" in long
    assert task_rows(backoffice) == []
    assert counts(backoffice, "task_added") == (0, 0)


def test_a_past_due_open_task_is_flagged_overdue(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    client, me = team_member(backoffice, RoleCode.CASEWORKER)
    task_on(backoffice, reference, days_due=-1, days_ago=5, title="Late one", assignee=me)
    task_on(backoffice, reference, days_due=0, title="Due today")
    finished = task_on(backoffice, reference, days_due=-3, days_ago=5, title="Done late")
    assert press(client, reference, finished) == 302
    page = client.get(f"/cases/{reference}/task-list").get_data(as_text=True)
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S)
    titles = ("Late one", "Due today", "Done late")
    flagged = {title: "Overdue" in row for row in rows for title in titles if title in row}
    assert flagged == {"Late one": True, "Due today": False, "Done late": False}
    assert page.count("govuk-tag--red") == 1
    assert [title for title, *_ in task_rows(backoffice)] == ["Late one", "Due today", "Done late"]
    assert page.index("Late one") < page.index("Due today") < page.index("Done late")


def test_mark_as_done_twice_at_once_completes_the_task_once(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    task_id = task_on(backoffice, reference, days_due=3)
    member = member_of(backoffice, "permits")
    clients = []
    for _ in range(2):  # the same person in two tabs (or a double click)
        client = backoffice.test_client()
        assert sign_in_staff(client, member.email).status_code == 302
        clients.append((client, csrf_token(client, f"/cases/{reference}")))
    start = threading.Barrier(2)
    statuses: list[int] = []

    def mark_done(client: FlaskClient, token: str) -> None:
        start.wait()
        response = client.post(f"/cases/{reference}/tasks/{task_id}/done",
                               data={"csrf_token": token})  # fmt: skip
        statuses.append(response.status_code)

    threads = [threading.Thread(target=mark_done, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302, 302]
    said = [
        client.get(f"/cases/{reference}/task-list").get_data(as_text=True) for client, _ in clients
    ]
    assert sum("The task is marked as done." in page for page in said) == 1
    assert sum("That task was already done, so nothing changed." in page for page in said) == 1
    assert counts(backoffice, "task_completed") == (1, 1)
    with sessions(backoffice)() as session:
        task = session.get(Task, task_id)
        assert task is not None
        assert task.state is TaskState.DONE
        assert task.completed_at is not None
        audit = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "task.completed")
        ).one()
        assert (audit.actor_id, audit.object_id) == (str(member.id), str(task_id))


def test_a_task_done_by_mistake_is_reopened_once(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    task_id = task_on(backoffice, reference, days_due=-2, days_ago=4)
    assert press(client, reference, task_id, "reopen") == 302  # it is open: nothing to do
    assert "That task is already open" in client.get(f"/cases/{reference}/task-list").get_data(
        as_text=True
    )
    assert press(client, reference, task_id) == 302
    page = client.get(f"/cases/{reference}/task-list").get_data(as_text=True)
    assert "Overdue" not in page  # done: no longer flagged
    assert 'Reopen<span class="govuk-visually-hidden">: Ask the landlord' in page
    assert press(client, reference, task_id, "reopen") == 302
    page = client.get(f"/cases/{reference}/task-list").get_data(as_text=True)
    assert "The task is open again." in page
    assert "Overdue" in page
    assert "Task reopened" in client.get(f"/cases/{reference}/history").get_data(as_text=True)
    assert counts(backoffice, "task_completed") == (1, 1)
    assert counts(backoffice, "task_reopened") == (1, 1)
    assert task_rows(backoffice)[0][1] is TaskState.OPEN


def test_a_task_is_reached_only_through_its_own_case(backoffice: Flask) -> None:
    mine = case_in_team(backoffice, state="in_progress")
    other = case_in_team(backoffice, state="in_progress")
    elsewhere = case_in_team(backoffice, state="in_progress", team="complaints")
    theirs = task_on(backoffice, other, days_due=1)
    hidden = task_on(backoffice, elsewhere, days_due=1)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    for path in (f"/cases/{mine}/tasks/{theirs}/done", f"/cases/{mine}/tasks/{theirs}/reopen",
                 f"/cases/{mine}/tasks/99999/done", f"/cases/{mine}/tasks/{2**40}/done",
                 f"/cases/{mine}/tasks/0/done", f"/cases/{elsewhere}/tasks/{hidden}/done",
                 f"/cases/{mine}/tasks/{hidden}/done", f"/cases/ZZZZ-ZZZZ-Z/tasks/{theirs}/done"):  # fmt: skip
        token = csrf_token(client, f"/cases/{mine}")
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path
    assert {state for _, state, *_ in task_rows(backoffice)} == {TaskState.OPEN}
    assert counts(backoffice, "task_completed") == (0, 0)


def test_an_auditor_sees_tasks_and_changes_none(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    task_id = task_on(backoffice, reference, days_due=-1, days_ago=2)
    auditor, _ = signed_in_client(backoffice, RoleCode.AUDITOR)
    page = auditor.get(f"/cases/{reference}/task-list").get_data(as_text=True)
    assert "Ask the landlord for the &lt;b&gt;tenancy&lt;/b&gt; agreement" in page
    assert "Overdue" in page
    assert "Add a task" not in page
    assert "Mark as done" not in page
    token = csrf_token(auditor, f"/cases/{reference}")
    for path, data in ((f"/cases/{reference}/tasks", {"title": "Audit this"}),
                       (f"/cases/{reference}/tasks/{task_id}/done", {}),
                       (f"/cases/{reference}/tasks/{task_id}/reopen", {})):  # fmt: skip
        assert auditor.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    assert [(title, state) for title, state, *_ in task_rows(backoffice)] == [
        (TITLE, TaskState.OPEN)
    ]
    assert counts(backoffice, "task_completed") == (0, 0)


def test_tasks_never_reach_the_resident(backoffice: Flask) -> None:

    reference = case_in_team(backoffice, state="in_progress")
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    assert add(client, reference, title="Secret site visit") is None
    assert press(client, reference, task_ids(backoffice)[0]) == 302
    with sessions(backoffice)() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        email = case.applicant.email
    for seen in resident_pages(backoffice, reference, email):
        assert reference in seen
        for staff_words in ("Secret site visit", "Task added", "Task completed", "Tasks"):
            assert staff_words not in seen


DATE_PARTS = st.lists(st.one_of(NUMBERS, HOSTILE_TEXT), min_size=0, max_size=5)


@PROPERTY
@given(title=HOSTILE_TEXT, assignee=HOSTILE_TEXT, due_on=DATE_PARTS, task_id=NUMBERS)
def test_hostile_task_input_never_fails_and_writes_nothing_refused(
    backoffice: Flask, title: str, assignee: str, due_on: list[str], task_id: str
) -> None:
    reference = _shared_case(backoffice)
    client = new_client(backoffice)
    sign_in_staff(client, _shared_member(backoffice))
    token = csrf(client, "/")
    before = task_rows(backoffice)
    fields = [("csrf_token", token), ("title", title), ("assignee", assignee)]
    response = raw_post(client, f"/cases/{reference}/tasks",
                        fields + [("due_on", part) for part in due_on])  # fmt: skip
    assert response.status_code in (200, 302, 400), response.status_code
    after = task_rows(backoffice)
    if response.status_code == 302:  # a fair task after all: exactly one added
        assert len(after) == len(before) + 1
    else:
        assert after == before
    path = f"/cases/{reference}/tasks/{quote(task_id, safe='')}/done"
    pressed = raw_post(client, path, [("csrf_token", token)])
    # Done (a number that is a task of this case), or no such task or address.
    assert pressed.status_code in (302, 308, 404, 405), pressed.status_code


def _shared_case(app: Flask) -> str:
    """One case for every example of a property test (made on first use)."""
    if "tasks_case" not in app.config:
        app.config["tasks_case"] = case_in_team(app, state="in_progress")
    return str(app.config["tasks_case"])


def _shared_member(app: Flask) -> str:
    if "tasks_member" not in app.config:
        app.config["tasks_member"] = member_of(app, "permits").email
    return str(app.config["tasks_member"])
