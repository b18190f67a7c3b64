"""The whole system at once (issue 13, item 4), on SQLite and PostgreSQL, nothing mocked:
the real portal under gunicorn, residents filing complete applications from several
threads in several processes, while a real `caseway worker` (not in burst mode) sends a
backlog of notices to a local SMTP server and scans uploaded files with the real clamd
(their scans enqueued one by one while the residents file, so scans, sends and filings
all write to the database at once).

Every filing must succeed (never a 5xx: on SQLite that was "database is locked" while a
worker sent), every case must keep its own answers, and once the worker has drained its
queues every notice is sent, as exactly one email, and every document has its verdict.
Nothing here is timed: the waits are only generous upper bounds.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared import PROJECT_ROOT
from shared.db import make_engine, make_session_factory, transaction
from shared.jobs.outbox import enqueue_scans
from shared.models import Case, Document, Notice, NoticeState, ScanState
from shared.notices.kinds import NoticeKind
from shared.notices.mail import message_id_for
from shared.services import notices, parties
from shared.services.documents import UploadRules, receive_upload
from shared.storage.local import LocalStorage
from shared.uploads.filetypes import DEFAULT_ALLOWED
from shared.uploads.receiving import IncomingFile
from tests.conftest import required_env
from tests.eicar import eicar_bytes
from tests.gunicorn import portal_under_gunicorn
from tests.mailserver import MailServer, running_mail_server
from tests.ports import free_port
from tests.residents import CASES_EACH, Resident, file_at_once
from tests.workers import kill_tree

BACKLOG = 150  # notices waiting to be sent before anyone files
CLEAN_UPLOADS = 9  # and one EICAR, all waiting for their scan
PROCESSES = 3
THREADS = 4  # residents in each process, each filing CASES_EACH applications
FILINGS = PROCESSES * THREADS * CASES_EACH
MAIL_FROM = "Caseway <noreply@council.example>"
DRAIN_SECONDS = 180


@pytest.fixture
def mail() -> Iterator[tuple[MailServer, str]]:
    with running_mail_server() as server:
        yield server


@pytest.fixture
def env(
    fresh_database_url: str, redis_url: str, mail: tuple[MailServer, str], tmp_path: Path
) -> dict[str, str]:
    """One configuration for the portal, the worker and the test's own writes."""
    return {
        **os.environ,
        "CASEWAY_ENV": "test",
        "CASEWAY_DOTENV": "/dev/null",
        "CASEWAY_INSTANCE_DIR": str(tmp_path / "instance"),
        "CASEWAY_DATABASE_URL": fresh_database_url,
        "CASEWAY_REDIS_URL": redis_url,
        "CASEWAY_CLAMD_URL": required_env("CASEWAY_CLAMD_URL"),
        "CASEWAY_SMTP_URL": mail[1],
        "CASEWAY_MAIL_FROM": MAIL_FROM,
        "CASEWAY_STORAGE_DIR": str(tmp_path / "storage"),
        "CASEWAY_PORTAL_URL": f"http://127.0.0.1:{free_port()}",
    }


@pytest.fixture
def backlog(sessions: sessionmaker[Session]) -> list[int]:
    """BACKLOG notices, committed (and so enqueued) before the worker starts."""
    with transaction(sessions) as session:
        ids = []
        for number in range(BACKLOG):
            party = parties.register_person(
                session, given_name="Backlog", family_name=str(number),
                email=f"backlog-{number}@example.org",
            )  # fmt: skip
            notice = notices.create_notice(
                session, kind=NoticeKind.NEW_MESSAGE, recipient=party,
                context={"recipient_name": f"Backlog {number}", "reference": "ABCD-2345-X",
                         "case_url": "https://portal.example/cases/ABCD-2345-X"},
            )  # fmt: skip
            ids.append(notice.id)
    return ids


