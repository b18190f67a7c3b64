"""Routing rules: the ordered list (the first match wins) and each rule's history from the
audit trail, read by supervisors and auditors; adding, changing, moving and removing a rule,
for administrators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms.routing_rules import MoveRuleForm, RoutingRuleForm
from backoffice.forms.triage import PRIORITY_NAMES
from shared.casetypes import load_case_types
from shared.models import CasePriority, RoutingRule
from shared.permissions import Permission
from shared.services import routing
from shared.services import staff as staff_service
from shared.sla.calendar import AREA_NAMES
from shared.sla.policies import load_policies
from shared.web import db_session, unit_of_work

blueprint = Blueprint("routing_rules", __name__, url_prefix="/routing-rules")

ADDED = _l("The rule “%(name)s” is added, last in the order.")
CHANGED = _l("The rule “%(name)s” is changed.")
MOVED = _l("The rule “%(name)s” is moved.")
REMOVED = _l("The rule “%(name)s” is removed.")
STALE = _l(
    "Someone else changed this rule while you were editing it, so nothing was saved. "
    "Check it as it is now, then make your change again."
)
FIELD_ERRORS = {
    "no_name": ("name", _l("Enter a name for the rule")),
    "unknown_team": ("team", _l("Select the team")),
    "unknown_policy": ("sla_policy", _l("Select the SLA policy")),
    "unknown_priority": ("priority", _l("Select a priority from the list")),
    "unknown_case_type": ("case_types", _l("Select case types from the list")),
    "unknown_category": ("categories", _l("Select categories from the list")),
    "unknown_area": ("areas", _l("Select areas from the list")),
    "bad_answers": (
        "answers",
        _l("Enter each answer condition on a line of its own, as question=value"),
    ),
}
ACTIONS = {
    "routing_rule.added": _l("Rule added"),
    "routing_rule.changed": _l("Rule changed"),
    "routing_rule.moved": _l("Rule moved"),
    "routing_rule.removed": _l("Rule removed"),
}


@blueprint.get("")
@requires(Permission.SEE_ROUTING_RULES)
def index() -> str:
    rules = routing.all_rules(db_session())
    return render_template(
        "backoffice/routing_rules/index.html",
        rules=rules,
        move_form=MoveRuleForm(formdata=None),
        describe=_describer(),
    )


@blueprint.route("/new", methods=["GET", "POST"])
@requires(Permission.CONFIGURE)
def add() -> str | Response:
    form = _offered(RoutingRuleForm())
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                rule = routing.add_rule(db, actor=acting_staff(), fields=_fields(form))
                name = rule.name
        except routing.RoutingRefused as refused:
            _show(form, refused.reason)
        else:
            flash(str(ADDED % {"name": name}), "success")
            return redirect(url_for(".index"))
    return render_template("backoffice/routing_rules/edit.html", form=form, rule=None)


@blueprint.route("/<id:rule_id>", methods=["GET", "POST"])
@requires(Permission.CONFIGURE)
def edit(rule_id: int) -> str | Response:
    rule = _rule(rule_id)
    sent = request.method == "POST"
    form = _offered(RoutingRuleForm() if sent else RoutingRuleForm(data=_data(rule)))
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                seen = form.expected_updated_at.data or ""
                routing.change_rule(db, rule=rule, actor=acting_staff(), fields=_fields(form),
                                    expected_updated_at=seen)  # fmt: skip
                name = rule.name
        except routing.RoutingRefused as refused:
            if refused.reason == "stale":
                flash(str(STALE), "info")
                form.expected_updated_at.data = _rule(rule_id).updated_at.isoformat()
            else:
                _show(form, refused.reason)
        else:
            flash(str(CHANGED % {"name": name}), "success")
            return redirect(url_for(".index"))
    return render_template("backoffice/routing_rules/edit.html", form=form, rule=rule)


@blueprint.post("/<id:rule_id>/move")
@requires(Permission.CONFIGURE)
def move(rule_id: int) -> Response:
    rule = _rule(rule_id)
    form = MoveRuleForm()
    direction = form.direction.data
    if not form.validate_on_submit() or direction not in ("up", "down"):
        abort(400)
    try:
        with unit_of_work() as db:
            routing.move_rule(db, rule=rule, actor=acting_staff(), direction=direction)
            name = rule.name
    except routing.RoutingRefused:  # already first or last: nothing to do
        return redirect(url_for(".index"))
    flash(str(MOVED % {"name": name}), "success")
    return redirect(url_for(".index") + f"#rule-{rule_id}")


@blueprint.post("/<id:rule_id>/remove")
@requires(Permission.CONFIGURE)
def remove(rule_id: int) -> Response:
    rule = _rule(rule_id)
    if not MoveRuleForm().validate_on_submit():  # the CSRF token, nothing else
        abort(400)
    name = rule.name
    with unit_of_work() as db:
        routing.remove_rule(db, rule=rule, actor=acting_staff())
    flash(str(REMOVED % {"name": name}), "success")
    return redirect(url_for(".index"))


@blueprint.get("/<id:rule_id>/history")
@requires(Permission.SEE_ROUTING_RULES)
def history(rule_id: int) -> str:
    session = db_session()
    if not 0 < rule_id < 2**31:
        abort(404)
    entries = routing.rule_history(session, rule_id=rule_id)
    if not entries:
        abort(404)
    rule = session.get(RoutingRule, rule_id)
    name = rule.name if rule else _last_name(entries)
    names = staff_service.names_of(
        session, staff_ids=[int(e.actor_id) for e in entries if e.actor_id and e.actor_id.isdigit()]
    )
    return render_template(
        "backoffice/routing_rules/history.html",
        rule=rule,
        rule_name=name,
        entries=entries,
        actor_name=lambda entry: names.get(int(entry.actor_id or 0), entry.actor_id or ""),
        action_name=lambda entry: str(ACTIONS.get(entry.action, entry.action)),
        rows=_snapshot_rows(),
    )


def _last_name(entries: list[Any]) -> str:
    for entry in entries:
        for key in ("after", "before"):
            snapshot = entry.details.get(key)
            if isinstance(snapshot, dict) and snapshot.get("name"):
                return str(snapshot["name"])
    return ""


def _rule(rule_id: int) -> RoutingRule:
    rule = db_session().get(RoutingRule, rule_id) if 0 < rule_id < 2**31 else None
    if rule is None:
        abort(404)
    return rule


def _locale() -> str:
    return str(get_locale() or "en")


def _offered(form: RoutingRuleForm) -> RoutingRuleForm:
    locale = _locale()
    case_types = load_case_types()
    categories: dict[str, str] = {}
    for definition in case_types:
        for code in definition.categories:
            label = definition.category_text(code, locale)
            if code in categories and label not in categories[code]:
                categories[code] += f" / {label}"
            categories.setdefault(code, label)
    return form.offer(
        case_types=[(d.code, d.label(locale)) for d in case_types],
        categories=list(categories.items()),
        areas=[(code, str(name)) for code, name in AREA_NAMES.items()],
        teams=[(str(t.id), t.name) for t in staff_service.teams(db_session())],
        policies=[(code, p.label(locale)) for code, p in load_policies().policies.items()],
    )


def _data(rule: RoutingRule) -> dict[str, object]:
    conditions = rule.conditions or {}
    return {
        "expected_updated_at": rule.updated_at.isoformat(),
        "name": rule.name,
        "case_types": conditions.get("case_type", []),
        "categories": conditions.get("category", []),
        "areas": conditions.get("area", []),
        "priorities": conditions.get("priority", []),
        "answers": routing.answer_lines(conditions),
        "team": str(rule.team_id),
        "sla_policy": rule.sla_policy,
        "priority": rule.priority or "",
        "is_active": "yes" if rule.is_active else "no",
    }


def _fields(form: RoutingRuleForm) -> routing.RuleFields:
    team = str(form.team.data or "")
    return routing.RuleFields(
        name=form.name.data or "",
        conditions={
            "case_type": form.case_types.data or [],
            "category": form.categories.data or [],
            "area": form.areas.data or [],
            "priority": form.priorities.data or [],
            "answers": routing.parse_answer_lines(form.answers.data or ""),
        },
        team_id=int(team) if team.isdigit() and len(team) < 10 else 0,
        sla_policy=form.sla_policy.data or "",
        priority=form.priority.data or None,
        is_active=form.is_active.data == "yes",
    )


def _show(form: RoutingRuleForm, reason: str) -> None:
    name, message = FIELD_ERRORS[reason]
    form[name].errors = [str(message)]


def _condition_names() -> dict[str, Callable[[str], str]]:
    """The names, in the reader's language, of the codes a rule's conditions hold."""
    locale = _locale()
    case_types = {d.code: d for d in load_case_types()}

    def category(code: str) -> str:
        for definition in case_types.values():
            if code in definition.categories:
                return definition.category_text(code, locale)
        return code

    return {
        "case_type": lambda c: case_types[c].label(locale) if c in case_types else c,
        "category": category,
        "area": lambda c: str(AREA_NAMES.get(c, c)),
        "priority": _priority_name,
    }


def _priority_name(code: str) -> str:
    known = {priority.value: priority for priority in CasePriority}
    return str(PRIORITY_NAMES[known[code]]) if code in known else code


def _conditions_in_words(conditions: Any, names: dict[str, Callable[[str], str]]) -> str:
    if not isinstance(conditions, dict):
        return ""
    parts = []
    for key in routing.LIST_CONDITIONS:
        if isinstance(conditions.get(key), list) and conditions[key]:
            parts.append(", ".join(names[key](str(value)) for value in conditions[key]))
    answers = conditions.get("answers")
    parts += [f"{q} = {v}" for q, v in (answers.items() if isinstance(answers, dict) else [])]
    return "; ".join(parts)


def _policy_name(code: str) -> str:
    policy = load_policies().policies.get(code)
    return policy.label(_locale()) if policy is not None else code


def _describer() -> Any:
    """Words for a rule's conditions and actions, for the list."""
    names = _condition_names()

    def describe(rule: RoutingRule) -> dict[str, str]:
        return {
            "conditions": _conditions_in_words(rule.conditions or {}, names),
            "policy": _policy_name(rule.sla_policy),
            "priority": _priority_name(rule.priority) if rule.priority else "",
        }

    return describe


