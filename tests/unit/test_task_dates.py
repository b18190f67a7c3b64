"""When a task is overdue: from the day after its due date, in the service's dates (UTC,
as every page shows them), whatever clock or offset "now" comes from."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from shared.models import Task, TaskState
from shared.services.tasks import SERVICE_TIMEZONE, due_date, is_overdue, service_today

DUE = date(2026, 3, 5)


def task_due(day: date | None, state: TaskState = TaskState.OPEN) -> Task:
    due_at = datetime(day.year, day.month, day.day, tzinfo=SERVICE_TIMEZONE) if day else None
    return Task(title="Call back", state=state, due_at=due_at)


@pytest.mark.parametrize(
    ("now", "overdue"),
    [
        (datetime(2026, 3, 4, 23, 59, tzinfo=UTC), False),
        (datetime(2026, 3, 5, 0, 0, tzinfo=UTC), False),  # the due day itself
        (datetime(2026, 3, 5, 23, 59, 59, tzinfo=UTC), False),  # its last second
        (datetime(2026, 3, 6, 0, 0, tzinfo=UTC), True),  # the first moment after it
        # The same moments seen from elsewhere: the service's date decides, not the offset.
        (datetime(2026, 3, 6, 0, 30, tzinfo=timezone(timedelta(hours=1))), False),
        (datetime(2026, 3, 5, 19, 0, tzinfo=timezone(timedelta(hours=-5))), True),
    ],
)
def test_a_task_is_overdue_from_the_day_after_it_was_due(now: datetime, overdue: bool) -> None:
    assert is_overdue(task_due(DUE), service_today(now)) is overdue


def test_a_task_done_or_without_a_due_date_is_never_overdue() -> None:
    long_after = DUE + timedelta(days=400)
    assert not is_overdue(task_due(DUE, TaskState.DONE), long_after)
    assert not is_overdue(task_due(DUE, TaskState.CANCELLED), long_after)
    assert not is_overdue(task_due(None), long_after)


def test_the_due_date_reads_back_as_the_day_given() -> None:
    assert due_date(task_due(DUE)) == DUE
    assert due_date(task_due(None)) is None
    assert due_date(task_due(date(9999, 12, 31))) == date(9999, 12, 31)  # the last there is
