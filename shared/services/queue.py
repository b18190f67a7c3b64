"""The triage queue: new cases (received, being triaged) a person may see, filtered,
oldest first or by due date, a page at a time by keyset, never OFFSET.

How it stays fast at a million cases (bench/queue.py EXPLAINs every query a page runs):
- The two queue states are read one state at a time, each query an equality on `state`
  and ORDER BY the rest of an index ((state, submitted_at, id) or (state, due_at, id)),
  with a row-value comparison `(submitted_at, id) > (:key, :id)` and LIMIT page + 1: the
  planner walks the index from the cursor and stops, with no sort of the table. A single
  `state IN (...) ORDER BY submitted_at, id` could not be read in order off one index (the
  index is ordered by state first). The two short lists are merged here, in Python:
  at most 2 x (page + 1) rows.
- Sorting by due date, cases without a due date come last (ordered by id): a separate
  query on `state = :s AND due_at IS NULL ORDER BY id`, which the same index serves.
- The count stops at COUNT_CAP + 1 rows: "more than 1,000" rather than a scan.
- Filters are conditions on the row (type, channel, priority, area, SLA) or EXISTS on
  small indexed tables (open possible duplicates, infected documents). Type, channel,
  priority and area each have an index (state, <filter>, submitted_at, id), so a page and
  its capped count filtered by one of them are read off an index range too, however rare
  the value; the bench measures the common filters.

The cursor names the sort, the direction, and the last (or first) row's sort key and id.
It is validated, not signed: it grants nothing (the query still filters to what the
person may see), so a hand-made cursor only starts the page somewhere else, and one that
does not parse is ignored (the page says so).
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    and_,
    exists,
    func,
    literal_column,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session, load_only

from shared.access import cases_visible_to
from shared.models import (
    Case,
    CaseChannel,
    CasePriority,
    CaseType,
    Document,
    DuplicateState,
    PossibleDuplicate,
    ScanState,
    StaffUser,
    Team,
)
from shared.models.base import utcnow
from shared.services import sla
from shared.sla.calendar import AREAS

QUEUE_STATES = ("submitted", "triage")
SORTS = ("received", "due")
SLA_STATES = ("due_soon", "overdue")
COUNT_CAP = 1000
PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
# Each filter accepts a handful of values; more is not a person choosing from checkboxes.
MAX_VALUES = 20

Sort = Literal["received", "due"]


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows, as the page's query string says (and a saved view keeps)."""

    case_types: tuple[str, ...] = ()
    channels: tuple[CaseChannel, ...] = ()
    priorities: tuple[CasePriority, ...] = ()
    areas: tuple[str, ...] = ()
    possible_duplicate: bool = False
    held_upload: bool = False
    sla: str | None = None  # "due_soon" or "overdue"
    sort: Sort = "received"
    states: tuple[str, ...] = ()  # of QUEUE_STATES; none chosen: both

    @classmethod
    def from_args(cls, args: Mapping[str, Any], *, case_types: Iterable[str] = ()) -> QueueFilters:
        """From a query string (a MultiDict) or a saved view's dict: values not offered
        are dropped, never an error. `case_types`: the codes that exist."""

        def values(name: str) -> list[str]:
            if hasattr(args, "getlist"):
                found = args.getlist(name)
            else:
                raw = args.get(name, [])
                found = raw if isinstance(raw, list) else [raw]
            return [value for value in found if isinstance(value, str)][:MAX_VALUES]

        def chosen(name: str, allowed: Iterable[str]) -> tuple[str, ...]:
            offered = list(allowed)
            return tuple(dict.fromkeys(v for v in values(name) if v in offered))

        channel_values = [channel.value for channel in CaseChannel]
        priority_values = [priority.value for priority in CasePriority]
        flags = set(values("flag"))
        sla_state = next(iter(chosen("sla", SLA_STATES)), None)
        sort = next(iter(chosen("sort", SORTS)), "received")
        return cls(
            case_types=chosen("case_type", case_types),
            channels=tuple(CaseChannel(v) for v in chosen("channel", channel_values)),
            priorities=tuple(CasePriority(v) for v in chosen("priority", priority_values)),
            areas=chosen("area", AREAS),
            possible_duplicate="possible_duplicate" in flags,
            held_upload="held_upload" in flags,
            sla=sla_state,
            sort="due" if sort == "due" else "received",
            states=chosen("state", QUEUE_STATES),
        )

    def to_args(self, *, with_sort: bool = True) -> list[tuple[str, str]]:
        """The query string of these filters (the inverse of from_args)."""
        args: list[tuple[str, str]] = [("state", state) for state in self.states]
        args += [("case_type", code) for code in self.case_types]
        args += [("channel", channel.value) for channel in self.channels]
        args += [("priority", priority.value) for priority in self.priorities]
        args += [("area", area) for area in self.areas]
        if self.possible_duplicate:
            args.append(("flag", "possible_duplicate"))
        if self.held_upload:
            args.append(("flag", "held_upload"))
        if self.sla:
            args.append(("sla", self.sla))
        if with_sort and self.sort != "received":
            args.append(("sort", self.sort))
        return args

    def to_saved(self) -> dict[str, list[str]]:
        """What a saved view keeps: the query string as lists of values."""
        saved: dict[str, list[str]] = {}
        for name, value in self.to_args():
            saved.setdefault(name, []).append(value)
        return saved

    @property
    def is_filtered(self) -> bool:
        return bool(self.to_args(with_sort=False))


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (or, going back, before) the row with this sort key
    and id. `segment` 1 is the cases without a due date, which come last."""

    sort: Sort
    key: datetime | None
    case_id: int
    backwards: bool = False

    @property
    def segment(self) -> int:
        return 1 if self.key is None else 0

    def encode(self) -> str:
        key = self.key.astimezone(UTC).isoformat() if self.key else None
        raw = json.dumps([self.sort, "b" if self.backwards else "a", key, self.case_id])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """The cursor, or None for anything that is not one we made (tampered, truncated,
        from another sort): the caller shows the first page and says so."""
        if not text or len(text) > 200:
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            sort, direction, key, case_id = json.loads(raw)
            if sort not in SORTS or direction not in ("a", "b"):
                return None
            if type(case_id) is not int or not 0 < case_id < 2**31:
                return None
            when = None
            if key is not None:
                when = datetime.fromisoformat(key)
                if when.tzinfo is None:
                    return None
                when = when.astimezone(UTC)  # here, not in the query: 9999-12-31-01:00 overflows
            if key is None and sort == "received":
                return None
            return cls(sort=sort, key=when, case_id=case_id, backwards=direction == "b")
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
            return None


@dataclass(frozen=True)
class QueueItem:
    case: Case
    sla_flag: str | None
    possible_duplicate: bool
    held_upload: bool
    # Where the case is (so a clerk tells a routed or taken case from a new one).
    team_name: str | None = None
    assignee_name: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[QueueItem]
    next_cursor: Cursor | None
    previous_cursor: Cursor | None
    ids: list[int] = field(default_factory=list)


# What a row of the queue shows and its SLA flag reads: only these columns are loaded (a
# page loads page + 1 rows of each state, and the answers are a JSON document per case).
# Anything else read from a listed case is loaded on demand.
LISTED = (
    Case.id, Case.reference, Case.case_type_id, Case.state, Case.team_id, Case.assignee_id,
    Case.channel, Case.priority, Case.submitted_at, Case.due_at, Case.closed_at,
    Case.clock_stopped_at, Case.workflow_version,
)  # fmt: skip
_LISTED_ONLY = load_only(*LISTED)  # made once: building the option costs more than its query


def filter_conditions(
    session: Session, filters: QueueFilters, *, staff: StaffUser, now: datetime
) -> list[ColumnElement[bool]]:
    """Everything but the state and the keyset: what the person may see, and the filters."""
    conditions: list[ColumnElement[bool]] = [cases_visible_to(staff)]
    if filters.case_types:
        # The types' ids as values, not a subquery: the planner then reads the cases of
        # each type straight off ix_case_state_type_submitted.
        codes = select(CaseType.id).where(CaseType.code.in_(filters.case_types))
        conditions.append(Case.case_type_id.in_(list(session.scalars(codes))))
    if filters.channels:
        conditions.append(Case.channel.in_(filters.channels))
    if filters.priorities:
        conditions.append(Case.priority.in_(filters.priorities))
    if filters.areas:
        conditions.append(Case.area.in_(filters.areas))
    if filters.possible_duplicate:
        conditions.append(has_open_duplicate())
    if filters.held_upload:
        conditions.append(has_held_upload())
    if filters.sla:
        conditions.append(sla.sla_filter(filters.sla, now))
    return conditions


# The states as literals, the partial indexes' own conditions (ix_possible_duplicate_open,
# ix_document_held): a planner cannot see through a bound parameter that they apply.
_OPEN_DUPLICATE = PossibleDuplicate.state == literal_column(f"'{DuplicateState.OPEN.value}'")
_HELD = Document.scan_state == literal_column(f"'{ScanState.INFECTED.value}'")


def has_open_duplicate() -> ColumnElement[bool]:
    return exists().where(PossibleDuplicate.case_id == Case.id, _OPEN_DUPLICATE)


def has_held_upload() -> ColumnElement[bool]:
    return exists().where(Document.case_id == Case.id, _HELD)


def _flagged(session: Session, ids: list[int]) -> tuple[set[int], set[int]]:
    """Which of the page's cases have an open possible duplicate, and which a held upload:
    one query probing the two small partial indexes for these ids (as EXISTS beside each
    row, PostgreSQL read the whole of both indexes into a hash for every page)."""
    if not ids:
        return set(), set()
    duplicates = select(literal_column("'duplicate'", String), PossibleDuplicate.case_id).where(
        PossibleDuplicate.case_id.in_(ids), _OPEN_DUPLICATE
    )
    held = select(literal_column("'held'", String), Document.case_id).where(
        Document.case_id.in_(ids), _HELD
    )
    found: dict[str, set[int]] = {"duplicate": set(), "held": set()}
    rows = cast(Sequence[Row[str, int]], session.execute(union_all(duplicates, held)).all())
    for flag, case_id in rows:
        found[flag].add(case_id)
    return found["duplicate"], found["held"]


def _sort_column(sort: Sort) -> Any:
    return Case.due_at if sort == "due" else Case.submitted_at


def _segment_query(
    *,
    state: str,
    sort: Sort,
    segment: int,
    conditions: list[ColumnElement[bool]],
    cursor: Cursor | None,
    backwards: bool,
    limit: int,
) -> Select[Case]:
    """One state's rows of one segment, read off its index in order from the cursor."""
    column = _sort_column(sort)
    query = select(Case).options(_LISTED_ONLY).where(Case.state == state, *conditions)
    if segment == 0:
        if sort == "due":
            query = query.where(column.is_not(None))
        if cursor is not None and cursor.segment == 0:
            position = tuple_(column, Case.id)
            mark = tuple_(cursor.key, cursor.case_id)
            query = query.where(position < mark if backwards else position > mark)
        order = [column.desc(), Case.id.desc()] if backwards else [column, Case.id]
    else:
        query = query.where(column.is_(None))
        if cursor is not None and cursor.segment == 1:
            query = query.where(Case.id < cursor.case_id if backwards else Case.id > cursor.case_id)
        order = [Case.id.desc()] if backwards else [Case.id]
    return query.order_by(*order).limit(limit)


