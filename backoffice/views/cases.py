"""A case as staff work it: finding it by reference, its page (summary, the resident,
their answers, documents, the whole history with internal notes), internal notes, and
the workflow's transitions this person may take."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms import FindCaseForm, NoteForm, TransitionForm
from shared import access
from shared.casetypes import case_type_definition
from shared.casetypes.forms import form_for
from shared.models import Case
from shared.permissions import Permission, may
from shared.services import cases as case_service
from shared.services import documents, notes
from shared.web import db_session, unit_of_work
from shared.web.answers import read_back
from shared.workflow import workflow_for

blueprint = Blueprint("cases", __name__, url_prefix="/cases")

# Decisions are recorded and approved with their own forms (outcome, reasons), not as a
# bare button.
DECISION_TRANSITIONS = frozenset({"decide", "approve_decision", "return_decision"})
NOT_FOUND = _l(
    "There is no case with that reference number that you can open. Check it and try again."
)
NOTE_ADDED = _l("Your note is added. Only staff can see it.")
MOVED = _l("Done: the case is now “%(status)s”.")
CANNOT_NOW = _l("That cannot be done to the case as it is now. Check it again below.")
REFUSED = {
    "stale": _l(
        "The case changed while you were looking at it, so nothing was done. Check it again below."
    ),
    "not_from_this_state": CANNOT_NOW,
    "not_your_role": _l("Your role does not allow that."),
    "missing_reason": _l("Enter the reason"),
    "unknown": CANNOT_NOW,
}


@blueprint.get("/find")
@requires(Permission.SEE_CASES)
def find() -> str | Response:
    form = FindCaseForm(request.args)
    if "reference" in request.args and form.validate():  # a search was made
        try:
            found = access.case_for_staff(db_session(), reference=form.reference.data or "",
                                          staff=acting_staff())  # fmt: skip
        except access.NotFound:
            form.reference.errors = [str(NOT_FOUND)]
        else:
            return redirect(url_for(".case", reference=found.reference))
    return render_template("backoffice/cases/find.html", form=form)


@blueprint.get("/<reference>")
@requires(Permission.SEE_CASES)
def case(reference: str) -> str:
    found = _case(reference)
    return _page(found, note_form=NoteForm(), transition_forms={})


@blueprint.post("/<reference>/notes")
@requires(Permission.WORK_CASES)
def add_note(reference: str) -> str | Response:
    found = _case(reference)
    form = NoteForm()
    if not form.validate_on_submit():
        return _page(found, note_form=form, transition_forms={})
    with unit_of_work() as db:
        notes.add_note(db, case=found, author=acting_staff(), text=form.note.data or "")
    flash(str(NOTE_ADDED), "success")
    return redirect(url_for(".case", reference=found.reference) + "#history")


@blueprint.post("/<reference>/transitions/<name>")
@requires(Permission.SEE_CASES)  # the workflow decides who may take which transition
def transition(reference: str, name: str) -> str | Response:
    found = _case(reference)
    if name in DECISION_TRANSITIONS:
        abort(404)
    form = TransitionForm(prefix=name)
    if not form.validate_on_submit():
        return _page(found, note_form=NoteForm(formdata=None), transition_forms={name: form})
    try:
        with unit_of_work() as db:
            case_service.transition(db, case=found, name=name, actor=acting_staff(),
                                    reason=form.reason.data or "",
                                    expected_state=form.expected_state.data or None)  # fmt: skip
    except case_service.TransitionRefused as refused:
        if refused.reason == "missing_reason":
            form.reason.errors = [str(REFUSED["missing_reason"])]
            return _page(found, note_form=NoteForm(formdata=None), transition_forms={name: form})
        flash(str(REFUSED[refused.reason]), "info")
        return redirect(url_for(".case", reference=found.reference))
    flash(str(MOVED % {"status": _status(found, found.state)}), "success")
    return redirect(url_for(".case", reference=found.reference))


def _case(reference: str) -> Case:
    try:
        return access.case_for_staff(db_session(), reference=reference, staff=acting_staff())
    except access.NotFound:
        abort(404)


def _page(found: Case, *, note_form: NoteForm, transition_forms: dict[str, TransitionForm]) -> str:
    staff = acting_staff()
    files = documents.current_documents(db_session(), case=found)
    resident_files = [document for document in files if document.uploaded_by_staff_id is None]
    actions = [t for t in case_service.open_transitions(found, staff)
               if t.name not in DECISION_TRANSITIONS]  # fmt: skip
    # One form per transition, each with fields of its own (prefix), and the state this
    # person sees, so a press from a page gone stale does nothing.
    forms = {
        t.name: transition_forms.get(t.name)
        or TransitionForm(formdata=None, prefix=t.name, expected_state=found.state)
        for t in actions
    }
    return render_template(
        "backoffice/cases/case.html",
        case=found,
        case_type=case_type_definition(found.case_type.code),
        status=_status(found, found.state),
        answers=read_back(form_for(found.case_type.code), found.answers, resident_files),
        documents=files,
        history=access.staff_timeline(db_session(), case=found),
        actions=actions,
        transition_forms=forms,
        note_form=note_form,
        # The form with errors, if any: the page's title then starts with "Error:".
        form=_with_errors([note_form, *forms.values()]),
        may_work=may(staff, Permission.WORK_CASES),
        state_text=lambda state: _status(found, state),
    )


def _with_errors(forms: list[NoteForm | TransitionForm]) -> NoteForm | TransitionForm | None:
    return next((form for form in forms if form.errors), None)


def _status(found: Case, state: str) -> str:
    workflow = workflow_for(found.case_type.code, found.workflow_version)
    return workflow.status_text(state, str(get_locale() or "en"))
