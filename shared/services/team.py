"""A supervisor's page of their team: who has how much, what is overdue or due this
week, the oldest cases nobody has yet, and the team's success measures over a period.

Everything is counted by the database (aggregates and index ranges on precomputed
datetimes), never by loading the team's cases into Python.

The measures, as defined here:
- Resolved: a case whose decision the resident has been given, that is a case now
  decided or closed (closed follows decided in every workflow); resolved at the decision's
  given_at (its approval where the case type needs one, else when it was made), the
  latest of the case's decisions (a returned decision is never approved, so the one
  given is the latest). Withdrawn cases are not resolutions and are left out.
- Average days to resolution: calendar days (fractional) from submitted_at to resolved
  at, over the cases of the team resolved in the period.
- Share resolved within the SLA: of those resolved in the period that had a due date,
  the share resolved at or before it (due_at is the end of the due day).
- Backlog by age: the team's open cases now (not decided, closed or withdrawn), by
  calendar days since submission: 0 to 5, 6 to 10, 11 to 20 and over 20.
The period runs from the start of its first day to the end of its last (UTC, the
service's dates: shared/services/tasks.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, and_, case, cast, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from shared import access
from shared.models import Case, Decision, StaffUser, Team
from shared.models.base import utcnow
from shared.models.case import open_case
from shared.permissions import Permission, may
from shared.services import assignment, decisions
from shared.services.assignment import Caseload
from shared.services.sla import service_date, sla_filter

RESOLVED_STATES = ("decided", "closed")
DEFAULT_PERIOD_DAYS = 30
CASES_SHOWN = 25  # of the overdue and due-this-week lists, most urgent first
UNASSIGNED_SHOWN = 10
# Backlog age buckets in calendar days: (first day, last day or None for "and over").
BACKLOG_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 5), (6, 10), (11, 20), (21, None))


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: date
    end: date

    @classmethod
    def default(cls, today: date) -> Period:
        """The last DEFAULT_PERIOD_DAYS days, today included."""
        return cls(today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), today)

    def bounds(self) -> tuple[datetime, datetime]:
        """[start of the first day, start of the day after the last) in UTC."""
        return (
            datetime.combine(self.start, time.min, tzinfo=UTC),
            datetime.combine(self.end, time.min, tzinfo=UTC) + timedelta(days=1),
        )


@dataclass(frozen=True)
class BacklogBucket:
    first_day: int
    last_day: int | None  # None: and over
    cases: int


@dataclass(frozen=True)
class Measures:
    period: Period
    resolved: int
    average_days_to_resolution: float | None  # None when nothing was resolved
    resolved_with_due_date: int
    resolved_within_sla: int
    backlog: list[BacklogBucket]

    @property
    def share_within_sla(self) -> float | None:
        if not self.resolved_with_due_date:
            return None
        return self.resolved_within_sla / self.resolved_with_due_date


@dataclass(frozen=True)
class CaseList:
    cases: list[Case]
    total: int  # all of them; `cases` holds the first CASES_SHOWN


@dataclass(frozen=True)
class TeamOverview:
    team: Team
    caseload: list[Caseload]
    overdue: CaseList
    due_this_week: CaseList
    oldest_unassigned: list[Case]
    measures: Measures | None  # None when no period was given (the one asked for was wrong)
    # Decisions waiting for an approval nobody but the person who made them could give:
    # stuck, with nothing else to show it (issue 23, defect 18).
    nobody_else_approves: list[Case] = field(default_factory=list)


def teams_visible_to(session: Session, *, staff: StaffUser) -> list[Team]:
    """The teams whose page this person may see: a supervisor's own team; every team to
    an auditor, who reads everything (the page changes nothing)."""
    if may(staff, Permission.READ_AUDIT):
        return list(session.scalars(select(Team).order_by(Team.name, Team.id)))
    if not may(staff, Permission.ASSIGN) or staff.team_id is None:
        return []
    team = session.get(Team, staff.team_id)
    return [team] if team is not None else []


def team_for(session: Session, *, staff: StaffUser, key: str) -> Team:
    """A team by its code (or its id) whose page this person may see; any other team is
    reported as not existing (access.NotFound)."""
    for team in teams_visible_to(session, staff=staff):
        if key in (team.code, str(team.id)):
            return team
    raise access.NotFound


def start_of_next_week(now: datetime) -> datetime:
    """The first moment of next Monday (UTC): "due this week" is due before it."""
    today = service_date(now)
    return datetime.combine(today + timedelta(days=7 - today.weekday()), time.min, tzinfo=UTC)


def due_this_week_filter(now: datetime) -> ColumnElement[bool]:
    """Clock running, not yet overdue, and due by the end of Sunday: the cases that will
    be overdue by next Monday but are not now (as assignment.caseload counts them)."""
    return sla_filter("overdue", start_of_next_week(now)) & (Case.due_at >= now)


def _open() -> ColumnElement[bool]:
    return open_case()


def team_overview(
    session: Session, *, team: Team, period: Period | None, now: datetime | None = None
) -> TeamOverview:
    now = now or utcnow()
    return TeamOverview(
        team=team,
        caseload=assignment.caseload(session, team=team, now=now),
        overdue=_case_list(session, team, sla_filter("overdue", now)),
        due_this_week=_case_list(session, team, due_this_week_filter(now)),
        oldest_unassigned=oldest_unassigned(session, team=team),
        measures=measures(session, team=team, period=period, now=now) if period else None,
        nobody_else_approves=nobody_else_approves(session, team=team),
    )


def nobody_else_approves(session: Session, *, team: Team) -> list[Case]:
    """The team's cases whose decision waits for an approval nobody but its maker could
    give, the longest waiting first (few: a decision waits days, not months)."""
    query = (
        _team_cases(team, Case.state.in_(decisions.APPROVAL_STATES))
        .options(joinedload(Case.case_type), joinedload(Case.assignee))
        .order_by(Case.updated_at, Case.id)
        .limit(CASES_SHOWN)
    )
    waiting = list(session.scalars(query))
    stuck = decisions.stuck_for_approval(session, waiting)
    return [case for case in waiting if case.id in stuck]


def _team_cases(team: Team, condition: ColumnElement[bool]) -> Select[Case]:
    return select(Case).where(Case.team_id == team.id, _open(), condition)


def _case_list(session: Session, team: Team, condition: ColumnElement[bool]) -> CaseList:
    query = (
        _team_cases(team, condition)
        .options(joinedload(Case.case_type), joinedload(Case.assignee))
        .order_by(Case.due_at, Case.id)
        .limit(CASES_SHOWN)
    )
    total = session.scalar(
        select(func.count()).select_from(Case)
        .where(Case.team_id == team.id, _open(), condition)
    )  # fmt: skip
    return CaseList(cases=list(session.scalars(query)), total=int(total or 0))


def oldest_unassigned(session: Session, *, team: Team, limit: int = UNASSIGNED_SHOWN) -> list[Case]:
    query = (
        _team_cases(team, Case.assignee_id.is_(None))
        .options(joinedload(Case.case_type))
        .order_by(Case.submitted_at, Case.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _days_between(session: Session, later: ColumnElement[datetime],
                  earlier: ColumnElement[datetime]) -> ColumnElement[Any]:  # fmt: skip
    """Calendar days from `earlier` to `later`, fractional, in the database's own terms."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return cast(func.julianday(later) - func.julianday(earlier), Float)


