"""What a job needs outside any Flask app: settings, a session factory and storage."""

from __future__ import annotations

from functools import cache

from sqlalchemy.orm import Session, sessionmaker

from shared.config import Settings, load_settings
from shared.db import make_engine, make_session_factory
from shared.storage import Storage, storage_for


@cache
def settings() -> Settings:
    return load_settings()


@cache
def sessions() -> sessionmaker[Session]:
    # Created lazily inside the work horse, so no connection is shared across a fork.
    return make_session_factory(
        make_engine(settings().database_url), redis_url=settings().redis_url
    )


@cache
def storage() -> Storage:
    return storage_for(settings())
