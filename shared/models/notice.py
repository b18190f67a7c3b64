"""Notices: outgoing communications, written in the same transaction as their cause."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, enum_column, utcnow


class NoticeState(enum.Enum):
    PENDING = "pending"  # committed, waiting for a worker
    SENDING = "sending"  # claimed by a worker, not yet handed to the mail server
    TRANSMITTING = "transmitting"  # being handed over: from here a resend could duplicate
    SENT = "sent"
    FAILED = "failed"  # refused or unreachable; tried again at next_attempt_at
    # Refused or unreachable on every attempt: a person decides (`caseway notices resend`).
    UNDELIVERABLE = "undeliverable"
    # The worker stopped while handing it over: it may have been delivered. Never resent
    # automatically; an administrator checks and uses `caseway notices resend`.
    DELIVERY_UNKNOWN = "delivery_unknown"


class NoticeChannel(enum.Enum):
    EMAIL = "email"
    PORTAL = "portal"


class Notice(Base):
    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    recipient_party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"))
    recipient_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    recipient_address: Mapped[str | None] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[NoticeChannel] = mapped_column(enum_column(NoticeChannel))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[NoticeState] = mapped_column(
        enum_column(NoticeState), default=NoticeState.PENDING, index=True
    )
    # Sent as the Message-ID and claimed before sending, so a crash never sends twice.
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    # When a failed notice is due to be tried again. The database owns the retry: a job
    # scheduled in Redis is only the quick path, and is lost if Redis restarts.
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]
