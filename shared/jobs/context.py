"""What a job needs outside any Flask app: settings, a session factory and storage."""

from __future__ import annotations

from functools import cache

from sqlalchemy.orm import Session, sessionmaker

from shared.config import Settings, load_settings
from shared.db import make_engine
from shared.encryption import keys
from shared.jobs import outbox
from shared.storage import Storage, storage_for


@cache
def settings() -> Settings:
    loaded = load_settings()
    keys.configure_from(loaded)  # the worker's keyring, before it forks any work horse
    return loaded


@cache
def sessions() -> sessionmaker[Session]:
    # Created lazily inside the work horse, so no connection is shared across a fork.
    return outbox.sessions_with_outbox(make_engine(settings().database_url), settings().redis_url)


@cache
def storage() -> Storage:
    return storage_for(settings())
