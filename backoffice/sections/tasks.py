"""The case's tasks (open ones first, overdue ones flagged), a button to mark each done
or open it again, and the form to add one, for those who work the case."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from backoffice.forms.tasks import TaskForm
from shared.models import Case, StaffUser
from shared.services import tasks
from shared.web import db_session

# How the case's history (sections/history.html) titles the staff-only events of tasks;
# each event's note is the task itself.
TASK_EVENT_TITLES = {
    "task_added": _l("Task added"),
    "task_assigned": _l("Task assigned"),
    "task_completed": _l("Task completed"),
    "task_reopened": _l("Task reopened"),
}


def section(found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm]) -> dict[str, object]:
    session = db_session()
    may_work = tasks.may_work_on(staff, found)
    task_form: FlaskForm | None = None
    if may_work:
        task_form = forms.get("task") or TaskForm(formdata=None).offer(
            tasks.assignable_staff(session, case=found)
        )
    return {
        "tasks": tasks.tasks_on(session, case=found),
        "task_form": task_form,
        "may_work_tasks": may_work,
        "page_forms": [task_form] if task_form else [],
    }
