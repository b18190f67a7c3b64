"""A caseworker's "My work": the open cases assigned to them, soonest due first, and the
open tasks given to them.

Cases are paged by keyset on (due_at, id), the order of the index
ix_case_assignee_due (assignee_id, due_at, id), never by OFFSET: each page is read off
the index from where the last one ended, at any depth. Cases without a due date (not yet
given an SLA) come last. Databases disagree about where NULL sorts in an index
(PostgreSQL: last; SQLite: first), so the list is read as two runs of the same index,
each a plain range: the dated cases by (due_at, id), then the undated ones by id.

Cases with a new message from the resident (issue 17) are listed too: the person's own
open cases whose latest message is the resident's and unread by them
(shared/services/messages.py new_from_resident).

The cases waiting in the team's queue say whether the case page offers this person
"Assign to me", and if not why (issue 23, defect 12): the same rule as the page's
(shared/services/assignment.py why_not_to_self). A case of theirs whose decision waits
for an approval nobody but its maker could give is flagged (defect 18).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, select, tuple_
from sqlalchemy.orm import Session, defer, joinedload

from shared import access
from shared.models import Case, StaffUser, Task, TaskState
from shared.models.base import utcnow
from shared.models.case import open_case
from shared.services import assignment, decisions, messages, tasks, team
from shared.services.sla import sla_flag

PAGE_SIZE = 25
TEAM_WAITING_SHOWN = 10
TASKS_SHOWN = 50  # the soonest due; a person with more has a backlog to talk about
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TOKEN = re.compile(r"(?:d(-?[0-9]{1,17})|n)\.([0-9]{1,10})")


@dataclass(frozen=True)
class Cursor:
    """Where a page starts or ends: a case's due date (None: not set) and its id."""

    due_at: datetime | None
    id: int

    @classmethod
    def of(cls, case: Case) -> Cursor:
        return cls(case.due_at, case.id)

    def token(self) -> str:
        """For a URL: "d<microseconds since 1970>.<id>", or "n.<id>" without a due date."""
        if self.due_at is None:
            return f"n.{self.id}"
        micros = (self.due_at - _EPOCH) // timedelta(microseconds=1)
        return f"d{micros}.{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """The cursor a link carried; None for anything else (the first page is shown)."""
        match = _TOKEN.fullmatch(token or "")
        if match is None or not 0 < int(match.group(2)) < 2**31:
            return None
        if match.group(1) is None:
            return cls(None, int(match.group(2)))
        try:
            due_at = _EPOCH + timedelta(microseconds=int(match.group(1)))
        except OverflowError:
            return None
        return cls(due_at, int(match.group(2)))


@dataclass(frozen=True)
class WorkItem:
    case: Case
    sla: str | None  # "overdue", "due_soon" or None (shared.services.sla.sla_flag)
    # Its decision waits for an approval nobody but the person who made it could give.
    nobody_else_approves: bool = False


@dataclass(frozen=True)
class WaitingCase:
    """A case in the team's queue, and why the case page offers this person no "Assign
    to me" (None: it does)."""

    case: Case
    why_not_mine: str | None


@dataclass(frozen=True)
class CasePage:
    items: list[WorkItem]
    next: Cursor | None  # the last case shown, when there are more after it
    previous: Cursor | None  # the first case shown, when there are more before it


@dataclass(frozen=True)
class TaskDue:
    task: Task
    case: Case
    due_on: date | None
    is_overdue: bool


@dataclass(frozen=True)
class MyWork:
    cases: CasePage
    tasks: list[TaskDue]
    # The oldest cases routed to the person's team that nobody has taken yet: where a
    # caseworker picks up their next case ("Assign to me" on the case, where offered).
    team_waiting: list[WaitingCase]
    # The person's cases with a new message from the resident, unread by them (issue 17).
    new_messages: list[messages.WaitingMessage] = field(default_factory=list)


