"""Caseway's models, one module per aggregate; importing this package registers them all."""

from shared.models.audit import AuditEvent
from shared.models.base import Base
from shared.models.case import (
    Case,
    CaseChannel,
    CasePriority,
    CaseType,
    Decision,
    Event,
    Task,
    TaskState,
)
from shared.models.case_party import CaseParty, CasePartyRole
from shared.models.document import Classification, Document, ScanState
from shared.models.draft import Draft
from shared.models.feedback import Feedback, Satisfaction
from shared.models.message import Message
from shared.models.notice import Notice, NoticeChannel, NoticeState
from shared.models.party import Party, PartyKind
from shared.models.signin import SignInLink
from shared.models.staff import Role, RoleCode, StaffUser, Team

__all__ = [
    "AuditEvent",
    "Base",
    "Case",
    "CaseChannel",
    "CasePriority",
    "CaseParty",
    "CasePartyRole",
    "CaseType",
    "Classification",
    "Decision",
    "Document",
    "Draft",
    "Event",
    "Feedback",
    "Message",
    "Notice",
    "NoticeChannel",
    "NoticeState",
    "Party",
    "PartyKind",
    "Role",
    "RoleCode",
    "Satisfaction",
    "ScanState",
    "SignInLink",
    "StaffUser",
    "Task",
    "TaskState",
    "Team",
]
