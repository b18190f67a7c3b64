"""The transactional outbox's hand-off: enqueue a notice's send job after its commit.

Installed on a session factory, so no caller has to remember it. A notice flushed in a
transaction that rolls back is forgotten; an enqueue that fails after the commit (Redis
down) is logged and left to the sweep, which finds the notice still pending.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from shared.models import Notice, NoticeState

log = logging.getLogger(__name__)
_KEY = "caseway.outbox"


def install(factory: sessionmaker[Session], redis_url: str) -> None:
    @event.listens_for(factory, "after_flush")
    def _collect(session: Session, _context: Any) -> None:
        # New notices, and ones put back to pending (a resend, the sweep), go out.
        pending = {
            obj.id
            for obj in (*session.new, *session.dirty)
            if isinstance(obj, Notice) and obj.state is NoticeState.PENDING
        }
        session.info.setdefault(_KEY, set()).update(pending)

    @event.listens_for(factory, "after_commit")
    def _enqueue(session: Session) -> None:
        notice_ids = session.info.pop(_KEY, set())
        if notice_ids:
            enqueue_notices(sorted(notice_ids), redis_url)

    @event.listens_for(factory, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(_KEY, None)


def enqueue_notices(notice_ids: list[int], redis_url: str) -> int:
    from shared.jobs.notices import enqueue_send

    enqueued = 0
    for notice_id in notice_ids:
        try:
            enqueue_send(notice_id, redis_url)
            enqueued += 1
        except (RedisError, OSError):
            log.warning("could not enqueue notice %s; the sweep will pick it up", notice_id)
    return enqueued
