"""The case's decision: the form to record one when this person may decide now; the
decision waiting for approval, with Approve and Return for a supervisor who did not make
it; and the decision once made, with who approved it."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import get_locale
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


def section(found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm]) -> dict[str, object]:
    session = db_session()
    latest = decisions.latest_decision(session, found)
    open_now = {t.name for t in case_service.open_transitions(found, staff)}
    waiting = latest if latest is not None and _awaits_approval(found) else None
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
        "decision_form": record,
        "approve_form": approve,
        "return_form": send_back,
        "page_forms": [
            *([record] if may_decide else []),
            *([approve, send_back] if may_approve else []),
        ],
    }


def _awaits_approval(found: Case) -> bool:
    workflow = workflow_for(found.case_type.code, found.workflow_version)
    approval = workflow.transitions.get("approve_decision")
    return approval is not None and found.state in approval.from_states


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
