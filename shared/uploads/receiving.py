"""Where an upload's bytes go while the request is still arriving.

Werkzeug asks for a writable file for each uploaded file part; it gets an `IncomingFile`,
which writes to a spool folder beside the storage, hashes as it goes, keeps the first
bytes for type sniffing, and stops keeping anything once the size limit is passed, so an
oversize file is cut off while it streams and never fills memory or disk.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

HEAD_BYTES = 64 * 1024  # enough for libmagic to tell a DOCX or ODT from any other zip


class IncomingFile:
    """A writable, seekable spool file that werkzeug's form parser fills."""

    def __init__(self, spool_dir: Path, limit_bytes: int) -> None:
        spool_dir.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=spool_dir, prefix="upload-", suffix=".incoming")
        self._file = os.fdopen(handle, "w+b")
        self.path = Path(name)
        self.limit_bytes = limit_bytes
        self.size = 0  # bytes kept
        self.too_large = False
        self.head = b""
        self._digest = hashlib.sha256()
        self._handed_over = False

    # The part of the file interface werkzeug's parser and FileStorage use.
    def write(self, data: bytes) -> int:
        if self.too_large:
            return len(data)  # drained, not kept
        if self.size + len(data) > self.limit_bytes:
            self.too_large = True
            self._file.truncate(0)  # nothing of an oversize file is kept
            self.head = b""
            return len(data)
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        self._digest.update(data)
        self._file.write(data)
        self.size += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def flush(self) -> None:
        self._file.flush()

    @property
    def closed(self) -> bool:
        return self._file.closed

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def finish(self) -> Path:
        """Make the received bytes durable and hand the file over to storage."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._handed_over = True
        return self.path

    def close(self) -> None:
        # Werkzeug closes every uploaded file at the end of the request: a file nobody
        # took over (a rejected or abandoned upload) is deleted then.
        if not self._file.closed:
            self._file.close()
        if not self._handed_over:
            self.path.unlink(missing_ok=True)

    def __del__(self) -> None:
        if hasattr(self, "_file"):
            self.close()
