"""Tasks on a case: added, assigned, done (and reopened), each with an internal event on
the case's history and an audit entry. Who did what lives there, not on the task.

Dates: the service keeps and shows dates in UTC (shared/i18n.py formats every date with
tzinfo=UTC), so a task due on a day is due at the start of that day in UTC, and "today"
is today's date in UTC. A task is overdue from the day after its due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shared import access
from shared.models import Case, Event, Role, StaffUser, Task, TaskState
from shared.models.base import utcnow
from shared.permissions import ROLE_PERMISSIONS, Permission, may
from shared.services import audit

SERVICE_TIMEZONE = UTC
TITLE_MAX_LENGTH = 200  # Task.title

# The roles whose holders may be given a task (they work cases): read from the
# permissions, so a role granted WORK_CASES later needs no change here.
_WORKING_ROLES = [role.value for role, granted in ROLE_PERMISSIONS.items()
                  if Permission.WORK_CASES in granted]  # fmt: skip


class TaskRefused(Exception):
    """Nothing was written. `reason`: not_allowed (the actor may not work this case),
    title, assignee (may not work or see this case), due_in_past, not_open (already
    done: a second press), not_done (reopening one that is open)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def service_today(now: datetime | None = None) -> date:
    """Today's date where the service keeps its dates."""
    return (now or utcnow()).astimezone(SERVICE_TIMEZONE).date()


def due_date(task: Task) -> date | None:
    return task.due_at.astimezone(SERVICE_TIMEZONE).date() if task.due_at else None


def is_overdue(task: Task, today: date) -> bool:
    """Still open after the day it was due."""
    due = due_date(task)
    return task.state is TaskState.OPEN and due is not None and today > due


def may_work_on(staff: StaffUser, case: Case) -> bool:
    """An active member of staff who works cases and may see this one: who may be
    given a task on it, and who may add, assign and complete its tasks."""
    return may(staff, Permission.WORK_CASES) and access.may_see_case(staff, case)


def assignable_staff(session: Session, *, case: Case) -> list[StaffUser]:
    """Everyone a task on this case may be given to, by name."""
    query = (
        select(StaffUser)
        .where(StaffUser.is_active.is_(True), StaffUser.roles.any(Role.code.in_(_WORKING_ROLES)))
        .options(selectinload(StaffUser.roles))
        .order_by(StaffUser.display_name, StaffUser.id)
    )
    return [staff for staff in session.scalars(query) if may_work_on(staff, case)]


def add_task(
    session: Session,
    *,
    case: Case,
    author: StaffUser,
    title: str,
    assignee: StaffUser | None = None,
    due_on: date | None = None,
    today: date | None = None,
) -> Task:
    """A new open task. The due date may be today but not before (`today` is the
    service's date unless given)."""
    _check_may_work(author, case)
    title = title.strip()
    if not title or len(title) > TITLE_MAX_LENGTH:
        raise TaskRefused("title")
    if assignee is not None and not may_work_on(assignee, case):
        raise TaskRefused("assignee")
    if due_on is not None and due_on < (today or service_today()):
        raise TaskRefused("due_in_past")
    task = Task(case_id=case.id, title=title, assignee_id=assignee.id if assignee else None,
                due_at=_start_of(due_on))  # fmt: skip
    session.add(task)
    session.flush()
    _write_history(session, task=task, case=case, actor=author, kind="task_added", details={
        "assignee_id": task.assignee_id, "due_on": due_on.isoformat() if due_on else None,
    })  # fmt: skip
    return task


def assign_task(
    session: Session, *, task: Task, case: Case, actor: StaffUser, assignee: StaffUser | None
) -> Task:
    """Give an open task to someone else, or to nobody."""
    _check_may_work(actor, case, task)
    session.refresh(task, with_for_update=True)
    if task.state is not TaskState.OPEN:
        raise TaskRefused("not_open")
    if assignee is not None and not may_work_on(assignee, case):
        raise TaskRefused("assignee")
    before, task.assignee_id = task.assignee_id, assignee.id if assignee else None
    _write_history(session, task=task, case=case, actor=actor, kind="task_assigned",
                   details={"before": before, "after": task.assignee_id})  # fmt: skip
    return task


