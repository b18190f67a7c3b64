"""Cases, their types and the timeline of everything that happens to them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ForeignKey, Index, String, Text, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.encryption.columns import EncryptedJSON
from shared.models.base import Base, enum_column, utcnow
from shared.models.party import Party
from shared.models.staff import StaffUser, Team


class CaseType(Base):
    """A kind of case (application, complaint, appeal, ...); its workflow lives in configuration."""

    __tablename__ = "case_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    # Labels per locale, e.g. {"en": "Apply for a parking permit"}: translators own them.
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    workflow_version: Mapped[str] = mapped_column(String(20), default="1")
    target_days: Mapped[int] = mapped_column(default=20)
    appeal_window_days: Mapped[int] = mapped_column(default=28)
    is_active: Mapped[bool] = mapped_column(default=True)

    def label(self, locale: str, default_locale: str = "en") -> str:
        return str(self.labels.get(locale) or self.labels.get(default_locale) or self.code)


class CasePriority(enum.Enum):
    """How soon a case needs working: set at triage; the SLA policy depends on it."""

    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class CaseRisk(enum.Enum):
    """Set at triage with a reason: how much harm waiting could do to the resident."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class CaseChannel(enum.Enum):
    """How a case reached us: filed on the portal, or recorded by a clerk (assisted intake)
    from a phone call, a letter or a visit."""

    PORTAL = "portal"
    PHONE = "phone"
    POST = "post"
    IN_PERSON = "in_person"


# States in which a case is finished with: decided (only an appeal may follow), closed,
# withdrawn. Lists of open work leave them out, and their partial indexes are built so.
FINISHED_STATES = ("decided", "closed", "withdrawn")
_OPEN = text("state NOT IN ('decided', 'closed', 'withdrawn')")
_OPEN_UNASSIGNED = text("assignee_id IS NULL AND state NOT IN ('decided', 'closed', 'withdrawn')")
_AWAITING_REPLY = text("awaiting_reply_since IS NOT NULL")


