"""How fast one worker sends notices, as a ratio to RQ's own speed on a no-op job.

    .venv/bin/python -m bench.notices_throughput [--count 10000] [--database-url URL]

Needs Redis and the local services (`eval "$(scripts/services.sh start)"`). Both phases use
the same kind of worker (one `rq` worker process, forking a work horse per job) on the
same Redis, in the same run, so the ratio holds on a noisy shared machine where seconds
do not. The SMTP server is a local aiosmtpd that counts messages.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from bench.jobs import noop
from shared import PROJECT_ROOT
from shared.db import make_engine, make_session_factory, transaction
from shared.jobs.notices import SEND_TIMEOUT_SECONDS, send_notice
from shared.jobs.queues import NOTICES
from shared.models import Notice, NoticeState, Party
from shared.notices.kinds import NoticeKind
from shared.services import notices, schema
from tests.mailserver import running_mail_server

BENCH_REDIS_DB = 10
BASELINE_QUEUE = "bench-noop"


def timed_burst(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def baseline(redis_url: str, count: int) -> float:
    """Seconds for one worker to run `count` no-op jobs."""
    connection = Redis.from_url(redis_url)
    queue = Queue(BASELINE_QUEUE, connection=connection)
    with connection.pipeline() as pipe:
        for _ in range(count):
            queue.enqueue(noop, pipeline=pipe)
        pipe.execute()
    rq = str(Path(sys.executable).with_name("rq"))
    return timed_burst(
        [rq, "worker", "--burst", "--url", redis_url, BASELINE_QUEUE], dict(os.environ)
    )


def create_notices(database_url: str, count: int) -> list[int]:
    sessions = make_session_factory(make_engine(database_url))  # no outbox: enqueued below
    with transaction(sessions) as session:
        party = Party(client_id="C-BENCH", given_name="Bench", family_name="Mark",
                      email="bench@example.org", preferred_locale="cy")  # fmt: skip
        session.add(party)
        session.flush()
        ids = []
        for number in range(count):
            notice = notices.create_notice(
                session, kind=NoticeKind.NEW_MESSAGE, recipient=party,
                context={"recipient_name": "Bench Mark", "reference": f"BNCH-{number:04d}-X",
                         "case_url": "https://portal.example/cases/1"},
            )  # fmt: skip
            ids.append(notice.id)
    return ids


def sending(database_url: str, redis_url: str, count: int) -> tuple[float, int]:
    """Seconds for one worker to send `count` notices, and how many the server received."""
    ids = create_notices(database_url, count)
    queue = Queue(NOTICES, connection=Redis.from_url(redis_url))
    with queue.connection.pipeline() as pipe:
        for notice_id in ids:
            queue.enqueue(send_notice, notice_id, job_timeout=SEND_TIMEOUT_SECONDS, pipeline=pipe)
        pipe.execute()
    with running_mail_server() as (server, smtp_url):
        env = {**os.environ, "CASEWAY_DATABASE_URL": database_url, "CASEWAY_REDIS_URL": redis_url,
               "CASEWAY_SMTP_URL": smtp_url, "CASEWAY_DOTENV": "/dev/null"}  # fmt: skip
        command = [sys.executable, "-m", "shared.cli", "worker", "--burst", "--queue", NOTICES]
        seconds = timed_burst(command, env)
        received = len(server.messages)
    return seconds, received


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--database-url", help="default: a new SQLite file")
    args = parser.parse_args()
    redis_url = os.environ["CASEWAY_REDIS_URL"].rsplit("/", 1)[0]
    redis_url += f"/{BENCH_REDIS_DB}"
    Redis.from_url(redis_url).flushdb()
    database_url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    schema.upgrade(make_engine(database_url))

    noop_seconds = baseline(redis_url, args.count)
    notice_seconds, received = sending(database_url, redis_url, args.count)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        sent = session.scalar(select(func.count()).where(Notice.state == NoticeState.SENT))
    Redis.from_url(redis_url).flushdb()

    noop_rate, notice_rate = args.count / noop_seconds, args.count / notice_seconds
    print(f"jobs: {args.count}; database: {engine.dialect.name}")
    print(f"RQ no-op baseline: {noop_seconds:.1f} s, {noop_rate:.0f} jobs/s")
    print(f"notices sent:      {notice_seconds:.1f} s, {notice_rate:.0f} notices/s "
          f"({received} received by SMTP, {sent} marked sent)")  # fmt: skip
    print(f"ratio: notices/s ÷ no-op jobs/s = {notice_rate / noop_rate:.2f}")
    if received != args.count or sent != args.count:
        raise SystemExit("not every notice arrived exactly once")


if __name__ == "__main__":
    main()
