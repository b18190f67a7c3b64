"""The back office's forms, through GOV.UK widgets with translated labels and messages.
Each feature of a case page keeps its forms in a module of its own here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from shared.services.notes import NOTE_MAX_LENGTH
from shared.services.staff_sign_in import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from shared.web.text import TEXT_FILTERS, no_control_characters, not_only_direction_controls
from shared.web.widgets import CheckboxesInput, PasswordInput, Select, TextArea, TextInput

SIGN_IN_REFUSED = _l(
    "Enter the email address and password of your account. If you have forgotten your "
    "password, or your account may be locked, ask an administrator."
)


def _email(message: object) -> EmailField:
    return EmailField(
        _l("Email address"),
        validators=[
            InputRequired(message),
            Email(
                _l("Enter an email address in the correct format, like name@example.com"),
                check_deliverability=False,
            ),
            Length(max=254),
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextInput(),
    )


class StaffSignInForm(FlaskForm):
    email = _email(_l("Enter your email address"))
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password")), Length(max=PASSWORD_MAX_LENGTH)],
        widget=PasswordInput(),
    )


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        description=_l(
            "Use at least %(min)d characters. A few words you will remember, with spaces, "
            "make a strong password.",
            min=PASSWORD_MIN_LENGTH,
        ),
        validators=[
            InputRequired(_l("Enter a new password")),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
                message=_l(
                    "Enter a password of between %(min)d and %(max)d characters",
                    min=PASSWORD_MIN_LENGTH,
                    max=PASSWORD_MAX_LENGTH,
                ),
            ),
        ],
        widget=PasswordInput(),
    )
    confirm = PasswordField(
        _l("Confirm your new password"),
        validators=[
            InputRequired(_l("Enter your new password again")),
            EqualTo("password", _l("The passwords do not match. Enter the same password twice")),
        ],
        widget=PasswordInput(),
    )


def _roles() -> SelectMultipleField:
    return SelectMultipleField(
        _l("Roles"),
        description=_l("Select all that apply."),
        validators=[InputRequired(_l("Select at least one role"))],
        widget=CheckboxesInput(),
    )


def _team() -> SelectField:
    return SelectField(_l("Team"), widget=Select())


def _skills() -> SelectMultipleField:
    return SelectMultipleField(
        _l("Case types this person works"),
        description=_l("Cases of these types can be assigned to them. Select all that apply."),
        widget=CheckboxesInput(),
    )


class StaffDetailsForm(FlaskForm):
    """Roles, team and skills: the view fills in the choices from the database."""

    roles = _roles()
    team = _team()
    skills = _skills()


class InviteStaffForm(FlaskForm):
    display_name = StringField(
        _l("Full name"),
        validators=[
            InputRequired(_l("Enter the person’s full name")),
            Length(max=120, message=_l("Enter 120 characters or fewer")),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextInput(),
    )
    email = _email(_l("Enter the person’s work email address"))
    roles = _roles()
    team = _team()
    skills = _skills()


class FindCaseForm(FlaskForm):
    class Meta:
        csrf = False  # a search (GET): it changes nothing

    reference = StringField(
        _l("Reference number"),
        description=_l("For example, 7KQ4-M2XB-R. Spaces and lower case letters are fine."),
        validators=[
            InputRequired(_l("Enter a reference number")),
            Length(max=40, message=_l("Enter 40 characters or fewer")),
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextInput(),
    )


class NoteForm(FlaskForm):
    note = TextAreaField(
        _l("Add an internal note"),
        description=_l("Only staff see notes. They are never shown or sent to the resident."),
        validators=[
            DataRequired(_l("Enter the note")),  # spaces alone are no note
            Length(
                max=NOTE_MAX_LENGTH,
                message=_l("Enter %(max)d characters or fewer", max=NOTE_MAX_LENGTH),
            ),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextArea(),
    )


class TransitionForm(FlaskForm):
    """One of the case's transitions, sent with the state the person saw."""

    expected_state = HiddenField()
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            Length(max=2000, message=_l("Enter 2000 characters or fewer")),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextArea(),
    )
