"""What the notice fault tests share: a mail server that can refuse, stall and stop, the
environment of `caseway` processes on a committed database of the test's own, and a
register of started processes that kills them all when the test ends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from shared.db import make_engine
from shared.jobs.outbox import sessions_with_outbox
from tests.mailserver import MailServer
from tests.workers import Processes, worker_env


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def env(fresh_database_url: str, redis_url: str, mail: MailServer) -> dict[str, str]:
    return worker_env(database_url=fresh_database_url, redis_url=redis_url, smtp_url=mail.url)


@pytest.fixture
def sessions(env: dict[str, str]) -> Iterator[sessionmaker[Session]]:
    """Sessions on the test's database whose commits enqueue on the tests' Redis."""
    engine = make_engine(env["CASEWAY_DATABASE_URL"])
    yield sessions_with_outbox(engine, env["CASEWAY_REDIS_URL"])
    engine.dispose()


@pytest.fixture
def processes(env: dict[str, str]) -> Iterator[Processes]:
    """Set up after (so torn down before) the database, Redis and mail server of `env`:
    no process outlives what it uses, nor the test."""
    started = Processes()
    yield started
    started.stop_all()
