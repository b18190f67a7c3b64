"""Notices sent while other work competes for them: two workers with duplicate jobs for the
same notices, and sweeps run while a worker is busy sending hundreds. Every notice is
sent exactly once, and every sweep does its work (on SQLite it once failed with
"database is locked").

Who wins the claim, and whether a sweep can write while a worker writes, is the
database's business, so these run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from redis import Redis
from rq import Queue, Worker
from rq.registry import StartedJobRegistry
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from shared import PROJECT_ROOT
from shared.db import make_engine, make_session_factory, transaction
from shared.jobs.notices import enqueue_send
from shared.jobs.queues import NOTICES
from shared.models import Notice, NoticeState
from shared.models.base import utcnow
from tests.mailserver import MailServer
from tests.workers import SWEEP, Processes, new_notices, outcome

DUPLICATED = 40
BACKLOG = 270  # enqueued when they were committed
LOST = 30  # their enqueue lost to a Redis outage, for the sweeps to find
SWEEPS = 6


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.2)


def all_sent(sessions: sessionmaker[Session], notice_ids: list[int]) -> bool:
    with sessions() as session:
        states = session.scalars(select(Notice.state).where(Notice.id.in_(notice_ids))).all()
    return set(states) == {NoticeState.SENT}


def test_two_workers_with_duplicate_jobs_send_every_notice_once(
    env: dict[str, str], mail: MailServer, processes: Processes, tmp_path: Path
) -> None:
    engine = make_engine(env["CASEWAY_DATABASE_URL"])
    sessions = make_session_factory(engine)  # no outbox: the test enqueues
    with Redis.from_url(env["CASEWAY_REDIS_URL"]) as redis:
        notices_queue = Queue(NOTICES, connection=redis)
        for number in range(2):
            processes.worker(env, tmp_path / f"worker-{number}.log")
        wait_until(lambda: len(Worker.all(queue=notices_queue)) == 2, 120, "two workers ready")

        notice_ids = new_notices(sessions, DUPLICATED, prefix="duplicated")
        for notice_id in notice_ids:  # each job twice in a row, so that both workers take
            enqueue_send(notice_id, env["CASEWAY_REDIS_URL"])  # the same notice at once
            enqueue_send(notice_id, env["CASEWAY_REDIS_URL"])
        started = StartedJobRegistry(queue=notices_queue)

        def done() -> bool:
            return notices_queue.count + started.count == 0 and all_sent(sessions, notice_ids)

        wait_until(done, 180, "every notice sent and every job done")

    assert outcome(sessions, mail, notice_ids) == dict.fromkeys(notice_ids, (NoticeState.SENT, 1))
    engine.dispose()


def start_sweep(env: dict[str, str]) -> subprocess.Popen[str]:
    """The sweep as the scheduler runs it: with its grace period for stale notices."""
    return subprocess.Popen([sys.executable, "-c", SWEEP.format(None)], env=env,
                            cwd=PROJECT_ROOT, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)  # fmt: skip


def lose_enqueues(sessions: sessionmaker[Session], notice_ids: list[int]) -> None:
    """As if these had been committed ten minutes ago while Redis was down."""
    with transaction(sessions) as session:
        session.execute(
            update(Notice)
            .where(Notice.id.in_(notice_ids))
            .values(updated_at=utcnow() - timedelta(minutes=10))
        )


def test_sweeps_run_while_a_worker_sends_hundreds_all_succeed_and_send_each_once(
    env: dict[str, str], mail: MailServer, processes: Processes, tmp_path: Path
) -> None:
    engine = make_engine(env["CASEWAY_DATABASE_URL"])
    sessions = make_session_factory(engine)  # no outbox: the test enqueues
    backlog = new_notices(sessions, BACKLOG, prefix="backlog")
    lost = new_notices(sessions, LOST, prefix="lost")
    lose_enqueues(sessions, lost)
    for notice_id in backlog:
        enqueue_send(notice_id, env["CASEWAY_REDIS_URL"])

    busy = processes.start(["worker", "--queue", NOTICES, "--burst"], env, tmp_path / "worker.log")
    wait_until(lambda: len(mail.messages) > 0, 120, "the worker sending")
    sweeps = []
    for _ in range(SWEEPS):  # while it sends, one after another, overlapping
        sweeps.append(start_sweep(env))
        time.sleep(0.5)
    results = [process.communicate(timeout=120)[0] for process in sweeps]
    for process, output in zip(sweeps, results, strict=True):
        assert process.returncode == 0, output
        assert "Traceback" not in output, output
        assert "could not run" not in output, output  # it would have left its work undone
    # Each lost notice was found by exactly one sweep.
    assert sum(int(output.split()[-1]) for output in results) == LOST

    # A second worker helps finish the backlog, and sends what the sweeps enqueued if the
    # busy one had already emptied the queue.
    helper = processes.start(
        ["worker", "--queue", NOTICES, "--burst"], env, tmp_path / "helper.log"
    )
    for process, log in ((busy, "worker.log"), (helper, "helper.log")):
        assert process.wait(timeout=240) == 0, (tmp_path / log).read_text()[-5000:]
    everything = backlog + lost
    assert outcome(sessions, mail, everything) == dict.fromkeys(everything, (NoticeState.SENT, 1))
    engine.dispose()
