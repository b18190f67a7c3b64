"""Documents on a case: quarantined until clamd has scanned them clean."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.models.base import Base, enum_column, utcnow

if TYPE_CHECKING:
    from shared.models.case import Case


class ScanState(enum.Enum):
    AWAITING_SCAN = "awaiting_scan"
    CLEAN = "clean"
    INFECTED = "infected"
    SCAN_FAILED = "scan_failed"


class Classification(enum.Enum):
    PUBLIC = "public"
    PERSONAL = "personal"
    SENSITIVE = "sensitive"


class Document(Base):
    __tablename__ = "document"
    # The held (infected) ones, by case: the triage queue's flag and filter probe it per case.
    __table_args__ = (
        Index("ix_document_held", "case_id", postgresql_where=text("scan_state = 'infected'"),
              sqlite_where=text("scan_state = 'infected'")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    # What URLs carry: unguessable, so a link reveals nothing and cannot be counted through.
    public_id: Mapped[str] = mapped_column(
        String(43), unique=True, default=lambda: secrets.token_urlsafe(24)
    )
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    # Uploaded while a form was being filled in: belongs to the draft until it is sent.
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("draft.id"), index=True)
    # An attachment of a message (portal, staff reply or emailed reply).
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"), index=True)
    question: Mapped[str | None] = mapped_column(String(60))
    uploaded_by_party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"))
    uploaded_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # A new version points at the document it replaces; the old one is kept.
    previous_version_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    # Sanitised display name only; files are stored under `storage_key`, never this.
    original_filename: Mapped[str] = mapped_column(String(200))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    # The file's own data key, wrapped by the master keys (shared/encryption/files.py);
    # None for a file stored before documents were encrypted, kept as it came.
    wrapped_key: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    scan_state: Mapped[ScanState] = mapped_column(
        enum_column(ScanState), default=ScanState.AWAITING_SCAN, index=True
    )
    scan_signature: Mapped[str | None] = mapped_column(String(200))
    scan_attempts: Mapped[int] = mapped_column(default=0)
    # Why the last attempt gave no verdict (clamd down, or clamd could not read the file).
    scan_problem: Mapped[str | None] = mapped_column(String(200))
    scanned_at: Mapped[datetime | None]
    classification: Mapped[Classification] = mapped_column(
        enum_column(Classification), default=Classification.PERSONAL
    )
    pii_tags: Mapped[list[str]] = mapped_column(default=list)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Removed by the citizen before sending: the row stays for the audit trail, the file goes.
    removed_at: Mapped[datetime | None]

    case: Mapped[Case | None] = relationship()
