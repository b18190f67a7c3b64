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


ROLE_PERMISSIONS: dict[RoleCode, frozenset[Permission]] = {
    RoleCode.INTAKE_CLERK: frozenset(
        {Permission.SEE_CASES, Permission.RECORD_CASES, Permission.SEE_QUEUE, Permission.TRIAGE}
    ),
    RoleCode.CASEWORKER: frozenset(
        {Permission.SEE_CASES, Permission.SEE_INBOX, Permission.WORK_CASES, Permission.DECIDE}
    ),
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
        }
    ),
    RoleCode.AUDITOR: frozenset(
        {
            Permission.SEE_CASES,
            Permission.SEE_QUEUE,
            Permission.SEE_INBOX,
            Permission.SEE_TEAMS,
            Permission.SEE_ROUTING_RULES,
            Permission.READ_AUDIT,
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
