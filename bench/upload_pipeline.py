"""From upload to released: a 10 MB file through the whole pipeline, as a ratio to a bare
clamd INSTREAM of the same number of bytes in the same run; and the peak memory of the
app process while it receives the file.

    .venv/bin/python -m bench.upload_pipeline [--rounds 7] [--megabytes 10]

Needs the local services (`eval "$(scripts/services.sh start)"`). The pipeline is the real
one: the portal served by its own process, a multipart POST streamed over HTTP, the file
typed by libmagic and moved into quarantine, the scan job enqueued after commit, a running
`caseway worker` scanning it with clamd and moving it to the released store. Each round
uses fresh random bytes (clamd caches what it has seen clean), and the baseline and the
pipeline alternate, so a busy moment of a shared machine falls on both.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from redis import Redis
from rq.job import Job
from sqlalchemy import select

from shared import PROJECT_ROOT
from shared.db import make_engine, make_session_factory
from shared.jobs.scans import job_id_for
from shared.models import Document, ScanState
from shared.scanning import scan_stream
from shared.services import schema
from tests.integration.test_cookies import CSRF
from tests.journeys import ANSWERS, FORM_VERSION
from tests.ports import free_port

BENCH_REDIS_DB = 10
BOUNDARY = "caseway-bench-boundary"
EVIDENCE = "/file/application/evidence"


class Portal:
    """A browser's worth of state (cookies) against the portal process."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.port = int(urllib.parse.urlsplit(base).port or 80)
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path) as reply:
            return str(reply.read().decode())

    def post(self, path: str, fields: dict[str, object]) -> None:
        token = CSRF.search(self.get(path))
        assert token, path
        data = [("csrf_token", token.group(1)), ("form_version", FORM_VERSION["application"])]
        for name, value in fields.items():  # a list: a date's parts, or ticked boxes
            data += [(name, str(item)) for item in (value if isinstance(value, list) else [value])]
        body = urllib.parse.urlencode(data).encode()
        self.opener.open(self.base + path, data=body).close()

    def token(self, path: str) -> str:
        """The page's CSRF token, as the browser has it once the page is shown."""
        found = CSRF.search(self.get(path))
        assert found, path
        return found.group(1)

    def upload(self, path: str, file: Path, name: str, token: str) -> int:
        """A multipart POST streamed from disk, as a browser sends a chosen file."""
        head = "".join(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in (("csrf_token", token),
                         ("form_version", FORM_VERSION["application"]), ("upload", "yes"))
        ) + (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="evidence"; '
             f'filename="{name}"\r\nContent-Type: application/pdf\r\n\r\n')  # fmt: skip
        tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        length = len(head.encode()) + file.stat().st_size + len(tail)
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.cookies)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
        connection.putheader("Content-Length", str(length))
        connection.putheader("Cookie", cookie)
        connection.endheaders()
        connection.send(head.encode())
        with file.open("rb") as source:
            while chunk := source.read(256 * 1024):
                connection.send(chunk)
        connection.send(tail)
        status = connection.getresponse().status
        connection.close()
        return status


def fresh_pdf(path: Path, size: int) -> Path:
    path.write_bytes(b"%PDF-1.4\n" + os.urandom(size - 9))
    return path


def peak_rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]


def wait_until_released(sessions, count: int, deadline: float) -> None:  # type: ignore[no-untyped-def]
    while time.perf_counter() < deadline:
        with sessions() as session:
            states = session.scalars(select(Document.scan_state)).all()
        if len(states) >= count and all(s is ScanState.CLEAN for s in states):
            return
        if any(s is ScanState.INFECTED for s in states):
            raise RuntimeError("a random file was found infected")
        time.sleep(0.01)  # coarse enough not to take CPU from clamd and the worker
    raise TimeoutError("the file was not released in time")


