"""Writing to the resident from the case page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from shared.services.messages import BODY_MAX_LENGTH
from shared.web.text import TEXT_FILTERS, no_control_characters, not_only_direction_controls
from shared.web.widgets import FileInput, TextArea

TOO_LONG = _l("Your message must be %(max)d characters or fewer", max=BODY_MAX_LENGTH)
EMPTY = _l("Enter your message to the resident")


def one_line_ending(value: object) -> object:
    """Browsers send a line break as CR LF: counted as one character, as it is stored, so
    the length limit means what it says."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Your message to the resident"),
        description=_l("Write in plain text. Web addresses become links."),
        validators=[
            DataRequired(EMPTY),
            Length(max=BODY_MAX_LENGTH, message=TOO_LONG),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=(*TEXT_FILTERS, one_line_ending),
        widget=TextArea(),
    )
    # Offered only when the workflow allows it now; a tick sent anyway is refused by the
    # service (MessageRefused "not_allowed").
    request_for_information = BooleanField(_l("This is a request for information"))
    # Through the documents pipeline, like every file: the resident can open it once clean.
    attachment = FileField(
        _l("Attach a file (optional)"),
        description=_l("The resident can open it once it has been checked for viruses."),
        widget=FileInput(),
    )
