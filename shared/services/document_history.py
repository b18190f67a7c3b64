"""What staff read about a document beyond the file: who sent each version, and how it was
reclassified and why (which the audit trail is the one record of)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import AuditEvent, Classification, Document, Party, StaffUser


@dataclass(frozen=True)
class Uploader:
    name: str
    is_staff: bool


@dataclass(frozen=True)
class ClassificationChange:
    document_id: int
    changed_at: datetime
    by: StaffUser | None
    before: Classification
    after: Classification
    pii_tags: tuple[str, ...]  # after the change
    reason: str


def uploader_of(session: Session, document: Document) -> Uploader | None:
    """The resident or member of staff who sent the file; None for one nobody is recorded
    against (a form's file before it was sent, had it no signed-in sender)."""
    if document.uploaded_by_staff_id is not None:
        staff = session.get(StaffUser, document.uploaded_by_staff_id)
        return Uploader(staff.display_name, is_staff=True) if staff else None
    if document.uploaded_by_party_id is not None:
        party = session.get(Party, document.uploaded_by_party_id)
        return Uploader(party.display_name, is_staff=False) if party else None
    return None


def classification_changes(
    session: Session, *, versions: Iterable[Document]
) -> list[ClassificationChange]:
    """How these versions of a document were reclassified, newest first. A change made to
    every version at once (each audited) is one change."""
    query = (
        select(AuditEvent)
        .where(
            AuditEvent.action == "document.classified",
            AuditEvent.object_kind == "document",
            AuditEvent.object_id.in_([str(version.id) for version in versions]),
        )
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    changes: list[ClassificationChange] = []
    for entry in session.scalars(query):
        change = _change(session, entry)
        if not changes or _key(changes[-1]) != _key(change):
            changes.append(change)
    return changes


def _key(change: ClassificationChange) -> tuple[object, ...]:
    return (change.by.id if change.by else None, change.after, change.pii_tags, change.reason)


def _change(session: Session, entry: AuditEvent) -> ClassificationChange:
    staff_id = entry.actor_id if entry.actor_kind == "staff" else None
    by = session.get(StaffUser, int(staff_id)) if staff_id else None
    return ClassificationChange(
        document_id=int(entry.object_id),
        changed_at=entry.occurred_at,
        by=by,
        before=Classification(entry.details["before"]["classification"]),
        after=Classification(entry.details["after"]["classification"]),
        pii_tags=tuple(entry.details["after"].get("pii_tags") or ()),
        # Changes made before a reason was asked for have none.
        reason=str(entry.details.get("reason") or ""),
    )
