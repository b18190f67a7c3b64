"""Scanning uploaded documents with clamd, outside any request."""

from __future__ import annotations

import logging

from rq import Retry

from shared.jobs import context
from shared.models import Document, ScanState
from shared.scanning import ScannerUnavailable, scan_stream
from shared.services.documents import record_scan_result
from shared.storage import Area

log = logging.getLogger(__name__)

# clamd restarting or briefly down: try again with backoff rather than give up.
SCAN_RETRY = Retry(max=5, interval=[10, 30, 60, 120, 300])


def scan_document(document_id: int) -> str:
    """Scan one quarantined document; idempotent, so a re-enqueued job is harmless."""
    storage = context.storage()
    with context.sessions()() as session, session.begin():
        document = session.get(Document, document_id, with_for_update=True)
        if document is None or document.scan_state is not ScanState.AWAITING_SCAN:
            log.info("document %s needs no scan", document_id)
            return "skipped"
        with storage.open(Area.QUARANTINE, document.storage_key) as stream:
            try:
                result = scan_stream(context.settings().clamd_url, stream)
            except ScannerUnavailable:
                log.warning("clamd unavailable while scanning document %s", document_id)
                raise  # RQ's Retry takes it from here; the file stays awaiting scan
        record_scan_result(session, storage, document=document, result=result)
        return str(document.scan_state.value)
