"""Reveals of sensitive fields: a member of staff shown, for a while and with a reason,
an answer their roles see masked (shared/services/masking.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, utcnow


class SensitiveReveal(Base):
    __tablename__ = "sensitive_reveal"
    # A case page asks for this person's reveals on this case made in the last minutes.
    __table_args__ = (
        Index("ix_sensitive_reveal_staff_case", "staff_id", "case_id", "revealed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    # The question's name in the case's form (or a resident's record field).
    field: Mapped[str] = mapped_column(String(80))
    classification: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(500))
    revealed_at: Mapped[datetime] = mapped_column(default=utcnow)
