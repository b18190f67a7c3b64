"""Staff, their teams and roles: who works cases in the back office."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.models.base import Base, utcnow


class RoleCode(enum.Enum):
    INTAKE_CLERK = "intake_clerk"
    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"


staff_user_role = Table(
    "staff_user_role",
    Base.metadata,
    Column("staff_user_id", ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
)


class Team(Base):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    # The name where a locale has none of its own in `names` ({"cy": "Trwyddedau"}):
    # residents and staff read a team's name in their language, as case types' labels.
    name: Mapped[str] = mapped_column(String(120))
    names: Mapped[dict[str, Any]] = mapped_column(default=dict)
    email: Mapped[str | None] = mapped_column(String(254))

    def label(self, locale: str) -> str:
        """The team's name in `locale`, else its default name."""
        return str((self.names or {}).get(locale) or self.name)


class Role(Base):
    __tablename__ = "role"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_signed_in_at: Mapped[datetime | None]
    # Part of every signed-in session: raising it ends them all ("sign out everywhere",
    # deactivation, a new password).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Wrong passwords since the last sign-in; enough of them lock the account for a while.
    failed_sign_ins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    # The case types this person works (codes), for assignment by skill.
    skills: Mapped[list[str]] = mapped_column(default=list)

    team: Mapped[Team | None] = relationship()
    roles: Mapped[list[Role]] = relationship(secondary=staff_user_role)

    @property
    def has_password(self) -> bool:
        """False until they set one through their emailed link."""
        return self.password_hash.startswith("$argon2")

    def has_role(self, code: RoleCode) -> bool:
        return any(role.code == code.value for role in self.roles)
