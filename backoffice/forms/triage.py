"""Triage of a case: category, priority, risk with its reason, area, and the route; and
deciding a possible duplicate party. The view fills in the choices from configuration."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from backoffice.forms.fields import written_text
from shared.models import CasePriority, CaseRisk
from shared.services.routing import REASON_MAX_LENGTH, Route, is_override
from shared.services.triage import DUPLICATE_REASON_MAX_LENGTH, RISK_REASON_MAX_LENGTH
from shared.sla.calendar import AREA_NAMES
from shared.web.text import TEXT_FILTERS, no_control_characters, not_only_direction_controls
from shared.web.widgets import RadioInput, Select, TextArea

PRIORITY_NAMES = {
    CasePriority.NORMAL: _l("Normal"),
    CasePriority.HIGH: _l("High"),
    CasePriority.URGENT: _l("Urgent"),
}
RISK_NAMES = {
    # A context of their own: in many languages a level of risk and a priority agree
    # with different nouns ("riesgo bajo", "prioridad alta").
    CaseRisk.LOW: _p("risk", "Low"),
    CaseRisk.MEDIUM: _p("risk", "Medium"),
    CaseRisk.HIGH: _p("risk", "High"),
}
ACCEPT = "proposal"
OTHER = "other"
SELECT_TEAM = _l("Select the team")
SELECT_POLICY = _l("Select the SLA policy")
NO_OVERRIDE_REASON = _l("Enter why you chose another route")
PROPOSAL_CHANGED = _l(
    "The proposed route has changed with your choices. Check it, then send the form again"
)


def optional_text(label: object, max_length: int, hint: object = None) -> TextAreaField:
    return TextAreaField(
        label,
        description=hint,
        validators=[
            Length(max=max_length, message=_l("Enter %(max)d characters or fewer", max=max_length)),
            not_only_direction_controls,
            no_control_characters,
        ],
        filters=TEXT_FILTERS,
        widget=TextArea(),
    )


class TriageForm(FlaskForm):
    """Sent with the version of the case the clerk saw and the rule whose proposal they
    saw, so a triage made from a stale page, or of a proposal since changed, is refused.

    Validated in one pass, the route included: the view sets `proposal` (what the rules
    propose for the values sent) before validating, so every error is shown at once.
    With no team chosen and a proposal, the proposal is offered instead of an error
    (`proposal_offered`): the page comes back with it ready to accept."""

    proposal: Route | None = None
    proposal_offered = False

    expected_version = HiddenField()
    proposed_rule = HiddenField()
    category = RadioField(
        _l("Category"),
        invalid_choice_message=_l("Select the category"),
        widget=RadioInput(),
    )
    priority = RadioField(
        _l("Priority"),
        choices=[SelectChoice(p.value, name) for p, name in PRIORITY_NAMES.items()],
        invalid_choice_message=_l("Select the priority"),
        widget=RadioInput(),
    )
    risk = RadioField(
        _l("Risk"),
        description=_l("How much harm waiting could do to the resident."),
        choices=[SelectChoice(r.value, name) for r, name in RISK_NAMES.items()],
        invalid_choice_message=_l("Select the risk"),
        widget=RadioInput(),
    )
    risk_reason = written_text(
        _l("Why this risk"),
        hint=_l("Staff see this on the case’s history."),
        required=_l("Enter why you chose this risk"),
        max_length=RISK_REASON_MAX_LENGTH,
    )
    area = RadioField(
        _l("Area"),
        description=_l("The area whose bank holidays the due date follows."),
        choices=[SelectChoice(code, name) for code, name in AREA_NAMES.items()],
        invalid_choice_message=_l("Select the area"),
        widget=RadioInput(),
    )
    route = RadioField(
        _l("Route"),
        choices=[
            SelectChoice(ACCEPT, _l("Accept the proposed route")),
            SelectChoice(OTHER, _l("Choose another team or SLA policy")),
        ],
        invalid_choice_message=_l("Select whether to accept the proposed route"),
        widget=RadioInput(),
    )
    team = SelectField(_l("Team"), validate_choice=False, widget=Select())
    sla_policy = SelectField(_l("SLA policy"), validate_choice=False, widget=Select())
    override_reason = optional_text(
        _l("Reason for choosing another route"),
        REASON_MAX_LENGTH,
        hint=_l("Needed when you choose other than the proposed route."),
    )

    def offer(
        self,
        *,
        categories: list[tuple[str, str]],
        teams: list[tuple[str, str]],
        policies: list[tuple[str, str]],
    ) -> TriageForm:
        self.category.choices = [SelectChoice(code, label) for code, label in categories]
        self.team.choices = [SelectChoice("", _l("Select a team")), *teams]
        self.sla_policy.choices = [SelectChoice("", _l("Select an SLA policy")), *policies]
        return self

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return self._validate_route() and valid

    def _validate_route(self) -> bool:
        proposal = self.proposal
        if self.route.data == ACCEPT:
            # Accepting a proposal the page did not show (or no longer shows): the page
            # comes back showing the proposal for what was chosen.
            if proposal is None or self.proposed_rule.data != str(proposal.rule_id):
                self.route.errors = [str(PROPOSAL_CHANGED)]
                return False
            return True
        if self.route.data != OTHER:
            return False  # the radio's own error says to choose
        shown = proposal is not None and self.proposed_rule.data == str(proposal.rule_id)
        if not self.team.data and proposal is not None and not shown:
            # The choices made a rule match that the page did not show: offer its proposal
            # rather than ask for a team. One already shown and turned down still needs one.
            self.route.data, self.proposal_offered = ACCEPT, True
            return False
        return self._validate_other_route(proposal)

    def _validate_other_route(self, proposal: Route | None) -> bool:
        valid = True
        if self.team.data not in {value for value, *_ in self.team.choices if value}:
            self.team.errors = [str(SELECT_TEAM)]
            valid = False
        policies = {value for value, *_ in self.sla_policy.choices if value}
        if self.sla_policy.data not in policies:
            self.sla_policy.errors = [str(SELECT_POLICY)]
            valid = False
        overridden = valid and is_override(
            proposal, team_id=int(self.team.data or 0), sla_policy=self.sla_policy.data or ""
        )
        if overridden and not (self.override_reason.data or "").strip():
            self.override_reason.errors = [*self.override_reason.errors, str(NO_OVERRIDE_REASON)]
            valid = False
        return valid


class DuplicateDecisionForm(FlaskForm):
    """Confirm or reject one possible duplicate; the reason is optional."""

    reason = optional_text(_l("Reason (optional)"), DUPLICATE_REASON_MAX_LENGTH)
