"""Routing rules as data: tried in order, the first active match proposes a team and an SLA
policy; an override needs a reason and is recorded; administrators edit the list, every
change audited with who, when, before and after."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from hypothesis import given
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.db import transaction
from shared.models import AuditEvent, Case, CasePriority, Event, RoleCode, RoutingRule
from shared.services import routing
from shared.services.sla import end_of, service_date
from shared.sla.calendar import calendar_for
from tests.factories import make_case, make_rule, make_staff, make_team
from tests.integration.test_hostile_input import HOSTILE_TEXT, PROPERTY, csrf, new_client, raw_post
from tests.staff_signing_in import post_form, sign_in_staff, signed_in_client, staff_member


def test_the_first_active_rule_that_matches_proposes_the_route(session: Session) -> None:
    permits, housing = make_team(session), make_team(session, code="housing", name="Housing")
    everything_off = make_rule(session, name="Switched off", team=housing, is_active=False)
    make_rule(session, name="Complaints", team=housing, case_type=["complaint"])
    badges = make_rule(session, name="Blue badges", team=housing, sla_policy="fast_track",
                       priority="high", answers={"service": "blue-badge"})  # fmt: skip
    by_post = make_rule(session, name="Post", team=permits, answers={"contact_by": "post"})
    welsh_parking = make_rule(session, name="Welsh parking", team=housing,
                              category=["parking"], area=["wales"], priority_is=["normal"])  # fmt: skip
    anything = make_rule(session, name="Anything else", team=permits)

    def proposal(**fields: object) -> int | None:
        found = routing.proposed_route(session, case=case_with(session, **fields))
        return found.rule_id if found else None

    badge = proposal(answers={"service": "blue-badge", "contact_by": ["post"]})
    assert badge == badges.id  # earlier than "Post", which also matches
    assert proposal(answers={"service": "parking-permit", "contact_by": ["email", "post"]}) == (
        by_post.id  # an answer among several (checkboxes) counts
    )
    assert proposal(category="parking", area="wales") == welsh_parking.id
    assert proposal(category="parking", area="england") == anything.id
    assert proposal(category="parking", area="wales", priority=CasePriority.URGENT) == anything.id
    assert everything_off.id not in {badge}  # inactive: skipped although it matches anything
    route = routing.proposed_route(
        session, case=make_case(session, answers={"service": "blue-badge"})
    )
    assert route is not None
    assert (route.team.code, route.sla_policy, route.priority) == (
        "housing", "fast_track", CasePriority.HIGH
    )  # fmt: skip
    # Removing a rule moves those after it up: positions stay 1..n.
    routing.remove_rule(session, rule=by_post, actor=make_staff(session))
    assert [r.position for r in routing.all_rules(session)] == [1, 2, 3, 4, 5]
    assert proposal(answers={"contact_by": ["post"]}) == anything.id
    # No active rule at all: nothing is proposed.
    for rule in session.scalars(select(RoutingRule)):
        rule.is_active = False
    assert proposal() is None


def test_routing_applies_the_proposal_or_an_override_with_its_reason(session: Session) -> None:
    clerk = make_staff(session, roles=[RoleCode.INTAKE_CLERK])
    permits, housing = make_team(session), make_team(session, code="housing", name="Housing")
    rule = make_rule(session, name="Everything to Permits", team=permits, sla_policy="fast_track")
    accepted = case_with(session, area="wales")
    proposed = routing.proposed_route(session, case=accepted)
    assert proposed is not None
    routing.route_case(session, case=accepted, actor=clerk, route=proposed)
    assert (accepted.state, accepted.team_id, accepted.sla_policy) == (
        "triage", permits.id, "fast_track"
    )  # fmt: skip
    # Fast track at normal priority is 10 working days after the day it came in, in Wales.
    due = calendar_for(session, "wales").add(service_date(accepted.submitted_at), 10)
    assert accepted.due_at == end_of(due)
    kept = _events(session, accepted.id, "routed")[0]
    assert kept.details is not None
    assert kept.details["rule"] == {"position": rule.position, "name": rule.name}
    assert (kept.details["overridden"], kept.note) == (False, None)

    overridden = make_case(session, state="triage")
    elsewhere = routing.Route(rule_id=None, team=housing, sla_policy="standard")
    with pytest.raises(routing.RoutingRefused) as refused:
        routing.route_case(session, case=overridden, actor=clerk, route=elsewhere)
    assert refused.value.reason == "no_reason"
    assert overridden.team_id is None
    routing.route_case(session, case=overridden, actor=clerk, route=elsewhere,
                       override_reason="Housing handles this street")  # fmt: skip
    assert (overridden.team_id, overridden.sla_policy) == (housing.id, "standard")
    (event,) = _events(session, overridden.id, "routed")
    assert event.details is not None
    assert event.details["rule"] == {"position": 1, "name": "Everything to Permits"}
    assert (event.details["overridden"], event.details["team"]) == (True, "housing")
    assert event.note == "Housing handles this street"
    assert event.is_public is False
    audit = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.routed",
                                 AuditEvent.object_id == overridden.reference)
    ).one()  # fmt: skip
    assert audit.details["proposed_by_rule"] == rule.id
    assert audit.details["overridden"] is True
    assert audit.details["override_reason"] == "Housing handles this street"
    assert audit.actor_id == str(clerk.id)
    # A case past triage is not routed again.
    with pytest.raises(routing.RoutingRefused) as late:
        routing.route_case(session, case=make_case(session, state="assigned"), actor=clerk,
                           route=proposed)  # fmt: skip
    assert late.value.reason == "not_routable"


def case_with(session: Session, *, state: str = "submitted", **fields: object) -> Case:
    """A case with its answers, and triage's values (category, area, priority) set."""
    case = make_case(session, state=state, answers=fields.pop("answers", {}))
    for name, value in fields.items():
        setattr(case, name, value)
    return case