def my_work(
    session: Session,
    *,
    staff: StaffUser,
    after: Cursor | None = None,
    before: Cursor | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> MyWork:
    """One page of this person's open cases (after `after`, or before `before`, or the
    first) and their open tasks."""
    now = now or utcnow()
    return MyWork(
        cases=my_cases(session, staff=staff, after=after, before=before, limit=limit, now=now),
        tasks=my_tasks(session, staff=staff, now=now),
        team_waiting=[
            WaitingCase(case, assignment.why_not_to_self(session, case, staff))
            for case in (
                team.oldest_unassigned(session, team=staff.team, limit=TEAM_WAITING_SHOWN)
                if staff.team is not None
                else []
            )
        ],
        new_messages=messages.new_from_resident(session, staff=staff, now=now),
    )


def my_cases(
    session: Session,
    *,
    staff: StaffUser,
    after: Cursor | None = None,
    before: Cursor | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> CasePage:
    now = now or utcnow()
    limit = limit or PAGE_SIZE
    rows: list[Case] = []
    if before is not None and after is None:
        found = _backward(session, staff, before, limit + 1)
        if len(found) > limit:
            rows = list(reversed(found[:limit]))
            has_previous, has_next = True, True
        # else: back at the start; the first page is shown whole (below)
    elif after is not None:
        found = _forward(session, staff, after, limit + 1)
        rows = found[:limit]
        has_previous, has_next = True, len(found) > limit
    if not rows:  # the first page: asked for, back at the start, or past the end now
        found = _forward(session, staff, None, limit + 1)
        rows = found[:limit]
        has_previous, has_next = False, len(found) > limit
    stuck = decisions.stuck_for_approval(session, rows)
    items = [WorkItem(case, sla_flag(case, now), case.id in stuck) for case in rows]
    return CasePage(
        items=items,
        next=Cursor.of(rows[-1]) if rows and has_next else None,
        previous=Cursor.of(rows[0]) if rows and has_previous else None,
    )


# A listed case comes with its type, without its answers (a JSON document). The options
# are made once: building them costs more than the query they shape.
_LISTED = (joinedload(Case.case_type), defer(Case.answers))


def _theirs(staff: StaffUser) -> Select[Case]:
    return select(Case).where(Case.assignee_id == staff.id, open_case()).options(*_LISTED)


def _dated(after: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
    dated = Case.due_at.is_not(None)
    return dated if after is None else dated & after


def _forward(session: Session, staff: StaffUser, after: Cursor | None, limit: int) -> list[Case]:
    rows: list[Case] = []
    if after is None or after.due_at is not None:
        condition = (
            None if after is None else tuple_(Case.due_at, Case.id) > (after.due_at, after.id)
        )
        query = _theirs(staff).where(_dated(condition)).order_by(Case.due_at, Case.id)
        rows = list(session.scalars(query.limit(limit)))
    if len(rows) < limit:  # on into the cases without a due date
        undated = _theirs(staff).where(Case.due_at.is_(None))
        if after is not None and after.due_at is None:
            undated = undated.where(Case.id > after.id)
        rows += session.scalars(undated.order_by(Case.id).limit(limit - len(rows)))
    return rows


def _backward(session: Session, staff: StaffUser, before: Cursor, limit: int) -> list[Case]:
    """The cases just before `before`, nearest first."""
    rows: list[Case] = []
    if before.due_at is None:
        undated = _theirs(staff).where(Case.due_at.is_(None), Case.id < before.id)
        rows = list(session.scalars(undated.order_by(Case.id.desc()).limit(limit)))
    if len(rows) < limit:
        condition = (
            None if before.due_at is None
            else tuple_(Case.due_at, Case.id) < (before.due_at, before.id)
        )  # fmt: skip
        query = _theirs(staff).where(_dated(condition))
        query = query.order_by(Case.due_at.desc(), Case.id.desc()).limit(limit - len(rows))
        rows += session.scalars(query)
    return rows


def my_tasks(
    session: Session, *, staff: StaffUser, limit: int = TASKS_SHOWN, now: datetime | None = None
) -> list[TaskDue]:
    """Open tasks given to this person, soonest due first (undated last), on cases they
    may still see (a case may have moved to another team since)."""
    today = tasks.service_today(now)
    query = (
        select(Task, Case)
        .join(Case, Task.case_id == Case.id)
        .where(
            Task.assignee_id == staff.id,
            Task.state == TaskState.OPEN,
            access.cases_visible_to(staff),
        )
        .order_by(Task.due_at.is_(None), Task.due_at, Task.id)
        .limit(limit)
    )
    return [
        TaskDue(task, case, tasks.due_date(task), tasks.is_overdue(task, today))
        for task, case in session.execute(query)
    ]
