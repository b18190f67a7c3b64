"""Storage in a folder on local disk (the default for one machine)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import BinaryIO

from shared.storage import CHUNK_BYTES, Area, Readable, StorageUnavailable, check_key


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, area: Area, key: str) -> Path:
        return self.root / area.value / check_key(key)

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

    def adopt(self, area: Area, key: str, path: Path) -> None:
        destination = self._path(area, key)
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                path.replace(destination)  # same file system: a rename, no copy
            except OSError:
                with path.open("rb") as source:
                    self.put(area, key, source)
                path.unlink()
        except OSError as error:
            raise StorageUnavailable(str(error)) from error

    def open(self, area: Area, key: str) -> BinaryIO:
        return self._path(area, key).open("rb")

    def exists(self, area: Area, key: str) -> bool:
        return self._path(area, key).is_file()

    def move(self, key: str, source: Area, target: Area) -> None:
        destination = self._path(target, key)
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.move(self._path(source, key), destination)
        except FileNotFoundError:
            if not destination.is_file():
                raise  # in neither area

    def delete(self, area: Area, key: str) -> None:
        self._path(area, key).unlink(missing_ok=True)
