"""Who has the case, and the assignment forms this person may use: "Assign to me" (those
who work cases and may take it), and for supervisors (ASSIGN) a named person, a team's
queue, or the least-loaded caseworker of the team who works its type, with each
person's caseload; and who the case's workflow keeps from it (on an appeal, whoever
decided or approved the decision it challenges), with why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from backoffice.forms.assignment import AssignForm, AssignTeamForm, AssignToMeForm, LeastLoadedForm
from shared.models import Case, StaffUser, Team
from shared.permissions import Permission, may
from shared.services import assignment
from shared.services import cases as case_service
from shared.services.staff import OPEN_CASE_EXCLUDED_STATES
from shared.web import db_session

# How the case's history titles the staff-only assignment events.
ASSIGNMENT_EVENT_TITLES = {
    "assigned": _l("Assigned"),
    "assigned_to_team": _l("Sent to a team’s queue"),
}

# Why someone may not be given the case, by the workflow's exclusion (shared/workflow):
# said to the person themselves, and of others to the supervisor choosing.
EXCLUDED_ME = {
    "decided_appealed_decision": _l(
        "You decided the decision under appeal, so you may not be assigned this appeal. "
        "Someone who was not involved in the first decision must work on it."
    ),
    "approved_appealed_decision": _l(
        "You approved the decision under appeal, so you may not be assigned this appeal. "
        "Someone who was not involved in the first decision must work on it."
    ),
}
EXCLUDED_OTHER = {
    "decided_appealed_decision": _l(
        "%(name)s decided the decision under appeal, so may not be assigned this appeal."
    ),
    "approved_appealed_decision": _l(
        "%(name)s approved the decision under appeal, so may not be assigned this appeal."
    ),
}

PeopleForm = TypeVar("PeopleForm", bound=AssignForm)
TeamsForm = TypeVar("TeamsForm", bound=AssignTeamForm)


def offer_people(form: PeopleForm, found: Case) -> PeopleForm:
    people = assignment.assignable_people(db_session(), case=found)
    form.to_staff.choices = [SelectChoice("", _l("Select a person"))] + [
        SelectChoice(str(person.id), person.display_name) for person in people
    ]
    return form


def offer_teams(form: TeamsForm) -> TeamsForm:
    teams = db_session().scalars(select(Team).order_by(Team.name, Team.id))
    form.team.choices = [SelectChoice("", _l("Select a team"))] + [
        SelectChoice(str(t.id), t.name) for t in teams
    ]
    return form


def section(found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm]) -> dict[str, object]:
    session = db_session()
    is_open = found.state not in OPEN_CASE_EXCLUDED_STATES
    # Sent back with its errors (a refusal), or offered to someone who may take the case.
    me_form = forms.get("assign_me")
    if me_form is None and may(staff, Permission.WORK_CASES):
        if assignment.may_assign_to_self(session, found, staff):
            me_form = AssignToMeForm(formdata=None, prefix="me")
    barred = case_service.excluded_from_assignment(session, case=found, person=staff)
    excluded_me = str(EXCLUDED_ME[barred]) if barred and is_open else None
    excluded_others: list[str] = []
    person_form = team_form = least_form = None
    loads: list[assignment.Caseload] = []
    if is_open and may(staff, Permission.ASSIGN):
        excluded_others = [
            str(EXCLUDED_OTHER[why] % {"name": person.display_name})
            for person, why in assignment.excluded_people(session, case=found)
            if person.id != staff.id
        ]
        person_form = forms.get("assign_person") or offer_people(
            AssignForm(formdata=None, prefix="person"), found
        )
        team_form = forms.get("assign_team") or offer_teams(
            AssignTeamForm(formdata=None, prefix="team")
        )
        if found.team is not None:
            least_form = forms.get("assign_least") or LeastLoadedForm(formdata=None, prefix="least")
            loads = assignment.caseload(session, team=found.team)
    page_forms = [f for f in (me_form, person_form, team_form, least_form) if f is not None]
    return {
        "assign_me_form": me_form,
        "assign_person_form": person_form,
        "assign_team_form": team_form,
        "assign_least_form": least_form,
        "team_caseload": loads,
        "assignment_excluded_me": excluded_me,
        "assignment_excluded_others": excluded_others,
        "page_forms": page_forms,
    }
