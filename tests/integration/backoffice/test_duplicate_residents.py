"""Deciding a possible duplicate resident at triage closes the task that asked for it
(done, by whom and when, in the same transaction), and the case page then shows the
client ID the person goes by (issue 23, defect 7)."""

from __future__ import annotations

import importlib.util
import re
from datetime import date
from pathlib import Path

from flask import Flask
from sqlalchemy import Connection, select

from shared.db import transaction
from shared.models import (
    AuditEvent,
    Case,
    Event,
    Party,
    PossibleDuplicate,
    RoleCode,
    Task,
    TaskState,
)
from tests.factories import make_case, make_party, make_recording
from tests.staff_signing_in import post_form, signed_in_client

CLIENT_ID_ROW = re.compile(r"Client ID\s*</dt>\s*<dd[^>]*>\s*<bdi[^>]*>([^<]+)</bdi>", re.MULTILINE)


def a_lookalike(app: Flask, clerk_id: int) -> tuple[str, int, int, int]:
    """Ana Silva known from an earlier case, and a clerk's new case for an Ana Silva of the
    same birthday: (the new case, its possible duplicate, its applicant, the older record)."""
    from shared.models import StaffUser

    with transaction(app.extensions["caseway"].sessions) as session:
        older = make_party(session, date_of_birth=date(1984, 3, 14), email="ana@example.org")
        make_case(session, applicant=older, state="in_progress")
        draft = make_recording(session, clerk=session.get_one(StaffUser, clerk_id), sent=True)
        new_case = session.get_one(Case, draft.submitted_case_id)
        duplicate = session.scalars(
            select(PossibleDuplicate).where(PossibleDuplicate.case_id == new_case.id)
        ).one()
        return new_case.reference, duplicate.id, new_case.applicant_id, older.id


def duplicate_task(app: Flask, duplicate_id: int) -> Task:
    with app.extensions["caseway"].sessions() as session:
        duplicate = session.get_one(PossibleDuplicate, duplicate_id)
        assert duplicate.task_id is not None  # filing links the task it adds
        task = session.get_one(Task, duplicate.task_id)
        session.expunge(task)
        return task


def test_confirming_closes_its_task_and_the_case_page_shows_the_client_id_in_use(
    backoffice: Flask,
) -> None:
    clerk, member = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    reference, duplicate_id, newer_id, older_id = a_lookalike(backoffice, member.id)
    task = duplicate_task(backoffice, duplicate_id)
    assert task.state is TaskState.OPEN
    assert task.title.startswith("Possible duplicate:")

    path = f"/cases/{reference}/triage"
    confirm = post_form(clerk, f"/cases/{reference}/duplicates/{duplicate_id}",
                        {"decision": "confirm"}, form_page=path)  # fmt: skip
    assert confirm.status_code == 302
    task = duplicate_task(backoffice, duplicate_id)
    assert task.state is TaskState.DONE
    assert task.completed_at is not None
    with backoffice.extensions["caseway"].sessions() as session:
        older, newer = session.get_one(Party, older_id), session.get_one(Party, newer_id)
        decided = session.get_one(PossibleDuplicate, duplicate_id).decided_at
        assert task.completed_at == decided  # the same moment: one transaction
        done = session.scalars(select(Event).where(Event.kind == "task_completed")).one()
        assert (done.actor_staff_id, done.note) == (member.id, task.title)
        audit = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "task.completed")
        ).one()
        assert (audit.actor_id, audit.object_id) == (str(member.id), str(task.id))

    page = clerk.get(f"/cases/{reference}").get_data(as_text=True)
    assert CLIENT_ID_ROW.findall(page) == [older.client_id]  # not the record's own any more
    assert newer.client_id != older.client_id


