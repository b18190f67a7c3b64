"""Recording a decision on a case, and approving or returning it. The outcomes and reasons
offered are the case type's own (shared/casetypes/case_types.toml), in the words of the
staff member's language."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, RadioField, SelectMultipleField
from wtforms.validators import InputRequired, StopValidation

from backoffice.forms.fields import written_text
from shared.casetypes import CaseTypeDefinition
from shared.services.notes import NOTE_MAX_LENGTH
from shared.web.widgets import CheckboxesInput, RadioInput

EXPLANATION_MAX_LENGTH = 5000
# Returned with the decision as a staff-only entry in the history, kept like a note.
COMMENTS_MAX_LENGTH = NOTE_MAX_LENGTH


def _offered(message: object) -> Any:
    """Only values the form offered: codes typed by hand are refused with a message
    rather than reaching the service (which would refuse them too, less kindly)."""

    def check(_form: object, field: Field) -> None:
        offered = {value for value, _label in field.choices or []}
        chosen = field.data if isinstance(field.data, list) else [field.data]
        if any(value not in offered for value in chosen):
            raise StopValidation(str(message))

    return check


def _some_when_offered(message: object) -> Any:
    # A case type may list no reasons at all; then none can be asked for.
    def check(_form: object, field: Field) -> None:
        if field.choices and not field.data:
            raise StopValidation(str(message))

    return check


class _OnTheCasePage(FlaskForm):
    """A form among others on the case page: its fields named apart (prefix) so that
    ids never clash and each form reads only its own fields."""

    field_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix=self.field_prefix, **kwargs)


class DecisionForm(_OnTheCasePage):
    """A decision: build it with `decision_form`, which offers the case type's choices."""

    field_prefix = "decision"

    expected_state = HiddenField()  # the state the person saw: a stale page does nothing
    outcome = RadioField(
        _l("Outcome"),
        validators=[
            InputRequired(_l("Select the outcome")),
            _offered(_l("Select one of the outcomes shown")),
        ],
        validate_choice=False,  # _offered says so in the person's language
        widget=RadioInput(),
    )
    reasons = SelectMultipleField(
        _l("Reasons"),
        description=_l("Select all that apply. The resident reads these with the outcome."),
        validators=[
            _some_when_offered(_l("Select at least one reason")),
            _offered(_l("Select only reasons shown")),
        ],
        validate_choice=False,
        widget=CheckboxesInput(),
    )
    explanation = written_text(
        _l("Explanation for the resident"),
        hint=_l(
            "Write to the resident in plain words: they read this on their case page. "
            "Up to %(max)d characters.",
            max=EXPLANATION_MAX_LENGTH,
        ),
        required=_l("Enter the explanation for the resident"),
        max_length=EXPLANATION_MAX_LENGTH,
    )

    def chosen_reasons(self) -> list[str]:
        """The reasons ticked, once each, in the order the case type lists them."""
        ticked = set(self.reasons.data or [])
        return [value for value, _label in self.reasons.choices or [] if value in ticked]


def decision_form(case_type: CaseTypeDefinition, locale: str, **kwargs: Any) -> DecisionForm:
    """The decision form for a case of this type, its choices in `locale`'s words."""
    form = DecisionForm(**kwargs)
    form.outcome.choices = [(code, case_type.outcome_text(code, locale))
                            for code in case_type.outcomes]  # fmt: skip
    form.reasons.choices = [(code, case_type.reason_text(code, locale))
                            for code in case_type.reasons]  # fmt: skip
    return form


class ApproveDecisionForm(_OnTheCasePage):
    """Approve the decision waiting on the case, as the person saw it."""

    field_prefix = "approve"
    expected_state = HiddenField()
    # The decision the person read: one recorded since (returned and decided again)
    # is not approved unseen.
    decision = HiddenField()


class ReturnDecisionForm(_OnTheCasePage):
    """Send the waiting decision back to be worked on, with comments for staff."""

    field_prefix = "return"
    expected_state = HiddenField()
    decision = HiddenField()
    comments = written_text(
        _l("Comments for the person who decided"),
        hint=_l("Say what needs to change. Only staff see these comments."),
        required=_l("Enter your comments for the person who decided"),
        max_length=COMMENTS_MAX_LENGTH,
    )
