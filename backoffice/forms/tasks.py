"""Adding a task to a case: what to do, for whom, by when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectField
from wtforms.validators import ValidationError

from backoffice.forms.fields import short_text
from shared.models import StaffUser
from shared.services.tasks import TITLE_MAX_LENGTH, service_today
from shared.web.questions import RealDateField
from shared.web.widgets import DateInput, Select

NOBODY = ""
DUE_IN_PAST = _l("The due date must be today or in the future")
NO_LONGER_ASSIGNABLE = _l("That person cannot be given tasks on this case. Select someone else")


class DueDateField(RealDateField):  # the name ends in DateField: see error_summary.html
    """Day, month and year in three boxes, optional, read as the portal's date questions
    read them; the example in its message is a date a fortnight ahead."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, example=example_date, **kwargs)


def example_date() -> str:
    """A date a fortnight ahead, as the three boxes take it ("27 3 2027"): an example
    that never lies in the past."""
    day = service_today() + timedelta(days=14)
    return f"{day.day} {day.month} {day.year}"


def _not_in_the_past(form: FlaskForm, field: Field) -> None:
    if field.data is not None and field.data < service_today():
        raise ValidationError(str(DUE_IN_PAST))


def _one_of_the_choices(form: FlaskForm, field: Field) -> None:
    if field.data not in {value for value, _label in field.choices}:
        raise ValidationError(_("Select who the task is for from the list"))


class TaskForm(FlaskForm):
    # Spaces alone are no task.
    title = short_text(
        _l("What needs doing"), required=_l("Enter what needs doing"), max_length=TITLE_MAX_LENGTH
    )
    # validate_choice=False: an unknown choice gets our message, not WTForms' own.
    assignee = SelectField(_l("Assigned to"), validators=[_one_of_the_choices],
                           validate_choice=False, default=NOBODY, widget=Select())  # fmt: skip
    due_on = DueDateField(_l("Due date (optional)"), validators=[_not_in_the_past],
                               widget=DateInput())  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.due_on.description = _("For example, %(example)s", example=example_date())

    def offer(self, staff: Sequence[StaffUser]) -> TaskForm:
        """Who the task may be given to (the view finds them); nobody is a choice."""
        self.assignee.choices = [(NOBODY, _("Nobody yet"))] + [
            (str(member.id), member.display_name) for member in staff
        ]
        return self

    def chosen(self, staff: Sequence[StaffUser]) -> StaffUser | None:
        return next((member for member in staff if str(member.id) == self.assignee.data), None)