def _events(session: Session, case_id: int, kind: str) -> list[Event]:
    query = select(Event).where(Event.case_id == case_id, Event.kind == kind)
    return list(session.scalars(query))


RULE_FORM = {
    "name": "Welsh parking",
    "case_types": ["application"],
    "categories": ["parking"],
    "areas": ["wales"],
    "answers": "service=parking-permit\n",
    "sla_policy": "standard",
    "priority": "",
    "is_active": "yes",
}


def _rule_names(app: Flask) -> list[str]:
    with app.extensions["caseway"].sessions() as session:
        return [rule.name for rule in routing.all_rules(session)]


def test_an_administrator_edits_the_rules_and_each_change_is_audited(backoffice: Flask) -> None:
    admin, member = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        team_id = make_team(session).id
        housing_id = make_team(session, code="housing", name="Housing").id
    assert "There are no rules yet" in admin.get("/routing-rules").get_data(as_text=True)

    # Bad input: a clear message, nothing stored, nothing typed lost.
    bad = post_form(admin, "/routing-rules/new",
                    {**RULE_FORM, "team": str(team_id), "answers": "parking please"})  # fmt: skip
    page = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert "Enter each answer condition on a line of its own, as question=value" in page
    assert "parking please" in page
    assert 'value="Welsh parking"' in page
    assert re.search(r'value="wales"\s+checked', page)
    assert _rule_names(backoffice) == []

    for name, team in (("Welsh parking", team_id), ("Anything else", housing_id)):
        added = post_form(admin, "/routing-rules/new",
                          {**RULE_FORM, "name": name, "team": str(team)}, form_page="/routing-rules/new")  # fmt: skip
        assert added.status_code == 302, added.get_data(as_text=True)
    assert _rule_names(backoffice) == ["Welsh parking", "Anything else"]
    with backoffice.extensions["caseway"].sessions() as session:
        first, second = routing.all_rules(session)
        first_id, second_id = first.id, second.id
        assert first.conditions == {"case_type": ["application"], "category": ["parking"],
                                    "area": ["wales"], "answers": {"service": "parking-permit"}}  # fmt: skip

    listed = admin.get("/routing-rules").get_data(as_text=True).split("<table", 1)[1]
    assert listed.index("Welsh parking") < listed.index("Anything else")
    assert "Team Permits, SLA policy Standard" in listed

    # A change: the rule's page sent back with another area and team.
    edit_page = admin.get(f"/routing-rules/{first_id}").get_data(as_text=True)
    assert 'value="service=parking-permit"' in edit_page or "service=parking-permit" in edit_page
    changed = post_form(admin, f"/routing-rules/{first_id}",
                        {**RULE_FORM, "areas": ["wales", "scotland"], "team": str(housing_id),
                         "expected_updated_at": _version(backoffice, first_id)})  # fmt: skip
    assert changed.status_code == 302
    # The same form again, from the page as it was: refused, nothing undone.
    stale = post_form(admin, f"/routing-rules/{first_id}",
                      {**RULE_FORM, "name": "Old", "team": str(team_id),
                       "expected_updated_at": "2020-01-01T00:00:00+00:00"})  # fmt: skip
    assert "Someone else changed this rule" in stale.get_data(as_text=True)

    # Moving: the second rule up, so it is tried first.
    moved = post_form(admin, f"/routing-rules/{second_id}/move", {"direction": "up"},
                      form_page="/routing-rules")  # fmt: skip
    assert moved.status_code == 302
    assert _rule_names(backoffice) == ["Anything else", "Welsh parking"]

    with backoffice.extensions["caseway"].sessions() as session:
        entries = routing.rule_history(session, rule_id=first_id)
        assert [e.action for e in entries] == [
            "routing_rule.moved", "routing_rule.changed", "routing_rule.added"
        ]  # fmt: skip
        change = entries[1]
        assert change.actor_id == str(member.id)
        assert change.details["before"]["conditions"]["area"] == ["wales"]
        assert change.details["after"]["conditions"]["area"] == ["wales", "scotland"]
        assert (change.details["before"]["team"], change.details["after"]["team"]) == (
            "permits", "housing"
        )  # fmt: skip
        assert entries[0].details["before"]["position"] == 1
        assert entries[0].details["after"]["position"] == 2

    history = admin.get(f"/routing-rules/{first_id}/history").get_data(as_text=True)
    assert history.count("<h1") == 1
    assert "History of the rule “Welsh parking”" in history
    assert member.display_name in history
    # The codes the audit trail keeps, named as the reader reads them elsewhere.
    assert "Wales, Scotland" in history  # after the change
    assert "area: wales" not in history
    assert "service = parking-permit" in history
    assert "Housing" in history
    assert "Permits" in history

    removed = post_form(admin, f"/routing-rules/{first_id}/remove", {},
                        form_page=f"/routing-rules/{first_id}")  # fmt: skip
    assert removed.status_code == 302
    assert _rule_names(backoffice) == ["Anything else"]
    after = admin.get(f"/routing-rules/{first_id}/history").get_data(as_text=True)
    assert "This rule has been removed." in after  # its history stays
    assert admin.get("/routing-rules/999999/history").status_code == 404

    # Only administrators: a caseworker is refused every page and form.
    caseworker, _ = signed_in_client(backoffice, RoleCode.CASEWORKER)
    assert caseworker.get("/routing-rules").status_code == 403
    assert caseworker.get(f"/routing-rules/{second_id}").status_code == 403
    token = csrf(caseworker, "/")
    refused = caseworker.post("/routing-rules/new", data={**RULE_FORM, "csrf_token": token,
                                                          "team": str(team_id)})  # fmt: skip
    assert refused.status_code == 403
    assert _rule_names(backoffice) == ["Anything else"]


def _version(app: Flask, rule_id: int) -> str:
    with app.extensions["caseway"].sessions() as session:
        rule = session.get(RoutingRule, rule_id)
        assert rule is not None
        return rule.updated_at.isoformat()


@PROPERTY
@given(name=HOSTILE_TEXT, answers=HOSTILE_TEXT, team=HOSTILE_TEXT, area=HOSTILE_TEXT)
def test_the_rule_form_never_fails(
    backoffice: Flask, name: str, answers: str, team: str, area: str
) -> None:
    member = staff_member(backoffice, RoleCode.ADMINISTRATOR)
    client = new_client(backoffice)
    sign_in_staff(client, member.email)
    before = _count(backoffice)
    response = raw_post(client, "/routing-rules/new", [
        ("csrf_token", csrf(client, "/routing-rules/new")), ("name", name), ("answers", answers),
        ("team", team), ("areas", area), ("sla_policy", "standard"), ("is_active", "yes"),
    ])  # fmt: skip
    assert response.status_code in (200, 302, 400)
    assert _count(backoffice) == before + (1 if response.status_code == 302 else 0)


def _count(app: Flask) -> int:
    with app.extensions["caseway"].sessions() as session:
        return session.scalar(select(func.count(RoutingRule.id))) or 0
