"""An administrator's routing rule: its name, conditions and actions. The view fills in
the choices (case types, categories, areas, teams, SLA policies) from configuration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from backoffice.forms.fields import short_text
from backoffice.forms.triage import PRIORITY_NAMES, optional_text
from shared.services.routing import NAME_MAX_LENGTH
from shared.web.widgets import CheckboxesInput, RadioInput, Select

ANSWERS_MAX_LENGTH = 4000
MATCH_ANY = _l("Leave all unticked to match any.")


def _conditions(label: object) -> SelectMultipleField:
    return SelectMultipleField(label, description=MATCH_ANY, widget=CheckboxesInput())


class RoutingRuleForm(FlaskForm):
    expected_updated_at = HiddenField()
    name = short_text(
        _l("Name"),
        hint=_l("For example, “Blue Badge applications in Wales”."),
        required=_l("Enter a name for the rule"),
        max_length=NAME_MAX_LENGTH,
    )
    case_types = _conditions(_l("Case types"))
    categories = _conditions(_l("Categories"))
    areas = _conditions(_l("Areas"))
    priorities = _conditions(_l("Priorities"))
    answers = optional_text(
        _l("Answers"),
        ANSWERS_MAX_LENGTH,
        hint=_l(
            "One condition a line, as question=value, for example service=blue-badge. "
            "Leave empty to match any answers."
        ),
    )
    team = SelectField(
        _l("Team"),
        validators=[InputRequired(_l("Select the team"))],
        invalid_choice_message=_l("Select the team"),
        widget=Select(),
    )
    sla_policy = SelectField(
        _l("SLA policy"),
        validators=[InputRequired(_l("Select the SLA policy"))],
        invalid_choice_message=_l("Select the SLA policy"),
        widget=Select(),
    )
    priority = SelectField(
        _l("Priority to set (optional)"),
        choices=[
            SelectChoice("", _l("Keep the case’s priority")),
            *(SelectChoice(p.value, name) for p, name in PRIORITY_NAMES.items()),
        ],
        invalid_choice_message=_l("Select a priority from the list"),
        widget=Select(),
    )
    is_active = RadioField(
        _l("Is the rule in use?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No, keep it but skip it"))],
        default="yes",
        invalid_choice_message=_l("Select whether the rule is in use"),
        widget=RadioInput(),
    )

    def offer(
        self,
        *,
        case_types: list[tuple[str, str]],
        categories: list[tuple[str, str]],
        areas: list[tuple[str, str]],
        teams: list[tuple[str, str]],
        policies: list[tuple[str, str]],
    ) -> RoutingRuleForm:
        self.case_types.choices = case_types
        self.categories.choices = categories
        self.areas.choices = areas
        self.priorities.choices = [(p.value, str(name)) for p, name in PRIORITY_NAMES.items()]
        self.team.choices = [("", str(_l("Select a team"))), *teams]
        self.sla_policy.choices = [("", str(_l("Select an SLA policy"))), *policies]
        return self


class MoveRuleForm(FlaskForm):
    direction = HiddenField()
