"""Scanning uploaded documents with clamd, outside any request, and the sweep that makes
sure nothing waits for ever when Redis or clamd was down."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from rq import Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from shared.jobs import context
from shared.jobs.queues import SCANS, queue, redis_connection
from shared.models import Document, ScanState
from shared.scanning import ScanFailed, ScannerUnavailable, ScanResult, scan_stream
from shared.services import documents

log = logging.getLogger(__name__)

# clamd restarting or briefly down: try again with backoff rather than give up.
SCAN_RETRY = Retry(max=5, interval=[10, 30, 60, 120, 300])
# A job waiting in a queue or running: the sweep leaves its document alone. One waiting for
# a retry (scheduled, with backoff) is replaced, so a clamd that is back is used at once.
_IN_FLIGHT = {JobStatus.QUEUED, JobStatus.STARTED}


def scan_document(document_id: int) -> str:
    """Scan one document still without a verdict; idempotent, so a re-enqueued job, or the
    sweep's after a crash or a failed commit at any step, finishes what was left."""
    sessions = context.sessions()
    with sessions() as session:
        document = session.get(Document, document_id)
    if document is None or not _unscanned(document):
        log.info("document %s needs no scan", document_id)
        return "skipped"
    # No transaction is held while clamd reads the file: on SQLite it would hold the write
    # lock (`shared.db`) and keep every other writer waiting for as long as the scan takes.
    try:
        result = _scan(document)
    except ScannerUnavailable as problem:
        log.warning("no verdict for document %s: %s", document_id, problem)
        _record_problem(document_id, problem)
        raise  # RQ's Retry takes it from here; the file stays unserved
    with sessions() as session, session.begin():
        document = session.get(Document, document_id, with_for_update=True)
        if document is None or not _unscanned(document):
            return "skipped"  # another attempt recorded its verdict meanwhile
        documents.record_scan_result(session, context.storage(), document=document, result=result)
        return str(document.scan_state.value)


def _unscanned(document: Document) -> bool:
    return document.scan_state in (ScanState.AWAITING_SCAN, ScanState.SCAN_FAILED)


def _scan(document: Document) -> ScanResult:
    with documents.open_for_scan(context.storage(), document) as stream:
        return scan_stream(context.settings().clamd_url, stream)


def _record_problem(document_id: int, problem: ScannerUnavailable) -> None:
    with context.sessions()() as session, session.begin():
        held = session.get(Document, document_id, with_for_update=True)
        if held is not None and _unscanned(held):
            documents.record_scan_problem(
                session, document=held, problem=str(problem), failed=isinstance(problem, ScanFailed)
            )


def job_id_for(document_id: int) -> str:
    return f"scan-document-{document_id}"


def enqueue_scan(document_id: int, redis_url: str | None = None) -> bool:
    """Enqueue the scan unless one is already due; False if one was (nothing to do)."""
    connection = redis_connection(redis_url)
    job_id = job_id_for(document_id)
    try:
        existing = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        existing = None
    if existing is not None:
        if existing.get_status(refresh=False) in _IN_FLIGHT:
            return False
        existing.delete()  # finished or failed long ago: this is a new attempt
    try:
        queue(SCANS, redis_url).enqueue(
            scan_document, document_id, job_id=job_id, unique=True, retry=SCAN_RETRY,
            result_ttl=3600, failure_ttl=7 * 86400,
        )  # fmt: skip
    except DuplicateJobError:
        return False
    return True


def sweep_scans() -> int:
    """Periodic: enqueue a scan for every document still without a verdict whose job is
    gone (Redis was down at upload, or RQ's retries ran out while clamd was away)."""
    with context.sessions()() as session:
        waiting = documents.awaiting_verdict(session)
    enqueued = 0
    for document_id in waiting:
        try:
            enqueued += enqueue_scan(document_id, context.settings().redis_url)
        except RedisError:
            log.warning("Redis unavailable; the sweep will try again")
            break
    if enqueued:
        log.info("sweep enqueued %d scans", enqueued)
    return enqueued
