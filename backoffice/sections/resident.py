"""What staff need to write to the resident as they asked: the language they want us to
write in, how they want to be contacted (when their form asked), and the postal address
they gave (online, or to a clerk at assisted intake)."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import get_locale
from flask_wtf import FlaskForm

from backoffice.forms.intake import language_name
from shared.casetypes.forms import form_for
from shared.i18n import DEFAULT_LOCALE
from shared.models import Case, Party, StaffUser
from shared.services import masking
from shared.web import db_session

# The question a form asks for how the resident wants to be contacted (a multi_choice).
CONTACT_QUESTION = "contact_by"


def section(found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm]) -> dict[str, object]:
    return {
        "resident_language": resident_language(found),
        "resident_contact_by": contact_preferences(found, staff),
        "resident_address": address_lines(found.applicant),
    }


def resident_language(found: Case) -> str:
    """The resident's language, named in the staff member's."""
    code = found.applicant.preferred_locale or DEFAULT_LOCALE
    return language_name(code, _locale())


def contact_preferences(found: Case, staff: StaffUser) -> list[str]:
    """How they asked to be contacted, in the staff member's language; none when the
    form did not ask. An answer like any other: masked if a form tags it sensitive."""
    answered = {CONTACT_QUESTION: found.answers.get(CONTACT_QUESTION)}
    chosen = masking.mask_answers(db_session(), staff=staff, case=found,
                                  answers=answered)[CONTACT_QUESTION] or []  # fmt: skip
    if isinstance(chosen, str) and masking.is_placeholder(chosen):
        return [chosen]
    if not isinstance(chosen, list):
        chosen = [chosen]
    if not chosen:
        return []
    definition = form_for(found.case_type.code)
    return [definition.text(f"{CONTACT_QUESTION}.option.{code}", _locale()) for code in chosen]


def address_lines(person: Party) -> list[str]:
    parts = (person.address_line_1, person.address_line_2, person.address_town,
             person.address_postcode)  # fmt: skip
    return [part for part in parts if part]


def _locale() -> str:
    return str(get_locale() or DEFAULT_LOCALE)
