"""Triage of one case on its page: category, priority, risk with a reason, area and the
route (the proposal accepted, or overridden with a reason) in one go; two clerks at once;
possible duplicate parties confirmed (one client id, both histories kept) or rejected."""

from __future__ import annotations

import re
import threading
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from shared.db import transaction
from shared.models import (
    AuditEvent,
    Case,
    CasePriority,
    CaseRisk,
    DuplicateState,
    Event,
    Party,
    PossibleDuplicate,
    RoleCode,
)
from shared.services.related_cases import related_cases
from shared.services.sla import end_of, service_date
from shared.sla.calendar import calendar_for
from tests.factories import make_case, make_party, make_recording, make_rule, make_team
from tests.integration.test_hostile_input import HOSTILE_TEXT, PROPERTY, csrf, new_client, raw_post
from tests.page_checks import assert_page_checks_itself
from tests.staff_signing_in import (
    csrf_token,
    post_form,
    sign_in_staff,
    signed_in_client,
    staff_member,
)

VERSION = re.compile(r'name="expected_version" type="hidden" value="([^"]*)"')
PROPOSED = re.compile(r'name="proposed_rule" type="hidden" value="([^"]*)"')
TRIAGE = {
    "category": "blue_badge",
    "priority": "high",
    "risk": "medium",
    "risk_reason": "Cannot get to the shops without a badge",
    "area": "wales",
    "route": "proposal",
}


def sample(app: Flask) -> tuple[str, int]:
    """A new case, and a rule for Welsh Blue Badge applications (the Permits team)."""
    with transaction(app.extensions["caseway"].sessions) as session:
        make_rule(session, name="Not Welsh", team=make_team(session, code="other", name="Other"),
                  area=["england"])  # fmt: skip
        rule = make_rule(session, name="Welsh badges", category=["blue_badge"], area=["wales"],
                         sla_policy="fast_track")  # fmt: skip
        return make_case(session).reference, rule.id


def form_of(client: FlaskClient, path: str) -> dict[str, str]:
    """The hidden fields of the triage form as the page gives them."""
    return form_of_page(client.get(path).get_data(as_text=True))


def case_named(app: Flask, reference: str) -> Case:
    with app.extensions["caseway"].sessions() as session:
        found = session.scalars(select(Case).where(Case.reference == reference)).one()
        session.expunge(found)
        return found


def test_triage_sets_everything_and_the_due_date(backoffice: Flask) -> None:
    clerk, member = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    reference, rule_id = sample(backoffice)
    path = f"/cases/{reference}/triage"
    case_page = clerk.get(f"/cases/{reference}").get_data(as_text=True)
    assert f'href="{path}"' in case_page  # linked from the case page while in triage
    page = clerk.get(path).get_data(as_text=True)
    assert_page_checks_itself(page, "triage", english=True)
    assert "No routing rule matches this case as it is now" in page  # no category, area yet

    # The clerk chooses values the page's proposal (none) did not show: asked to look again.
    again = post_form(clerk, path, {**form_of(clerk, path), **TRIAGE})
    shown = again.get_data(as_text=True)
    assert "The proposed route has changed with your choices" in shown
    assert "Rule 2, “Welsh badges”, proposes: team Permits, SLA policy Fast track." in shown
    assert case_named(backoffice, reference).triaged_at is None  # nothing written

    done = post_form(clerk, path, {**form_of_page(shown), **TRIAGE}, form_page=path)
    assert done.status_code == 302, done.get_data(as_text=True)
    assert done.headers["Location"] == f"/cases/{reference}"
    assert "The case is triaged." in clerk.get(done.headers["Location"]).get_data(as_text=True)
    found = case_named(backoffice, reference)
    assert (found.category, found.priority, found.risk, found.area) == (
        "blue_badge", CasePriority.HIGH, CaseRisk.MEDIUM, "wales"
    )  # fmt: skip
    assert found.triaged_at is not None
    assert found.state == "triage"  # routed to the team's queue; nobody assigned yet
    assert found.sla_policy == "fast_track"
    with backoffice.extensions["caseway"].sessions() as session:
        # Fast track at high priority: 5 working days in Wales after the day it came in.
        due = calendar_for(session, "wales").add(service_date(found.submitted_at), 5)
        assert found.due_at == end_of(due)
        kinds = session.scalars(select(Event.kind).where(Event.case_id == found.id)).all()
        assert {"start_triage", "triaged", "routed"} <= set(kinds)
        triaged = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case.triaged")
        ).one()
        assert triaged.details["risk_reason"] == TRIAGE["risk_reason"]
        assert triaged.actor_id == str(member.id)
        routed = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.routed")).one()
        assert routed.details["proposed_by_rule"] == rule_id
        assert routed.details["overridden"] is False
    history = clerk.get(f"/cases/{reference}/history").get_data(as_text=True)
    assert "Routed to a team" in history
    assert TRIAGE["risk_reason"] in history


