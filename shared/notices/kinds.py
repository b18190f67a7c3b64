"""The kinds of notice Caseway sends, and who they go to."""

from __future__ import annotations

import enum


class NoticeKind(enum.Enum):
    ACKNOWLEDGEMENT = "acknowledgement"
    SIGN_IN_LINK = "sign_in_link"
    REQUEST_FOR_INFORMATION = "request_for_information"
    NEW_MESSAGE = "new_message"
    DECISION = "decision"
    APPEAL_RECEIVED = "appeal_received"
    CASE_CLOSED = "case_closed"
    OVERDUE_ESCALATION = "overdue_escalation"  # to staff
    CASE_WITHDRAWN = "case_withdrawn"  # to staff
    RESUME_LINK = "resume_link"
    DOCUMENT_NOT_ACCEPTED = "document_not_accepted"
    DOCUMENT_HELD = "document_held"  # to staff
    STAFF_INVITATION = "staff_invitation"  # to staff: set your password
    STAFF_TWO_FACTOR_RESET = "staff_two_factor_reset"  # to staff: an administrator reset it


STAFF_KINDS = frozenset(
    {
        NoticeKind.OVERDUE_ESCALATION,
        NoticeKind.CASE_WITHDRAWN,
        NoticeKind.DOCUMENT_HELD,
        NoticeKind.STAFF_INVITATION,
        NoticeKind.STAFF_TWO_FACTOR_RESET,
    }
)
