"""A clamd of a test's own (the project's EICAR signature database), so a test can stop
and start the scanner without disturbing the one every other test uses."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from shared import PROJECT_ROOT
from shared.scanning import ScannerUnavailable, scanner_version
from tests.ports import free_port


class PrivateClamd:
    def __init__(self, directory: Path, *, stream_max_length: str | None = None) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"tcp://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        (directory / "tmp").mkdir(parents=True, exist_ok=True)
        lines = [
            f"DatabaseDirectory {PROJECT_ROOT / 'clamav'}",
            f"TCPSocket {self.port}",
            "TCPAddr 127.0.0.1",
            "Foreground yes",
            f"TemporaryDirectory {directory / 'tmp'}",
            "SelfCheck 0",
            "Bytecode no",
        ]
        if stream_max_length:
            lines.append(f"StreamMaxLength {stream_max_length}")
        if os.getuid() == 0:
            lines.append("User root")
        self.config = directory / "clamd.conf"
        self.config.write_text("\n".join(lines) + "\n")

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            ["clamd", "-c", str(self.config)],  # noqa: S607
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                scanner_version(self.url, timeout=0.5)
                return
            except ScannerUnavailable:
                time.sleep(0.05)
        raise RuntimeError(f"clamd did not answer on {self.url}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None
