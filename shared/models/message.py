"""Messages between a resident and the staff handling their case: one conversation per
case, in the portal and by email. Internal notes are not messages (they are staff-only
history entries) and never reach the resident."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, enum_column, utcnow


class MessageChannel(enum.Enum):
    PORTAL = "portal"  # written in the portal or the back office
    EMAIL = "email"  # a resident's reply to a notice email, taken in by `caseway mail-in`


class MessageState(enum.Enum):
    DELIVERED = "delivered"
    # An emailed reply whose sender is not the resident's address: staff accept it onto
    # the conversation or reject it; until then the resident's case shows nothing of it.
    HELD = "held"
    REJECTED = "rejected"


class Message(Base):
    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    sender_party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"))
    sender_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    body: Mapped[str] = mapped_column(Text)
    # Kept from the first schema and always False: internal notes are history entries.
    is_internal: Mapped[bool] = mapped_column(default=False)
    # A request for information also moves the case to "awaiting information" (the SLA
    # clock stops) through the workflow; the resident's reply moves it back.
    is_request_for_information: Mapped[bool] = mapped_column(default=False, server_default=false())
    channel: Mapped[MessageChannel] = mapped_column(
        enum_column(MessageChannel), default=MessageChannel.PORTAL, server_default="portal"
    )
    state: Mapped[MessageState] = mapped_column(
        enum_column(MessageState), default=MessageState.DELIVERED, server_default="delivered"
    )
    # For an emailed reply: who sent it, and its Message-ID, so the same email delivered
    # twice is one message.
    from_address: Mapped[str | None] = mapped_column(String(254))
    email_message_id: Mapped[str | None] = mapped_column(String(998), unique=True)
    decided_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the resident read a message from staff (None: unread, or not from staff).
    read_at: Mapped[datetime | None]


class MessageRead(Base):
    """Read state per member of staff: each person has their own unread messages."""

    __tablename__ = "message_read"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("message.id", ondelete="CASCADE"), primary_key=True
    )
    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReplyTemplate(Base):
    """A reply staff start from, kept by administrators in each language: the same `code`
    in several locales. Placeholders: {reference}, {due_date}, {name}."""

    __tablename__ = "reply_template"
    __table_args__ = (UniqueConstraint("code", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), index=True)
    locale: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    updated_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
