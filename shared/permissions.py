"""What each staff role may do in the back office. Denied unless a role grants it.

The roles are those of ../shared/DESIGN.md: an auditor reads everything and changes
nothing; an administrator configures the service and manages staff, and works cases only
when also given a casework role.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from shared.models import RoleCode, StaffUser


class Permission(enum.Enum):
    SEE_CASES = "see_cases"  # read cases, their documents, notes and history
    RECORD_CASES = "record_cases"  # assisted intake: a case received by phone, post or in person
    # The triage queue, read only: auditors read every list; acting on it needs TRIAGE.
    SEE_QUEUE = "see_queue"
    # The messages inbox (cases waiting for an answer), read only: it has no forms.
    SEE_INBOX = "see_inbox"
    # Team pages, read only (a GET form of dates): supervisors their own, auditors every one.
    SEE_TEAMS = "see_teams"
    # The routing rules and their history, read only: changing them needs CONFIGURE.
    SEE_ROUTING_RULES = "see_routing_rules"
    TRIAGE = "triage"
    WORK_CASES = "work_cases"  # notes, tasks, documents, transitions on cases
    DECIDE = "decide"
    APPROVE = "approve"  # approve or return another person's decision
    ASSIGN = "assign"
    READ_AUDIT = "read_audit"
    MANAGE_STAFF = "manage_staff"
    CONFIGURE = "configure"
    # Sensitive answers and fields (shared/services/masking.py), one per classification:
    # without it a person sees "Hidden: ..." in its place. shared/casetypes/access.toml
    # may narrow these further by team and area; nothing widens them.
    SEE_DATE_OF_BIRTH = "see_date_of_birth"
    SEE_NI_NUMBER = "see_ni_number"
    SEE_HEALTH = "see_health"
    SEE_CRIMINAL_RECORD = "see_criminal_record"
    SEE_ETHNICITY = "see_ethnicity"
    # Reveal a masked field for a while, with a reason, audited.
    REVEAL_SENSITIVE = "reveal_sensitive"


# Sensitive fields. Caseworkers and supervisors see dates of birth and national insurance
# numbers: they verify who the resident is before they act or decide. Health and
# criminal records go to them too, but access.toml keeps caseworkers' to the teams whose
# work needs them. Intake clerks triage from the request, not the person's particulars
# (a possible duplicate already has the same name and date of birth): they see them
# masked. Auditors read everything else, masked here, and reveal what an audit needs,
# with a reason; supervisors may too, for what their role does not show. Ethnicity is
# kept for equality monitoring, reported in aggregate: no role sees it by default.
_SEES_PARTICULARS = frozenset(
    {
        Permission.SEE_DATE_OF_BIRTH,
        Permission.SEE_NI_NUMBER,
        Permission.SEE_HEALTH,
        Permission.SEE_CRIMINAL_RECORD,
    }
)

ROLE_PERMISSIONS: dict[RoleCode, frozenset[Permission]] = {
    RoleCode.INTAKE_CLERK: frozenset(
        {Permission.SEE_CASES, Permission.RECORD_CASES, Permission.SEE_QUEUE, Permission.TRIAGE}
    ),
    RoleCode.CASEWORKER: frozenset(
        {Permission.SEE_CASES, Permission.SEE_INBOX, Permission.WORK_CASES, Permission.DECIDE}
    )
    | _SEES_PARTICULARS,
    RoleCode.SUPERVISOR: frozenset(
        {
            Permission.SEE_CASES,
            Permission.SEE_QUEUE,
            Permission.SEE_INBOX,
            Permission.SEE_TEAMS,
            Permission.SEE_ROUTING_RULES,
            Permission.TRIAGE,
            Permission.WORK_CASES,
            Permission.DECIDE,
            Permission.APPROVE,
            Permission.ASSIGN,
            Permission.REVEAL_SENSITIVE,
        }
    )
    | _SEES_PARTICULARS,
    RoleCode.AUDITOR: frozenset(
        {
            Permission.SEE_CASES,
            Permission.SEE_QUEUE,
            Permission.SEE_INBOX,
            Permission.SEE_TEAMS,
            Permission.SEE_ROUTING_RULES,
            Permission.READ_AUDIT,
            Permission.REVEAL_SENSITIVE,
        }
    ),
    RoleCode.ADMINISTRATOR: frozenset(
        {Permission.MANAGE_STAFF, Permission.CONFIGURE, Permission.SEE_ROUTING_RULES}
    ),
}


def permissions_of_roles(roles: Iterable[RoleCode]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def permissions_of(staff: StaffUser) -> frozenset[Permission]:
    """What this person may do now: nothing once deactivated."""
    if not staff.is_active:
        return frozenset()
    return permissions_of_roles(RoleCode(role.code) for role in staff.roles)


def may(staff: StaffUser | None, permission: Permission) -> bool:
    return staff is not None and permission in permissions_of(staff)
