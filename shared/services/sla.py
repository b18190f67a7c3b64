"""A case's SLA: the clock in working days, its pauses, extensions and flags.

The due date is `sla_working_days + paused_working_days + extended_working_days` working
days after the day the case was submitted, in its area's calendar (shared/sla/calendar.py),
recomputed whenever one of them changes (so a closure day added later moves it too).
`due_at` is the end of that day (23:59:59.999999 UTC, the service keeping its dates in UTC
as shared/services/tasks.py does): a case is overdue from the first moment of the next day,
and `due_at` shown as a date is the due date itself.

Pauses: when the workflow moves a case from a state whose clock runs into one where it is
stopped (waiting for the resident; also decided and closed, where it never restarts),
`clock_stopped_at` is set; when it moves back to a running state, the working days after
the day it stopped up to and including the day it restarted are added to
`paused_working_days` (the day it stopped counts as used; the day it restarts is given
back). A case whose clock is stopped or that is closed has no flag, is never escalated and
never matches the SLA filters: its lateness is nobody's to act on until it runs again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session

from shared.access import may_see_case
from shared.models import Case, CasePriority, Event, Role, RoleCode, StaffUser
from shared.models.base import utcnow
from shared.notices.kinds import NoticeKind
from shared.permissions import Permission, may
from shared.services import audit, notices
from shared.sla.calendar import calendar_for
from shared.sla.policies import load_policies
from shared.workflow import workflow_for

SlaFlag = Literal["overdue", "due_soon"]
FLAGS: tuple[SlaFlag, ...] = ("overdue", "due_soon")
# "Due soon": due within this many working days. Approximated for lists and flags by
# skipping weekends only (a bank holiday in the window makes the window one day shorter):
# one cut-off for every area keeps the filter a single index comparison on due_at.
DUE_SOON_WORKING_DAYS = 3
MAX_EXTENSION_WORKING_DAYS = 100
REASON_MAX_LENGTH = 2000


class ExtensionRefused(Exception):
    """Nothing was written. `reason`: not_allowed (not a supervisor who may see the case),
    missing_reason, days (not 1 to MAX_EXTENSION_WORKING_DAYS), closed (no clock)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def service_date(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


def start_clock(session: Session, *, case: Case, policy_code: str | None) -> None:
    """Apply an SLA policy (None: the case type's default) at the case's priority: sets
    sla_policy, sla_working_days and due_at. Pauses and extensions so far still count."""
    policies = load_policies()
    if policy_code:
        policy = policies.get(policy_code)
    else:
        policy = policies.default_for(case.case_type.code)
    case.sla_policy = policy.code
    # Before its first flush a new case's column defaults are not set yet.
    case.sla_working_days = policy.days_for(case.priority or CasePriority.NORMAL)
    _set_due(session, case)


def total_working_days(case: Case) -> int:
    return (
        (case.sla_working_days or 0)
        + (case.paused_working_days or 0)
        + (case.extended_working_days or 0)
    )


def _set_due(session: Session, case: Case) -> None:
    calendar = calendar_for(session, case.area)
    submitted = service_date(case.submitted_at or utcnow())
    case.due_at = end_of(calendar.add(submitted, total_working_days(case)))
    if case.overdue_notified_at is not None and case.due_at > utcnow():
        # Due again in the future: if it goes overdue again, the supervisor hears again.
        case.overdue_notified_at = None


def clock_state_changed(session: Session, *, case: Case, from_state: str, to_state: str) -> None:
    """Stop or restart the clock as the case's workflow moves between states."""
    workflow = workflow_for(case.case_type.code, case.workflow_version)
    was_running = from_state not in workflow.states or workflow.states[from_state].clock_runs
    runs = to_state not in workflow.states or workflow.states[to_state].clock_runs
    now = utcnow()
    if was_running and not runs:
        case.clock_stopped_at = now
    elif runs and not was_running and case.clock_stopped_at is not None:
        calendar = calendar_for(session, case.area)
        paused = calendar.count(service_date(case.clock_stopped_at), service_date(now))
        case.paused_working_days = (case.paused_working_days or 0) + paused
        case.clock_stopped_at = None
        if case.sla_working_days is not None:
            _set_due(session, case)
        elif case.due_at is not None:  # a case from before SLAs: move its date on
            case.due_at = end_of(calendar.add(service_date(case.due_at), paused))


def extend(
    session: Session, *, case: Case, working_days: int, reason: str, actor: StaffUser
) -> Event:
    """A supervisor gives the case more working days, with a reason: the due date moves
    on; a staff-only timeline entry and an audit entry say who, how many and why."""
    if not may(actor, Permission.ASSIGN) or not may_see_case(actor, case):
        raise ExtensionRefused("not_allowed")
    reason = reason.strip()
    if not reason:
        raise ExtensionRefused("missing_reason")
    if not 1 <= working_days <= MAX_EXTENSION_WORKING_DAYS:
        raise ExtensionRefused("days")
    session.refresh(case, with_for_update=True)  # two extensions at once both count
    if (
        case.closed_at is not None
        or workflow_for(case.case_type.code, case.workflow_version).states[case.state].final
    ):
        raise ExtensionRefused("closed")
    before = case.due_at
    case.extended_working_days = (case.extended_working_days or 0) + working_days
    if case.sla_working_days is None:
        start_clock(session, case=case, policy_code=None)
    else:
        _set_due(session, case)
    event = Event(case=case, kind="sla_extended", actor_staff_id=actor.id, note=reason,
                  is_public=False)  # fmt: skip
    session.add(event)
    audit.record(
        session,
        actor=actor,
        action="case.sla_extended",
        object_kind="case",
        object_id=case.reference,
        details={
            "working_days": working_days,
            "reason": reason,
            "due_before": before.isoformat() if before else None,
            "due_after": case.due_at.isoformat() if case.due_at else None,
        },
    )
    session.flush()
    return event


def _clock_running(case: Case) -> bool:
    return case.due_at is not None and case.closed_at is None and case.clock_stopped_at is None


def due_soon_cutoff(now: datetime) -> datetime:
    """The end of the day DUE_SOON_WORKING_DAYS weekdays after today (weekends skipped,
    bank holidays not: see DUE_SOON_WORKING_DAYS)."""
    day, left = service_date(now), DUE_SOON_WORKING_DAYS
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return end_of(day)


def sla_flag(case: Case, now: datetime) -> SlaFlag | None:
    """ "overdue" once the due date has passed, "due_soon" within DUE_SOON_WORKING_DAYS
    working days of it, else None; None too without a due date, when the case is closed,
    or while its clock is stopped (waiting for the resident, or decided)."""
    if not _clock_running(case) or case.due_at is None:
        return None
    if case.due_at < now:
        return "overdue"
    if case.due_at <= due_soon_cutoff(now):
        return "due_soon"
    return None


def sla_filter(flag: str, now: datetime) -> ColumnElement[bool]:
    """The cases whose sla_flag(case, now) is `flag`, as a WHERE condition: due_at compared
    with precomputed datetimes (an index range on due_at), no function per row."""
    running = and_(
        Case.due_at.is_not(None), Case.closed_at.is_(None), Case.clock_stopped_at.is_(None)
    )
    if flag == "overdue":
        return and_(running, Case.due_at < now)
    if flag == "due_soon":
        return and_(running, Case.due_at >= now, Case.due_at <= due_soon_cutoff(now))
    raise ValueError(f"unknown SLA flag {flag!r}; known: {FLAGS}")


def overdue_to_escalate(session: Session, *, now: datetime, limit: int = 500) -> list[int]:
    """Cases in a team whose clock runs past their due date and whose supervisors have
    not been told yet, oldest due first. A case without a team has no supervisor to tell:
    it waits (flagged overdue in the queue) until triage routes it."""
    query = (
        select(Case.id)
        .where(sla_filter("overdue", now), Case.overdue_notified_at.is_(None))
        .where(Case.team_id.is_not(None))
        .order_by(Case.due_at, Case.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def escalate_overdue(session: Session, *, case_id: int, now: datetime) -> int:
    """Tell the case's team supervisors it went overdue, once: the case is claimed by a
    conditional UPDATE (only while overdue_notified_at IS NULL), so of two schedulers or
    workers racing, one writes the notices and the other finds nothing to claim. Returns
    the notices written (0: claimed by another, or no longer overdue)."""
    claim = (
        update(Case)
        .where(Case.id == case_id, Case.overdue_notified_at.is_(None))
        .where(sla_filter("overdue", now), Case.team_id.is_not(None))
        .values(overdue_notified_at=now)
        .execution_options(synchronize_session=False)
    )
    if session.execute(claim).rowcount != 1:  # type: ignore[attr-defined]
        return 0
    case = session.get(Case, case_id, populate_existing=True)
    if case is None or case.due_at is None:  # pragma: no cover - claimed just now
        return 0
    due = service_date(case.due_at)
    context = {"reference": case.reference, "due_date": due.isoformat(),
               "days_overdue": max(1, (service_date(now) - due).days)}  # fmt: skip
    sent = 0
    for supervisor in team_supervisors(session, team_id=case.team_id):
        notices.create_notice(session, kind=NoticeKind.OVERDUE_ESCALATION, recipient=supervisor,
                              case=case, context=context)  # fmt: skip
        sent += 1
    audit.record(session, actor=None, action="case.overdue_escalated", object_kind="case",
                 object_id=case.reference, details={"supervisors": sent})  # fmt: skip
    return sent


def team_supervisors(session: Session, *, team_id: int | None) -> list[StaffUser]:
    if team_id is None:
        return []
    query = (
        select(StaffUser)
        .where(StaffUser.team_id == team_id, StaffUser.is_active.is_(True))
        .where(StaffUser.roles.any(Role.code == RoleCode.SUPERVISOR.value))
        .order_by(StaffUser.id)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class DueDateExplained:
    """What makes a case's due date, for the resident's case page and the staff's."""

    due: date
    submitted: date
    working_days: int  # the policy's, at the case's priority
    paused: int  # working days the clock was stopped (waiting for the resident)
    extended: int  # working days a supervisor added
    bank_holidays: list[date]  # on weekdays between submission and the due date
    closures: list[date]  # the area's closure days, likewise
    clock_stopped_since: date | None


def explain(session: Session, *, case: Case) -> DueDateExplained | None:
    """Why the case is due when it is; None for a case without an SLA (or a due date)."""
    if case.due_at is None or case.sla_working_days is None:
        return None
    calendar = calendar_for(session, case.area)
    submitted, due = service_date(case.submitted_at), service_date(case.due_at)
    days_off = calendar.holidays_between(submitted, due)
    return DueDateExplained(
        due=due,
        submitted=submitted,
        working_days=case.sla_working_days,
        paused=case.paused_working_days or 0,
        extended=case.extended_working_days or 0,
        bank_holidays=[day for day, _name in days_off if day not in calendar.closures],
        closures=[day for day, _name in days_off if day in calendar.closures],
        clock_stopped_since=service_date(case.clock_stopped_at) if case.clock_stopped_at else None,
    )
