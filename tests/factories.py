"""Test data, built through the same services the apps use, with keyword overrides.

party = make_party(session, given_name="Rhys")
case = make_case(session, applicant=party, state="in_progress")
caseworker = make_staff(session, roles=[RoleCode.CASEWORKER], team=make_team(session))
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import Case, Party, RoleCode, StaffUser, Team
from shared.services import cases, parties, staff
from shared.services.casetypes import case_type_for

STAFF_PASSWORD = "a long password for tests"
_numbers = itertools.count(1)

# The states a case goes through to reach each one, as the demo data moves them.
PATH_TO = {
    "submitted": (),
    "triage": ("triage",),
    "assigned": ("triage", "assigned"),
    "in_progress": ("triage", "assigned", "in_progress"),
}


def make_party(session: Session, **overrides: Any) -> Party:
    number = next(_numbers)
    fields: dict[str, Any] = {
        "given_name": "Ana",
        "family_name": "Silva",
        "email": f"resident{number}@example.org",
    }
    return parties.register_person(session, **(fields | overrides))


def make_team(session: Session, code: str = "permits", name: str = "Permits") -> Team:
    found = session.scalars(select(Team).where(Team.code == code)).first()
    if found is not None:
        return found
    team = Team(code=code, name=name)
    session.add(team)
    session.flush()
    return team


def make_staff(
    session: Session,
    *,
    roles: Iterable[RoleCode] = (RoleCode.CASEWORKER,),
    **overrides: Any,
) -> StaffUser:
    number = next(_numbers)
    fields: dict[str, Any] = {
        "email": f"staff{number}@council.example",
        "display_name": f"Staff Member {number}",
        "password": STAFF_PASSWORD,
    }
    return staff.create_staff_user(session, roles=list(roles), **(fields | overrides))


def make_case(
    session: Session,
    *,
    case_type: str = "application",
    applicant: Party | None = None,
    state: str = "submitted",
    **overrides: Any,
) -> Case:
    """A case opened as the portal opens one (acknowledgement included), then moved
    through the workflow to `state`."""
    fields: dict[str, Any] = {"summary": "Resident parking permit", "answers": {}}
    case = cases.open_case(
        session,
        case_type=case_type_for(session, case_type),
        applicant=applicant or make_party(session),
        **(fields | overrides),
    )
    for step in PATH_TO[state]:
        cases.change_state(session, case=case, to_state=step, actor=None)
    session.flush()
    return case
