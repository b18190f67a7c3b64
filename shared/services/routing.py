"""Routing rules as data: an ordered list administrators edit, and routing a case with it.

Rules are tried in ascending position; the first active rule whose every given condition
holds proposes a team, an SLA policy and (optionally) a priority. A condition not given
(absent, or an empty list) matches anything. The clerk at triage accepts the proposal or
overrides it with a reason; both are on the case's staff history and the audit trail.

Routing is part of triage: a case routed to a team stays in the workflow's "triage" state
(a case still "submitted" moves there) until someone is assigned, which the workflow's
"assign" transition (shared/services/assignment.py) does. The team's queue is then the
team's cases in "triage".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.casetypes import load_case_types
from shared.models import AuditEvent, Case, CasePriority, Event, RoutingRule, StaffUser, Team
from shared.services import audit, sla
from shared.services import cases as case_service
from shared.sla.calendar import AREAS
from shared.sla.policies import policy_codes

NAME_MAX_LENGTH = 120
REASON_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 200
MAX_ANSWER_CONDITIONS = 20
# The states a case may be routed from: routing is part of triage.
ROUTABLE_STATES = frozenset({"submitted", "triage"})
LIST_CONDITIONS = ("case_type", "category", "area", "priority")


class RoutingRefused(Exception):
    """A rule or a route that cannot be: `reason` says why, for the page to explain.

    no_name, unknown_team, unknown_policy, unknown_case_type, unknown_category,
    unknown_area, unknown_priority, bad_answers, no_reason, reason_too_long, not_routable,
    stale, no_neighbour
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Route:
    """Where a case goes: a team's queue and an SLA policy, perhaps a priority; `rule_id`
    is the rule that proposed it (None: chosen by a person, no rule involved)."""

    rule_id: int | None
    team: Team
    sla_policy: str
    priority: CasePriority | None = None

    def same_place(self, other: Route) -> bool:
        """The same team, policy and priority, whichever rule (if any) named them."""
        return (self.team.id, self.sla_policy, self.priority) == (
            other.team.id,
            other.sla_policy,
            other.priority,
        )


@dataclass(frozen=True)
class CaseFacts:
    """What rules look at: a case's, or those a clerk is choosing at triage."""

    case_type: str
    category: str | None
    area: str | None
    priority: CasePriority
    answers: Mapping[str, Any]

    @classmethod
    def of(cls, case: Case) -> CaseFacts:
        return cls(case.case_type.code, case.category, case.area, case.priority,
                   case.answers or {})  # fmt: skip


@dataclass(frozen=True)
class RuleFields:
    """What an administrator gives for a rule."""

    name: str
    conditions: Mapping[str, Any]
    team_id: int
    sla_policy: str
    priority: str | None = None
    is_active: bool = True


# --- proposing and routing -----------------------------------------------------------


def active_rules(session: Session) -> list[RoutingRule]:
    query = select(RoutingRule).where(RoutingRule.is_active.is_(True))
    return list(session.scalars(query.order_by(RoutingRule.position, RoutingRule.id)))


def all_rules(session: Session) -> list[RoutingRule]:
    return list(session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)))


def matches(conditions: Mapping[str, Any], facts: CaseFacts) -> bool:
    """Whether every condition given holds. An answer condition holds when the answer is
    the value (as text), or, for a question with several answers (checkboxes), includes it."""
    values = {"case_type": facts.case_type, "category": facts.category, "area": facts.area,
              "priority": facts.priority.value}  # fmt: skip
    for key in LIST_CONDITIONS:
        accepted = conditions.get(key) or []
        if accepted and values[key] not in accepted:
            return False
    for question, wanted in (conditions.get("answers") or {}).items():
        given = facts.answers.get(question)
        if isinstance(given, list):
            if str(wanted) not in (str(item) for item in given):
                return False
        elif given is None or str(given) != str(wanted):
            return False
    return True


