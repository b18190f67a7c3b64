"""A case as staff work it: finding it by reference, its page (summary, the resident,
their answers, documents, the whole history with internal notes), internal notes, and
the workflow's transitions this person may take."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms import FindCaseForm, NoteForm, TransitionForm
from backoffice.sections import SECTIONS
from backoffice.sections.workflow import OWN_FORM_TRANSITIONS, status_text
from backoffice.views.case_page import back_to_section, render_case_page
from shared import access
from shared.models import Case
from shared.permissions import Permission
from shared.services import cases as case_service
from shared.services import notes
from shared.web import db_session, unit_of_work

blueprint = Blueprint("cases", __name__, url_prefix="/cases")

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
    # The workflow's separation of duties (`excludes`): the case page says which.
    "excluded": _l(
        "You decided or approved the decision under appeal, so you may not do that on this "
        "appeal. Nothing was done."
    ),
    "missing_reason": _l("Enter the reason"),
    "unknown": CANNOT_NOW,
    # Asking for information is a message to the resident (the Messages section).
    "needs_message": _l(
        "To ask for information, write to the resident and tick “This is a request for "
        "information”."
    ),
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
    return render_case_page(_case(reference))


@requires(Permission.SEE_CASES)
def section(reference: str, name: str) -> str:
    """A section of the case page other than the overview: each has a URL of its own
    (the registry's `path`), so the back button and links to it work."""
    return render_case_page(_case(reference), section=name)


for _listed in SECTIONS:
    if _listed.path:  # the overview is `case` above
        blueprint.add_url_rule(f"/<reference>/{_listed.path}", endpoint=f"section_{_listed.name}",
                               view_func=section, defaults={"name": _listed.name})  # fmt: skip


@blueprint.post("/<reference>/notes")
@requires(Permission.WORK_CASES)
def add_note(reference: str) -> str | Response:
    found = _case(reference)
    form = NoteForm()
    if not form.validate_on_submit():
        return render_case_page(found, note=form)
    with unit_of_work() as db:
        notes.add_note(db, case=found, author=acting_staff(), text=form.note.data or "")
    flash(str(NOTE_ADDED), "success")
    return back_to_section(found, "history")


@blueprint.post("/<reference>/transitions/<name>")
@requires(Permission.SEE_CASES)  # the workflow decides who may take which transition
def transition(reference: str, name: str) -> str | Response:
    found = _case(reference)
    if name in OWN_FORM_TRANSITIONS:
        abort(404)
    form = TransitionForm(prefix=name)
    if not form.validate_on_submit():
        return render_case_page(found, **{f"transition:{name}": form})
    try:
        with unit_of_work() as db:
            case_service.transition(db, case=found, name=name, actor=acting_staff(),
                                    reason=form.reason.data or "",
                                    expected_state=form.expected_state.data or None)  # fmt: skip
    except case_service.TransitionRefused as refused:
        if refused.reason == "missing_reason":
            form.reason.errors = [str(REFUSED["missing_reason"])]
            return render_case_page(found, **{f"transition:{name}": form})
        flash(str(REFUSED[refused.reason]), "info")
        return back_to_section(found, "overview")
    flash(str(MOVED % {"status": status_text(found, found.state)}), "success")
    return back_to_section(found, "overview")


def _case(reference: str) -> Case:
    try:
        return access.case_for_staff(db_session(), reference=reference, staff=acting_staff())
    except access.NotFound:
        abort(404)
