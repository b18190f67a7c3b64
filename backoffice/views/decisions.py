"""Recording a decision on a case, and approving or returning it, from the case page
(its section: backoffice/sections/decision.py). The rules, approval by someone other
than the decider among them, are shared/services/decisions.py's."""

from __future__ import annotations

from flask import Blueprint, abort, flash
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms.decisions import ApproveDecisionForm, ReturnDecisionForm, decision_form
from backoffice.views.case_page import back_to_section, render_case_page
from backoffice.views.cases import REFUSED
from shared import access
from shared.casetypes import case_type_definition
from shared.models import Case
from shared.permissions import Permission
from shared.services import decisions
from shared.services.cases import TransitionRefused
from shared.web import db_session, unit_of_work

blueprint = Blueprint("decisions", __name__, url_prefix="/cases/<reference>/decision")

RECORDED = _l("Your decision is recorded and the resident is told.")
RECORDED_FOR_APPROVAL = _l(
    "Your decision is recorded. A supervisor must approve it before the resident is told."
)
APPROVED = _l("The decision is approved and the resident is told.")
RETURNED = _l("The decision is returned to be worked on again. Only staff see your comments.")
OWN_DECISION = _l(
    "You made this decision, so someone else must approve or return it. Nothing was done."
)
UNKNOWN_CHOICE = _l("Select one of the outcomes shown")


@blueprint.post("")
@requires(Permission.DECIDE)
def record(reference: str) -> str | Response:
    found = _case(reference)
    form = decision_form(case_type_definition(found.case_type.code), str(get_locale() or "en"))
    if not form.validate_on_submit():
        return render_case_page(found, decision=form)
    try:
        with unit_of_work() as db:
            decisions.record_decision(db, case=found, outcome=form.outcome.data or "",
                                      reason_codes=form.chosen_reasons(),
                                      explanation=form.explanation.data or "",
                                      decided_by=acting_staff(),
                                      # Never None: a form without it is as stale as can be.
                                      expected_state=form.expected_state.data or "")  # fmt: skip
    except decisions.UnknownDecision:  # the configuration changed under the form
        form.outcome.errors = [str(UNKNOWN_CHOICE)]
        return render_case_page(found, decision=form)
    except TransitionRefused as refused:
        return _refused(found, refused)
    published = decisions.published_decision(db_session(), found) is not None
    flash(str(RECORDED if published else RECORDED_FOR_APPROVAL), "success")
    return _back_to(found)


@blueprint.post("/approve")
@requires(Permission.APPROVE)
def approve(reference: str) -> str | Response:
    found = _case(reference)
    form = ApproveDecisionForm()
    if not form.validate_on_submit():
        return render_case_page(found, approve=form)
    if not _as_seen(found, form):
        return _refused(found, TransitionRefused("stale", "approve_decision"))
    try:
        with unit_of_work() as db:
            decisions.approve_decision(db, case=found, approver=acting_staff(),
                                       decision_id=_seen_decision(form))  # fmt: skip
    except decisions.SelfApproval:
        flash(str(OWN_DECISION), "info")
        return _back_to(found)
    except TransitionRefused as refused:
        return _refused(found, refused)
    flash(str(APPROVED), "success")
    return _back_to(found)


@blueprint.post("/return")
@requires(Permission.APPROVE)
def send_back(reference: str) -> str | Response:
    found = _case(reference)
    form = ReturnDecisionForm()
    if not form.validate_on_submit():
        return render_case_page(found, **{"return": form})
    if not _as_seen(found, form):
        return _refused(found, TransitionRefused("stale", "return_decision"))
    try:
        with unit_of_work() as db:
            decisions.return_decision(db, case=found, approver=acting_staff(),
                                      comments=form.comments.data or "",
                                      decision_id=_seen_decision(form))  # fmt: skip
    except decisions.SelfApproval:
        flash(str(OWN_DECISION), "info")
        return _back_to(found)
    except TransitionRefused as refused:
        return _refused(found, refused)
    flash(str(RETURNED), "success")
    return _back_to(found)


def _seen_decision(form: ApproveDecisionForm | ReturnDecisionForm) -> int:
    return int(form.decision.data or "0")  # _as_seen has checked it is a number


def _as_seen(found: Case, form: ApproveDecisionForm | ReturnDecisionForm) -> bool:
    """The case is as the page showed it: the same state and the same decision waiting
    (the service checks both again under the case's lock)."""
    waiting = decisions.latest_decision(db_session(), found)
    return (
        found.state == form.expected_state.data
        and waiting is not None
        and str(waiting.id) == form.decision.data
    )


def _refused(found: Case, refused: TransitionRefused) -> Response:
    # Nothing was written; the page as it is now shows why.
    flash(str(REFUSED.get(refused.reason, REFUSED["unknown"])), "info")
    return _back_to(found)


def _back_to(found: Case) -> Response:
    return back_to_section(found, "decision")


def _case(reference: str) -> Case:
    try:
        return access.case_for_staff(db_session(), reference=reference, staff=acting_staff())
    except access.NotFound:
        abort(404)
