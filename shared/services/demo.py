"""Demo data for trying Caseway on one machine: idempotent, never for production."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.casetypes import load_case_types
from shared.models import Case, CaseType, Party, RoleCode, StaffUser, Team
from shared.services import cases, decisions, parties, staff

DEMO_PASSWORD = "caseway-demo"  # noqa: S105 - printed to the person running the demo
DEMO_CITIZEN_EMAIL = "sam.citizen@example.org"

TEAMS = {
    "intake": "Intake",
    "permits": "Permits and licences",
    "complaints": "Customer complaints",
}
STAFF = {
    RoleCode.INTAKE_CLERK: ("clerk@caseway.example", "Imani Clerk", "intake"),
    RoleCode.CASEWORKER: ("caseworker@caseway.example", "Carlos Worker", "permits"),
    RoleCode.SUPERVISOR: ("supervisor@caseway.example", "Sofia Supervisor", "permits"),
    RoleCode.AUDITOR: ("auditor@caseway.example", "Arun Auditor", None),
    RoleCode.ADMINISTRATOR: ("admin@caseway.example", "Ada Administrator", None),
}
# (case type, summary, the workflow transitions it has been through, team)
CASES = [
    ("application", "Resident parking permit for Elm Street", [], None),
    ("application", "Blue badge renewal", ["start_triage", "assign"], "permits"),
    (
        "complaint",
        "Missed bin collection three weeks running",
        ["start_triage", "assign", "start_work"],
        "complaints",
    ),
    (
        "application",
        "Street party road closure",
        ["start_triage", "assign", "start_work", "decide", "approve_decision"],
        "permits",
    ),
]
# Who takes each transition in the demo's story.
TAKEN_BY = {
    "start_triage": RoleCode.INTAKE_CLERK,
    "assign": RoleCode.INTAKE_CLERK,
    "start_work": RoleCode.CASEWORKER,
    "decide": RoleCode.CASEWORKER,
    "approve_decision": RoleCode.SUPERVISOR,
}


@dataclass
class SeedSummary:
    cases_created: int = 0
    cases_total: int = 0
    staff: dict[str, str] = field(default_factory=dict)


def seed(session: Session) -> SeedSummary:
    types = _case_types(session)
    teams = _teams(session)
    summary = SeedSummary(staff=_staff(session, teams))
    if _citizen(session) is None:
        citizen = parties.register_person(
            session,
            given_name="Sam",
            family_name="Citizen",
            email=DEMO_CITIZEN_EMAIL,
            date_of_birth=date(1984, 3, 14),
            is_email_verified=True,
        )
        people = {
            role: session.scalars(select(StaffUser).where(StaffUser.email == STAFF[role][0])).one()
            for role in set(TAKEN_BY.values())
        }
        for type_code, summary_text, steps, team_code in CASES:
            case = cases.open_case(
                session,
                case_type=types[type_code],
                applicant=citizen,
                summary=summary_text,
                answers={},
                team=teams.get(team_code or ""),
            )
            for step in steps:
                actor = people[TAKEN_BY[step]]
                if step == "decide":
                    decisions.record_decision(
                        session, case=case, outcome="approved", decided_by=actor,
                        reason_codes=["meets_criteria"],
                        explanation="The road closure is approved for the date you asked for.",
                    )  # fmt: skip
                elif step == "approve_decision":
                    decisions.approve_decision(session, case=case, approver=actor)
                else:
                    cases.transition(session, case=case, name=step, actor=actor)
            summary.cases_created += 1
    summary.cases_total = session.scalar(select(func.count(Case.id))) or 0
    return summary


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
    for code, name in TEAMS.items():
        if code not in found:
            found[code] = Team(code=code, name=name)
            session.add(found[code])
    session.flush()
    return found


def _staff(session: Session, teams: dict[str, Team]) -> dict[str, str]:
    existing = set(session.scalars(select(StaffUser.email)))
    for role, (email, name, team_code) in STAFF.items():
        if email not in existing:
            staff.create_staff_user(
                session,
                email=email,
                display_name=name,
                password=DEMO_PASSWORD,
                roles=[role],
                team=teams.get(team_code or ""),
            )
    return {role.value: email for role, (email, _, _) in STAFF.items()}


def _citizen(session: Session) -> Party | None:
    return session.scalars(select(Party).where(Party.email == DEMO_CITIZEN_EMAIL)).first()