def newest_scan_job(sessions, redis_url: str) -> Job:  # type: ignore[no-untyped-def]
    with sessions() as session:
        newest = session.scalars(select(Document.id).order_by(Document.id.desc())).first()
    job = Job.fetch(job_id_for(newest), connection=Redis.from_url(redis_url))
    while job.ended_at is None:  # RQ records the end just after the job's own commit
        time.sleep(0.01)
        job.refresh()
    return job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--megabytes", type=int, default=10)
    args = parser.parse_args()
    size = args.megabytes * 1024 * 1024
    clamd_url = os.environ["CASEWAY_CLAMD_URL"]
    redis_url = os.environ["CASEWAY_REDIS_URL"].rsplit("/", 1)[0] + f"/{BENCH_REDIS_DB}"
    Redis.from_url(redis_url).flushdb()
    work = Path(tempfile.mkdtemp(prefix="caseway-bench-upload-"))
    database_url = f"sqlite:///{work / 'caseway.db'}"
    engine = make_engine(database_url)
    schema.upgrade(engine)
    sessions = make_session_factory(engine)
    env = {**os.environ, "CASEWAY_ENV": "test", "CASEWAY_DOTENV": "/dev/null",
           "CASEWAY_DATABASE_URL": database_url, "CASEWAY_REDIS_URL": redis_url,
           "CASEWAY_STORAGE_DIR": str(work / "storage"),
           "CASEWAY_INSTANCE_DIR": str(work)}  # fmt: skip
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "bench.upload_server", str(port)], env=env,
                              cwd=PROJECT_ROOT, stderr=subprocess.DEVNULL)  # fmt: skip
    worker = subprocess.Popen([sys.executable, "-m", "shared.cli", "worker"], env=env,
                              cwd=PROJECT_ROOT, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        portal = Portal(f"http://127.0.0.1:{port}")
        for _ in range(100):
            try:
                portal.get("/")
                break
            except OSError:
                time.sleep(0.1)
        portal.post("/file/application/start", {})
        for slug in ("service", "details", "needed-by"):
            portal.post(f"/file/application/{slug}", ANSWERS["application"][slug])
        # Warm up both paths (imports, first request, the worker's first fork).
        warm = fresh_pdf(work / "warm.pdf", 64 * 1024)
        portal.upload(EVIDENCE, warm, "warm.pdf", portal.token(EVIDENCE))
        wait_until_released(sessions, 1, time.perf_counter() + 60)
        memory_before = peak_rss_kib(server.pid)
        pipeline, bare, received, waited, scanning = [], [], [], [], []
        for number in range(args.rounds):
            baseline_bytes = b"%PDF-1.4\n" + os.urandom(size - 9)
            started = time.perf_counter()
            assert scan_stream(clamd_url, io.BytesIO(baseline_bytes)).verdict.value == "clean"
            bare.append(time.perf_counter() - started)
            del baseline_bytes
            file = fresh_pdf(work / f"round{number}.pdf", size)
            # Per question, at most 5 files: start a fresh list by removing none; use
            # separate drafts when the question is full.
            if number and number % 4 == 0:
                portal.post("/file/application/start", {})
                for slug in ("service", "details", "needed-by"):
                    portal.post(f"/file/application/{slug}", ANSWERS["application"][slug])
            token = portal.token(EVIDENCE)  # the page is on the screen before the clock starts
            started = time.perf_counter()
            status = portal.upload(EVIDENCE, file, f"round{number}.pdf", token)
            assert status == 302, status
            received.append(time.perf_counter() - started)
            wait_until_released(sessions, number + 2, started + 120)
            pipeline.append(time.perf_counter() - started)
            job = newest_scan_job(sessions, redis_url)
            waited.append((job.started_at - job.enqueued_at).total_seconds())
            scanning.append((job.ended_at - job.started_at).total_seconds())
            file.unlink()
        memory_after = peak_rss_kib(server.pid)
    finally:
        server.terminate()
        worker.terminate()
        server.wait()
        worker.wait()
    ratio = statistics.median(pipeline) / statistics.median(bare)
    print(f"file: {args.megabytes} MB of fresh random bytes, {args.rounds} rounds")
    print(f"bare clamd INSTREAM:     median {statistics.median(bare) * 1000:.0f} ms "
          f"({', '.join(f'{t * 1000:.0f}' for t in bare)})")  # fmt: skip
    print(f"upload to released:      median {statistics.median(pipeline) * 1000:.0f} ms "
          f"({', '.join(f'{t * 1000:.0f}' for t in pipeline)})")  # fmt: skip
    print(f"  of which the request:  median {statistics.median(received) * 1000:.0f} ms "
          "(sent, typed, made durable, in quarantine, committed)")  # fmt: skip
    print(f"  job waiting to start:  median {statistics.median(waited) * 1000:.0f} ms "
          "(enqueued after commit to the work horse running it)")  # fmt: skip
    print(f"  job running:           median {statistics.median(scanning) * 1000:.0f} ms "
          "(scan, move to the store, commit)")  # fmt: skip
    print(f"ratio (target <= 1.15):  {ratio:.2f}")
    print(f"app process peak RSS:    {memory_before / 1024:.1f} MiB before, "
          f"{memory_after / 1024:.1f} MiB after {args.rounds} uploads of {args.megabytes} MB "
          f"(+{(memory_after - memory_before) / 1024:.1f} MiB)")  # fmt: skip


if __name__ == "__main__":
    main()
