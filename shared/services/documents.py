"""Documents: keeping uploads in quarantine until a clamd verdict releases or holds them."""

from __future__ import annotations

import hashlib
from typing import BinaryIO

from sqlalchemy.orm import Session

from shared.models import Case, Document, Party, ScanState, StaffUser
from shared.models.base import utcnow
from shared.scanning import ScanResult, Verdict
from shared.services import audit
from shared.storage import Area, LocalStorage


def quarantine_upload(
    session: Session,
    storage: LocalStorage,
    *,
    case: Case | None,
    stream: BinaryIO,
    filename: str,
    content_type: str,
    uploaded_by: Party | StaffUser,
) -> Document:
    """Store an upload in quarantine and record it as awaiting its scan."""
    key = storage.new_key()
    digest = hashlib.sha256()
    size = storage.put(Area.QUARANTINE, key, _HashingReader(stream, digest))
    document = Document(
        case=case,
        original_filename=filename,
        storage_key=key,
        content_type=content_type,
        size_bytes=size,
        sha256=digest.hexdigest(),
        uploaded_by_party_id=uploaded_by.id if isinstance(uploaded_by, Party) else None,
        uploaded_by_staff_id=uploaded_by.id if isinstance(uploaded_by, StaffUser) else None,
    )
    session.add(document)
    session.flush()
    audit.record(
        session,
        actor=uploaded_by,
        action="document.uploaded",
        object_kind="document",
        object_id=document.id,
        details={"size_bytes": size},
    )
    return document


def record_scan_result(
    session: Session, storage: LocalStorage, *, document: Document, result: ScanResult
) -> None:
    """Release a clean file to the store; keep an infected one in quarantine, never served."""
    document.scanned_at = utcnow()
    document.scan_attempts += 1
    if result.verdict is Verdict.CLEAN:
        storage.move(document.storage_key, Area.QUARANTINE, Area.RELEASED)
        document.scan_state = ScanState.CLEAN
    else:
        document.scan_state = ScanState.INFECTED
        document.scan_signature = result.signature
    audit.record(
        session,
        actor=None,
        action=f"document.scanned_{document.scan_state.value}",
        object_kind="document",
        object_id=document.id,
        details={"signature": result.signature} if result.signature else {},
    )
    session.flush()


class _HashingReader:
    """A read-through wrapper that hashes what storage reads, so the file is read once."""

    def __init__(self, stream: BinaryIO, digest: hashlib._Hash) -> None:
        self._stream, self._digest = stream, digest

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self._digest.update(chunk)
        return chunk
