"""What visitors tell us about the service itself (the Beta banner's feedback link).
Anonymous: no party, no case; administrators read it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, enum_column, utcnow


class Satisfaction(enum.Enum):
    """The GOV.UK satisfaction scale."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    NEITHER = "neither"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    satisfaction: Mapped[Satisfaction] = mapped_column(enum_column(Satisfaction))
    improvement: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(16))
    # The page the visitor came from (a path of the app), to see which pages people mean.
    from_page: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