def form_of_page(page: str) -> dict[str, str]:
    version, proposed = VERSION.search(page), PROPOSED.search(page)
    assert version
    assert proposed
    return {"expected_version": version.group(1), "proposed_rule": proposed.group(1)}


def test_refused_triage_keeps_what_was_typed_and_writes_nothing(backoffice: Flask) -> None:
    clerk, _ = signed_in_client(backoffice, RoleCode.SUPERVISOR)
    reference, _rule = sample(backoffice)
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        housing_id = make_team(session, code="housing", name="Housing").id
        # A supervisor sees their team's cases: this one is in the sample's team.
        found = session.scalars(select(Case).where(Case.reference == reference)).one()
        found.team_id = housing_id
    supervisor_team(backoffice, housing_id)
    path = f"/cases/{reference}/triage"
    hidden = form_of(clerk, path)
    no_reason = post_form(clerk, path, {**hidden, **TRIAGE, "risk_reason": "  "})
    page = no_reason.get_data(as_text=True)
    assert no_reason.status_code == 200
    assert "Enter why you chose this risk" in page
    assert re.search(r'value="blue_badge"\s+checked', page)  # what was chosen stays chosen
    assert re.search(r'value="wales"\s+checked', page)
    # Another route than the proposal: a reason is needed, then it is recorded.
    override = {**hidden, **TRIAGE, "proposed_rule": form_of_page(page)["proposed_rule"],
                "route": "other", "team": str(housing_id), "sla_policy": "standard"}  # fmt: skip
    refused = post_form(clerk, path, override).get_data(as_text=True)
    assert "Enter why you chose another route" in refused
    assert case_named(backoffice, reference).triaged_at is None
    assert case_named(backoffice, reference).state == "submitted"
    done = post_form(clerk, path, {**override, "override_reason": "Housing knows this street"})
    assert done.status_code == 302, done.get_data(as_text=True)
    found = case_named(backoffice, reference)
    assert (found.team_id, found.sla_policy) == (housing_id, "standard")
    with backoffice.extensions["caseway"].sessions() as session:
        routed = session.scalars(
            select(Event).where(Event.case_id == found.id, Event.kind == "routed")
        ).one()
        # Codes kept; the history words them when shown (backoffice/sections/history_words.py).
        assert routed.details is not None
        assert routed.details["overridden"] is True
        assert routed.details["rule"] == {"position": 2, "name": "Welsh badges"}
        assert routed.note == "Housing knows this street"


def supervisor_team(app: Flask, team_id: int) -> None:
    """Every supervisor in the test's database joins the team."""
    from shared.models import StaffUser

    with transaction(app.extensions["caseway"].sessions) as session:
        for member in session.scalars(select(StaffUser)):
            if member.has_role(RoleCode.SUPERVISOR):
                member.team_id = team_id


def test_two_clerks_triaging_one_case_at_once_make_one_triage(backoffice: Flask) -> None:
    reference, _rule = sample(backoffice)
    path = f"/cases/{reference}/triage"
    clerks = [signed_in_client(backoffice, RoleCode.INTAKE_CLERK)[0] for _ in range(2)]
    with backoffice.extensions["caseway"].sessions() as session:
        team_id = str(make_team(session).id)  # the sample's, already there
    forms = []
    for clerk, area in zip(clerks, ("wales", "scotland"), strict=True):
        page = clerk.get(path).get_data(as_text=True)
        forms.append({"csrf_token": csrf_token(clerk, path), **form_of_page(page), **TRIAGE,
                      "area": area, "route": "other", "team": team_id, "sla_policy": "standard",
                      "override_reason": "Checked by hand"})  # fmt: skip
    responses: list[TestResponse] = []
    start = threading.Barrier(2)

    def send(client: FlaskClient, form: dict[str, str]) -> None:
        start.wait()
        responses.append(client.post(path, data=form))

    threads = [threading.Thread(target=send, args=pair) for pair in zip(clerks, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r.status_code for r in responses) == [200, 302]
    (second,) = [r for r in responses if r.status_code == 200]
    assert "Someone else changed this case while you were looking at it" in second.get_data(
        as_text=True
    )
    with backoffice.extensions["caseway"].sessions() as session:
        found = session.scalars(select(Case).where(Case.reference == reference)).one()
        kinds = session.scalars(select(Event.kind).where(Event.case_id == found.id)).all()
        assert sorted(k for k in kinds if k in ("triaged", "routed", "start_triage")) == [
            "routed", "start_triage", "triaged"
        ]  # fmt: skip
        audits = session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "case.triaged")
        )
        assert audits == 1
        assert found.area in ("wales", "scotland")


