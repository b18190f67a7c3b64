"""File storage behind one small interface: quarantine for unscanned uploads, a store for
released ones. Files are named by generated keys, never by anything a user typed.

A local folder is the default; an S3-compatible object store is chosen by configuration
(`CASEWAY_STORAGE_URL=s3://bucket/prefix`) for deployments with more than one machine.
"""

from __future__ import annotations

import enum
import secrets
from pathlib import Path
from typing import BinaryIO, Protocol

from shared.config import Settings

CHUNK_BYTES = 64 * 1024


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Area(enum.Enum):
    QUARANTINE = "quarantine"
    RELEASED = "released"


class StorageUnavailable(Exception):
    """The store could not take or give a file just now (disk full, object store down)."""


class Storage(Protocol):
    def put(self, area: Area, key: str, stream: Readable) -> int: ...

    def adopt(self, area: Area, key: str, path: Path) -> None:
        """Take over a finished local file (an upload as it was received), without a copy
        where the backend allows it."""

    def open(self, area: Area, key: str) -> BinaryIO: ...

    def exists(self, area: Area, key: str) -> bool: ...

    def move(self, key: str, source: Area, target: Area) -> None:
        """Idempotent: a file already in `target` and gone from `source` was moved by an
        earlier attempt, and is left as it is; one in neither is FileNotFoundError."""

    def delete(self, area: Area, key: str) -> None: ...


def new_key() -> str:
    return secrets.token_hex(16)


def check_key(key: str) -> str:
    if not (key.isascii() and key.isalnum()):  # nothing that could climb out of a folder
        raise ValueError("storage keys are generated alphanumeric names")
    return key


def storage_for(settings: Settings) -> Storage:
    if settings.storage_url.startswith("s3://"):
        from shared.storage.s3 import S3Storage  # boto3 is imported only when chosen

        return S3Storage.from_url(settings.storage_url, endpoint_url=settings.s3_endpoint_url)
    from shared.storage.local import LocalStorage

    return LocalStorage(settings.storage_dir)
