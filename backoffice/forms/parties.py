"""Adding a party to a case: their role, their name or their organisation's, and how to
reach them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, RadioField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, Length, Optional, Regexp, StopValidation

from shared.models import CasePartyRole
from shared.services.case_parties import (
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    ORGANISATION_MAX_LENGTH,
    PHONE_MAX_LENGTH,
)
from shared.web.questions import PHONE
from shared.web.text import TEXT_FILTERS, no_control_characters, not_only_direction_controls
from shared.web.widgets import RadioInput, TextInput

ROLE_NAMES = {
    CasePartyRole.REPRESENTATIVE: _l("Representative"),
    CasePartyRole.OTHER_PARTY: _l("Other party"),
    CasePartyRole.WITNESS: _l("Witness"),
}
ENTER_A_NAME = _l("Enter their name, or the name of their organisation")


def _text(label: object, max_length: int) -> StringField:
    return StringField(
        label,
        # No Optional(): it would stop validate_given_name, which needs some name.
        validators=[
            Length(max=max_length, message=_l("Enter %(max)d characters or fewer", max=max_length)),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextInput(),
    )


class PartyForm(FlaskForm):
    role = RadioField(
        _l("Their role in the case"),
        description=_l(
            "A representative acts for the resident, such as a councillor, an advocate or "
            "a relative with their consent. Another party is someone else involved, such as "
            "the person or company a complaint is about."
        ),
        choices=[SelectChoice(role.value, name) for role, name in ROLE_NAMES.items()],
        invalid_choice_message=_l("Select their role in the case"),  # none, or made up
        widget=RadioInput(),
    )
    given_name = _text(_l("First name"), NAME_MAX_LENGTH)
    family_name = _text(_l("Last name"), NAME_MAX_LENGTH)
    organisation_name = _text(_l("Organisation (optional for a person)"), ORGANISATION_MAX_LENGTH)
    email = EmailField(
        _l("Email address (optional)"),
        validators=[
            Optional(),
            Email(
                _l("Enter an email address in the correct format, like name@example.com"),
                check_deliverability=False,
            ),
            Length(max=EMAIL_MAX_LENGTH),
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextInput(),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    phone = TelField(
        _l("Phone (optional)"),
        validators=[
            Optional(),
            Length(max=PHONE_MAX_LENGTH),
            Regexp(
                PHONE, message=_l("Enter a phone number, like 01632 960 001 or +44 808 157 0192")
            ),
        ],
        filters=TEXT_FILTERS,
        widget=TextInput(),
        render_kw={"autocomplete": "off"},
    )

    def validate_given_name(self, field: Field) -> None:
        # On the first name box, where the error summary's link takes the reader.
        names = (field.data, self.family_name.data, self.organisation_name.data)
        if not any((name or "").strip() for name in names):
            raise StopValidation(str(ENTER_A_NAME))

    @property
    def chosen_role(self) -> CasePartyRole:
        return CasePartyRole(self.role.data)


class RemovePartyForm(FlaskForm):
    """Asked before a party is taken off the case (GOV.UK's pattern for removing)."""

    confirm = RadioField(
        _l("Remove this party from the case?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        invalid_choice_message=_l("Select yes if you want to remove this party"),
        widget=RadioInput(),
    )