def _snapshot_rows() -> Callable[[object], list[tuple[str, str]]]:
    """A rule as the audit trail kept it (codes), as label and text pairs in the reader's
    language: the names of its case types, categories, areas, team, SLA policy and
    priority as they are now (a team renamed reads by its name now)."""
    names = _condition_names()
    teams = {team.code: team.label(_locale()) for team in staff_service.teams(db_session())}

    def rows(snapshot: object) -> list[tuple[str, str]]:
        if not isinstance(snapshot, dict):
            return []
        conditions = snapshot.get("conditions") or {}
        team, policy = str(snapshot.get("team") or ""), str(snapshot.get("sla_policy") or "")
        priority = str(snapshot.get("priority") or "")
        return [
            (str(_l("Name")), str(snapshot.get("name", ""))),
            (str(_l("Position")), str(snapshot.get("position", ""))),
            (str(_l("Conditions")),
             _conditions_in_words(conditions, names) or str(_l("Any case"))),
            (str(_l("Team")), teams.get(team, team)),
            (str(_l("SLA policy")), _policy_name(policy) if policy else ""),
            (str(_l("Priority to set")), _priority_name(priority) if priority else "—"),
            (str(_l("In use")), str(_l("Yes")) if snapshot.get("is_active") else str(_l("No"))),
        ]  # fmt: skip

    return rows