def proposal_for(session: Session, facts: CaseFacts) -> Route | None:
    """The route the first matching active rule proposes for these facts, or None."""
    for rule in active_rules(session):
        if matches(rule.conditions or {}, facts):
            return route_of(rule)
    return None


def proposed_route(session: Session, *, case: Case) -> Route | None:
    """The route the first matching active rule proposes for the case as it is now."""
    return proposal_for(session, CaseFacts.of(case))


def is_override(
    proposed: Route | None, *, team_id: int, sla_policy: str, priority: CasePriority | None = None
) -> bool:
    """Whether a route is other than the rules' proposal, and so needs a reason; with no
    proposal, any route is the clerk's choice and needs none. The triage form asks for
    the reason with its other errors, before the route is tried."""
    return proposed is not None and (team_id, sla_policy, priority) != (
        proposed.team.id, proposed.sla_policy, proposed.priority,
    )  # fmt: skip


def route_of(rule: RoutingRule) -> Route:
    priority = CasePriority(rule.priority) if rule.priority else None
    return Route(rule_id=rule.id, team=rule.team, sla_policy=rule.sla_policy, priority=priority)


def route_case(
    session: Session,
    *,
    case: Case,
    actor: StaffUser,
    route: Route,
    override_reason: str = "",
) -> Event:
    """Send the case to the route's team with its SLA policy (and priority, if it gives
    one), starting the SLA clock. A route other than the rules' proposal is an override
    and needs a reason; with no proposal, the clerk's choice needs none. The case's staff
    history and the audit trail say which rule proposed what, and any override with its
    reason. The case stays in "triage" (see the module's docstring)."""
    session.refresh(case, with_for_update=True)  # one routing at a time per case
    if case.state not in ROUTABLE_STATES:
        raise RoutingRefused("not_routable")
    team = session.get(Team, route.team.id)  # this session's, whichever `route` came from
    if team is None:
        raise RoutingRefused("unknown_team")
    if route.sla_policy not in policy_codes():
        raise RoutingRefused("unknown_policy")
    proposed = proposed_route(session, case=case)
    overridden = is_override(proposed, team_id=team.id, sla_policy=route.sla_policy,
                             priority=route.priority)  # fmt: skip
    reason = override_reason.strip()
    if overridden and not reason:
        raise RoutingRefused("no_reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise RoutingRefused("reason_too_long")
    if case.state == "submitted":
        case_service.transition(session, case=case, name="start_triage", actor=actor)
    before = {"team": case.team.code if case.team else None, "sla_policy": case.sla_policy,
              "priority": case.priority.value}  # fmt: skip
    case.team = team
    if route.priority is not None:
        case.priority = route.priority
    sla.start_clock(session, case=case, policy_code=route.sla_policy)
    proposing_rule = (
        session.get(RoutingRule, proposed.rule_id) if proposed and proposed.rule_id else None
    )
    event = Event(
        case=case,
        kind="routed",
        actor_staff_id=actor.id,
        is_public=False,
        note=reason if overridden else None,
        details=_history_details(route, proposed, proposing_rule, overridden),
    )
    session.add(event)
    audit.record(
        session,
        actor=actor,
        action="case.routed",
        object_kind="case",
        object_id=case.reference,
        details={
            "before": before,
            "after": {
                "team": route.team.code,
                "sla_policy": route.sla_policy,
                "priority": case.priority.value,
            },  # fmt: skip
            "proposed_by_rule": proposed.rule_id if proposed else None,
            "proposed": _route_details(proposed) if proposed else None,
            "overridden": overridden,
            "override_reason": reason if overridden else None,
        },
    )
    session.flush()
    return event


def _route_details(route: Route) -> dict[str, Any]:
    return {"team": route.team.code, "sla_policy": route.sla_policy,
            "priority": route.priority.value if route.priority else None}  # fmt: skip


def _history_details(
    route: Route, proposed: Route | None, rule: RoutingRule | None, overridden: bool
) -> dict[str, Any]:
    """What the staff history keeps of the routing, as codes (the back office names them
    in the reader's language when shown); the rule as it was then (its position and name
    may change later); the override's reason is the event's note."""
    return {
        **_route_details(route),
        "proposed": _route_details(proposed) if proposed else None,
        "rule": {"position": rule.position, "name": rule.name} if rule else None,
        "overridden": overridden,
    }


# --- editing the rules -----------------------------------------------------------------


def known_values() -> dict[str, list[str]]:
    """What each list condition may name, in the configuration's order."""
    case_types = load_case_types()
    categories: list[str] = []
    for definition in case_types:
        categories += [code for code in definition.categories if code not in categories]
    return {
        "case_type": [definition.code for definition in case_types],
        "category": categories,
        "area": list(AREAS),
        "priority": [priority.value for priority in CasePriority],
    }


def clean_conditions(conditions: Mapping[str, Any]) -> dict[str, Any]:
    """The conditions as stored: each list of known values in the configuration's order,
    empty ones left out; answers as {question: value} text. Refuses what is unknown."""
    known = known_values()
    cleaned: dict[str, Any] = {}
    for key in LIST_CONDITIONS:
        given = conditions.get(key) or []
        if isinstance(given, str) or not isinstance(given, Iterable):
            raise RoutingRefused(f"unknown_{key}")
        chosen = {str(value) for value in given}
        if chosen - set(known[key]):
            raise RoutingRefused(f"unknown_{key}")
        if chosen:
            cleaned[key] = [value for value in known[key] if value in chosen]
    answers = conditions.get("answers") or {}
    if not isinstance(answers, Mapping) or len(answers) > MAX_ANSWER_CONDITIONS:
        raise RoutingRefused("bad_answers")
    clean_answers: dict[str, str] = {}
    for question, value in answers.items():
        question, value = str(question).strip(), str(value).strip()
        if not question or not value or max(len(question), len(value)) > ANSWER_MAX_LENGTH:
            raise RoutingRefused("bad_answers")
        clean_answers[question] = value
    if clean_answers:
        cleaned["answers"] = clean_answers
    return cleaned


def parse_answer_lines(text: str) -> dict[str, str]:
    """ "question=value" lines (as the rule form takes them) as a mapping; blank lines are
    skipped, anything else without "=" or with an empty side refuses ("bad_answers")."""
    answers: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        question, equals, value = line.partition("=")
        if not equals or not question.strip() or not value.strip():
            raise RoutingRefused("bad_answers")
        answers[question.strip()] = value.strip()
    if len(answers) > MAX_ANSWER_CONDITIONS:
        raise RoutingRefused("bad_answers")
    return answers


def answer_lines(conditions: Mapping[str, Any]) -> str:
    return "\n".join(f"{q}={v}" for q, v in (conditions.get("answers") or {}).items())


def snapshot(rule: RoutingRule) -> dict[str, Any]:
    """A rule as the audit trail keeps it, before and after each change."""
    return {
        "name": rule.name,
        "position": rule.position,
        "conditions": dict(rule.conditions or {}),
        "team": rule.team.code if rule.team else None,
        "sla_policy": rule.sla_policy,
        "priority": rule.priority,
        "is_active": rule.is_active,
    }


def _checked(session: Session, fields: RuleFields) -> tuple[str, dict[str, Any], Team]:
    name = fields.name.strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        raise RoutingRefused("no_name")
    team = session.get(Team, fields.team_id) if 0 < fields.team_id < 2**31 else None
    if team is None:
        raise RoutingRefused("unknown_team")
    if fields.sla_policy not in policy_codes():
        raise RoutingRefused("unknown_policy")
    if fields.priority and fields.priority not in known_values()["priority"]:
        raise RoutingRefused("unknown_priority")
    return name, clean_conditions(fields.conditions), team


def add_rule(session: Session, *, actor: StaffUser, fields: RuleFields) -> RoutingRule:
    """A new rule, last in the order (so it changes nothing a rule before it matches)."""
    name, conditions, team = _checked(session, fields)
    last = session.scalar(select(func.max(RoutingRule.position)))
    rule = RoutingRule(position=(last or 0) + 1, name=name, conditions=conditions, team=team,
                       sla_policy=fields.sla_policy, priority=fields.priority or None,
                       is_active=fields.is_active)  # fmt: skip
    session.add(rule)
    session.flush()
    _audit(session, actor, "routing_rule.added", rule, before=None)
    return rule


def change_rule(
    session: Session,
    *,
    rule: RoutingRule,
    actor: StaffUser,
    fields: RuleFields,
    expected_updated_at: str | None = None,
) -> RoutingRule:
    """Change a rule; `expected_updated_at` (the version the person edited) refuses a
    change made on a page gone stale ("stale") instead of undoing someone else's."""
    session.refresh(rule, with_for_update=True)
    if expected_updated_at is not None and rule.updated_at.isoformat() != expected_updated_at:
        raise RoutingRefused("stale")
    name, conditions, team = _checked(session, fields)
    before = snapshot(rule)
    rule.name, rule.conditions, rule.team = name, conditions, team
    rule.sla_policy, rule.priority = fields.sla_policy, fields.priority or None
    rule.is_active = fields.is_active
    session.flush()
    _audit(session, actor, "routing_rule.changed", rule, before=before)
    return rule


def move_rule(
    session: Session, *, rule: RoutingRule, actor: StaffUser, direction: Literal["up", "down"]
) -> RoutingRule:
    """Swap the rule with the one before it ("up") or after it ("down") in the order."""
    ordered = list(session.scalars(
        select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id).with_for_update()
    ))  # fmt: skip
    index = ordered.index(rule)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(ordered):
        raise RoutingRefused("no_neighbour")
    other = ordered[other_index]
    # Positions renumbered 1..n as listed, so equal positions (two rules added at once)
    # cannot make a move do nothing.
    ordered[index], ordered[other_index] = other, rule
    befores = {r.id: snapshot(r) for r in (rule, other)}
    for position, each in enumerate(ordered, start=1):
        each.position = position
    session.flush()
    for each in (rule, other):
        _audit(session, actor, "routing_rule.moved", each, before=befores[each.id])
    return rule


