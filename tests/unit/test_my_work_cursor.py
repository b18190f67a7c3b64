"""My work's page cursor survives the round trip through a link, and anything else in
its place is no cursor (the first page is shown)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from shared.services.my_work import Cursor

MOMENTS = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@given(due_at=st.none() | MOMENTS, case_id=st.integers(min_value=1, max_value=2**31 - 1))
def test_a_cursor_comes_back_from_its_token(due_at: datetime | None, case_id: int) -> None:
    cursor = Cursor(due_at, case_id)
    assert Cursor.parse(cursor.token()) == cursor


@given(st.text(max_size=30))
def test_anything_else_is_no_cursor_or_a_well_formed_one(text: str) -> None:
    found = Cursor.parse(text)
    assert found is None or Cursor.parse(found.token()) == found


def test_junk_is_no_cursor() -> None:
    for junk in ("", "n.0", "n.-1", "d.1", "x", "d1.99999999999", f"n.{2**31}", "d1.2 ", None):
        assert Cursor.parse(junk) is None, junk
