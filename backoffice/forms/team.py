"""The period a team's success measures cover: two dates, sent by GET (it changes nothing)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, ValidationError

from shared.services.tasks import service_today
from shared.services.team import Period
from shared.web.questions import RealDateField
from shared.web.widgets import DateInput

NOT_IN_THE_FUTURE = _l("The date must be today or in the past")
END_BEFORE_START = _l("The end of the period must be the same as or after its start")


class PeriodDateField(RealDateField):  # the name ends in DateField: see error_summary.html
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, example=_example, widget=DateInput(), **kwargs)


def _example() -> str:
    day = service_today()
    return f"{day.day} {day.month} {day.year}"


def _not_in_the_future(form: FlaskForm, field: Field) -> None:
    if field.data is not None and field.data > service_today():
        raise ValidationError(str(NOT_IN_THE_FUTURE))


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET: choosing what to see changes nothing

    start = PeriodDateField(_l("Start date"), validators=[_not_in_the_future])
    end = PeriodDateField(_l("End date"), validators=[_not_in_the_future])

    def validate_end(self, field: Field) -> None:
        if field.data is not None and self.start.data is not None and field.data < self.start.data:
            raise ValidationError(str(END_BEFORE_START))

    def period(self) -> Period:
        """The period asked for: by default the last 30 days; without a start, the 30
        days up to the end; without an end, up to today."""
        end = self.end.data or service_today()
        return Period(self.start.data or Period.default(end).start, end)
