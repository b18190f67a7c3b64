"""The portal's forms, rendered through GOV.UK widgets with translated labels and messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    EmailField,
    HiddenField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length

from shared.web.text import TEXT_FILTERS, no_control_characters, not_only_direction_controls
from shared.web.widgets import FileInput, RadioInput, SubmitInput, TextArea, TextInput


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


class TrackForm(FlaskForm):
    NOT_FOUND = _l(
        "We could not find a case with that reference number and email address. "
        "Check both and try again."
    )
    reference = StringField(
        _l("Reference number"),
        description=_l("This is on the email we sent you, for example 7KQ4-M2XB-R."),
        validators=[
            InputRequired(_l("Enter your reference number")),
            Length(max=40),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextInput(),
    )
    email = EmailField(
        _l("Email address"),
        validators=[
            InputRequired(_l("Enter the email address you used when you applied")),
            Length(max=254),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextInput(),
    )


def email_for_a_link(label: object, hint: object) -> EmailField:
    """An email address we will send a link to: required, and checked for its format."""
    return EmailField(
        label,
        description=hint,
        validators=[
            InputRequired(_l("Enter your email address")),
            Email(
                _l("Enter an email address in the correct format, like name@example.com"),
                check_deliverability=False,
            ),
            Length(max=254),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextInput(),
    )


class SignInForm(FlaskForm):
    email = email_for_a_link(
        _l("Email address"),
        _l("We will email you a link to sign in. It works once, for 20 minutes."),
    )


class ConfirmSignInForm(FlaskForm):
    """The button on the page a sign-in link opens: only its CSRF token is checked."""


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Why are you withdrawing your request?"),
        description=_l("This helps us improve our services. We will send your reason to the team."),
        validators=[
            InputRequired(_l("Tell us why you are withdrawing your request")),
            Length(max=1000, message=_l("Enter 1000 characters or fewer")),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextArea(),
    )


class SaveForm(FlaskForm):
    email = email_for_a_link(
        _l("Where should we send the link?"),
        _l("We will email you a link to carry on with your form. It works for 7 days."),
    )


class FeedbackForm(FlaskForm):
    # The GOV.UK satisfaction question and scale, so answers compare across services.
    satisfaction = RadioField(
        _l("Overall, how did you feel about this service?"),
        choices=[
            SelectChoice("very_satisfied", _l("Very satisfied")),
            SelectChoice("satisfied", _l("Satisfied")),
            SelectChoice("neither", _l("Neither satisfied nor dissatisfied")),
            SelectChoice("dissatisfied", _l("Dissatisfied")),
            SelectChoice("very_dissatisfied", _l("Very dissatisfied")),
        ],
        validators=[InputRequired(_l("Select how you felt about this service"))],
        widget=RadioInput(),
    )
    improvement = TextAreaField(
        _l("How could we improve this service? (optional)"),
        description=_l(
            "Do not include personal information, such as your name, address or reference "
            "number. We cannot reply to feedback."
        ),
        validators=[
            Length(max=1200, message=_l("Enter 1200 characters or fewer")),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextArea(),
    )
    came_from = HiddenField()
    submit = SubmitField(_l("Send feedback"), widget=SubmitInput())


class MessageReplyForm(FlaskForm):
    """A resident's message on their case. How long it may be and whether anything is left
    once blank space is taken out are the messages service's rules (it counts the text as
    stored); the view puts its refusal next to the field."""

    body = TextAreaField(
        _l("Your message"),
        validators=[
            InputRequired(_l("Enter your message")),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextArea(),
    )
    attachment = FileField(
        _l("Add a file (optional)"),
        description=_l("You can add one file to each message."),
        widget=FileInput(),
    )
