"""The parties of a case beyond its applicant: someone acting for the resident, the
person or organisation a complaint is about, a witness."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.models.base import Base, enum_column, utcnow
from shared.models.party import Party


class CasePartyRole(enum.Enum):
    # Acting for the resident: a councillor, an advocate, a relative with consent.
    REPRESENTATIVE = "representative"
    # Involved otherwise, such as the person or company a complaint is about.
    OTHER_PARTY = "other_party"
    WITNESS = "witness"


class CaseParty(Base):
    __tablename__ = "case_party"
    # One row however often the same form is sent: a double submit cannot add twice.
    __table_args__ = (UniqueConstraint("case_id", "party_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    role: Mapped[CasePartyRole] = mapped_column(enum_column(CasePartyRole))
    added_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    party: Mapped[Party] = relationship()
