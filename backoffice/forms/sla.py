"""A supervisor's extension of a case's SLA, and an administrator's closure day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectField, StringField
from wtforms.validators import InputRequired, StopValidation, ValidationError

from backoffice.forms.fields import short_text, written_text
from shared.services.closure_days import NAME_MAX_LENGTH
from shared.services.sla import MAX_EXTENSION_WORKING_DAYS, REASON_MAX_LENGTH
from shared.services.tasks import service_today
from shared.sla.calendar import AREA_NAMES, AREAS
from shared.web.questions import RealDateField
from shared.web.text import TEXT_FILTERS
from shared.web.widgets import DateInput, Select, TextInput

DAYS_MESSAGE = _l(
    "Enter a whole number of working days from 1 to %(max)d, like 5",
    max=MAX_EXTENSION_WORKING_DAYS,
)


def _whole_days(form: FlaskForm, field: Field) -> None:
    typed = (field.data or "").strip()
    # Bounded before conversion: twenty digits are not a number of days.
    if not typed.isdecimal() or len(typed) > 3 or not 1 <= int(typed) <= MAX_EXTENSION_WORKING_DAYS:
        raise ValidationError(str(DAYS_MESSAGE))


class ExtensionForm(FlaskForm):
    working_days = StringField(
        _l("Extra working days"),
        validators=[InputRequired(_l("Enter how many working days to add")), _whole_days],
        filters=TEXT_FILTERS,
        widget=TextInput(),
    )
    reason = written_text(
        _l("Reason for the extension"),
        hint=_l("Staff see it on the case’s history. The resident sees the new date."),
        required=_l("Enter the reason for the extension"),
        max_length=REASON_MAX_LENGTH,
    )

    def days(self) -> int:
        return int((self.working_days.data or "0").strip())


def _date_given(form: FlaskForm, field: Field) -> None:
    # A date typed but not real already has its message ("Enter a real date, like ...").
    if field.data is None and not field.process_errors:
        raise StopValidation(_("Enter the date the offices close"))


class ClosureDayDateField(RealDateField):  # the name ends in DateField: see error_summary.html
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, example=example_date, **kwargs)


def example_date() -> str:
    day = service_today() + timedelta(days=30)
    return f"{day.day} {day.month} {day.year}"


class ClosureDayForm(FlaskForm):
    area = SelectField(
        _l("Area"),
        validators=[InputRequired(_l("Select the area whose offices close"))],
        validate_choice=False,
        widget=Select(),
    )
    day = ClosureDayDateField(
        _l("Date"),
        validators=[_date_given],
        widget=DateInput(),
    )
    name = short_text(
        _l("What the closure is"),
        hint=_l("For example, “Office move” or “Staff training day”."),
        required=_l("Enter what the closure is"),
        max_length=NAME_MAX_LENGTH,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.area.choices = [("", _("Select an area"))] + [
            (area, str(AREA_NAMES[area])) for area in AREAS
        ]
        self.day.description = _("For example, %(example)s", example=example_date())

    def validate_area(self, field: Field) -> None:
        if field.data not in AREAS:
            raise ValidationError(_("Select the area whose offices close"))
