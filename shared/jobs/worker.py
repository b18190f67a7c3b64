"""Running an RQ worker on Caseway's queues."""

from __future__ import annotations

from collections.abc import Sequence

from rq import Queue, Worker

from shared.config import Settings
from shared.jobs.queues import redis_connection


def run_worker(settings: Settings, *, queues: Sequence[str], burst: bool = False) -> bool:
    connection = redis_connection(settings.redis_url)
    worker = Worker([Queue(name, connection=connection) for name in queues], connection=connection)
    # The scheduler moves retried and scheduled jobs back onto their queues.
    return worker.work(burst=burst, with_scheduler=True)
