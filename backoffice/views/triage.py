"""Triage of one case: category, priority, risk with its reason, area, and the route a
routing rule proposes (accepted, or overridden with a reason); and the possible duplicate
parties found when the case came in, each confirmed or rejected; their sensitive fields
masked, with the form to reveal one for those who may (backoffice/views/sensitive.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms.sensitive import RevealForm
from backoffice.forms.triage import (
    ACCEPT,
    NO_OVERRIDE_REASON,
    OTHER,
    PRIORITY_NAMES,
    PROPOSAL_CHANGED,
    RISK_NAMES,
    SELECT_POLICY,
    SELECT_TEAM,
    DuplicateDecisionForm,
    TriageForm,
)
from backoffice.sections import sensitive
from backoffice.views.case_page import section_url
from shared import access
from shared.casetypes import case_type_definition
from shared.models import Case, CasePriority, DuplicateState, RoutingRule, Team
from shared.permissions import Permission
from shared.services import routing, triage
from shared.services import staff as staff_service
from shared.sla.calendar import AREA_NAMES
from shared.sla.policies import load_policies
from shared.web import db_session, unit_of_work
from shared.workflow import workflow_for

blueprint = Blueprint("triage", __name__, url_prefix="/cases")

TRIAGED = _l("The case is triaged.")
STALE = _l(
    "Someone else changed this case while you were looking at it, so nothing was saved. "
    "Check what it shows now, then send the form again if you still need to."
)
PAST_TRIAGE = _l("This case is past triage, so nothing was saved.")
CONFIRMED = _l("Confirmed: both records now go by client ID %(client_id)s.")
REJECTED = _l("Rejected: the records stay apart.")
ALREADY_DECIDED = _l("Someone has already decided this possible duplicate, so nothing changed.")
PROPOSAL_OFFERED = _l(
    "A routing rule matches what you chose. Check the route it proposes, then save the triage."
)
# Refusals of the services, shown next to the field they are about.
FIELD_ERRORS = {
    "unknown_category": ("category", _l("Select the category")),
    "unknown_priority": ("priority", _l("Select the priority")),
    "unknown_risk": ("risk", _l("Select the risk")),
    "no_risk_reason": ("risk_reason", _l("Enter why you chose this risk")),
    "risk_reason_too_long": ("risk_reason", _l("Enter 2000 characters or fewer")),
    "unknown_area": ("area", _l("Select the area")),
    "proposal_changed": ("route", PROPOSAL_CHANGED),
    "no_reason": ("override_reason", NO_OVERRIDE_REASON),
    "reason_too_long": ("override_reason", _l("Enter 2000 characters or fewer")),
    "unknown_team": ("team", SELECT_TEAM),
    "unknown_policy": ("sla_policy", SELECT_POLICY),
}


@blueprint.route("/<reference>/triage", methods=["GET", "POST"])
@requires(Permission.TRIAGE)
def triage_page(reference: str) -> str | Response:
    found = _case(reference)
    if request.method == "GET":
        return _render(found, _offered(TriageForm(formdata=None, data=_current(found)), found))
    form = _offered(TriageForm(), found)
    form.proposal = _preview(found, form)  # the route is validated with the rest
    if not form.validate_on_submit():
        if form.proposal_offered:
            flash(str(PROPOSAL_OFFERED), "info")
        return _render(found, form)
    try:
        with unit_of_work() as db:
            triage.triage_case(
                db, case=found, actor=acting_staff(), category=form.category.data or "",
                priority=form.priority.data or "", risk=form.risk.data or "",
                risk_reason=form.risk_reason.data or "", area=form.area.data or "",
                route=_route(form), override_reason=form.override_reason.data or "",
                expected_version=form.expected_version.data or "",
            )  # fmt: skip
    except triage.TriageRefused as refused:
        return _refused(found, form, *refused.reasons)
    except routing.RoutingRefused as refused:
        return _refused(found, form, refused.reason)
    flash(str(TRIAGED), "success")
    return redirect(section_url(found.reference, "overview"))


@blueprint.post("/<reference>/duplicates/<id:duplicate_id>")
@requires(Permission.TRIAGE)
def decide_duplicate(reference: str, duplicate_id: int) -> str | Response:
    found = _case(reference)
    try:
        duplicate = triage.duplicate_of_case(db_session(), case=found, duplicate_id=duplicate_id)
    except triage.TriageRefused:
        abort(404)
    form = DuplicateDecisionForm(prefix=f"duplicate-{duplicate.id}")
    decision = request.form.get("decision")
    if decision not in ("confirm", "reject"):
        abort(400)
    if not form.validate_on_submit():
        return _render(
            found,
            _offered(TriageForm(formdata=None, data=_current(found)), found),
            {duplicate.id: form},
        )
    try:
        with unit_of_work() as db:
            if decision == "confirm":
                root = triage.confirm_duplicate(db, duplicate=duplicate, actor=acting_staff(),
                                                reason=form.reason.data or "")  # fmt: skip
                message = str(CONFIRMED % {"client_id": root.client_id})
            else:
                triage.reject_duplicate(db, duplicate=duplicate, actor=acting_staff(),
                                        reason=form.reason.data or "")  # fmt: skip
                message = str(REJECTED)
    except triage.TriageRefused as refused:
        if refused.reason != "not_open":
            form.reason.errors = [str(_l("Enter 500 characters or fewer"))]
            return _render(
                found,
                _offered(TriageForm(formdata=None, data=_current(found)), found),
                {duplicate.id: form},
            )
        message = str(ALREADY_DECIDED)
        flash(message, "info")
    else:
        flash(message, "success")
    return redirect(url_for(".triage_page", reference=found.reference) + "#duplicates")


def _case(reference: str) -> Case:
    try:
        return access.case_for_staff(db_session(), reference=reference, staff=acting_staff())
    except access.NotFound:
        abort(404)


def _current(found: Case) -> dict[str, object]:
    """The form as the case is now; the route offered is the proposal, if any."""
    proposal = routing.proposed_route(db_session(), case=found)
    return {
        "expected_version": triage.version_of(found),
        "proposed_rule": str(proposal.rule_id) if proposal else "",
        "category": found.category,
        "priority": found.priority.value,
        "risk": found.risk.value if found.risk else None,
        "risk_reason": found.risk_reason or "",
        "area": found.area,
        "route": ACCEPT if proposal else OTHER,
        "team": str(found.team_id or ""),
        "sla_policy": found.sla_policy or "",
    }


def _offered(form: TriageForm, found: Case) -> TriageForm:
    locale = _locale()
    definition = case_type_definition(found.case_type.code)
    return form.offer(
        categories=[
            (code, definition.category_text(code, locale)) for code in definition.categories
        ],
        teams=[(str(team.id), team.label(locale)) for team in staff_service.teams(db_session())],
        policies=[(code, p.label(locale)) for code, p in load_policies().policies.items()],
    )


def _locale() -> str:
    return str(get_locale() or "en")


def _route(form: TriageForm) -> routing.Route | None:
    """The route the clerk accepted (the rule they saw) or chose."""
    session = db_session()
    if form.route.data == ACCEPT:
        rule = session.get(RoutingRule, _as_id(form.proposed_rule.data))
        if rule is None or not rule.is_active:
            raise triage.TriageRefused("proposal_changed")
        return routing.route_of(rule)
    team = session.get(Team, _as_id(form.team.data))
    if team is None:
        raise routing.RoutingRefused("unknown_team")
    return routing.Route(rule_id=None, team=team, sla_policy=form.sla_policy.data or "")


def _as_id(value: object) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() and 0 < len(text) < 10 else 0


def _refused(found: Case, form: TriageForm, *reasons: str) -> str:
    if "stale" in reasons:
        flash(str(STALE), "info")
        form.expected_version.data = triage.version_of(found)
    elif {"not_in_triage", "not_routable"} & set(reasons):
        flash(str(PAST_TRIAGE), "info")
    else:
        for reason in reasons:
            name, message = FIELD_ERRORS[reason]
            form[name].errors = [*form[name].errors, str(message)]
    return _render(found, form)


def _preview(found: Case, form: TriageForm) -> routing.Route | None:
    """The proposal for what the form shows (the case's values where it shows none)."""
    definition = case_type_definition(found.case_type.code)
    category = form.category.data if form.category.data in definition.categories else None
    priorities = {p.value for p in CasePriority}
    facts = routing.CaseFacts(
        found.case_type.code,
        category or found.category,
        form.area.data if form.area.data in AREA_NAMES else found.area,
        CasePriority(form.priority.data) if form.priority.data in priorities else found.priority,
        found.answers or {},
    )
    return routing.proposal_for(db_session(), facts)


def triage_page_with(found: Case, *, reveal: RevealForm) -> str:
    """The triage page as it is now, with the reveal form sent back with its errors."""
    return _render(found, _offered(TriageForm(formdata=None, data=_current(found)), found),
                   reveal=reveal)  # fmt: skip


def _render(
    found: Case,
    form: TriageForm,
    duplicate_forms: dict[int, DuplicateDecisionForm] | None = None,
    *,
    reveal: RevealForm | None = None,
) -> str:
    session = db_session()
    locale = _locale()
    definition = case_type_definition(found.case_type.code)
    proposal = _preview(found, form)
    # The next send is of the proposal shown now; with none, there is nothing to accept.
    form.proposed_rule.data = str(proposal.rule_id) if proposal else ""
    if proposal is None:
        form.route.choices = [c for c in form.route.choices if c.value == OTHER]
    rule = session.get(RoutingRule, proposal.rule_id) if proposal and proposal.rule_id else None
    duplicates = triage.duplicates_of(session, case=found)
    forms = duplicate_forms or {}
    decision_forms: dict[int, DuplicateDecisionForm] = {
        listed.duplicate.id: forms.get(listed.duplicate.id)
        or DuplicateDecisionForm(formdata=None, prefix=f"duplicate-{listed.duplicate.id}")
        for listed in duplicates
        if listed.duplicate.state is DuplicateState.OPEN
    }
    staff = acting_staff()
    workflow = workflow_for(found.case_type.code, found.workflow_version)
    # Sent back with errors from another form's address, it still goes back to this page.
    particulars = sensitive.particulars(
        found, staff, {"reveal": reveal} if reveal else {},
        back_to=url_for("triage.triage_page", reference=found.reference),
    )  # fmt: skip
    every_form: list[FlaskForm] = [form, *decision_forms.values()]
    if isinstance(particulars["reveal_form"], RevealForm):
        every_form.append(particulars["reveal_form"])
    with_errors = [f for f in every_form if f.errors]
    return render_template(
        "backoffice/triage/triage.html",
        case=found,
        case_type=definition,
        status=workflow.staff_text(found.state, locale),
        may_triage=found.state in triage.TRIAGE_STATES,
        form=with_errors[0] if with_errors else None,
        triage_form=form,
        forms_with_errors=with_errors,
        proposal=proposal,
        proposing_rule=rule,
        policy_label=lambda code: (
            load_policies().policies[code].label(locale)
            if code in load_policies().policies
            else code
        ),
        category_text=lambda code: definition.category_text(code, locale),
        priority_name=lambda value: str(PRIORITY_NAMES[CasePriority(value)]),
        risk_name=lambda risk: str(RISK_NAMES[risk]),
        area_name=lambda code: str(AREA_NAMES.get(code, code)),
        duplicates=duplicates,
        decision_forms=decision_forms,
        may_see=lambda other: access.may_see_case(staff, other),
        # The other records' sensitive fields (party_field), and the form to reveal them.
        **particulars,
    )
