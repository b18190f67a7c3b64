"""Days an area's offices are closed beyond its bank holidays (which come from the
`holidays` library): added by administrators, they stop the SLA clock like a holiday."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, utcnow


class ClosureDay(Base):
    __tablename__ = "closure_day"
    __table_args__ = (UniqueConstraint("area", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[str] = mapped_column(String(40))
    day: Mapped[date]
    name: Mapped[str] = mapped_column(String(120))
    added_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
