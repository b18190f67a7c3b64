"""The transactional outbox's hand-off: enqueue a notice's send job, or a new upload's
scan job, after the commit that recorded it.

Installed on a session factory, so no caller has to remember it. A notice or document
flushed in a transaction that rolls back is forgotten; an enqueue that fails after the
commit (Redis down) is logged and left to the sweeps, which find the row still waiting.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from shared.db import make_session_factory
from shared.models import Document, Notice, NoticeState, ScanState

log = logging.getLogger(__name__)
_KEY = "caseway.outbox"
_SCANS_KEY = "caseway.outbox.scans"


def sessions_with_outbox(engine: Engine, redis_url: str) -> sessionmaker[Session]:
    """Sessions for `engine` whose committed notices and uploads are enqueued right after
    the commit (the transactional outbox)."""
    factory = make_session_factory(engine)
    install(factory, redis_url)
    return factory


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
        uploads = {
            obj.id
            for obj in session.new
            if isinstance(obj, Document) and obj.scan_state is ScanState.AWAITING_SCAN
        }
        session.info.setdefault(_SCANS_KEY, set()).update(uploads)

    @event.listens_for(factory, "after_commit")
    def _enqueue(session: Session) -> None:
        notice_ids = session.info.pop(_KEY, set())
        if notice_ids:
            enqueue_notices(sorted(notice_ids), redis_url)
        document_ids = session.info.pop(_SCANS_KEY, set())
        if document_ids:
            enqueue_scans(sorted(document_ids), redis_url)

    @event.listens_for(factory, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(_KEY, None)
        session.info.pop(_SCANS_KEY, None)


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


def enqueue_scans(document_ids: list[int], redis_url: str) -> int:
    from shared.jobs.scans import enqueue_scan

    enqueued = 0
    for document_id in document_ids:
        try:
            enqueued += enqueue_scan(document_id, redis_url)
        except (RedisError, OSError):
            log.warning("could not enqueue a scan of document %s; the sweep will", document_id)
    return enqueued
