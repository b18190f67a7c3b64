"""Caseway's models, one module per aggregate; importing this package registers them all."""

from shared.models.audit import AuditEvent
from shared.models.base import Base
from shared.models.calendar import ClosureDay
from shared.models.case import (
    Case,
    CaseChannel,
    CasePriority,
    CaseRisk,
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
from shared.models.message import (
    Message,
    MessageChannel,
    MessageRead,
    MessageState,
    ReplyTemplate,
)
from shared.models.notice import Notice, NoticeChannel, NoticeState
from shared.models.party import DuplicateState, Party, PartyKind, PossibleDuplicate
from shared.models.routing import RoutingRule
from shared.models.saved_view import SavedView
from shared.models.sensitive import SensitiveReveal
from shared.models.signin import SignInLink
from shared.models.staff import Role, RoleCode, StaffRecoveryCode, StaffUser, Team
from shared.models.staff_session import StaffSession

__all__ = [
    "AuditEvent",
    "Base",
    "Case",
    "CaseChannel",
    "CasePriority",
    "CaseRisk",
    "ClosureDay",
    "CaseParty",
    "CasePartyRole",
    "CaseType",
    "Classification",
    "Decision",
    "Document",
    "Draft",
    "DuplicateState",
    "Event",
    "Feedback",
    "Message",
    "MessageChannel",
    "MessageRead",
    "MessageState",
    "Notice",
    "NoticeChannel",
    "NoticeState",
    "Party",
    "PartyKind",
    "PossibleDuplicate",
    "ReplyTemplate",
    "Role",
    "RoleCode",
    "RoutingRule",
    "SavedView",
    "Satisfaction",
    "SensitiveReveal",
    "ScanState",
    "SignInLink",
    "StaffRecoveryCode",
    "StaffSession",
    "StaffUser",
    "Task",
    "TaskState",
    "Team",
]