def remove_rule(session: Session, *, rule: RoutingRule, actor: StaffUser) -> None:
    """Delete the rule; its history stays on the audit trail (and its page)."""
    session.refresh(rule, with_for_update=True)
    before = snapshot(rule)
    rule_id = rule.id
    session.delete(rule)
    session.flush()
    audit.record(session, actor=actor, action="routing_rule.removed", object_kind="routing_rule",
                 object_id=rule_id, details={"before": before, "after": None})  # fmt: skip
    # The rules after it move up one: positions stay 1..n, as the list and triage show them.
    for position, each in enumerate(all_rules(session), start=1):
        if each.position != position:
            moved = snapshot(each)
            each.position = position
            session.flush()
            _audit(session, actor, "routing_rule.moved", each, before=moved)


def _audit(
    session: Session, actor: StaffUser, action: str, rule: RoutingRule, *, before: Any
) -> None:
    details = {"before": before, "after": snapshot(rule)}
    audit.record(session, actor=actor, action=action, object_kind="routing_rule",
                 object_id=rule.id, details=details)  # fmt: skip


def rule_history(session: Session, *, rule_id: int) -> list[AuditEvent]:
    """The audit entries of one rule, newest first (also for a rule since removed)."""
    query = select(AuditEvent).where(
        AuditEvent.object_kind == "routing_rule", AuditEvent.object_id == str(rule_id)
    )
    return list(
        session.scalars(query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()))
    )