class Case(Base):
    __tablename__ = "case"
    # The lists (triage queue, My work, a team's cases) page by keyset on these: each list
    # reads its page straight off one index, in order, at any depth (bench/queue.py).
    # My work and a team's lists read only open cases: partial indexes keep each person's
    # and team's closed history (most of the table, in time) out of their way.
    __table_args__ = (
        Index("ix_case_state_submitted", "state", "submitted_at", "id"),
        Index("ix_case_state_due", "state", "due_at", "id"),
        # The triage queue filtered by type, priority, channel or area, oldest first.
        Index("ix_case_state_type_submitted", "state", "case_type_id", "submitted_at", "id"),
        Index("ix_case_state_priority_submitted", "state", "priority", "submitted_at", "id"),
        Index("ix_case_state_channel_submitted", "state", "channel", "submitted_at", "id"),
        Index("ix_case_state_area_submitted", "state", "area", "submitted_at", "id"),
        Index("ix_case_assignee_due", "assignee_id", "due_at", "id",
              postgresql_where=_OPEN, sqlite_where=_OPEN),
        Index("ix_case_team_due", "team_id", "due_at", "id",
              postgresql_where=_OPEN, sqlite_where=_OPEN),
        Index("ix_case_team_unassigned", "team_id", "submitted_at", "id",
              postgresql_where=_OPEN_UNASSIGNED, sqlite_where=_OPEN_UNASSIGNED),
        # The few cases whose resident waits for an answer, by person and by team.
        Index("ix_case_assignee_awaiting_reply", "assignee_id", "awaiting_reply_since",
              postgresql_where=_AWAITING_REPLY, sqlite_where=_AWAITING_REPLY),
        Index("ix_case_team_awaiting_reply", "team_id", "awaiting_reply_since",
              postgresql_where=_AWAITING_REPLY, sqlite_where=_AWAITING_REPLY),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_type.id"))
    state: Mapped[str] = mapped_column(String(40), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("party.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    summary: Mapped[str] = mapped_column(String(200))
    # Encrypted whole at rest: answers carry dates of birth, health, NI numbers.
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)
    form_version: Mapped[str] = mapped_column(String(20), default="1")
    # The version of its case type's workflow the case started with, and keeps.
    workflow_version: Mapped[str] = mapped_column(String(20), default="1", server_default="1")
    # An appeal is a case that challenges the decision of another case.
    appealed_decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decision.id", use_alter=True), index=True
    )
    channel: Mapped[CaseChannel] = mapped_column(
        enum_column(CaseChannel), default=CaseChannel.PORTAL, server_default="portal"
    )
    priority: Mapped[CasePriority] = mapped_column(
        enum_column(CasePriority), default=CasePriority.NORMAL, server_default="normal"
    )
    # The clerk who recorded the case for the resident; None when they filed it themselves.
    recorded_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # Set at triage: what the case is about within its type, how much harm waiting could
    # do (with the reason, on the history), and the area whose calendar the SLA follows.
    category: Mapped[str | None] = mapped_column(String(60))
    risk: Mapped[CaseRisk | None] = mapped_column(enum_column(CaseRisk))
    # Kept on the case (not only in the audit) so a second triage starts from it.
    risk_reason: Mapped[str | None] = mapped_column(Text)
    area: Mapped[str | None] = mapped_column(String(40))
    triaged_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The SLA (shared/sla): the policy applied at triage and its working days, the working
    # days the clock was stopped (waiting for the resident) and extended (by a supervisor),
    # and when the clock last stopped (None while it runs). due_at follows from them.
    sla_policy: Mapped[str | None] = mapped_column(String(40))
    sla_working_days: Mapped[int | None]
    paused_working_days: Mapped[int] = mapped_column(default=0, server_default="0")
    extended_working_days: Mapped[int] = mapped_column(default=0, server_default="0")
    clock_stopped_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    # When the resident's oldest message that no member of staff has answered yet arrived
    # (None when the latest message is staff's, or there is none): kept by
    # shared/services/messages.py with every message delivered, so the lists of cases
    # waiting for an answer read an index rather than every conversation.
    awaiting_reply_since: Mapped[datetime | None]
    # When the team's supervisor was told the case went overdue: once per case.
    overdue_notified_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    case_type: Mapped[CaseType] = relationship()
    applicant: Mapped[Party] = relationship()
    team: Mapped[Team | None] = relationship()
    assignee: Mapped[StaffUser | None] = relationship(foreign_keys=[assignee_id])
    recorded_by: Mapped[StaffUser | None] = relationship(foreign_keys=[recorded_by_staff_id])
    events: Mapped[list[Event]] = relationship(
        back_populates="case", order_by="Event.occurred_at", cascade="all, delete-orphan"
    )
    # Read only (set appealed_decision_id): what an appeal's summary names when shown.
    appealed_decision: Mapped[Decision | None] = relationship(
        foreign_keys=[appealed_decision_id], viewonly=True
    )


class Event(Base):
    """One entry of a case's timeline; `is_public` entries are shown to the citizen."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    actor_party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"))
    is_public: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    # What happened, as codes (team, SLA policy, category, area, priority...): the
    # history composes the words when it is read, in the reader's language; `note` keeps
    # only what a person wrote (a reason).
    details: Mapped[dict[str, Any] | None]
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")


class TaskState(enum.Enum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class Task(Base):
    __tablename__ = "task"
    # My work lists a person's open tasks: few per person, found without reading them all.
    __table_args__ = (
        Index("ix_task_open_assignee", "assignee_id",
              postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[TaskState] = mapped_column(enum_column(TaskState), default=TaskState.OPEN)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class Decision(Base):
    """An outcome on a case; approved by someone other than the decider (later issue)."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(40))
    reason_codes: Mapped[list[str]] = mapped_column(default=list)
    explanation: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # Indexed for the team page's measures over a period (shared/services/team.py).
    decided_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    approved_at: Mapped[datetime | None] = mapped_column(index=True)

    case: Mapped[Case] = relationship(foreign_keys=[case_id], viewonly=True)

    @property
    def given_at(self) -> datetime:
        """When the resident was told: on approval where the case type requires one."""
        return self.approved_at or self.decided_at


def open_case() -> ColumnElement[bool]:
    """A case not finished with, written as the partial indexes' own condition, with the
    states as literals: a planner uses a partial index only where it can see that the
    query implies the index's condition, which it cannot through bound parameters
    (SQLite never; PostgreSQL not in a generic plan). bench/queue.py's plans show it."""
    return Case.state.not_in([literal_column(f"'{state}'") for state in FINISHED_STATES])
