"""Assigning a case: to me, to a named person, to a team's queue, to the least loaded."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from shared.services.assignment import REASON_MAX_LENGTH
from shared.web.text import TEXT_FILTERS, no_control_characters, not_only_direction_controls
from shared.web.widgets import Select, TextArea


def optional_reason() -> TextAreaField:
    """Needed only to take a case from someone who has it: the service says when."""
    return TextAreaField(
        _l("Reason (if someone already has the case)"),
        validators=[
            Length(
                max=REASON_MAX_LENGTH,
                message=_l("Enter %(max)d characters or fewer", max=REASON_MAX_LENGTH),
            ),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextArea(),
    )


class AssignToMeForm(FlaskForm):
    reason = optional_reason()


class AssignForm(FlaskForm):
    """The view offers the people who may take the case."""

    to_staff = SelectField(
        _l("Assign to"),
        validators=[InputRequired(_l("Select who to assign the case to"))],
        widget=Select(),
    )
    reason = optional_reason()


class AssignTeamForm(FlaskForm):
    """The view offers the teams."""

    team = SelectField(
        _l("Team"),
        validators=[InputRequired(_l("Select the team"))],
        widget=Select(),
    )
    reason = optional_reason()


class LeastLoadedForm(FlaskForm):
    reason = optional_reason()