def test_rejecting_closes_its_task_too(backoffice: Flask) -> None:
    clerk, member = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    reference, duplicate_id, newer_id, _older = a_lookalike(backoffice, member.id)
    reject = post_form(clerk, f"/cases/{reference}/duplicates/{duplicate_id}",
                       {"decision": "reject"}, form_page=f"/cases/{reference}/triage")  # fmt: skip
    assert reject.status_code == 302
    assert duplicate_task(backoffice, duplicate_id).state is TaskState.DONE
    with backoffice.extensions["caseway"].sessions() as session:
        newer = session.get_one(Party, newer_id)
    page = clerk.get(f"/cases/{reference}").get_data(as_text=True)
    assert CLIENT_ID_ROW.findall(page) == [newer.client_id]  # kept apart: its own


def test_a_task_already_done_by_hand_is_left_as_it_was(backoffice: Flask) -> None:
    clerk, member = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    reference, duplicate_id, _newer, _older = a_lookalike(backoffice, member.id)
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        task = session.get_one(Task, session.get_one(PossibleDuplicate, duplicate_id).task_id)
        task.state = TaskState.CANCELLED
    confirm = post_form(clerk, f"/cases/{reference}/duplicates/{duplicate_id}",
                        {"decision": "confirm"}, form_page=f"/cases/{reference}/triage")  # fmt: skip
    assert confirm.status_code == 302
    assert duplicate_task(backoffice, duplicate_id).state is TaskState.CANCELLED
    with backoffice.extensions["caseway"].sessions() as session:
        assert session.scalars(select(Event).where(Event.kind == "task_completed")).all() == []


def test_the_migration_fills_in_what_earlier_triages_left(fresh_database_url: str) -> None:
    """Migration 0019's filling in, on a database as the code before it left it: the risk
    reason taken from the triage's audit entry, each possible duplicate linked to its
    task, and the task of a pair decided back then marked done when it was decided. (Run
    as the migration runs it, not by going down and up: on SQLite, going down rebuilds
    the case table, which the rows pointing at it forbid.)"""
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from shared.db import make_engine
    from shared.services import triage
    from tests.factories import make_staff

    engine = make_engine(fresh_database_url)
    with Session(engine) as session, session.begin():
        clerk = make_staff(session, roles=(RoleCode.INTAKE_CLERK,))
        make_party(session, date_of_birth=date(1984, 3, 14), email="ana@example.org")
        new_case = session.get_one(
            Case, make_recording(session, clerk=clerk, sent=True).submitted_case_id
        )
        triage.triage_case(session, case=new_case, actor=clerk, category="blue_badge",
                           priority="high", risk="medium", risk_reason="Lives alone",
                           area="wales", route=None)  # fmt: skip
        duplicate = session.scalars(select(PossibleDuplicate)).one()
        triage.confirm_duplicate(session, duplicate=duplicate, actor=clerk)
        reference, duplicate_id, task_id = new_case.reference, duplicate.id, duplicate.task_id
    with engine.begin() as connection:  # as the code before 0019 left them
        connection.execute(update(Case).values(risk_reason=None))
        connection.execute(update(PossibleDuplicate).values(task_id=None))
        connection.execute(update(Task).values(state=TaskState.OPEN, completed_at=None))
    with engine.begin() as connection:
        run_the_filling_in_of_0019(connection)
    with Session(engine) as session:
        found = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert found.risk_reason == "Lives alone"
        duplicate = session.get_one(PossibleDuplicate, duplicate_id)
        assert duplicate.task_id == task_id
        task = session.get_one(Task, task_id)
        assert (task.state, task.completed_at) == (TaskState.DONE, duplicate.decided_at)
    engine.dispose()


def run_the_filling_in_of_0019(connection: Connection) -> None:
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    import shared.migrations.versions as versions

    path = Path(versions.__file__).parent / "0019_triage_risk_reason_and_duplicate_tasks.py"
    spec = importlib.util.spec_from_file_location("migration_0019", path)
    assert spec
    assert spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with Operations.context(MigrationContext.configure(connection)):
        migration._fill_in_risk_reasons()
        migration._link_duplicate_tasks()
