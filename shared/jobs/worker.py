"""Running an RQ worker on Caseway's queues."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from rq import Queue, Worker
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from shared.config import Settings
from shared.jobs.queues import redis_connection
from shared.models import Document, Notice, NoticeState
from shared.services import notices

log = logging.getLogger(__name__)


def run_worker(settings: Settings, *, queues: Sequence[str], burst: bool = False) -> bool:
    _warm_up()
    connection = redis_connection(settings.redis_url)
    worker = Worker([Queue(name, connection=connection) for name in queues], connection=connection)
    # The scheduler moves retried and scheduled jobs back onto their queues.
    return worker.work(burst=burst, with_scheduler=True)


def _warm_up() -> None:
    """Build once, before forking, what every job would otherwise build again in its own
    work horse: the job modules (smtplib, ssl, ...), settings, the session factory (no
    connection is opened, so none is shared across the fork) and the notice templates
    with their translations."""
    import shared.jobs.notices
    import shared.jobs.scans  # noqa: F401 - imported here rather than in every work horse
    from shared.jobs import context
    from shared.notices.render import warm_up

    context.settings()
    context.storage()
    warm_up()
    _warm_up_database(context.sessions())


def _warm_up_database(factory: sessionmaker[Session]) -> None:
    # The first connection initialises the dialect, and the first execution of each
    # statement compiles it (~100 ms together); done once here, not in every work horse.
    # The statements touch no row (id -1) and are rolled back; the connection is closed
    # before any fork, so no work horse shares it.
    try:
        with factory() as session:
            session.begin()
            notices.claim(session, -1)
            notices.set_state(session, notice_id=-1, state=NoticeState.SENT)
            session.get(Notice, -1)
            session.get(Document, -1)
            session.get(Document, -1, with_for_update=True)
            session.rollback()
    except SQLAlchemyError as error:
        log.warning("database not reachable at worker start (%s); jobs will retry", error)
    finally:
        if factory.kw.get("bind") is not None:
            factory.kw["bind"].dispose()
