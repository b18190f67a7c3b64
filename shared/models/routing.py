"""Routing rules: an ordered list administrators edit; the first rule whose conditions a
case meets proposes its team, SLA policy and (optionally) priority at triage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.models.base import Base, utcnow
from shared.models.staff import Team


class RoutingRule(Base):
    __tablename__ = "routing_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Rules are tried in ascending position; the first match wins.
    position: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(120))
    # Every condition given must hold; one not given matches anything. Keys: case_type,
    # category, area, priority (each a list of accepted values) and answers
    # ({question: accepted value}).
    conditions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    sla_policy: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str | None] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship()
