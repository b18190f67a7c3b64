"""Staff, their teams and roles: who works cases in the back office."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.encryption.columns import EncryptedText
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
    __table_args__ = (
        UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_staff_user_oidc_subject"),
    )

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
    # Who they are at the organisation's identity provider, once they have signed in
    # through it (single sign-on): the issuer and its never-reassigned subject, not the
    # email address, which can change or pass to someone else.
    oidc_issuer: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    # Two-factor sign-in (shared/services/two_factor.py): the TOTP secret in base32, kept
    # in this one column so it can take an encrypted type; the last time-step whose code
    # was accepted, so no code is used twice; when enrolment was confirmed.
    # Sealed with the encryption keys: a copy of the database gives nobody the codes.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText())
    totp_last_step: Mapped[int | None]
    totp_enrolled_at: Mapped[datetime | None]

    team: Mapped[Team | None] = relationship()
    roles: Mapped[list[Role]] = relationship(secondary=staff_user_role)

    @property
    def has_password(self) -> bool:
        """False until they set one through their emailed link."""
        return self.password_hash.startswith("$argon2")

    def has_role(self, code: RoleCode) -> bool:
        return any(role.code == code.value for role in self.roles)

    @property
    def has_two_factor(self) -> bool:
        """True once they confirmed a TOTP enrolment with a code."""
        return self.totp_secret is not None and self.totp_enrolled_at is not None


class StaffRecoveryCode(Base):
    """One of the codes shown once at two-factor enrolment, for signing in without the
    authenticator app; each works once. Only a hash is kept."""

    __tablename__ = "staff_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]
