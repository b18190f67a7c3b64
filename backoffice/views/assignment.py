"""Assigning one case from its page: to me, to a named person, to a team's queue, or to
the least-loaded caseworker of its team who works its type."""

from __future__ import annotations

from flask import Blueprint, abort, flash
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms.assignment import AssignForm, AssignTeamForm, AssignToMeForm, LeastLoadedForm
from backoffice.sections.assignment import EXCLUDED_ME, offer_people, offer_teams
from backoffice.views.case_page import back_to_section, render_case_page
from shared import access
from shared.models import Case, StaffUser, Team
from shared.permissions import Permission
from shared.services import assignment
from shared.web import db_session, unit_of_work

blueprint = Blueprint("assignment", __name__, url_prefix="/cases")

REFUSED = {
    "not_allowed": _l("You may not assign this case"),
    "case_closed": _l("The case is closed, so it cannot be assigned"),
    "cannot_work_cases": _l("Select someone who works cases"),
    "other_team": _l("Select someone in the case’s team"),
    "no_skill": _l("Select someone who works this type of case"),
    "excluded": _l("Select someone who was not involved in the decision under appeal"),
    "already_theirs": _l("The case is already with them"),
    "no_reason": _l("Enter the reason: someone else has the case"),
    "workflow": _l("The case cannot be assigned in its current state by your role"),
    "no_team": _l("Assign the case to a team first"),
    "nobody_fits": _l("Nobody in the team works this type of case: assign it to a named person"),
    "only_one_has_it": _l(
        "The only caseworker in the team who works this type of case already has it"
    ),
    "all_excluded": _l(
        "Everyone else in the team who works this type of case decided or approved the "
        "decision under appeal: assign it to a named person who was not involved"
    ),
}
# Refusals that belong to the person chosen, not the reason.
ABOUT_PERSON = {"cannot_work_cases", "other_team", "no_skill", "excluded", "already_theirs"}


def _case(reference: str) -> Case:
    try:
        return access.case_for_staff(db_session(), reference=reference, staff=acting_staff())
    except access.NotFound:
        abort(404)


def _done(found: Case, message: object) -> Response:
    flash(str(message), "success")
    return back_to_section(found, "overview", "assignment")


def _refused(found: Case, form: FlaskForm, name: str, field: str, reason: str) -> str:
    target = field if reason in ABOUT_PERSON else "reason"
    form[target].errors = [str(REFUSED[reason])]
    return render_case_page(found, **{name: form})


@blueprint.post("/<reference>/assign/me")
@requires(Permission.WORK_CASES)
def to_me(reference: str) -> str | Response:
    found = _case(reference)
    staff = acting_staff()
    form = AssignToMeForm(prefix="me")
    if not form.validate_on_submit():
        return render_case_page(found, assign_me=form)
    try:
        with unit_of_work() as db:
            assignment.assign(db, case=found, to_staff=staff, actor=staff,
                              reason=form.reason.data or "")  # fmt: skip
    except assignment.AssignmentRefused as refused:
        # Excluded by the workflow: why, in their own terms (the form is not offered to
        # them, so this is a form sent by hand or from a page older than the rule).
        why = EXCLUDED_ME.get(refused.detail) if refused.reason == "excluded" else None
        form.reason.errors = [str(why or REFUSED[refused.reason])]
        return render_case_page(found, assign_me=form)
    return _done(found, _l("The case is assigned to you."))


@blueprint.post("/<reference>/assign")
@requires(Permission.ASSIGN)
def to_person(reference: str) -> str | Response:
    found = _case(reference)
    form = offer_people(AssignForm(prefix="person"), found)
    if not form.validate_on_submit():
        _why_not_offered(found, form)
        return render_case_page(found, assign_person=form)
    chosen = db_session().get(StaffUser, int(form.to_staff.data))
    if chosen is None:  # offered a moment ago: deleted meanwhile
        return _refused(found, form, "assign_person", "to_staff", "cannot_work_cases")
    try:
        with unit_of_work() as db:
            assignment.assign(db, case=found, to_staff=chosen, actor=acting_staff(),
                              reason=form.reason.data or "")  # fmt: skip
    except assignment.AssignmentRefused as refused:
        return _refused(found, form, "assign_person", "to_staff", refused.reason)
    return _done(found, _l("The case is assigned to %(name)s.", name=chosen.display_name))


def _why_not_offered(found: Case, form: AssignForm) -> None:
    """Someone real but not offered (a page older than a change, or a form sent by hand):
    the error says why they may not take the case, not just that they were not listed."""
    posted = form.to_staff.data or ""
    # isdigit() alone admits "²", which int() refuses: only ASCII digits are an id.
    if not form.to_staff.errors or not (posted.isascii() and posted.isdigit()) or len(posted) > 9:
        return
    chosen = db_session().get(StaffUser, int(posted))
    why = assignment.may_be_assigned(db_session(), found, chosen) if chosen else None
    if why is not None:
        form.to_staff.errors = [str(REFUSED[why])]


@blueprint.post("/<reference>/assign/team")
@requires(Permission.ASSIGN)
def to_team(reference: str) -> str | Response:
    found = _case(reference)
    form = offer_teams(AssignTeamForm(prefix="team"))
    if not form.validate_on_submit():
        return render_case_page(found, assign_team=form)
    team = db_session().scalars(select(Team).where(Team.id == int(form.team.data))).first()
    if team is None:
        form.team.errors = [str(_l("Select the team"))]
        return render_case_page(found, assign_team=form)
    try:
        with unit_of_work() as db:
            assignment.assign_to_team(db, case=found, team=team, actor=acting_staff(),
                                      reason=form.reason.data or "")  # fmt: skip
    except assignment.AssignmentRefused as refused:
        if refused.reason == "already_theirs":
            form.team.errors = [str(_l("The case is already in that team’s queue"))]
            return render_case_page(found, assign_team=form)
        return _refused(found, form, "assign_team", "team", refused.reason)
    named = team.label(str(get_locale() or "en"))
    return _done(found, _l("The case is in the queue of %(team)s.", team=named))


@blueprint.post("/<reference>/assign/least-loaded")
@requires(Permission.ASSIGN)
def least_loaded(reference: str) -> str | Response:
    found = _case(reference)
    form = LeastLoadedForm(prefix="least")
    if not form.validate_on_submit():
        return render_case_page(found, assign_least=form)
    try:
        with unit_of_work() as db:
            chosen = assignment.assign_least_loaded(db, case=found, actor=acting_staff(),
                                                    reason=form.reason.data or "")  # fmt: skip
    except assignment.AssignmentRefused as refused:
        form.reason.errors = [str(REFUSED[refused.reason])]
        return render_case_page(found, assign_least=form)
    return _done(found, _l("The case is assigned to %(name)s.", name=chosen.display_name))
