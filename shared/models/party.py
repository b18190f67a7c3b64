"""Parties: the people and organisations cases are about, with one persistent client id."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.encryption.columns import EncryptedDate, date_of_birth_hash
from shared.models.base import Base, enum_column, utcnow


class PartyKind(enum.Enum):
    PERSON = "person"
    ORGANISATION = "organisation"


class Party(Base):
    __tablename__ = "party"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Quoted by the citizen across every case they ever have; never reused.
    client_id: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[PartyKind] = mapped_column(enum_column(PartyKind), default=PartyKind.PERSON)
    given_name: Mapped[str | None] = mapped_column(String(120))
    family_name: Mapped[str | None] = mapped_column(String(120))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    # Encrypted at rest; duplicate detection compares the keyed hash beside it, which
    # follows every change of the date (_keep_date_of_birth_hash below).
    date_of_birth: Mapped[date | None] = mapped_column(EncryptedDate())
    date_of_birth_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    is_email_verified: Mapped[bool] = mapped_column(default=False)
    phone: Mapped[str | None] = mapped_column(String(40))
    address_line_1: Mapped[str | None] = mapped_column(String(200))
    address_line_2: Mapped[str | None] = mapped_column(String(200))
    address_town: Mapped[str | None] = mapped_column(String(120))
    address_postcode: Mapped[str | None] = mapped_column(String(20))
    preferred_locale: Mapped[str] = mapped_column(String(16), default="en")
    # A signed-in browser carries the version it signed in at; signing out or redeeming a
    # newer sign-in link moves it on, so copies of older session cookies stop working.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Confirmed at triage to be the same person as another record: this one then goes by
    # that record's client id. Both keep their own cases and history; nothing is merged.
    linked_to_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"), index=True)
    linked_to: Mapped[Party | None] = relationship(remote_side=[id])

    @property
    def client_id_in_use(self) -> str:
        """The client id the person goes by: the linked (root) record's once confirmed as
        one person (linked_to_id always names the root), else this record's own."""
        return self.linked_to.client_id if self.linked_to is not None else self.client_id

    @property
    def display_name(self) -> str:
        if self.kind is PartyKind.ORGANISATION:
            return self.organisation_name or ""
        return " ".join(p for p in (self.given_name, self.family_name) if p)


@event.listens_for(Party.date_of_birth, "set")
def _keep_date_of_birth_hash(party: Party, value: date | None, *_: object) -> None:
    party.date_of_birth_hash = date_of_birth_hash(value)


class DuplicateState(enum.Enum):
    OPEN = "open"
    CONFIRMED = "confirmed"  # the same person: linked under one client id
    REJECTED = "rejected"  # different people who look alike


class PossibleDuplicate(Base):
    """Two party records that look like one person (same name and date of birth), found
    when a case came in; a clerk confirms or rejects it at triage."""

    __tablename__ = "possible_duplicate"
    # The open ones, by case: the triage queue's flag and filter probe it per case.
    __table_args__ = (
        Index("ix_possible_duplicate_open", "case_id",
              postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"))
    other_party_id: Mapped[int] = mapped_column(ForeignKey("party.id"))
    state: Mapped[DuplicateState] = mapped_column(
        enum_column(DuplicateState), default=DuplicateState.OPEN
    )
    decided_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(500))
    # The task filing added so the case's list of things to do shows the check; deciding
    # the pair marks it done.
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    found_at: Mapped[datetime] = mapped_column(default=utcnow)
