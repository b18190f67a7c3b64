"""Closure days: days an area's offices close beyond its bank holidays, added and removed
by administrators, audited. A closure day is a day off for the SLA clock, so adding one
moves on by a working day the due date of every open case of the area that runs over it
(and removing one moves it back): grouped by due date, one UPDATE per date, never a
recomputation case by case."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from shared.models import Case, ClosureDay, StaffUser
from shared.models.base import utcnow
from shared.services import audit
from shared.sla.calendar import AREAS, DEFAULT_AREA, bank_holidays, calendar_for

NAME_MAX_LENGTH = 120  # ClosureDay.name
YEARS_AHEAD = 5


class ClosureDayRefused(Exception):
    """Nothing was written. `reason`: area, past, too_far, weekend, bank_holiday (then
    `holiday` names it), duplicate, name, missing (removing one already gone)."""

    def __init__(self, reason: str, holiday: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.holiday = holiday


def closure_days(session: Session) -> list[ClosureDay]:
    """Every closure day, the coming ones first in date order, then the past, latest first."""
    today = utcnow().date()
    found = list(session.scalars(select(ClosureDay).order_by(ClosureDay.day, ClosureDay.area)))
    return [c for c in found if c.day >= today] + [c for c in reversed(found) if c.day < today]


def add_closure_day(
    session: Session, *, area: str, day: date, name: str, actor: StaffUser
) -> ClosureDay:
    name = name.strip()
    _check(session, area=area, day=day, name=name)
    closure = ClosureDay(area=area, day=day, name=name, added_by_staff_id=actor.id)
    session.add(closure)
    session.flush()
    moved = _move_due_dates(session, area=area, day=day, step=1)
    audit.record(session, actor=actor, action="closure_day.added", object_kind="closure_day",
                 object_id=closure.id, details={"area": area, "day": day.isoformat(),
                                                "name": name, "cases_moved": moved})  # fmt: skip
    return closure


def remove_closure_day(session: Session, *, closure_id: int, actor: StaffUser) -> ClosureDay:
    closure = session.get(ClosureDay, closure_id, with_for_update=True)
    if closure is None:
        raise ClosureDayRefused("missing")
    area, day, name = closure.area, closure.day, closure.name
    session.delete(closure)
    session.flush()
    moved = _move_due_dates(session, area=area, day=day, step=-1) if day >= utcnow().date() else 0
    audit.record(session, actor=actor, action="closure_day.removed", object_kind="closure_day",
                 object_id=closure_id, details={"area": area, "day": day.isoformat(),
                                                "name": name, "cases_moved": moved})  # fmt: skip
    return closure


def _check(session: Session, *, area: str, day: date, name: str) -> None:
    if area not in AREAS:
        raise ClosureDayRefused("area")
    if not name or len(name) > NAME_MAX_LENGTH:
        raise ClosureDayRefused("name")
    today = utcnow().date()
    if day < today:  # the past's due dates, met or missed, stay as they were
        raise ClosureDayRefused("past")
    if day.year > today.year + YEARS_AHEAD:
        raise ClosureDayRefused("too_far")
    if day.weekday() >= 5:
        raise ClosureDayRefused("weekend")
    holiday = bank_holidays(area, day.year).get(day)
    if holiday:
        raise ClosureDayRefused("bank_holiday", holiday)
    taken = select(ClosureDay.id).where(ClosureDay.area == area, ClosureDay.day == day)
    if session.scalar(taken) is not None:
        raise ClosureDayRefused("duplicate")


def _in_area(area: str) -> ColumnElement[bool]:
    # A case without an area yet follows England's calendar (shared/sla/calendar.py).
    return (
        or_(Case.area == area, Case.area.is_(None)) if area == DEFAULT_AREA else Case.area == area
    )


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _move_due_dates(session: Session, *, area: str, day: date, step: int) -> int:
    """Open cases of the area submitted before `day` and due on or after it gain (step 1)
    or lose (step -1) the working day. Each due date moves by the calendar as it is now
    (the closure already added or removed), latest first when moving on and earliest first
    when moving back, so no case moves twice."""
    # Moving back, a case due on the day itself was dated before the closure existed.
    first_due = day if step > 0 else day + timedelta(days=1)
    affected = and_(
        _in_area(area),
        Case.closed_at.is_(None),
        Case.sla_working_days.is_not(None),
        Case.submitted_at < _start(day),
        Case.due_at >= _start(first_due),
    )
    due_dates = sorted(
        {
            due.astimezone(UTC).date()
            for due in session.scalars(select(Case.due_at).where(affected).distinct())
            if due is not None
        },
        reverse=step > 0,
    )
    calendar = calendar_for(session, area)
    moved = 0
    for due in due_dates:
        if step > 0:
            new_due = calendar.add(due, 1)
        else:
            new_due = due - timedelta(days=1)
            while not calendar.is_working_day(new_due):
                new_due -= timedelta(days=1)
        on_that_day = and_(affected, Case.due_at >= _start(due),
                           Case.due_at < _start(due + timedelta(days=1)))  # fmt: skip
        result = session.execute(
            update(Case)
            .where(on_that_day)
            .values(due_at=datetime.combine(new_due, time.max, tzinfo=UTC))
            .execution_options(synchronize_session=False)
        )
        moved += result.rowcount  # type: ignore[attr-defined]
    session.expire_all()  # cases loaded in this session read their new dates
    return moved
