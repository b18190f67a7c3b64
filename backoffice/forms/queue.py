"""The triage queue's forms: bulk actions on the cases ticked, and saved views."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from backoffice.forms.fields import short_text
from shared.services.saved_views import NAME_MAX_LENGTH
from shared.web.widgets import RadioInput, Select

# A page of the queue at most: a bulk action is one page's worth of cases.
MAX_BULK_CASES = 100


class BulkActionForm(FlaskForm):
    """The references ticked come as `case` values (read by the view, checked one by one
    by the services); the action and, to assign, the person."""

    action = RadioField(
        _l("What to do with the selected cases"),
        choices=[
            SelectChoice("route", _l("Route (to the team the rules propose)")),
            SelectChoice("assign", _l("Assign to a person")),
        ],  # fmt: skip
        validators=[InputRequired(_l("Select what to do with the selected cases"))],
        widget=RadioInput(),
    )
    to_staff = SelectField(_l("Assign to"), widget=Select(), validate_choice=False)
    # The queue as it was (its query string), to go back to it.
    back = HiddenField()


class SaveViewForm(FlaskForm):
    name = short_text(
        _l("Name of the view"),
        required=_l("Enter a name for the view"),
        max_length=NAME_MAX_LENGTH,
    )
    # The filters to keep: the queue's query string as it was.
    query = HiddenField()


class PublishViewForm(SaveViewForm):
    """An administrator's view for a role or a team: the view fills in the choices."""

    audience = SelectField(
        _l("Who sees it"),
        validators=[InputRequired(_l("Select who sees the view"))],
        widget=Select(),
    )