def _position(case: Case, sort: Sort) -> tuple[int, datetime, int]:
    key = case.due_at if sort == "due" else case.submitted_at
    if key is None:
        return (1, datetime.min.replace(tzinfo=UTC), case.id)
    return (0, key, case.id)


def _fetch_state(
    session: Session,
    *,
    state: str,
    sort: Sort,
    conditions: list[ColumnElement[bool]],
    cursor: Cursor | None,
    backwards: bool,
    wanted: int,
) -> list[Case]:
    segments = [0, 1] if sort == "due" else [0]
    if cursor is not None:
        # Forwards from the null segment there is nothing after it; backwards from the
        # first segment there is nothing before it.
        if backwards:
            segments = [s for s in segments if s <= cursor.segment]
        else:
            segments = [s for s in segments if s >= cursor.segment]
    if backwards:
        segments.reverse()
    found: list[Case] = []
    for segment in segments:
        if len(found) >= wanted:
            break
        query = _segment_query(state=state, sort=sort, segment=segment, conditions=conditions,
                               cursor=cursor, backwards=backwards,
                               limit=wanted - len(found))  # fmt: skip
        found += session.scalars(query).all()
    return found


def triage_queue(
    session: Session,
    *,
    staff: StaffUser,
    filters: QueueFilters,
    after: Cursor | None = None,
    limit: int = PAGE_SIZE,
    now: datetime | None = None,
) -> Page:
    """A page of the queue: after the cursor (or before it, for a cursor going back), or
    the first page. A cursor of another sort is ignored (the first page)."""
    now = now or utcnow()
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if after is not None and after.sort != filters.sort:
        after = None
    backwards = after is not None and after.backwards
    conditions = filter_conditions(session, filters, staff=staff, now=now)
    per_state = [
        _fetch_state(
            session,
            state=state,
            sort=filters.sort,
            conditions=conditions,
            cursor=after,
            backwards=backwards,
            wanted=limit + 1,
        )  # fmt: skip
        for state in filters.states or QUEUE_STATES
    ]
    merged = list(
        heapq.merge(*per_state, key=lambda case: _position(case, filters.sort), reverse=backwards)
    )
    more = len(merged) > limit
    cases = merged[:limit]
    if backwards:
        cases.reverse()
    has_previous = more if backwards else after is not None
    has_next = True if backwards else more
    if not cases:
        has_previous = has_next = False
    next_cursor = _cursor_at(cases[-1], filters.sort, backwards=False) if has_next else None
    previous_cursor = _cursor_at(cases[0], filters.sort, backwards=True) if has_previous else None
    ids = [case.id for case in cases]
    duplicates, held = _flagged(session, ids)
    teams, people = _names(session, cases)
    items = [
        QueueItem(case=case, sla_flag=sla.sla_flag(case, now),
                  possible_duplicate=case.id in duplicates, held_upload=case.id in held,
                  team_name=teams.get(case.team_id or 0),
                  assignee_name=people.get(case.assignee_id or 0))
        for case in cases
    ]  # fmt: skip
    return Page(items=items, next_cursor=next_cursor, previous_cursor=previous_cursor, ids=ids)


