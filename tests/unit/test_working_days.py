"""Working days per area: weekends, each nation's bank holidays (from the `holidays`
library), closure days, and the SLA arithmetic built on them (pauses and extensions add
working days; flags and filters agree); the policies file refused when it is wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.models import Case
from shared.services.sla import DUE_SOON_WORKING_DAYS, end_of, sla_flag
from shared.sla.calendar import AREAS, WorkingCalendar
from shared.sla.policies import POLICIES_FILE, PolicyError, load_policies

ENGLAND, WALES = WorkingCalendar("england"), WorkingCalendar("wales")
SCOTLAND, NORTHERN_IRELAND = WorkingCalendar("scotland"), WorkingCalendar("northern_ireland")


def test_weekends_are_not_working_days() -> None:
    friday = date(2027, 2, 12)
    assert ENGLAND.add(friday, 0) == friday
    assert ENGLAND.add(friday, 1) == date(2027, 2, 15)  # the Monday
    assert ENGLAND.add(date(2027, 2, 13), 1) == date(2027, 2, 15)  # from a Saturday too
    assert ENGLAND.add(friday, 5) == date(2027, 2, 19)
    assert ENGLAND.count(friday, date(2027, 2, 15)) == 1
    assert ENGLAND.count(friday, date(2027, 2, 14)) == 0  # a weekend counts nothing
    assert ENGLAND.count(friday, friday) == ENGLAND.count(friday, date(2027, 2, 1)) == 0
    with pytest.raises(ValueError, match="working days"):
        ENGLAND.add(friday, -1)


def test_each_nation_keeps_its_own_bank_holidays() -> None:
    # Scotland's 2 January (a Friday in 2026) is a working day elsewhere.
    new_year = date(2025, 12, 31)
    assert ENGLAND.add(new_year, 1) == WALES.add(new_year, 1) == date(2026, 1, 2)
    assert SCOTLAND.add(new_year, 1) == date(2026, 1, 5)
    assert NORTHERN_IRELAND.add(new_year, 1) == date(2026, 1, 2)
    # St Patrick's Day, 17 March 2027 (a Wednesday): Northern Ireland only.
    assert NORTHERN_IRELAND.add(date(2027, 3, 16), 1) == date(2027, 3, 18)
    assert (
        SCOTLAND.add(date(2027, 3, 16), 1) == ENGLAND.add(date(2027, 3, 16), 1) == date(2027, 3, 17)
    )
    # Easter 2027: Good Friday everywhere; Easter Monday (29 March) not in Scotland.
    thursday = date(2027, 3, 25)
    assert ENGLAND.add(thursday, 1) == WALES.add(thursday, 1) == date(2027, 3, 30)
    assert NORTHERN_IRELAND.add(thursday, 1) == date(2027, 3, 30)
    assert SCOTLAND.add(thursday, 1) == date(2027, 3, 29)
    # A holiday on a weekend is observed on a weekday: Scotland's 2 January 2027 is a
    # Saturday, so 4 January is off there; the names say which.
    assert SCOTLAND.holidays_between(date(2026, 12, 31), date(2027, 1, 8)) == [
        (date(2027, 1, 1), "New Year's Day"),
        (date(2027, 1, 4), "New Year Holiday (observed)"),
    ]
    assert [day for day, _ in ENGLAND.holidays_between(date(2026, 12, 31), date(2027, 1, 8))] == [
        date(2027, 1, 1)
    ]
    with pytest.raises(ValueError, match="unknown area"):
        WorkingCalendar("mars")


def test_closure_days_are_days_off_in_their_area_only() -> None:
    closed = WorkingCalendar("wales", {date(2027, 3, 3): "Office move"})
    assert closed.add(date(2027, 3, 2), 1) == date(2027, 3, 4)
    assert WALES.add(date(2027, 3, 2), 1) == date(2027, 3, 3)
    assert closed.count(date(2027, 3, 1), date(2027, 3, 5)) == 3
    assert closed.holidays_between(date(2027, 3, 1), date(2027, 3, 31)) == [
        (date(2027, 3, 3), "Office move"),
        (date(2027, 3, 26), "Good Friday"),
        (date(2027, 3, 29), "Easter Monday"),
    ]


@settings(max_examples=40, deadline=None)
@given(
    area=st.sampled_from(AREAS),
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(0, 60),
    paused=st.integers(0, 20),
)
def test_pauses_and_extensions_move_the_date_on_by_working_days(
    area: str, start: date, days: int, paused: int
) -> None:
    calendar = WorkingCalendar(area)
    due = calendar.add(start, days)
    # Counting back gives the days; adding a pause after the date is adding it up front.
    assert calendar.count(start, due) == days
    assert calendar.add(start, days + paused) == calendar.add(due, paused)
    assert days == 0 or calendar.is_working_day(due)
    off = calendar.holidays_between(start, due)
    assert (due - start).days == days + len(off) + sum(
        (start + timedelta(n)).weekday() >= 5 for n in range(1, (due - start).days + 1)
    )


def case_due(due: date | None, **fields: object) -> Case:
    values: dict[str, object] = {"closed_at": None, "clock_stopped_at": None}
    return Case(due_at=end_of(due) if due else None, **(values | fields))


def test_flags_overdue_from_the_day_after_and_due_soon_within_three_working_days() -> None:
    assert DUE_SOON_WORKING_DAYS == 3
    wednesday = datetime(2027, 2, 17, 9, 0, tzinfo=UTC)
    assert sla_flag(case_due(date(2027, 2, 17)), wednesday) == "due_soon"  # due today
    assert sla_flag(case_due(date(2027, 2, 16)), wednesday) == "overdue"
    assert sla_flag(case_due(date(2027, 2, 16)), datetime(2027, 2, 16, 23, 59, tzinfo=UTC)) == (
        "due_soon"
    )
    # Three working days from a Wednesday reach over the weekend to Monday.
    assert sla_flag(case_due(date(2027, 2, 22)), wednesday) == "due_soon"
    assert sla_flag(case_due(date(2027, 2, 23)), wednesday) is None
    # No flag without a date, once closed, or while the clock is stopped.
    late = date(2027, 1, 4)
    assert sla_flag(case_due(None), wednesday) is None
    assert sla_flag(case_due(late, closed_at=wednesday), wednesday) is None
    assert sla_flag(case_due(late, clock_stopped_at=wednesday), wednesday) is None


def test_the_shipped_policies_match_the_case_types_targets() -> None:
    policies = load_policies()
    assert {"standard", "fast_track"} <= set(policies.policies)
    assert policies.default_for("application").code == "standard"
    assert policies.default_for("complaint").working_days  # every priority has its days


GOOD = POLICIES_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("normal = 10", "normal = 0"), "policy.fast_track.normal: must be whole working days"),
        (("urgent = 2\n", ""), "policy.fast_track.urgent: must be whole working days"),
        (('complaint = "fast_track"', 'complaint = "slow"'), "default.complaint: 'slow' is not"),
        (('complaint = "fast_track"', 'complaint = "standard"'), "target_days = 10"),
        (('label.en = "Standard"\n', ""), "policy.standard: needs label.en"),
        (("high = 5\n", "high = 5\nweekly = 1\n"), "unknown keys ['weekly']"),
        (("[default]", "[defaults]"), "missing or malformed 'default'"),
        (("[default]", "[default"), "sla_policies.toml: "),
    ],
)
def test_a_wrong_policies_file_is_refused_with_one_line(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = tmp_path / POLICIES_FILE.name
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(PolicyError) as refused:
        load_policies(path)
    assert message in str(refused.value)
    assert str(refused.value).startswith("sla_policies.toml: ")
    assert "\n" not in str(refused.value)
