"""The real portal under gunicorn (two processes of four threads, as production runs it),
for tests of many residents at once."""

from __future__ import annotations

import http.client
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from shared import PROJECT_ROOT

GUNICORN = ["-w", "2", "--threads", "4"]


@contextmanager
def portal_under_gunicorn(env: dict[str, str], port: int, log: Path) -> Iterator[int]:
    """Serve the portal with `env` on `port` until the block ends (stopped whatever
    happens); gunicorn's output goes to `log`."""
    gunicorn = str(Path(PROJECT_ROOT) / ".venv" / "bin" / "gunicorn")
    with log.open("w") as output:
        server = subprocess.Popen(
            [gunicorn, *GUNICORN, "-b", f"127.0.0.1:{port}", "wsgi:portal"],
            cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for(port, server, log)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


def _wait_for(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn stopped:\n{log.read_text()}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    pytest.fail(f"gunicorn did not answer:\n{log.read_text()}")