@pytest.fixture
def uploads(env: dict[str, str]) -> dict[int, ScanState]:
    """Documents awaiting their scan, each with its expected verdict. Their scan jobs are
    not enqueued here (the scans queue comes first, so the worker would finish them before
    any filing): the test enqueues them while residents file, as the sweep would."""
    storage_dir = Path(env["CASEWAY_STORAGE_DIR"])
    files = [
        (f"letter-{n}.pdf", f"%PDF-1.4\n% letter {n}\n".encode()) for n in range(CLEAN_UPLOADS)
    ]
    files.append(("invoice.txt", eicar_bytes()))
    expected = {}
    engine = make_engine(env["CASEWAY_DATABASE_URL"])
    with transaction(make_session_factory(engine)) as session:
        uploader = parties.register_person(session, given_name="Ana", family_name="Silva",
                                           email=None)  # fmt: skip
        for name, content in files:
            incoming = IncomingFile(storage_dir / "incoming", 10**6)
            incoming.write(content)
            document = receive_upload(
                session, LocalStorage(storage_dir), incoming=incoming, filename=name,
                rules=UploadRules(allowed=DEFAULT_ALLOWED, max_documents=20, max_bytes=10**6),
                uploaded_by=uploader,
            )  # fmt: skip
            infected = content == eicar_bytes()
            expected[document.id] = ScanState.INFECTED if infected else ScanState.CLEAN
    engine.dispose()
    return expected


@pytest.fixture
def worker(
    env: dict[str, str], backlog: list[int], uploads: dict[int, ScanState], tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """A real `caseway worker` on every queue, not in burst mode, started once the backlog
    and the uploads are queued; stopped (SIGTERM, then SIGKILL) whatever happens."""
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "shared.cli", "worker"], env=env, cwd=PROJECT_ROOT,
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield process, log
    finally:
        stop(process)


@pytest.fixture
def portal(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """The real portal under gunicorn (two processes of four threads)."""
    port = int(env["CASEWAY_PORTAL_URL"].rsplit(":", 1)[1])
    log = tmp_path / "gunicorn.log"
    with portal_under_gunicorn(env, port, log):
        yield port, log


@pytest.fixture
def spawned() -> Iterator[list[multiprocessing.process.BaseProcess]]:
    """Processes the test starts; any still running at the end is killed."""
    processes: list[multiprocessing.process.BaseProcess] = []
    yield processes
    for process in processes:
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
            process.join(timeout=30)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        kill_tree(process.pid)
        process.wait(timeout=30)


def file_from_threads(port: int, process: int, start: Any, results: Any) -> None:
    """One process of residents, THREADS of them, each in a thread of its own, filing at
    once with every other process's. Puts their requests and any exception on `results`."""
    residents = [Resident(port, process * THREADS + thread) for thread in range(THREADS)]
    failures = file_at_once(residents, start=start, timeout=240)
    results.put(([s for r in residents for s in r.statuses], failures))


def file_from_processes(
    port: int, spawned: list[multiprocessing.process.BaseProcess]
) -> tuple[list[tuple[str, str, int]], list[str]]:
    context = multiprocessing.get_context("spawn")  # no connection or lock crosses a fork
    start = context.Barrier(PROCESSES * THREADS)
    results = context.Queue()
    for number in range(PROCESSES):
        spawned.append(context.Process(target=file_from_threads,
                                       args=(port, number, start, results)))  # fmt: skip
        spawned[-1].start()
    statuses, failures = [], []
    for _ in range(PROCESSES):
        process_statuses, process_failures = results.get(timeout=280)
        statuses += process_statuses
        failures += process_failures
    return statuses, failures


def enqueue_scans_one_by_one(document_ids: list[int], env: dict[str, str]) -> None:
    """The scans, spread over the filings, so the worker scans between sending notices."""
    time.sleep(1)  # the residents' processes are starting
    for document_id in document_ids:
        enqueue_scans([document_id], env["CASEWAY_REDIS_URL"])
        time.sleep(0.5)


def wait_until_busy(mail: MailServer, worker: subprocess.Popen[bytes], log: Path) -> None:
    """Until the worker has sent its first email: from here it is sending the backlog."""
    deadline = time.monotonic() + 60
    while not mail.messages and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.1)
    assert mail.messages, f"the worker sent nothing:\n{log.read_text()}"


