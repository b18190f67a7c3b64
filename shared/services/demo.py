"""Demo data for trying Caseway on one machine: idempotent, never for production.

The office: three teams with their names in English and Welsh, two supervisors, clerks
and caseworkers in every team (each caseworker listing the case types they work, so
least-loaded assignment has someone to pick), routing rules, and a few hundred cases
over the past weeks in every state of their workflows (shared/services/demo_office.py).
Everything goes through the services the apps use, so the history, audit trail and SLA
dates agree; only the clock is set back (shared.models.base.clock_at) for each step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.casetypes import load_case_types
from shared.models import Case, CaseType, Party, RoleCode, RoutingRule, StaffUser, Team
from shared.models.base import utcnow
from shared.security import hash_password
from shared.services import routing, staff
from shared.services.demo_office import CASE_COUNT, DEMO_CITIZEN_EMAIL, seed_cases

__all__ = ["DEMO_CITIZEN_EMAIL", "DEMO_PASSWORD", "DEMO_TOTP_SECRET", "seed"]

DEMO_PASSWORD = "caseway-demo"  # noqa: S105 - printed to the person running the demo
# The demo administrator's authenticator-app key: administrators must use two-factor
# sign-in (CASEWAY_TWO_FACTOR_REQUIRED_ROLES), so the demo sets it up with a key it prints
# (`caseway seed-demo`), and `caseway demo-code` shows the current code. Never secret.
DEMO_TOTP_SECRET = "CASEWAYDEMOADMINCASEWAYDEMOADMIN"  # noqa: S105

# Team code -> its name per locale (English is the default, `Team.name`).
TEAMS = {
    "intake": {"en": "Intake", "cy": "Derbyn achosion"},
    "permits": {"en": "Permits and licences", "cy": "Trwyddedau a hawlenni"},
    "complaints": {"en": "Customer complaints", "cy": "Cwynion cwsmeriaid"},
}


@dataclass(frozen=True)
class DemoStaff:
    email: str
    name: str
    role: RoleCode
    team: str | None
    skills: tuple[str, ...] = ()  # case types for least-loaded assignment


# The first of each role is the one the sign-in list shows for it.
STAFF = (
    DemoStaff("clerk@caseway.example", "Imani Clerk", RoleCode.INTAKE_CLERK, "intake"),
    DemoStaff("clerk2@caseway.example", "Megan Clerk", RoleCode.INTAKE_CLERK, "intake"),
    DemoStaff("caseworker@caseway.example", "Carlos Worker", RoleCode.CASEWORKER, "permits",
              ("application", "appeal")),
    DemoStaff("caseworker2@caseway.example", "Priya Worker", RoleCode.CASEWORKER, "permits",
              ("application", "appeal")),
    DemoStaff("caseworker3@caseway.example", "Dewi Worker", RoleCode.CASEWORKER, "complaints",
              ("complaint",)),
    DemoStaff("caseworker4@caseway.example", "Lowri Worker", RoleCode.CASEWORKER, "complaints",
              ("complaint",)),
    DemoStaff("supervisor@caseway.example", "Sofia Supervisor", RoleCode.SUPERVISOR, "permits"),
    DemoStaff("supervisor2@caseway.example", "Siôn Supervisor", RoleCode.SUPERVISOR,
              "complaints"),
    DemoStaff("auditor@caseway.example", "Arun Auditor", RoleCode.AUDITOR, None),
    DemoStaff("admin@caseway.example", "Ada Administrator", RoleCode.ADMINISTRATOR, None),
)  # fmt: skip

# (name, conditions, team, SLA policy, priority): tried in this order, first match wins.
RULES = (
    ("Complaints about staff", {"case_type": ["complaint"], "category": ["staff_conduct"]},
     "complaints", "fast_track", "high"),
    ("Complaints", {"case_type": ["complaint"]}, "complaints", "standard", None),
    ("Blue Badge applications", {"case_type": ["application"], "category": ["blue_badge"]},
     "permits", "fast_track", None),
    ("Applications", {"case_type": ["application"]}, "permits", "standard", None),
    ("Appeals", {"case_type": ["appeal"]}, "permits", "standard", None),
)  # fmt: skip


@dataclass
class SeedSummary:
    cases_created: int = 0
    cases_total: int = 0
    # (role, email, team code) of each demo member of staff, in STAFF's order.
    staff: list[tuple[str, str, str | None]] = field(default_factory=list)


def seed(session: Session) -> SeedSummary:
    types = _case_types(session)
    teams = _teams(session)
    people = _staff(session, teams)
    _rules(session, teams, admin=people["admin@caseway.example"])
    summary = SeedSummary(staff=[(s.role.value, s.email, s.team) for s in STAFF])
    if _citizen(session) is None:
        summary.cases_created = seed_cases(session, types=types, people=people)
    summary.cases_total = session.scalar(select(func.count(Case.id))) or 0
    return summary


def expected_case_count() -> int:
    """The cases a first seed creates."""
    return CASE_COUNT


def _case_types(session: Session) -> dict[str, CaseType]:
    found = {t.code: t for t in session.scalars(select(CaseType))}
    for definition in load_case_types():
        if definition.code not in found:
            found[definition.code] = CaseType(
                code=definition.code,
                labels=definition.labels,
                target_days=definition.target_days,
                appeal_window_days=definition.appeal_window_days,
                workflow_version=definition.version,
            )
            session.add(found[definition.code])
    session.flush()
    return found


def _teams(session: Session) -> dict[str, Team]:
    found = {t.code: t for t in session.scalars(select(Team))}
    for code, names in TEAMS.items():
        if code not in found:
            found[code] = Team(code=code, name=names["en"], names={})
            session.add(found[code])
        if not found[code].names:  # a demo seeded before teams had names per locale
            found[code].names = {k: v for k, v in names.items() if k != "en"}
    session.flush()
    return found


def _staff(session: Session, teams: dict[str, Team]) -> dict[str, StaffUser]:
    existing = {user.email: user for user in session.scalars(select(StaffUser))}
    password_hash = None
    for member in STAFF:
        user = existing.get(member.email)
        if user is None:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            user = staff.create_staff_user(
                session,
                email=member.email,
                display_name=member.name,
                password=DEMO_PASSWORD,
                password_hash=password_hash,
                roles=[member.role],
                team=teams.get(member.team or ""),
            )
            existing[member.email] = user
        if member.skills and not user.skills:  # a demo seeded before skills were given
            user.skills = list(member.skills)
        if member.role is RoleCode.ADMINISTRATOR and user.totp_secret is None:
            user.totp_secret = DEMO_TOTP_SECRET
            user.totp_enrolled_at = utcnow()
    session.flush()
    return {member.email: existing[member.email] for member in STAFF}


def _rules(session: Session, teams: dict[str, Team], *, admin: StaffUser) -> None:
    if session.scalar(select(func.count(RoutingRule.id))):
        return  # the administrator's own rules (or the demo's, already added)
    for name, conditions, team, policy, priority in RULES:
        fields = routing.RuleFields(name=name, conditions=conditions, team_id=teams[team].id,
                                    sla_policy=policy, priority=priority)  # fmt: skip
        routing.add_rule(session, actor=admin, fields=fields)


def _citizen(session: Session) -> Party | None:
    return session.scalars(select(Party).where(Party.email == DEMO_CITIZEN_EMAIL)).first()
