"""The case's decision: the form to record one when this person may decide now; the
decision waiting for approval, with Approve and Return for a supervisor who did not make
it; and the decision once made, with who approved it. It warns of tasks still open when a
decision may be recorded, says why the workflow keeps this person from deciding or
approving (on an appeal: they decided or approved the decision it challenges), and flags
a decision nobody but its maker could approve."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from backoffice.forms.decisions import ApproveDecisionForm, ReturnDecisionForm, decision_form
from shared import access
from shared.casetypes import case_type_definition
from shared.models import Case, Decision, Event, StaffUser
from shared.permissions import Permission, may
from shared.services import cases as case_service
from shared.services import decisions
from shared.web import db_session
from shared.workflow import workflow_for

# Why the workflow keeps this person from deciding, or from approving or returning, the
# case, by its exclusion (shared/workflow EXCLUSIONS).
KEPT_FROM_DECIDING = {
    "decided_appealed_decision": _l(
        "You decided the decision under appeal, so you may not decide this appeal. Someone "
        "who was not involved in the first decision must decide it."
    ),
    "approved_appealed_decision": _l(
        "You approved the decision under appeal, so you may not decide this appeal. Someone "
        "who was not involved in the first decision must decide it."
    ),
}
KEPT_FROM_APPROVING = {
    "decided_appealed_decision": _l(
        "You decided the decision under appeal, so you may not approve or return the "
        "decision on this appeal. Someone who was not involved in the first decision must."
    ),
    "approved_appealed_decision": _l(
        "You approved the decision under appeal, so you may not approve or return the "
        "decision on this appeal. Someone who was not involved in the first decision must."
    ),
}


def section(found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm]) -> dict[str, object]:
    session = db_session()
    latest = decisions.latest_decision(session, found)
    open_now = {t.name for t in case_service.open_transitions(found, staff)}
    waiting = latest if latest is not None and decisions.awaits_approval(found) else None
    shown = waiting or decisions.published_decision(session, found)
    may_decide = "decide" in open_now and may(staff, Permission.DECIDE)
    # A decision seen here while this person may decide again was sent back.
    returned = latest if may_decide and shown is None else None
    record = forms.get("decision") or _blank_decision_form(found, returned)
    # Nobody approves their own decision: the decider sees it waiting, and no buttons.
    may_approve = (
        waiting is not None
        and waiting.decided_by_id != staff.id
        and "approve_decision" in open_now
        and may(staff, Permission.APPROVE)
    )
    not_deciding = _kept_from(found, staff, "decide", Permission.DECIDE)
    not_approving = (
        _kept_from(found, staff, "approve_decision", Permission.APPROVE)
        if waiting is not None and waiting.decided_by_id != staff.id
        else None
    )
    seen = {"expected_state": found.state, "decision": str(waiting.id) if waiting else ""}
    approve = forms.get("approve") or ApproveDecisionForm(formdata=None, **seen)
    send_back = forms.get("return") or ReturnDecisionForm(formdata=None, **seen)
    return {
        "decision": shown,
        "decision_waits": waiting is not None,
        "decided_by_me": shown is not None and shown.decided_by_id == staff.id,
        "decision_people": _people(shown),
        "decision_words": _words(found),
        "returned_with": _return_comments(found) if returned is not None else None,
        "may_decide": may_decide,
        "may_approve": may_approve,
        "kept_from_deciding": str(KEPT_FROM_DECIDING[not_deciding]) if not_deciding else None,
        "kept_from_approving": str(KEPT_FROM_APPROVING[not_approving]) if not_approving else None,
        # Recording a decision is not blocked by open tasks, but the person is told.
        "open_tasks": decisions.open_tasks(session, found) if may_decide else [],
        "nobody_else_approves": waiting is not None
        and found.id in decisions.stuck_for_approval(session, [found]),
        "decision_form": record,
        "approve_form": approve,
        "return_form": send_back,
        "page_forms": [
            *([record] if may_decide else []),
            *([approve, send_back] if may_approve else []),
        ],
    }


def _kept_from(found: Case, staff: StaffUser, name: str, permission: Permission) -> str | None:
    """The exclusion keeping this person from the step `name`, where their role and
    permission would otherwise let them take it now; else None."""
    workflow = workflow_for(found.case_type.code, found.workflow_version)
    step = workflow.transitions.get(name)
    if (
        step is None
        or found.state not in step.from_states
        or not step.roles & case_service.roles_of(found, staff)
        or not may(staff, permission)
    ):
        return None
    return case_service.excluded_from(db_session(), case=found, person=staff, name=name)


def _blank_decision_form(found: Case, returned: Decision | None) -> FlaskForm:
    # A returned decision is offered again to be changed, not typed afresh.
    earlier = {"outcome": returned.outcome, "reasons": list(returned.reason_codes),
               "explanation": returned.explanation} if returned is not None else {}  # fmt: skip
    return decision_form(case_type_definition(found.case_type.code), _locale(), formdata=None,
                         expected_state=found.state, **earlier)  # fmt: skip


def _people(decision: Decision | None) -> dict[str, str]:
    if decision is None:
        return {}
    session = db_session()
    named = {"decided_by": decision.decided_by_id, "approved_by": decision.approved_by_id}
    people = {role: session.get(StaffUser, id_) for role, id_ in named.items() if id_ is not None}
    return {role: person.display_name for role, person in people.items() if person is not None}


def _words(found: Case) -> dict[str, object]:
    """The outcome and reason texts of the case's type, in the staff member's language."""
    definition = case_type_definition(found.case_type.code)
    locale = _locale()
    return {
        "outcome": lambda code: definition.outcome_text(code, locale),
        "reason": lambda code: definition.reason_text(code, locale),
    }


def _return_comments(found: Case) -> Event | None:
    history = access.staff_timeline(db_session(), case=found)
    return next((event for event in history if event.kind == "return_decision"), None)


def _locale() -> str:
    return str(get_locale() or "en")