def complete_task(session: Session, *, task: Task, case: Case, actor: StaffUser) -> Task:
    """Done. A task already done is refused, so a second press (or a second person at
    the same moment: the row is locked) changes nothing."""
    _check_may_work(actor, case, task)
    session.refresh(task, with_for_update=True)
    if task.state is not TaskState.OPEN:
        raise TaskRefused("not_open")
    _mark_done(session, task=task, case=case, actor=actor, done_at=utcnow())
    return task


def mark_done_by(
    session: Session, *, task: Task, case: Case, actor: StaffUser, done_at: datetime
) -> bool:
    """Done by another action the actor was allowed to take, in its transaction (deciding
    a possible duplicate at triage does what the task asked, though an intake clerk does
    not otherwise work cases). A task no longer open (done or cancelled by hand) is left
    as it is. Whether it was marked done."""
    session.refresh(task, with_for_update=True)
    if task.state is not TaskState.OPEN or task.case_id != case.id:
        return False
    _mark_done(session, task=task, case=case, actor=actor, done_at=done_at)
    return True


def _mark_done(
    session: Session, *, task: Task, case: Case, actor: StaffUser, done_at: datetime
) -> None:
    task.state, task.completed_at = TaskState.DONE, done_at
    _write_history(session, task=task, case=case, actor=actor, kind="task_completed")


def reopen_task(session: Session, *, task: Task, case: Case, actor: StaffUser) -> Task:
    """Open again a task marked done by mistake."""
    _check_may_work(actor, case, task)
    session.refresh(task, with_for_update=True)
    if task.state is not TaskState.DONE:
        raise TaskRefused("not_done")
    task.state, task.completed_at = TaskState.OPEN, None
    _write_history(session, task=task, case=case, actor=actor, kind="task_reopened")
    return task


@dataclass(frozen=True)
class ListedTask:
    """A task as a case page lists it."""

    task: Task
    assignee: StaffUser | None
    due_on: date | None
    is_overdue: bool


def open_tasks_for(session: Session, *, case: Case) -> list[Task]:
    """The case's open tasks, soonest due first (those without a due date last)."""
    return [listed.task for listed in tasks_on(session, case=case)
            if listed.task.state is TaskState.OPEN]  # fmt: skip


def tasks_on(session: Session, *, case: Case, today: date | None = None) -> list[ListedTask]:
    """Open tasks, soonest due first (those without a due date last), then done ones,
    latest first; cancelled ones are not listed."""
    query = (
        select(Task, StaffUser)
        .outerjoin(StaffUser, Task.assignee_id == StaffUser.id)
        .where(Task.case_id == case.id, Task.state.in_([TaskState.OPEN, TaskState.DONE]))
        .order_by(Task.id)
    )
    day = today or service_today()
    listed = [ListedTask(task, assignee, due_date(task), is_overdue(task, day))
              for task, assignee in session.execute(query)]  # fmt: skip
    return sorted(listed, key=_listing_order)


def _listing_order(listed: ListedTask) -> tuple[bool, bool, float]:
    task = listed.task
    if task.state is TaskState.OPEN:
        return (False, task.due_at is None, (task.due_at or task.created_at).timestamp())
    return (True, False, -(task.completed_at or task.created_at).timestamp())


def _check_may_work(actor: StaffUser, case: Case, task: Task | None = None) -> None:
    if not may_work_on(actor, case) or (task is not None and task.case_id != case.id):
        raise TaskRefused("not_allowed")


def _start_of(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=SERVICE_TIMEZONE) if day else None


def _write_history(
    session: Session,
    *,
    task: Task,
    case: Case,
    actor: StaffUser,
    kind: str,
    details: dict[str, Any] | None = None,
) -> None:
    # Internal: the resident never sees tasks (access.public_timeline keeps public events).
    session.add(Event(case=case, kind=kind, actor_staff_id=actor.id, note=task.title,
                      is_public=False))  # fmt: skip
    audit.record(session, actor=actor, action=kind.replace("_", ".", 1), object_kind="task",
                 object_id=task.id,
                 details={"case": case.reference, **(details or {})})  # fmt: skip
    session.flush()