def test_a_possible_duplicate_is_confirmed_under_one_client_id_or_rejected(
    backoffice: Flask,
) -> None:
    clerk, member = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        # Ana Silva, born 14 March 1984, known from an earlier case; a clerk records a new
        # case for "Ana Silva" of the same birthday (tests/factories.py RECORDED_ANSWERS).
        older = make_party(session, date_of_birth=date(1984, 3, 14), email="ana@example.org")
        older_case = make_case(session, applicant=older, state="in_progress").reference
        twin = make_party(session, date_of_birth=date(1984, 3, 14), email="ana2@example.org")
        twin_case, twin_id = make_case(session, applicant=twin).reference, twin.id
        draft = make_recording(session, clerk=member, sent=True)
        new_case = session.get_one(Case, draft.submitted_case_id)
        reference, older_id, newer_id = new_case.reference, older.id, new_case.applicant_id
        duplicates = session.scalars(
            select(PossibleDuplicate).where(PossibleDuplicate.case_id == new_case.id)
            .order_by(PossibleDuplicate.id)
        ).all()  # fmt: skip
        assert [d.other_party_id for d in duplicates] == [older.id, twin.id]
        first, second = duplicates[0].id, duplicates[1].id
    path = f"/cases/{reference}/triage"
    page = clerk.get(path).get_data(as_text=True)
    assert "Possible duplicate records" in page
    assert older_case in page
    assert twin_case in page

    confirm = post_form(clerk, f"/cases/{reference}/duplicates/{first}",
                        {"decision": "confirm", f"duplicate-{first}-reason": "Same address"},
                        form_page=path)  # fmt: skip
    assert confirm.status_code == 302
    with backoffice.extensions["caseway"].sessions() as session:
        newer, older_party = session.get_one(Party, newer_id), session.get_one(Party, older_id)
        assert newer.linked_to_id == older_id  # the newer record goes by the older's id
        assert older_party.linked_to_id is None
        assert newer.client_id != older_party.client_id  # both records kept, nothing merged
        assert session.scalar(select(func.count(Case.id)).where(Case.applicant_id == newer_id)) == 1
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "party.linked")).one()
        assert audit.details["after"] == {"client_id": older_party.client_id}
        assert audit.details["reason"] == "Same address"
        new_case = session.scalars(select(Case).where(Case.reference == reference)).one()
        # The related cases now list the older record's case.
        related = related_cases(
            session, case=new_case, staff=session.get_one(type(member), member.id)
        )
        assert older_case in [c.reference for c in related.same_party]
        assert twin_case not in [c.reference for c in related.same_party]
    assert "both records now go by client ID" in clerk.get(path).get_data(as_text=True)

    reject = post_form(clerk, f"/cases/{reference}/duplicates/{second}", {"decision": "reject"},
                       form_page=path)  # fmt: skip
    assert reject.status_code == 302
    again = post_form(clerk, f"/cases/{reference}/duplicates/{second}", {"decision": "confirm"},
                      form_page=path)  # fmt: skip
    assert "Someone has already decided this possible duplicate" in clerk.get(
        again.headers["Location"]
    ).get_data(as_text=True)
    with backoffice.extensions["caseway"].sessions() as session:
        states = session.scalars(
            select(PossibleDuplicate.state).where(PossibleDuplicate.id.in_([first, second]))
            .order_by(PossibleDuplicate.id)
        ).all()  # fmt: skip
        assert states == [DuplicateState.CONFIRMED, DuplicateState.REJECTED]
        assert session.get_one(Party, twin_id).linked_to_id is None  # rejected: kept apart
    elsewhere = post_form(clerk, f"/cases/{older_case}/duplicates/{first}", {"decision": "reject"},
                          form_page=path)  # fmt: skip
    assert elsewhere.status_code == 404  # another case's possible duplicate


@PROPERTY
@given(category=HOSTILE_TEXT, reason=HOSTILE_TEXT, area=HOSTILE_TEXT, version=HOSTILE_TEXT)
def test_the_triage_form_never_fails(
    backoffice: Flask, category: str, reason: str, area: str, version: str
) -> None:
    member = staff_member(backoffice, RoleCode.INTAKE_CLERK)
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        reference = make_case(session).reference
    client = new_client(backoffice)
    sign_in_staff(client, member.email)
    path = f"/cases/{reference}/triage"
    response = raw_post(client, path, [
        ("csrf_token", csrf(client, path)), ("category", category), ("priority", "high"),
        ("risk", "low"), ("risk_reason", reason), ("area", area), ("route", "other"),
        ("team", category), ("sla_policy", "standard"), ("expected_version", version),
        ("proposed_rule", area),
    ])  # fmt: skip
    assert response.status_code in (200, 400)  # never triaged: no team is valid here
    assert case_named(backoffice, reference).triaged_at is None
