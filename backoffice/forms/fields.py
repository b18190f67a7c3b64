"""Fields more than one back-office form asks for."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from shared.web.text import TEXT_FILTERS, no_control_characters, not_only_direction_controls
from shared.web.widgets import TextArea, TextInput


def written_text(
    label: object, *, required: object, max_length: int, hint: object = None
) -> TextAreaField:
    """Something a person must write (a reason, comments, an explanation): spaces or
    direction marks alone say nothing, and no control characters."""
    return TextAreaField(
        label,
        description=hint,
        validators=[
            DataRequired(required),
            Length(max=max_length, message=_l("Enter %(max)d characters or fewer", max=max_length)),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextArea(),
    )


def short_text(
    label: object, *, required: object, max_length: int, hint: object = None
) -> StringField:
    """A name or title a person must give, on one line: spaces or direction marks alone
    are no name, and no control characters."""
    return StringField(
        label,
        description=hint,
        validators=[
            DataRequired(required),
            Length(max=max_length, message=_l("Enter %(max)d characters or fewer", max=max_length)),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextInput(),
    )
