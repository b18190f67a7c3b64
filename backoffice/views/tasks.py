"""Tasks on a case: adding one, marking it done, and opening it again."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms.tasks import DUE_IN_PAST, NO_LONGER_ASSIGNABLE, TaskForm
from backoffice.views.case_page import back_to_section, render_case_page
from shared import access
from shared.models import Case, StaffUser, Task
from shared.permissions import Permission
from shared.services import tasks
from shared.web import db_session, unit_of_work

blueprint = Blueprint("tasks", __name__, url_prefix="/cases")

ADDED = _l("The task is added.")
DONE = _l("The task is marked as done.")
REOPENED = _l("The task is open again.")
UNCHANGED = {
    "not_open": _l("That task was already done, so nothing changed."),
    "not_done": _l("That task is already open, so nothing changed."),
}
# A rule the form could not check before the service did (someone deactivated, midnight).
REFUSED_FIELDS = {
    "assignee": ("assignee", NO_LONGER_ASSIGNABLE),
    "due_in_past": ("due_on", DUE_IN_PAST),
    "title": ("title", _l("Enter what needs doing")),
}


@blueprint.post("/<reference>/tasks")
@requires(Permission.WORK_CASES)
def add(reference: str) -> str | Response:
    found = _case(reference)
    candidates = tasks.assignable_staff(db_session(), case=found)
    form = TaskForm().offer(candidates)
    if not form.validate_on_submit():
        return render_case_page(found, task=form)
    try:
        with unit_of_work() as db:
            tasks.add_task(db, case=found, author=acting_staff(), title=form.title.data or "",
                           assignee=form.chosen(candidates), due_on=form.due_on.data)  # fmt: skip
    except tasks.TaskRefused as refused:
        if refused.reason not in REFUSED_FIELDS:
            abort(403)
        name, message = REFUSED_FIELDS[refused.reason]
        form[name].errors = [str(message)]
        return render_case_page(found, task=form)
    flash(str(ADDED), "success")
    return back_to_section(found, "tasks")


@blueprint.post("/<reference>/tasks/<id:task_id>/done")
@requires(Permission.WORK_CASES)
def complete(reference: str, task_id: int) -> Response:
    return _change(reference, task_id, tasks.complete_task, DONE)


@blueprint.post("/<reference>/tasks/<id:task_id>/reopen")
@requires(Permission.WORK_CASES)
def reopen(reference: str, task_id: int) -> Response:
    return _change(reference, task_id, tasks.reopen_task, REOPENED)


def _change(reference: str, task_id: int, change: Callable[..., Task], done: object) -> Response:
    """One press of a task's button (CSRF is checked for every POST before any view)."""
    found = _case(reference)
    staff: StaffUser = acting_staff()
    try:
        task = access.task_for_staff(db_session(), case=found, task_id=task_id, staff=staff)
    except access.NotFound:
        abort(404)
    try:
        with unit_of_work() as db:
            change(db, task=task, case=found, actor=staff)
    except tasks.TaskRefused as refused:
        if refused.reason not in UNCHANGED:
            abort(403)
        flash(str(UNCHANGED[refused.reason]), "info")
    else:
        flash(str(done), "success")
    return back_to_section(found, "tasks")


def _case(reference: str) -> Case:
    try:
        return access.case_for_staff(db_session(), reference=reference, staff=acting_staff())
    except access.NotFound:
        abort(404)
