"""The portal's forms, rendered through GOV.UK widgets with translated labels and messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from shared.web.widgets import RadioInput, SubmitInput


class CookieSettingsForm(FlaskForm):
    settings = RadioField(
        _l("Do you want to allow cookies that remember your settings?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        validators=[
            InputRequired(_l("Select yes if you want cookies that remember your settings"))
        ],
        widget=RadioInput(),
    )
    submit = SubmitField(_l("Save cookie settings"), widget=SubmitInput())
