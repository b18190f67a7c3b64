"""The case's summary, the resident, their answers and documents, the history with
internal notes, and the transitions this person may take."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import get_locale
from flask_wtf import FlaskForm

from backoffice.forms import NoteForm, TransitionForm
from shared import access
from shared.casetypes import case_type_definition
from shared.casetypes.forms import form_for
from shared.models import Case, StaffUser
from shared.permissions import Permission, may
from shared.services import cases as case_service
from shared.services import documents
from shared.web import db_session
from shared.web.answers import read_back
from shared.workflow import workflow_for

# Decisions are recorded and approved with their own forms (outcome, reasons), not as a
# bare button.
DECISION_TRANSITIONS = frozenset({"decide", "approve_decision", "return_decision"})


def section(found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm]) -> dict[str, object]:
    files = documents.current_documents(db_session(), case=found)
    resident_files = [document for document in files if document.uploaded_by_staff_id is None]
    actions = [t for t in case_service.open_transitions(found, staff)
               if t.name not in DECISION_TRANSITIONS]  # fmt: skip
    # One form per transition, each with fields of its own (prefix), and the state this
    # person sees, so a press from a page gone stale does nothing.
    transition_forms = {
        t.name: forms.get(f"transition:{t.name}")
        or TransitionForm(formdata=None, prefix=t.name, expected_state=found.state)
        for t in actions
    }
    note_form = forms.get("note") or NoteForm(formdata=None)
    return {
        "case_type": case_type_definition(found.case_type.code),
        "status": status_text(found, found.state),
        "answers": read_back(form_for(found.case_type.code), found.answers, resident_files),
        "documents": files,
        "history": access.staff_timeline(db_session(), case=found),
        "actions": actions,
        "transition_forms": transition_forms,
        "note_form": note_form,
        "may_work": may(staff, Permission.WORK_CASES),
        "state_text": lambda state: status_text(found, state),
        "page_forms": [note_form, *transition_forms.values()],
    }


def status_text(found: Case, state: str) -> str:
    workflow = workflow_for(found.case_type.code, found.workflow_version)
    return workflow.status_text(state, str(get_locale() or "en"))
