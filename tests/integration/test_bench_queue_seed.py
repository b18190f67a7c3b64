"""The queue benchmark's seeding (bench/queue_seed.py) writes rows past the ORM, by COPY
on PostgreSQL and executemany on SQLite: they must read back through the real models and
services exactly as rows the apps wrote, or the benchmark measures something else."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.queue_seed import seed
from shared.db import make_engine
from shared.models import Case, Event, StaffUser
from shared.references import normalise_reference
from shared.services import my_work, queue, team


def test_seeded_cases_read_back_through_the_services(fresh_database_url: str) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    engine = make_engine(fresh_database_url)
    try:
        seeded = seed(engine, 3000, now, say=lambda _line: None)
        world = seeded.world
        with Session(engine) as session:
            counted = session.execute(select(Case.state, func.count()).group_by(Case.state))
            states = {row[0]: int(row[1]) for row in counted}
            assert sum(states.values()) == 3000
            assert states["closed"] > 2000
            assert {"submitted", "triage", "assigned", "withdrawn"} <= set(states)
            cases = session.scalars(select(Case).order_by(Case.id)).all()
            assert all(normalise_reference(c.reference) == c.reference for c in cases)
            assert [c.submitted_at for c in cases] == sorted(c.submitted_at for c in cases)
            assert all(c.submitted_at <= now and c.due_at is not None for c in cases)
            events = session.scalar(select(func.count()).select_from(Event))
            assert events is not None
            assert events > 3 * 3000

            # The queue, as the bench's intake clerk sees it: oldest first, by keyset.
            clerk = session.get(StaffUser, world.clerks[0])
            assert clerk is not None
            first = queue.triage_queue(session, staff=clerk, filters=queue.QueueFilters(), now=now)
            waiting = sorted((c.submitted_at, c.id) for c in cases
                             if c.state in queue.QUEUE_STATES)  # fmt: skip
            assert first.ids == [i for _, i in waiting[:25]]
            assert first.next_cursor is not None
            second = queue.triage_queue(session, staff=clerk, filters=queue.QueueFilters(),
                                        after=first.next_cursor, now=now)  # fmt: skip
            assert second.ids == [i for _, i in waiting[25:50]]

            # My work holds exactly the open cases the seeding gave the caseworker.
            worker_id, load = max(world.open_cases_of.items(), key=lambda item: item[1])
            worker = session.get(StaffUser, worker_id)
            assert worker is not None
            work = my_work.my_cases(session, staff=worker, limit=500, now=now)
            assert len(work.items) == load

            # The team page's figures come out of the seeded rows.
            supervisor = session.get(StaffUser, world.supervisors[world.teams["permits"]][0])
            assert supervisor is not None
            found = team.team_for(session, staff=supervisor, key="permits")
            period = team.Period.default(now.date())
            overview = team.team_overview(session, team=found, period=period, now=now)
            assert overview.measures is not None
            assert overview.measures.resolved > 0
    finally:
        engine.dispose()