def measures(
    session: Session, *, team: Team, period: Period, now: datetime | None = None
) -> Measures:
    now = now or utcnow()
    start, end = period.bounds()
    # A case was resolved in the period when its last decision was given in it: one of its
    # decisions was given in the period and none after. The decisions given in the period
    # come off the indexes on decided_at and approved_at (a decision given in the period
    # was decided or approved in it), not from every decision ever made.
    given = func.coalesce(Decision.approved_at, Decision.decided_at)
    later = aliased(Decision)
    resolved = (
        select(Case.submitted_at, Case.due_at, func.max(given).label("resolved_at"))
        .join(Case, Case.id == Decision.case_id)
        .where(
            or_(
                and_(Decision.decided_at >= start, Decision.decided_at < end),
                and_(Decision.approved_at >= start, Decision.approved_at < end),
            ),
            given >= start,
            given < end,
            Case.team_id == team.id,
            Case.state.in_(RESOLVED_STATES),
            ~exists().where(
                later.case_id == Decision.case_id,
                func.coalesce(later.approved_at, later.decided_at) >= end,
            ),
        )
        .group_by(Case.id, Case.submitted_at, Case.due_at)
        .subquery()
    )
    totals = session.execute(
        select(
            func.count(),
            func.avg(_days_between(session, resolved.c.resolved_at, resolved.c.submitted_at)),
            func.count(resolved.c.due_at),
            func.sum(case((resolved.c.resolved_at <= resolved.c.due_at, 1), else_=0)),
        )
    ).one()
    return Measures(
        period=period,
        resolved=int(totals[0]),
        average_days_to_resolution=float(totals[1]) if totals[1] is not None else None,
        resolved_with_due_date=int(totals[2]),
        resolved_within_sla=int(totals[3] or 0),
        backlog=backlog_by_age(session, team=team, now=now),
    )


def backlog_by_age(session: Session, *, team: Team, now: datetime) -> list[BacklogBucket]:
    """The team's open cases by calendar days since submission (whole days elapsed)."""
    columns = []
    for first, last in BACKLOG_BUCKETS:
        # Aged at least `first` whole days: submitted at or before now - first days.
        condition = Case.submitted_at <= now - timedelta(days=first)
        if last is not None:
            condition = condition & (Case.submitted_at > now - timedelta(days=last + 1))
        columns.append(func.sum(case((condition, 1), else_=0)))
    row = session.execute(select(*columns).where(Case.team_id == team.id, _open())).one()
    return [
        BacklogBucket(first, last, int(count or 0))
        for (first, last), count in zip(BACKLOG_BUCKETS, row, strict=True)
    ]
