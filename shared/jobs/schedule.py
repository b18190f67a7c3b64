"""Periodic jobs, declared as data and run by RQ's cron scheduler (`caseway scheduler`).

Run one scheduler per deployment; the jobs it enqueues are done by any worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rq.cron import CronScheduler

from shared.config import Settings
from shared.jobs.escalation import escalate_overdue_cases
from shared.jobs.notices import sweep_notices
from shared.jobs.queues import MAINTENANCE, NOTICES, redis_connection
from shared.jobs.scans import sweep_scans
from shared.jobs.staff_sessions import forget_spent_staff_sessions


@dataclass(frozen=True)
class PeriodicJob:
    func: Callable[..., Any]
    queue: str
    every_seconds: int


PERIODIC_JOBS = (
    # Notices left pending by a Redis outage, or by a worker that died mid-send.
    PeriodicJob(sweep_notices, NOTICES, every_seconds=60),
    # Uploads that arrived while Redis or clamd was down, or whose retries ran out.
    PeriodicJob(sweep_scans, MAINTENANCE, every_seconds=120),
    # Cases just gone overdue: their team's supervisors are told once (shared/services/sla).
    PeriodicJob(escalate_overdue_cases, MAINTENANCE, every_seconds=300),
    # Staff sessions ended or past a working day, which no cookie can use any more.
    PeriodicJob(forget_spent_staff_sessions, MAINTENANCE, every_seconds=3600),
)


def build_scheduler(settings: Settings) -> CronScheduler:
    scheduler = CronScheduler(connection=redis_connection(settings.redis_url))
    for job in PERIODIC_JOBS:
        scheduler.register(job.func, job.queue, interval=job.every_seconds, job_timeout=300)
    return scheduler