def wait_until_drained(sessions: sessionmaker[Session]) -> None:
    """Until every notice is sent and every document scanned, or DRAIN_SECONDS pass
    (then the assertions show what was left)."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        with sessions() as session:
            states = set(session.scalars(select(Notice.state)))
            waiting = session.scalars(
                select(Document.id).where(Document.scan_state == ScanState.AWAITING_SCAN)
            ).first()
        if states <= {NoticeState.SENT} and waiting is None:
            return
        time.sleep(0.5)


def expected_answers(address: str, number: int) -> tuple[str, str]:
    """The details and email a resident (Resident.file_cases) gives for one case."""
    return f"From {address}, case {number}.", f"r{address}-{number}@example.org"


@pytest.mark.timeout(600)
def test_residents_file_from_threads_and_processes_while_a_worker_sends_and_scans(
    portal: tuple[int, Path],
    env: dict[str, str],
    worker: tuple[subprocess.Popen[bytes], Path],
    backlog: list[int],
    uploads: dict[int, ScanState],
    mail: tuple[MailServer, str],
    sessions: sessionmaker[Session],
    spawned: list[multiprocessing.process.BaseProcess],
) -> None:
    (port, portal_log), (worker_process, worker_log) = portal, worker
    wait_until_busy(mail[0], worker_process, worker_log)

    scanning = threading.Thread(target=enqueue_scans_one_by_one, args=(list(uploads), env),
                                daemon=True)  # fmt: skip
    scanning.start()
    statuses, failures = file_from_processes(port, spawned)
    scanning.join(timeout=60)

    assert failures == [], "\n".join(failures)
    errors = [s for s in statuses if s[2] >= 500]
    refused = [s for s in statuses if s[2] != (302 if s[0] == "POST" else 200)]
    filed = [s for s in statuses if s[:2] == ("POST", "/file/application/check") and s[2] == 302]
    assert (len(errors), refused) == (0, []), (
        f"{len(errors)} server errors, {len(refused)} of {len(statuses)} requests refused:"
        f" {Counter(refused).most_common(5)}\n{portal_log.read_text()[-20000:]}"
    )
    assert len(filed) == FILINGS
    assert_each_case_has_its_own_answers(sessions)

    wait_until_drained(sessions)
    assert worker_process.poll() is None, worker_log.read_text()[-20000:]
    assert_every_notice_sent_once(sessions, mail[0], backlog)
    with sessions() as session:
        verdicts = {d.id: d.scan_state for d in session.scalars(select(Document))}
    assert verdicts == uploads


def assert_each_case_has_its_own_answers(sessions: sessionmaker[Session]) -> None:
    addresses = [f"127.0.0.{n + 2}" for n in range(PROCESSES * THREADS)]
    expected = sorted(expected_answers(a, n) for a in addresses for n in range(CASES_EACH))
    with sessions() as session:
        cases = session.scalars(select(Case)).all()
        stored = sorted((c.answers["details"], c.answers["email"].lower()) for c in cases)
        assert stored == expected
        for case in cases:
            assert case.answers["service"] == "parking-permit"
            assert (case.answers["given_name"], case.answers["family_name"]) == ("Ana", "Silva")
            assert case.applicant.email == case.answers["email"].lower()


def assert_every_notice_sent_once(
    sessions: sessionmaker[Session], mail: MailServer, backlog: list[int]
) -> None:
    with sessions() as session:
        rows = session.scalars(select(Notice)).all()
        acknowledged = Counter(n.case_id for n in rows if n.case_id is not None)
        case_ids = set(session.scalars(select(Case.id)))
    assert Counter(n.state for n in rows) == {NoticeState.SENT: BACKLOG + FILINGS}
    assert set(backlog) <= {n.id for n in rows}
    assert acknowledged == dict.fromkeys(case_ids, 1)
    received = Counter((m["Message-ID"], m["To"]) for m in list(mail.messages))
    expected = {(message_id_for(n.idempotency_key, MAIL_FROM), n.recipient_address): 1
                for n in rows}  # fmt: skip
    assert received == expected
