"""Staff accounts, their roles and teams."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, contains_eager, selectinload

from shared.models import Case, Role, RoleCode, StaffUser, Team
from shared.models.case import FINISHED_STATES, open_case
from shared.models.staff import staff_user_role
from shared.notices.kinds import NoticeKind
from shared.security import hash_password
from shared.services import audit, notices, two_factor
from shared.services.staff_sign_in import PASSWORD_LINK_HOURS

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
    password_hash: str | None = None,
) -> StaffUser:
    """`password_hash`: `password` hashed already (the demo's staff share one password,
    and each hash takes a deliberate fraction of a second)."""
    all_roles = ensure_roles(session)
    user = StaffUser(
        email=email.strip().lower(),
        display_name=display_name,
        password_hash=password_hash or hash_password(password),
        team=team,
        roles=_each_once(all_roles, roles),
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


def _each_once(all_roles: dict[RoleCode, Role], wanted: Iterable[RoleCode]) -> list[Role]:
    """The roles asked for, each once, in a fixed order: a form may send one twice
    (`roles=caseworker&roles=caseworker`), and a person holds a role or does not."""
    chosen = set(wanted)
    return [all_roles[code] for code in RoleCode if code in chosen]


# ---------------------------------------------------------------- managing staff

NOT_A_HASH = "!"  # matches no password: nobody can sign in until they set one
OPEN_CASE_EXCLUDED_STATES = FINISHED_STATES


class StaffChangeRefused(Exception):
    """A change to a staff account that would leave work or the service stranded."""

    def __init__(self, reason: str, *, open_cases: int = 0) -> None:
        super().__init__(reason)
        # still_has_cases, own_account, last_administrator, email_taken, own_two_factor,
        # no_two_factor
        self.reason = reason
        self.open_cases = open_cases


def invite_staff(
    session: Session,
    *,
    email: str,
    display_name: str,
    roles: Iterable[RoleCode],
    team: Team | None,
    skills: Iterable[str],
    actor: StaffUser,
    link_for: Callable[[StaffUser], str],
) -> StaffUser:
    """A new account with no password, and an email with a link to set one."""
    address = email.strip().lower()
    if session.scalars(select(StaffUser).where(StaffUser.email == address)).first():
        raise StaffChangeRefused("email_taken")
    all_roles = ensure_roles(session)
    member = StaffUser(
        email=address,
        display_name=display_name.strip(),
        password_hash=NOT_A_HASH,
        team=team,
        roles=_each_once(all_roles, roles),
        skills=sorted(set(skills)),
    )
    session.add(member)
    session.flush()
    audit.record(session, actor=actor, action="staff.invited", object_kind="staff_user",
                 object_id=member.id, details=_described(member))  # fmt: skip
    notices.create_notice(
        session, kind=NoticeKind.STAFF_INVITATION, recipient=member,
        context={"recipient_name": member.display_name, "link": link_for(member),
                 "expires_hours": PASSWORD_LINK_HOURS},
    )  # fmt: skip
    return member


def send_password_link(
    session: Session, *, member: StaffUser, actor: StaffUser, link_for: Callable[[StaffUser], str]
) -> None:
    """A new set-password link (an expired invitation, a forgotten password)."""
    audit.record(session, actor=actor, action="staff.password_link_sent",
                 object_kind="staff_user", object_id=member.id)  # fmt: skip
    notices.create_notice(
        session, kind=NoticeKind.STAFF_INVITATION, recipient=member,
        context={"recipient_name": member.display_name, "link": link_for(member),
                 "expires_hours": PASSWORD_LINK_HOURS},
    )  # fmt: skip


def change_staff(
    session: Session,
    *,
    member: StaffUser,
    roles: Iterable[RoleCode],
    team: Team | None,
    skills: Iterable[str],
    actor: StaffUser,
) -> None:
    """New roles, team and skills, audited with what they were before."""
    wanted = set(roles)
    if (
        RoleCode.ADMINISTRATOR not in wanted
        and member.has_role(RoleCode.ADMINISTRATOR)
        and active_administrators(session) <= 1
    ):
        raise StaffChangeRefused("last_administrator")
    before = _described(member)
    all_roles = ensure_roles(session)
    member.roles = _each_once(all_roles, wanted)
    member.team = team
    member.skills = sorted(set(skills))
    session.flush()
    changes = {"before": before, "after": _described(member)}
    audit.record(session, actor=actor, action="staff.changed", object_kind="staff_user",
                 object_id=member.id, details=changes)  # fmt: skip


def deactivate_staff(session: Session, *, member: StaffUser, actor: StaffUser) -> None:
    """Nobody can sign in as them any more, and their sessions end; refused while cases
    are still assigned to them (reassign those first)."""
    if member.id == actor.id:
        raise StaffChangeRefused("own_account")
    count = open_cases_of(session, member)
    if count:
        raise StaffChangeRefused("still_has_cases", open_cases=count)
    if member.has_role(RoleCode.ADMINISTRATOR) and active_administrators(session) <= 1:
        raise StaffChangeRefused("last_administrator")
    member.is_active = False
    member.session_version += 1
    audit.record(session, actor=actor, action="staff.deactivated", object_kind="staff_user",
                 object_id=member.id)  # fmt: skip
    session.flush()


def reset_two_factor(
    session: Session, *, member: StaffUser, actor: StaffUser, reason: str, sign_in_link: str
) -> None:
    """For someone who lost both their authenticator app and their recovery codes: their
    two-factor sign-in is cleared, every session they have ends (a pending sign-in too, as
    it is tied to the session version), the reason is audited and they are emailed. Never
    one's own: that would let a stolen session with a password strip the second factor."""
    if member.id == actor.id:
        raise StaffChangeRefused("own_two_factor")
    if not member.has_two_factor:
        raise StaffChangeRefused("no_two_factor")
    two_factor.clear(session, staff=member)
    member.session_version += 1
    audit.record(session, actor=actor, action="staff.two_factor_reset", object_kind="staff_user",
                 object_id=member.id, details={"reason": reason})  # fmt: skip
    notices.create_notice(
        session, kind=NoticeKind.STAFF_TWO_FACTOR_RESET, recipient=member,
        context={"recipient_name": member.display_name, "link": sign_in_link},
    )  # fmt: skip
    session.flush()


