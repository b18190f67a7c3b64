"""Virus scanning through clamd's INSTREAM command."""

from __future__ import annotations

import enum
import socket
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

from clamav_client.clamd import ClamdError, ClamdNetworkSocket, ClamdUnixSocket, ResponseError


class Verdict(enum.Enum):
    CLEAN = "clean"
    INFECTED = "infected"


@dataclass(frozen=True)
class ScanResult:
    verdict: Verdict
    signature: str | None = None


class ScannerUnavailable(Exception):
    """clamd could not be reached or gave no usable answer; the file stays unscanned."""


class ScanFailed(ScannerUnavailable):
    """clamd was there but could not scan this file (it answered ERROR, or cut the stream
    off, as it does past its StreamMaxLength)."""


class _ClosingOnFailure:
    """clamav-client leaves the socket open when connect() fails; close it, or every
    health check against a stopped clamd leaks a file descriptor."""

    clamd_socket: socket.socket

    def _init_socket(self) -> None:
        try:
            super()._init_socket()  # type: ignore[misc]
        except ClamdError:
            self.clamd_socket.close()
            raise


class _NetworkClient(_ClosingOnFailure, ClamdNetworkSocket):
    pass


class _UnixClient(_ClosingOnFailure, ClamdUnixSocket):
    pass


def scanner_client(clamd_url: str, timeout: float = 30.0) -> ClamdNetworkSocket | ClamdUnixSocket:
    parts = urlsplit(clamd_url)
    if parts.scheme == "unix":
        return _UnixClient(path=parts.path, timeout=max(1, round(timeout)))
    return _NetworkClient(
        host=parts.hostname or "127.0.0.1", port=parts.port or 3310, timeout=timeout
    )


def scan_stream(clamd_url: str, stream: BinaryIO) -> ScanResult:
    try:
        reply = scanner_client(clamd_url).instream(stream)
    except (BrokenPipeError, ConnectionResetError) as error:
        raise ScanFailed(f"clamd closed the stream: {error}") from error
    except ResponseError as error:
        # clamd read the request and refused this file (a stream over its StreamMaxLength
        # says so, when the reply arrives before the connection closes): not an outage.
        raise ScanFailed(f"clamd refused the stream: {error}") from error
    except (ClamdError, OSError) as error:
        raise ScannerUnavailable(str(error) or type(error).__name__) from error
    status, signature = reply.get("stream", ("ERROR", "no reply"))
    if status == "OK":
        return ScanResult(Verdict.CLEAN)
    if status == "FOUND":
        return ScanResult(Verdict.INFECTED, signature)
    raise ScanFailed(f"clamd answered {status}: {signature}")


def scanner_version(clamd_url: str, timeout: float = 2.0) -> str:
    try:
        return str(scanner_client(clamd_url, timeout=timeout).version())
    except (ClamdError, OSError) as error:
        raise ScannerUnavailable(str(error) or type(error).__name__) from error
