"""Saved views of the triage queue: a person's own filters, or ones an administrator
publishes to everyone with a role or in a team (as Zammad's overviews)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, utcnow


class SavedView(Base):
    __tablename__ = "saved_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    # The queue's query string as it was saved (filters and sort), parsed again on use.
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # A person's own view has an owner; a published one names a role or a team instead.
    owner_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    published_to_role: Mapped[str | None] = mapped_column(String(40))
    published_to_team_id: Mapped[int | None] = mapped_column(
        ForeignKey("team.id", ondelete="CASCADE")
    )
    created_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
