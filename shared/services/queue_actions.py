"""The triage queue's bulk route, one case at a time, telling a case that needed nothing
from one that was routed: routing a case again to where it already is wrote a second
history entry and was reported as done, or, refused, as "not done" ("0 of 1 cases
done"), when the truth was that there was nothing to do."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from shared.models import Case, StaffUser
from shared.services import routing


@dataclass(frozen=True)
class RouteOutcome:
    team_name: str
    team_names: dict[str, str]  # the team's name per locale, for the report in each language
    is_unchanged: bool  # already with that team on that policy: nothing was written


def route_from_queue(session: Session, *, case: Case, actor: StaffUser) -> RouteOutcome:
    """Route the case to the first matching rule's team, as routing.route_case does, unless
    it is already there on the rule's SLA policy (and priority, if the rule sets one).
    Raises routing.RoutingRefused ("no_rule", and route_case's reasons)."""
    session.refresh(case, with_for_update=True)  # decided on the row as it is now
    if case.state not in routing.ROUTABLE_STATES:
        raise routing.RoutingRefused("not_routable")
    route = routing.proposed_route(session, case=case)
    if route is None:
        raise routing.RoutingRefused("no_rule")
    team_name = route.team.name
    team_names = dict(route.team.names or {})
    already = (
        case.state == "triage"
        and case.team_id == route.team.id
        and case.sla_policy == route.sla_policy
        and route.priority in (None, case.priority)
    )
    if already:
        return RouteOutcome(team_name=team_name, team_names=team_names, is_unchanged=True)
    routing.route_case(session, case=case, actor=actor, route=route)
    return RouteOutcome(team_name=team_name, team_names=team_names, is_unchanged=False)
