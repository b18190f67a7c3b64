"""Working-day arithmetic per area: weekends off, the area's bank holidays (the `holidays`
library's UK subdivisions) and the area's closure days (ClosureDay rows).

Dates are the service's dates (UTC, as everywhere in Caseway: shared/services/tasks.py).
"After start up to and including end" is the one convention throughout: the day something
starts is not counted, the day it ends is.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache

import holidays
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import ClosureDay

AREAS = ("england", "wales", "scotland", "northern_ireland")
AREA_NAMES = {
    "england": _l("England"),
    "wales": _l("Wales"),
    "scotland": _l("Scotland"),
    "northern_ireland": _l("Northern Ireland"),
}
DEFAULT_AREA = "england"
_SUBDIVISIONS = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}
# A guard against a typo turning into a loop over centuries (e.g. 2_000_000 working days).
MAX_WORKING_DAYS = 2_000


@cache
def bank_holidays(area: str, year: int) -> dict[date, str]:
    """The area's bank holidays in `year` (English names, from the `holidays` library),
    observed days included: Scotland's 2 January on a Saturday is off on the Monday."""
    found = holidays.country_holidays("GB", subdiv=_SUBDIVISIONS[area], years=year)
    return dict(found.items())


class WorkingCalendar:
    """One area's working days. `closures` are the area's closure days (date -> name)."""

    def __init__(self, area: str = DEFAULT_AREA, closures: Mapping[date, str] | None = None):
        if area not in _SUBDIVISIONS:
            raise ValueError(f"unknown area {area!r}; known: {AREAS}")
        self.area = area
        self.closures = dict(closures or {})

    def _day_off(self, day: date) -> str | None:
        """Why `day` is not a working day (a holiday's or closure's name, or "" for a
        weekend), or None when it is one."""
        if day.weekday() >= 5:
            return ""
        return bank_holidays(self.area, day.year).get(day) or self.closures.get(day)

    def is_working_day(self, day: date) -> bool:
        return self._day_off(day) is None

    def add(self, start: date, working_days: int) -> date:
        """The day `working_days` working days after `start` (start itself never counts;
        0 gives `start`). Submitted on a Friday with 1 working day: the Monday."""
        if not 0 <= working_days <= MAX_WORKING_DAYS:
            raise ValueError(f"working days must be 0 to {MAX_WORKING_DAYS}, not {working_days}")
        day, left = start, working_days
        while left:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def count(self, start: date, end: date) -> int:
        """The working days after `start` up to and including `end` (0 when end <= start)."""
        total, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                total += 1
        return total

    def holidays_between(self, start: date, end: date) -> list[tuple[date, str]]:
        """The bank holidays and closure days after `start` up to and including `end` that
        fell on weekdays (those on a weekend moved nothing), in date order."""
        found, day = [], start
        while day < end:
            day += timedelta(days=1)
            reason = self._day_off(day)
            if reason:
                found.append((day, reason))
        return found


def calendar_for(session: Session, area: str | None) -> WorkingCalendar:
    """The working calendar of `area` (None: England, until triage sets the area), with the
    closure days administrators added for it."""
    area = area or DEFAULT_AREA
    rows = session.execute(select(ClosureDay.day, ClosureDay.name).where(ClosureDay.area == area))
    return WorkingCalendar(area, {row.day: row.name for row in rows})
