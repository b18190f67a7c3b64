"""Documents sealed with a data key of their own: AES-256-GCM in chunks of 64 KiB, so a
file of any size is sealed and opened as a stream, never whole in memory.

The data key is stored wrapped by the master keys (`Document.wrapped_key`); rotating the
master keys re-wraps it and leaves the file as it is.

Layout: `CWF1`, an 8-byte random nonce prefix, then chunks, each a 4-byte length and the
ciphertext with its tag. A chunk's nonce is the prefix and its number; its associated
data says whether it is the last, so a file cut short or chunks reordered do not open.
"""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.encryption import keys

MAGIC = b"CWF1"
CHUNK_BYTES = 64 * 1024
_LENGTH = struct.Struct(">I")
_LAST, _MORE = b"\x01", b"\x00"


class DamagedFile(Exception):
    """A sealed file that does not open: altered, cut short, or under another key."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def wrap(data_key: bytes) -> str:
    return keys.current().seal(data_key)


def unwrap(wrapped: str) -> bytes:
    return keys.current().open(wrapped)


def seal_file(source: Path, target: Path, data_key: bytes) -> None:
    """Write `source` sealed to `target` (made durable: it is handed to storage next)."""
    cipher = AESGCM(data_key)
    prefix = os.urandom(8)
    with source.open("rb") as plain, target.open("wb") as sealed:
        sealed.write(MAGIC + prefix)
        number = 0
        chunk = plain.read(CHUNK_BYTES)
        while True:
            following = plain.read(CHUNK_BYTES) if chunk else b""
            last = not following
            box = cipher.encrypt(_nonce(prefix, number), chunk, MAGIC + (_LAST if last else _MORE))
            sealed.write(_LENGTH.pack(len(box)) + box)
            if last:
                break
            chunk, number = following, number + 1
        sealed.flush()
        os.fsync(sealed.fileno())


def open_sealed(stream: BinaryIO, data_key: bytes) -> BinaryIO:
    """The plaintext of a sealed stream, read as it is needed."""
    return io.BufferedReader(_Opening(stream, data_key), buffer_size=CHUNK_BYTES)


def _nonce(prefix: bytes, number: int) -> bytes:
    return prefix + number.to_bytes(4, "big")


class _Opening(io.RawIOBase):
    def __init__(self, stream: BinaryIO, data_key: bytes) -> None:
        self._stream, self._cipher = stream, AESGCM(data_key)
        header = _exactly(stream, len(MAGIC) + 8)
        if header[: len(MAGIC)] != MAGIC:
            raise DamagedFile("not a sealed file")
        self._prefix, self._number = header[len(MAGIC) :], 0
        self._pending, self._finished = b"", False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending and not self._finished:
            self._pending = self._next_chunk()
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def _next_chunk(self) -> bytes:
        (length,) = _LENGTH.unpack(_exactly(self._stream, _LENGTH.size))
        box = _exactly(self._stream, length)
        nonce = _nonce(self._prefix, self._number)
        self._number += 1
        try:
            return self._cipher.decrypt(nonce, box, MAGIC + _MORE)
        except InvalidTag:
            pass
        try:
            plain = self._cipher.decrypt(nonce, box, MAGIC + _LAST)
        except InvalidTag:
            raise DamagedFile("a chunk does not open: altered, or another key") from None
        self._finished = True
        return plain

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
        super().close()


def _exactly(stream: BinaryIO, size: int) -> bytes:
    parts, wanted = [], size
    while wanted:
        part = stream.read(wanted)
        if not part:
            raise DamagedFile("the sealed file ends too soon")
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)
