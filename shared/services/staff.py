"""Staff accounts, their roles and teams."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import Role, RoleCode, StaffUser, Team
from shared.security import hash_password
from shared.services import audit

ROLE_NAMES = {
    RoleCode.INTAKE_CLERK: "Intake clerk",
    RoleCode.CASEWORKER: "Caseworker",
    RoleCode.SUPERVISOR: "Supervisor",
    RoleCode.AUDITOR: "Auditor",
    RoleCode.ADMINISTRATOR: "Administrator",
}


def ensure_roles(session: Session) -> dict[RoleCode, Role]:
    existing = {role.code: role for role in session.scalars(select(Role))}
    roles: dict[RoleCode, Role] = {}
    for code, name in ROLE_NAMES.items():
        role = existing.get(code.value) or Role(code=code.value, name=name)
        session.add(role)
        roles[code] = role
    session.flush()
    return roles


def create_staff_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    roles: Iterable[RoleCode],
    team: Team | None = None,
    actor: StaffUser | None = None,
) -> StaffUser:
    all_roles = ensure_roles(session)
    user = StaffUser(
        email=email.strip().lower(),
        display_name=display_name,
        password_hash=hash_password(password),
        team=team,
        roles=[all_roles[code] for code in roles],
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="staff.created",
        object_kind="staff_user",
        object_id=user.id,
        details={"roles": sorted(r.code for r in user.roles)},
    )
    return user
