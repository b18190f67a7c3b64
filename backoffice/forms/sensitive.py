"""Revealing a masked answer, or a masked field of a resident's record: which one, and why
(the reason goes to the audit trail)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from shared.services.masking import REASON_MAX_LENGTH, REVEAL_MINUTES
from shared.web.text import TEXT_FILTERS, no_control_characters, not_only_direction_controls
from shared.web.widgets import RadioInput, TextArea

# The fields of a resident's record that can be tagged (shared/casetypes/access.py), as
# the reveal form names them.
PARTY_FIELD_LABELS = {"date_of_birth": _l("Date of birth")}


class RevealForm(FlaskForm):
    # The page it was sent from, to go back to (redirects.safe_return_path checks it).
    next = HiddenField()
    field = RadioField(
        _l("Which hidden answer do you need to see?"),
        description=_l("Only the answers hidden from you are listed."),
        choices=[],
        invalid_choice_message=_l("Select the answer to show"),  # none, or made up
        widget=RadioInput(),
    )
    reason = TextAreaField(
        _l("Why do you need to see it?"),
        description=_l(
            "Your reason is kept in the audit trail with your name. The answer is shown "
            "to you only, for %(minutes)d minutes.",
            minutes=REVEAL_MINUTES,
        ),
        validators=[
            DataRequired(_l("Enter why you need to see it")),  # spaces alone are no reason
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


def reveal_form(hidden: dict[str, str], *, sent: bool = False, back_to: str = "") -> RevealForm:
    """The form offering these hidden fields (field -> its label): as sent when `sent`,
    else empty, to come back to the page at `back_to`."""
    form = RevealForm(prefix="reveal") if sent else RevealForm(formdata=None, prefix="reveal")
    form.field.choices = [SelectChoice(name, label) for name, label in hidden.items()]
    if not sent:
        form.next.data = back_to
    return form
