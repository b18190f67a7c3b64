"""Forms of two-factor sign-in: a code from the authenticator app, or a recovery code."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from shared.web.text import TEXT_FILTERS, no_control_characters, not_only_direction_controls
from shared.web.widgets import TextArea, TextInput

RESET_REASON_MAX_LENGTH = 500

WRONG_CODE = _l(
    "Enter the 6-digit code your authenticator app shows now, or one of your recovery codes. "
    "Each code works once."
)
WRONG_SETUP_CODE = _l(
    "Enter the 6-digit code your authenticator app shows now for this account. If it does "
    "not work, add the account to the app again."
)


def _code(
    label: LazyString, description: LazyString, *, longest: int, wrong: LazyString
) -> StringField:
    return StringField(
        label,
        description=description,
        validators=[
            InputRequired(_l("Enter the code from your authenticator app")),
            Length(max=longest, message=wrong),
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextInput(),
    )


class CodeForm(FlaskForm):
    code = _code(
        _l("Code"),
        _l("The 6-digit code your authenticator app shows, or a recovery code."),
        longest=40,  # a recovery code, typed with spaces
        wrong=WRONG_CODE,
    )


class SetupCodeForm(FlaskForm):
    code = _code(
        _l("Code from your authenticator app"),
        _l("The 6-digit code the app shows once you have added the account."),
        longest=20,
        wrong=WRONG_SETUP_CODE,
    )


class ResetTwoFactorForm(FlaskForm):
    """An administrator's reset of someone's two-factor sign-in; the reason is audited."""

    reason = TextAreaField(
        _l("Why are you resetting it?"),
        description=_l(
            "For example, how you checked it was them who asked. This is kept in the audit trail."
        ),
        validators=[
            DataRequired(_l("Enter why you are resetting their two-factor sign-in")),
            Length(
                max=RESET_REASON_MAX_LENGTH,
                message=_l("Enter %(max)d characters or fewer", max=RESET_REASON_MAX_LENGTH),
            ),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextArea(),
    )