def open_cases_of(session: Session, member: StaffUser) -> int:
    query = select(func.count(Case.id)).where(Case.assignee_id == member.id, open_case())
    return session.scalar(query) or 0


def active_administrators(session: Session) -> int:
    query = (
        select(func.count(StaffUser.id))
        .join(staff_user_role, staff_user_role.c.staff_user_id == StaffUser.id)
        .join(Role, Role.id == staff_user_role.c.role_id)
        .where(StaffUser.is_active.is_(True), Role.code == RoleCode.ADMINISTRATOR.value)
    )
    return session.scalar(query) or 0


# The orders the staff list can be sorted in, by the name the page's links use. Each
# ignores case, and the two databases agree (PostgreSQL runs with the C collation).
STAFF_LIST_ORDERS: dict[str, ColumnElement[Any] | InstrumentedAttribute[Any]] = {
    "name": func.lower(StaffUser.display_name),
    "email": func.lower(StaffUser.email),
    "team": func.lower(Team.name),
    "last-signed-in": StaffUser.last_signed_in_at,
}


def staff_list(
    session: Session, *, sort: str = "name", descending: bool = False
) -> list[StaffUser]:
    """Everyone with an account, in the order asked for (a key of STAFF_LIST_ORDERS).
    Those with no team or who never signed in come last either way; equal values stay in
    name order, then in the order the accounts were made, so a page never reshuffles."""
    column = STAFF_LIST_ORDERS[sort]
    ordered = column.desc() if descending else column.asc()
    query = (
        select(StaffUser)
        .outerjoin(Team, Team.id == StaffUser.team_id)
        .order_by(ordered.nulls_last(), func.lower(StaffUser.display_name), StaffUser.id)
        .options(contains_eager(StaffUser.team), selectinload(StaffUser.roles))
    )
    return list(session.scalars(query))


def names_of(session: Session, *, staff_ids: Iterable[int | None]) -> dict[int, str]:
    """The names of these members of staff by id (who did what, on a case's history)."""
    wanted = {staff_id for staff_id in staff_ids if staff_id is not None}
    if not wanted:
        return {}
    query = select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(wanted))
    return {row.id: row.display_name for row in session.execute(query)}


def teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.name)))


def _described(member: StaffUser) -> dict[str, object]:
    return {
        "roles": sorted(role.code for role in member.roles),
        "team": member.team.code if member.team else None,
        "skills": list(member.skills),
    }
