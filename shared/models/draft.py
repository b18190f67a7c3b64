"""Drafts: a citizen's answers while they fill in a form, kept until they submit.

Kept in the database, not the session cookie, so long answers fit, a save-and-resume
link can find them, and a submitted draft remembers its case (one case per draft). A
clerk recording a case for a resident (assisted intake) keeps its answers on one too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.encryption.columns import EncryptedJSON
from shared.models.base import Base, enum_column, utcnow
from shared.models.case import CaseChannel


class Draft(Base):
    __tablename__ = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    case_type_code: Mapped[str] = mapped_column(String(40))
    form_version: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    # Encrypted whole at rest, as a case's answers are.
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    # A clerk recording a case for a resident (assisted intake) says how it came in; a
    # resident's own draft on the portal is never one of those.
    channel: Mapped[CaseChannel] = mapped_column(
        enum_column(CaseChannel), default=CaseChannel.PORTAL, server_default="portal"
    )
