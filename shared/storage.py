"""File storage behind one small interface: quarantine for unscanned uploads, a store for
released ones. Files are named by generated keys, never by anything a user typed."""

from __future__ import annotations

import enum
import os
import secrets
import shutil
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK_BYTES = 64 * 1024


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Area(enum.Enum):
    QUARANTINE = "quarantine"
    RELEASED = "released"


class LocalStorage:
    """A folder on local disk (the embedded default)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, area: Area, key: str) -> Path:
        if not key.isalnum():  # generated keys only: nothing that could climb out of root
            raise ValueError("storage keys are generated alphanumeric names")
        return self.root / area.value / key

    @staticmethod
    def new_key() -> str:
        return secrets.token_hex(16)

    def put(self, area: Area, key: str, stream: Readable) -> int:
        path = self._path(area, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        size = 0
        with partial.open("wb") as target:
            while chunk := stream.read(CHUNK_BYTES):
                target.write(chunk)
                size += len(chunk)
            target.flush()
            os.fsync(target.fileno())
        partial.replace(path)  # atomic: a reader never sees half a file
        return size

    def open(self, area: Area, key: str) -> BinaryIO:
        return self._path(area, key).open("rb")

    def exists(self, area: Area, key: str) -> bool:
        return self._path(area, key).is_file()

    def move(self, key: str, source: Area, target: Area) -> None:
        destination = self._path(target, key)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(self._path(source, key), destination)
