"""A real RQ worker process, on a real Redis, scanning with the real clamd.

The worker is `caseway worker --burst` started as its own process with the test's settings,
so everything it sees went through a committed transaction, as in production.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rq.job import JobStatus
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared import PROJECT_ROOT
from shared.db import make_engine, make_session_factory, transaction
from shared.jobs import queues
from shared.jobs.scans import SCAN_RETRY, scan_document
from shared.models import AuditEvent, Document, Party, ScanState
from shared.services import parties
from shared.services.documents import UploadRules, receive_upload
from shared.storage import Area
from shared.storage.local import LocalStorage
from shared.uploads.filetypes import DEFAULT_ALLOWED
from shared.uploads.receiving import IncomingFile
from tests.conftest import required_env
from tests.eicar import eicar_bytes


@pytest.fixture
def worker_env(fresh_database_url: str, redis_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CASEWAY_ENV": "test",
        "CASEWAY_DOTENV": "/dev/null",
        "CASEWAY_DATABASE_URL": fresh_database_url,
        "CASEWAY_REDIS_URL": redis_url,
        "CASEWAY_CLAMD_URL": required_env("CASEWAY_CLAMD_URL"),
        "CASEWAY_STORAGE_DIR": str(tmp_path / "storage"),
    }


@pytest.fixture
def sessions(worker_env: dict[str, str]) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(worker_env["CASEWAY_DATABASE_URL"])
    yield make_session_factory(engine)
    engine.dispose()


def upload(sessions: sessionmaker[Session], env: dict[str, str], content: bytes, name: str) -> int:
    with transaction(sessions) as session:
        uploader = parties.register_person(
            session, given_name="Ana", family_name="Silva", email=None
        )
        incoming = IncomingFile(Path(env["CASEWAY_STORAGE_DIR"]) / "incoming", 10**6)
        incoming.write(content)
        document = receive_upload(
            session,
            LocalStorage(Path(env["CASEWAY_STORAGE_DIR"])),
            incoming=incoming,
            filename=name,
            rules=UploadRules(allowed=DEFAULT_ALLOWED, max_documents=20, max_bytes=10**6),
            uploaded_by=uploader,
        )
        return document.id


def run_worker(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", "worker", "--burst"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def load(sessions: sessionmaker[Session], document_id: int) -> tuple[Document, list[str]]:
    with sessions() as session:
        document = session.get(Document, document_id)
        assert document is not None
        actions = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_kind == "document", AuditEvent.object_id == str(document_id)
            )
        ).all()
        return document, list(actions)


def test_worker_releases_a_clean_file_and_holds_eicar(
    worker_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    clean_id = upload(sessions, worker_env, b"%PDF-1.4\n% a clean letter\n", "letter.pdf")
    infected_id = upload(sessions, worker_env, eicar_bytes(), "invoice.txt")
    queue = queues.queue(queues.SCANS, worker_env["CASEWAY_REDIS_URL"])
    jobs = [queue.enqueue(scan_document, doc_id) for doc_id in (clean_id, infected_id)]

    result = run_worker(worker_env)

    assert result.returncode == 0, result.stderr
    assert [job.get_status(refresh=True) for job in jobs] == [JobStatus.FINISHED] * 2
    storage = LocalStorage(Path(worker_env["CASEWAY_STORAGE_DIR"]))
    clean, clean_audit = load(sessions, clean_id)
    assert clean.scan_state is ScanState.CLEAN
    assert storage.exists(Area.RELEASED, clean.storage_key)
    assert not storage.exists(Area.QUARANTINE, clean.storage_key)
    assert "document.scanned_clean" in clean_audit
    infected, infected_audit = load(sessions, infected_id)
    assert infected.scan_state is ScanState.INFECTED
    assert infected.scan_signature is not None
    assert infected.scan_signature.startswith("Caseway.Test.EICAR")
    assert storage.exists(Area.QUARANTINE, infected.storage_key)
    assert not storage.exists(Area.RELEASED, infected.storage_key)
    assert "document.scanned_infected" in infected_audit


def test_scanner_down_keeps_the_file_awaiting_scan_and_schedules_a_retry(
    worker_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    document_id = upload(sessions, worker_env, b"%PDF-1.4\n", "letter.pdf")
    queue = queues.queue(queues.SCANS, worker_env["CASEWAY_REDIS_URL"])
    job = queue.enqueue(scan_document, document_id, retry=SCAN_RETRY)

    result = run_worker({**worker_env, "CASEWAY_CLAMD_URL": "tcp://127.0.0.1:1"})

    assert result.returncode == 0, result.stderr
    assert job.get_status(refresh=True) is JobStatus.SCHEDULED  # RQ's Retry, with backoff
    document, audit = load(sessions, document_id)
    assert document.scan_state is ScanState.AWAITING_SCAN
    assert LocalStorage(Path(worker_env["CASEWAY_STORAGE_DIR"])).exists(
        Area.QUARANTINE, document.storage_key
    )
    assert not any(action.startswith("document.scanned") for action in audit)


def test_a_job_for_an_already_scanned_document_changes_nothing(
    worker_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    document_id = upload(sessions, worker_env, b"hello", "note.txt")
    queue = queues.queue(queues.SCANS, worker_env["CASEWAY_REDIS_URL"])
    first, second = (queue.enqueue(scan_document, document_id) for _ in range(2))
    assert run_worker(worker_env).returncode == 0
    assert (first.return_value(), second.return_value()) == ("clean", "skipped")
    _, audit = load(sessions, document_id)
    assert audit.count("document.scanned_clean") == 1


def test_the_uploader_is_recorded(
    worker_env: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    document_id = upload(sessions, worker_env, b"hello", "note.txt")
    document, _ = load(sessions, document_id)
    with sessions() as session:
        uploader = session.get(Party, document.uploaded_by_party_id)
        assert uploader is not None
        assert uploader.given_name == "Ana"
    assert document.size_bytes == 5
    assert document.sha256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
