"""An administrator's reply template text: one language's title and body; adding a
template also asks which language the first text is in (the view offers the choices)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from backoffice.forms.fields import short_text, written_text
from shared.services.reply_templates import BODY_MAX_LENGTH, TITLE_MAX_LENGTH
from shared.web.widgets import RadioInput

BODY_HINT = _l(
    "Plain text. You can use {reference} for the case reference, {due_date} for the date "
    "we aim to decide by and {name} for the resident’s name: they are filled in when a "
    "caseworker picks the template."
)


class ReplyTemplateForm(FlaskForm):
    expected_updated_at = HiddenField()
    title = short_text(
        _l("Title"),
        hint=_l("Caseworkers pick the template by this title."),
        required=_l("Enter a title"),
        max_length=TITLE_MAX_LENGTH,
    )
    body = written_text(
        _l("Text"),
        hint=BODY_HINT,
        required=_l("Enter the text of the reply"),
        max_length=BODY_MAX_LENGTH,
    )


class NewReplyTemplateForm(ReplyTemplateForm):
    locale = RadioField(
        _l("Language of this text"),
        validators=[InputRequired(_l("Select the language"))],
        invalid_choice_message=_l("Select the language"),
        widget=RadioInput(),
    )


class RemoveTextForm(FlaskForm):
    """Asked before one language's text is removed (GOV.UK's pattern for removing)."""

    confirm = RadioField(
        _l("Remove this text?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        invalid_choice_message=_l("Select yes if you want to remove this text"),
        widget=RadioInput(),
    )