def _names(session: Session, cases: list[Case]) -> tuple[dict[int, str], dict[int, str]]:
    """The page's teams' and assignees' names by id: two lookups by primary key for the
    page, rather than a lazy load for each row."""
    team_ids = {case.team_id for case in cases if case.team_id is not None}
    staff_ids = {case.assignee_id for case in cases if case.assignee_id is not None}
    teams: dict[int, str] = {}
    people: dict[int, str] = {}
    if team_ids:
        for team_id, name in session.execute(
            select(Team.id, Team.name).where(Team.id.in_(team_ids))
        ):
            teams[team_id] = name
    if staff_ids:
        for staff_id, display_name in session.execute(
            select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(staff_ids))
        ):
            people[staff_id] = display_name
    return teams, people


def _cursor_at(case: Case, sort: Sort, *, backwards: bool) -> Cursor:
    key = case.due_at if sort == "due" else case.submitted_at
    return Cursor(sort=sort, key=key, case_id=case.id, backwards=backwards)


@dataclass(frozen=True)
class Count:
    number: int
    capped: bool  # more than `number`


def count_queue(
    session: Session,
    *,
    staff: StaffUser,
    filters: QueueFilters,
    cap: int = COUNT_CAP,
    now: datetime | None = None,
) -> Count:
    """How many cases match, counting no further than `cap` + 1 rows of each state: each
    state counted as the page reads it (an equality on the state, so the planner can use
    the state's composite indexes rather than every queue case of both states)."""
    conditions = filter_conditions(session, filters, staff=staff, now=now or utcnow())
    # Each member a subquery of its own: SQLite takes no LIMIT on a member of a UNION.
    limited = union_all(*(
        select(literal_column("1")).select_from(
            select(true().label("one")).select_from(Case)
            .where(Case.state == state, and_(*conditions)).limit(cap + 1).subquery()
        )
        for state in filters.states or QUEUE_STATES
    )).subquery()  # fmt: skip
    number = session.scalar(select(func.count()).select_from(limited)) or 0
    return Count(number=min(number, cap), capped=number > cap)


def queue_case_types(session: Session) -> list[CaseType]:
    """The case types the filter offers."""
    return list(session.scalars(select(CaseType).order_by(CaseType.code)))
