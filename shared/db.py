"""Engines and sessions, usable from either Flask app, an RQ job, the CLI or a test.

Services never commit: the caller opens one transaction per use case
(`with session.begin():`) so a state change, its Event, AuditEvent and Notice rows land
together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(database_url: str, **options: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and working SAVEPOINTs."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **options)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 15}, **options)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite opens transactions lazily and on its own terms, which breaks SAVEPOINT
    # (and so nested transactions in tests); SQLAlchemy documents this pair of hooks
    # as the fix: turn off the driver's handling and emit BEGIN ourselves.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        # FULL, not WAL's faster NORMAL: NORMAL can lose the last commits to a power cut,
        # after their emails (a reference number, a decision) have gone out.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Every transaction begins as a write. One begun plainly (deferred) that reads and
        # then writes, as a request saving a draft does, is refused at once with "database
        # is locked" when another writer got there first: SQLite cannot upgrade its read
        # snapshot, so the busy timeout never applies. Begun IMMEDIATE, it takes the write
        # lock first and waits its turn. Which transactions will write is not known when
        # they begin, so all do: SQLite writers are serialised anyway, and transactions are
        # kept short (no transaction is held across a virus scan or an email).
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for `engine`. The apps, workers and commands use
    `shared.jobs.outbox.sessions_with_outbox`, which adds the hand-off to the queues."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work outside a request: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session
