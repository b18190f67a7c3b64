"""Redis forgets a notice's job: restarted without persistence after the notice failed (its
retry was a scheduled job in Redis), or down when the case was filed (the enqueue after
the commit failed). The database still says what is owed, the sweep enqueues it, and it
is sent once.

What is lost is in Redis, so these run on SQLite only.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from shared.db import make_engine, transaction
from shared.jobs.outbox import sessions_with_outbox
from shared.jobs.queues import NOTICES
from shared.models import Notice, NoticeState
from shared.services import cases, parties
from shared.services.casetypes import case_type_for
from tests.mailserver import MailServer
from tests.redisserver import private_redis
from tests.workers import CLOSED_REDIS, load, make_due, new_notice, outcome, queued, run_burst
from tests.workers import sweep as run_sweep

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def notices_queue(connection: Redis) -> tuple[Queue, ScheduledJobRegistry]:
    notices = Queue(NOTICES, connection=connection)
    return notices, ScheduledJobRegistry(queue=notices)


def test_a_failed_notice_whose_retry_redis_lost_is_sent_by_the_sweep(
    env: dict[str, str], mail: MailServer, tmp_path: Path
) -> None:
    with private_redis(tmp_path) as redis_server:
        env = {**env, "CASEWAY_REDIS_URL": redis_server.url}
        engine = make_engine(env["CASEWAY_DATABASE_URL"])
        sessions = sessions_with_outbox(engine, redis_server.url)
        mail.refuse_rcpt = "451 4.3.0 Mailbox busy, try again later"
        notice_id = new_notice(sessions)
        run_burst(env)
        assert load(sessions, notice_id).state is NoticeState.FAILED
        with Redis.from_url(redis_server.url) as connection:
            _, retries = notices_queue(connection)
            assert retries.count == 1  # its retry: a job in Redis, and only there

        redis_server.restart()  # no persistence: the retry is gone
        with Redis.from_url(redis_server.url) as connection:
            queued_jobs, retries = notices_queue(connection)
            assert (queued_jobs.count, retries.count) == (0, 0)
        mail.refuse_nothing()
        make_due(sessions, [notice_id])  # rather than wait the 10 s
        assert run_sweep(env) == 1
        run_burst(env)
        assert outcome(sessions, mail, [notice_id]) == {notice_id: (NoticeState.SENT, 1)}
        engine.dispose()


def test_a_case_filed_while_redis_is_down_has_its_acknowledgement_swept_and_sent_once(
    env: dict[str, str], mail: MailServer
) -> None:
    engine = make_engine(env["CASEWAY_DATABASE_URL"])
    filing = sessions_with_outbox(engine, CLOSED_REDIS)
    with transaction(filing) as session:  # commits; the enqueue after it fails and is logged
        applicant = parties.register_person(
            session, given_name="Ana", family_name="Silva", email="ana@example.org"
        )
        case = cases.open_case(session, case_type=case_type_for(session, "application"),
                               applicant=applicant, summary="Parking permit", answers={})  # fmt: skip
    with filing() as session:
        (notice_id,) = session.scalars(select(Notice.id).where(Notice.case_id == case.id)).all()
    assert load(filing, notice_id).state is NoticeState.PENDING
    assert queued(env) == 0

    assert run_sweep(env) == 1
    run_burst(env)
    assert outcome(filing, mail, [notice_id]) == {notice_id: (NoticeState.SENT, 1)}
    engine.dispose()
