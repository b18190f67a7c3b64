"""The case's summary, the resident, their answers and documents, the history with
internal notes, and the transitions this person may take."""

from __future__ import annotations

from collections.abc import Mapping

from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from backoffice.forms import NoteForm, TransitionForm
from backoffice.sections import history_words
from backoffice.sections.assignment import ASSIGNMENT_EVENT_TITLES
from backoffice.sections.intake import recorded_by
from backoffice.sections.sla import SLA_EVENT_TITLES
from backoffice.sections.tasks import TASK_EVENT_TITLES
from backoffice.sections.triage import TRIAGE_EVENT_TITLES
from shared import access
from shared.casetypes import case_type_definition
from shared.casetypes.forms import form_for
from shared.models import Case, CasePriority, Event, StaffUser
from shared.permissions import Permission, may
from shared.services import cases as case_service
from shared.services import documents, masking
from shared.services import staff as staff_service
from shared.web import db_session
from shared.web.answers import read_back
from shared.workflow import workflow_for

# Decisions are recorded and approved with their own forms (outcome, reasons), not as a
# bare button.
DECISION_TRANSITIONS = frozenset({"decide", "approve_decision", "return_decision"})
# Nor is a case assigned with a bare button: the assignment section names the person.
OWN_FORM_TRANSITIONS = DECISION_TRANSITIONS | {"assign"}
# History entries that are no move in the workflow, by kind.
EVENT_TITLES = {
    "note": _l("Internal note"),
    "reassigned": _l("Reassigned"),
    "party_added": _l("Party added"),
    "party_removed": _l("Party removed"),
    **TASK_EVENT_TITLES,
    **TRIAGE_EVENT_TITLES,
    **SLA_EVENT_TITLES,
    **ASSIGNMENT_EVENT_TITLES,
}
CASE_UPDATED = _l("Case updated")
PRIORITY_NAMES = {
    CasePriority.NORMAL: _l("Normal"),
    CasePriority.HIGH: _l("High"),
    CasePriority.URGENT: _l("Urgent"),
}


def section(found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm]) -> dict[str, object]:
    files = documents.current_documents(db_session(), case=found)
    resident_files = [document for document in files if document.uploaded_by_staff_id is None]
    open_now = case_service.open_transitions(found, staff)
    actions = [t for t in open_now
               if t.name not in OWN_FORM_TRANSITIONS and "message" not in t.requires]  # fmt: skip
    # A transition taken only with a message to the resident (asking for information) is
    # no button of its own: a link to the message form, its request already ticked.
    by_message = [t for t in open_now if "message" in t.requires]
    ask = url_for(
        "cases.section_messages",
        reference=found.reference,
        request="information",
        _anchor="reply",
    )
    # One form per transition, each with fields of its own (prefix), and the state this
    # person sees, so a press from a page gone stale does nothing.
    transition_forms = {
        t.name: forms.get(f"transition:{t.name}")
        or TransitionForm(formdata=None, prefix=t.name, expected_state=found.state)
        for t in actions
    }
    note_form = forms.get("note") or NoteForm(formdata=None)
    definition = form_for(found.case_type.code)
    history = access.staff_timeline(db_session(), case=found)
    names = history_words.names_for(db_session(), case=found, events=history,
                                    locale=str(get_locale() or "en"))  # fmt: skip
    return {
        "case_type": case_type_definition(found.case_type.code),
        "status": status_text(found, found.state),
        "priority": str(PRIORITY_NAMES[found.priority]),
        # Sensitive answers this person may not see come masked (shared/services/masking.py).
        "answers": masking.mask_rows(
            db_session(),
            staff=staff,
            case=found,
            definition=definition,
            rows=read_back(definition, found.answers, resident_files),
        ),
        "history": history,
        "actor_names": staff_service.names_of(
            db_session(), staff_ids=[event.actor_staff_id for event in history]
        ),
        "actions": actions,
        "message_actions": [{"to": t.to, "href": ask} for t in by_message],
        "transition_forms": transition_forms,
        "note_form": note_form,
        "may_work": may(staff, Permission.WORK_CASES),
        "state_text": lambda state: status_text(found, state),
        "event_title": lambda event: event_title(found, event),
        "event_text": lambda event: history_words.paragraphs(event, names),
        "page_forms": [note_form, *transition_forms.values()],
    }


def status_text(found: Case, state: str) -> str:
    """The state as staff name it (the workflow's `staff` words), never the resident's
    "... from you": every back-office page shows states through this."""
    workflow = workflow_for(found.case_type.code, found.workflow_version)
    return workflow.staff_text(state, str(get_locale() or "en"))


def event_title(found: Case, event: Event) -> str:
    """A history entry's heading: the state it moved to, or what else happened."""
    if event.kind == "recorded":
        return recorded_by(found)
    if event.kind in EVENT_TITLES:
        return str(EVENT_TITLES[event.kind])
    return status_text(found, event.to_state) if event.to_state else str(CASE_UPDATED)
