"""Each signed-in session of a member of staff, so that signing out ends it on the server
and a copy of the cookie taken before is worth nothing afterwards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, utcnow


class StaffSession(Base):
    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the random key the session cookie carries: the table alone (a backup,
    # a database read) gives nobody a key to present.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
