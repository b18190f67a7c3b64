"""Handing a person's open cases to someone else."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

from backoffice.forms.fields import written_text
from shared.services.assignment import REASON_MAX_LENGTH
from shared.web.widgets import Select


class ReassignCasesForm(FlaskForm):
    """The view fills in the people cases may go to."""

    to_staff = SelectField(
        _l("Give their cases to"),
        validators=[InputRequired(_l("Select who takes their cases"))],
        widget=Select(),
    )
    reason = written_text(
        _l("Reason"),
        hint=_l("For example, “Leaving the council on 31 January”. Staff see it on each case."),
        required=_l("Enter the reason"),
        max_length=REASON_MAX_LENGTH,
    )
