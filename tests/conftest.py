"""Fixtures shared by every test: settings, databases (SQLite and PostgreSQL), apps.

The real services come from scripts/services.sh (the README's test command starts them);
a test that needs one and finds it missing fails with the reason, it is never skipped.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from redis import Redis
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from backoffice import create_backoffice
from portal import create_portal
from shared.config import Settings, load_settings, normalise_database_url
from shared.db import make_engine
from shared.services import schema

BACKENDS = ("sqlite", "postgresql")

# One encryption key for the whole run, in the environment so that the processes tests
# start (workers, gunicorn, the CLI) read and write what this one does.
if not os.environ.get("CASEWAY_ENCRYPTION_KEYS"):
    os.environ["CASEWAY_ENCRYPTION_KEYS"] = Fernet.generate_key().decode("ascii")


def required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"{name} is not set: run the tests with scripts/test.sh, or "
            f'`eval "$(scripts/services.sh start)"` first',
            pytrace=False,
        )
    return value


def create_database(backend: str, directory: Path) -> tuple[str, object]:
    """A new, empty database; returns its URL and what is needed to drop it."""
    if backend == "sqlite":
        return f"sqlite:///{directory / f'caseway-{secrets.token_hex(4)}.db'}", None
    admin_url = normalise_database_url(required_env("CASEWAY_TEST_POSTGRES_URL"))
    name = f"caseway_test_{secrets.token_hex(6)}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, (admin, name)


def drop_database(handle: object) -> None:
    if handle is None:
        return
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Thousands of staff accounts are made and signed in: with argon2's production cost
    (about 0.1 to 0.25 s a hash here) that was minutes of the run. Hashes made here
    verify in production and the other way round (tests/unit/test_security.py)."""
    from argon2 import PasswordHasher

    from shared import security

    security.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield
    security.use_password_hasher(security.PRODUCTION_HASHER)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def migrated_engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One database per backend per test session, built by the migrations, not create_all."""
    url, handle = create_database(backend, tmp_path_factory.mktemp("db"))
    engine = make_engine(url)
    schema.upgrade(engine)
    yield engine
    engine.dispose()
    drop_database(handle)


@pytest.fixture
def session(migrated_engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test."""
    with migrated_engine.connect() as connection:
        outer = connection.begin()
        db_session = Session(bind=connection, join_transaction_mode="create_savepoint")
        yield db_session
        db_session.close()
        outer.rollback()


@pytest.fixture
def fresh_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database of its own, for tests whose other processes must see commits."""
    url, handle = create_database(backend, tmp_path)
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    yield url
    drop_database(handle)


# A Redis database of the tests' own, emptied around each test that uses it, so a
# developer's running worker (on database 0) never takes a test's jobs.
# CASEWAY_TEST_REDIS_DB picks another, so two checkouts can run their tests side by side.
# Under pytest-xdist each worker takes the next database up (gw0 the first, gw1 the next),
# so no worker empties another's.
TEST_REDIS_DB = int(os.environ.get("CASEWAY_TEST_REDIS_DB", "13")) + int(
    os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0
)
if TEST_REDIS_DB > 15:  # Redis has databases 0 to 15
    raise pytest.UsageError(
        f"Redis database {TEST_REDIS_DB} does not exist: use fewer test workers "
        "(CASEWAY_TEST_WORKERS) or a lower CASEWAY_TEST_REDIS_DB"
    )


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = required_env("CASEWAY_REDIS_URL").rsplit("/", 1)[0] + f"/{TEST_REDIS_DB}"
    connection = Redis.from_url(url)
    connection.flushdb()
    yield url
    connection.flushdb()
    connection.close()


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database built by the migrations once, copied for each test that needs one."""
    path = tmp_path_factory.mktemp("template") / "caseway.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def settings(tmp_path: Path, redis_url: str, migrated_sqlite_file: Path) -> Settings:
    """Test settings on the real services, with a migrated SQLite database of the test's
    own (a test may swap in PostgreSQL). Redis is the tests' own database, emptied for
    each test (rate limits start at zero)."""
    database = tmp_path / "instance" / "caseway.db"
    database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated_sqlite_file, database)
    base = load_settings(
        {
            "CASEWAY_ENV": "test",
            "CASEWAY_INSTANCE_DIR": str(tmp_path / "instance"),
            "CASEWAY_REDIS_URL": redis_url,
            "CASEWAY_CLAMD_URL": required_env("CASEWAY_CLAMD_URL"),
            # Flask's test client asks for http://localhost/, so emailed links work in it.
            "CASEWAY_PORTAL_URL": "http://localhost",
            "CASEWAY_ENCRYPTION_KEYS": os.environ["CASEWAY_ENCRYPTION_KEYS"],
        }
    )
    return replace(base, secret_key="test-secret-" + secrets.token_hex(8))


@pytest.fixture
def portal_app(settings: Settings) -> Flask:
    app = create_portal(settings)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def portal(settings: Settings, fresh_database_url: str) -> Iterator[Flask]:
    """The portal on a migrated database of its own, on SQLite and on PostgreSQL."""
    app = create_portal(replace(settings, database_url=fresh_database_url))
    app.config["TESTING"] = True  # an unexpected error fails the test, not a 500 page
    yield app
    app.extensions["caseway"].engine.dispose()


@pytest.fixture
def backoffice(settings: Settings, fresh_database_url: str) -> Iterator[Flask]:
    """The back office on a migrated database of its own, on SQLite and on PostgreSQL."""
    app = create_backoffice(replace(settings, database_url=fresh_database_url))
    app.config["TESTING"] = True
    yield app
    app.extensions["caseway"].engine.dispose()


@pytest.fixture
def backoffice_app(settings: Settings) -> Flask:
    app = create_backoffice(settings)
    app.config["TESTING"] = True
    return app
