"""The triage form in one pass (issue 23, defect 8): every error at once, a second triage
starting from the case's current values (the risk reason too), and a matching rule's
proposal offered, with what was typed kept, when the clerk chose no team; and hostile
input that never gives a 500 nor leaves a triage half-written."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from shared.db import transaction
from shared.models import AuditEvent, Case, RoleCode, StaffUser, Team
from shared.services import routing, triage
from tests.factories import make_case, make_team
from tests.integration.backoffice.test_triage import TRIAGE, case_named, form_of_page, sample
from tests.integration.test_hostile_input import HOSTILE_TEXT, PROPERTY, csrf, new_client, raw_post
from tests.staff_signing_in import post_form, sign_in_staff, signed_in_client, staff_member

ERROR_SUMMARY = re.compile(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', re.S)
RISK_REASON = re.compile(r'<textarea[^>]*name="risk_reason"[^>]*>([^<]*)</textarea>')


def summary_errors(page: str) -> list[str]:
    found = ERROR_SUMMARY.search(page)
    return re.findall(r"<a [^>]*>([^<]*)</a>", found.group(1)) if found else []


def team_id(app: Flask, code: str) -> str:
    with app.extensions["caseway"].sessions() as session:
        return str(session.scalars(select(Team.id).where(Team.code == code)).one())


def test_every_error_comes_at_once(backoffice: Flask) -> None:
    clerk, _ = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    reference, _rule = sample(backoffice)
    path = f"/cases/{reference}/triage"
    hidden = form_of_page(clerk.get(path).get_data(as_text=True))
    # No risk reason, and a team other than the one the Welsh badges rule proposes for
    # these choices without a reason: both errors on the first send.
    sent = post_form(clerk, path, {**hidden, **TRIAGE, "risk_reason": " ", "route": "other",
                                   "team": team_id(backoffice, "other"),
                                   "sla_policy": "standard"})  # fmt: skip
    page = sent.get_data(as_text=True)
    assert sent.status_code == 200
    assert summary_errors(page) == [
        "Enter why you chose this risk",
        "Enter why you chose another route",
    ]
    # And with nothing chosen at all, every field is named in the one summary.
    empty = post_form(clerk, path, {**hidden, "route": "other"}).get_data(as_text=True)
    assert summary_errors(empty) == [
        "Select the category", "Select the priority", "Select the risk",
        "Enter why you chose this risk", "Select the area", "Select the team",
        "Select the SLA policy",
    ]  # fmt: skip
    assert case_named(backoffice, reference).triaged_at is None


def test_a_second_triage_starts_from_the_current_values(backoffice: Flask) -> None:
    clerk, member = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    reference, _rule = sample(backoffice)
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        found = session.scalars(select(Case).where(Case.reference == reference)).one()
        triage.triage_case(
            session, case=found, actor=session.get_one(StaffUser, member.id),
            category="blue_badge", priority="urgent", risk="high",
            risk_reason="Lives alone <and> cannot walk far", area="scotland",
            route=routing.Route(rule_id=None, team=make_team(session, code="other"),
                                sla_policy="standard"),
            override_reason="",
        )  # fmt: skip
    page = clerk.get(f"/cases/{reference}/triage").get_data(as_text=True)
    reason = RISK_REASON.search(page)
    assert reason
    assert reason.group(1).strip() == "Lives alone &lt;and&gt; cannot walk far"
    for value in ("blue_badge", "urgent", "high", "scotland"):
        assert re.search(rf'value="{value}"\s+checked', page), value
    assert case_named(backoffice, reference).risk_reason == "Lives alone <and> cannot walk far"


def test_a_matching_rule_is_offered_when_no_team_was_chosen(backoffice: Flask) -> None:
    clerk, _ = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    reference, rule_id = sample(backoffice)
    path = f"/cases/{reference}/triage"
    first = clerk.get(path).get_data(as_text=True)
    assert "No routing rule matches this case as it is now" in first
    # The page offered only "another route"; the clerk picks a category and area the
    # Welsh badges rule matches, and no team.
    sent = post_form(clerk, path, {**form_of_page(first), **TRIAGE, "route": "other",
                                   "team": "", "sla_policy": ""})  # fmt: skip
    page = sent.get_data(as_text=True)
    assert sent.status_code == 200
    assert "Select the team" not in page
    assert summary_errors(page) == []
    assert "A routing rule matches what you chose" in page
    assert "Rule 2, “Welsh badges”, proposes: team Permits, SLA policy Fast track." in page
    assert re.search(r'value="proposal"\s+checked', page)  # offered, ready to accept
    assert re.search(r'value="blue_badge"\s+checked', page)  # what was typed is kept
    reason = RISK_REASON.search(page)
    assert reason
    assert reason.group(1).strip() == TRIAGE["risk_reason"]
    assert form_of_page(page)["proposed_rule"] == str(rule_id)
    assert case_named(backoffice, reference).triaged_at is None

    done = post_form(clerk, path, {**form_of_page(page), **TRIAGE})
    assert done.status_code == 302, done.get_data(as_text=True)
    found = case_named(backoffice, reference)
    assert (found.team_id, found.sla_policy) == (int(team_id(backoffice, "permits")), "fast_track")


def test_no_team_and_no_new_proposal_still_asks_for_the_team(backoffice: Flask) -> None:
    clerk, _ = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    reference, _rule = sample(backoffice)
    path = f"/cases/{reference}/triage"
    hidden = form_of_page(clerk.get(path).get_data(as_text=True))
    # No rule matches Scotland: a team it is.
    sent = post_form(clerk, path, {**hidden, **TRIAGE, "area": "scotland", "route": "other",
                                   "team": "", "sla_policy": "standard"})  # fmt: skip
    assert summary_errors(sent.get_data(as_text=True)) == ["Select the team"]
    # The page showed the Welsh badges proposal and the clerk chose another route: the
    # proposal is not pressed on them again.
    offered = post_form(clerk, path, {**hidden, **TRIAGE, "route": "other", "team": ""})
    page = offered.get_data(as_text=True)
    assert form_of_page(page)["proposed_rule"]
    turned_down = post_form(clerk, path, {**form_of_page(page), **TRIAGE, "route": "other",
                                          "team": "", "sla_policy": ""})  # fmt: skip
    assert summary_errors(turned_down.get_data(as_text=True)) == [
        "Select the team", "Select the SLA policy"
    ]  # fmt: skip


def triaged_pieces(app: Flask, reference: str) -> tuple[bool, bool, bool, int]:
    """Whether the case has its triage values, a team, its risk reason, and how many
    triage audit entries: all or none."""
    with app.extensions["caseway"].sessions() as session:
        found = session.scalars(select(Case).where(Case.reference == reference)).one()
        audits = session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "case.triaged", AuditEvent.object_id == reference
            )
        )
        return (found.triaged_at is not None, found.team_id is not None,
                found.risk_reason is not None,
                audits or 0)  # fmt: skip


@PROPERTY
@given(
    route=st.one_of(st.sampled_from(["proposal", "other"]), HOSTILE_TEXT),
    team=HOSTILE_TEXT,
    policy=st.one_of(st.sampled_from(["standard", "fast_track"]), HOSTILE_TEXT),
    override=HOSTILE_TEXT,
    proposed=HOSTILE_TEXT,
    reason=HOSTILE_TEXT,
)
def test_hostile_routes_never_fail_nor_half_triage(
    backoffice: Flask, route: str, team: str, policy: str, override: str, proposed: str,
    reason: str,
) -> None:  # fmt: skip
    member = staff_member(backoffice, RoleCode.INTAKE_CLERK)
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        reference = make_case(session).reference
    client: FlaskClient = new_client(backoffice)
    sign_in_staff(client, member.email)
    path = f"/cases/{reference}/triage"
    page = client.get(path).get_data(as_text=True)
    response = raw_post(client, path, [
        ("csrf_token", csrf(client, path)), ("category", "blue_badge"), ("priority", "high"),
        ("risk", "low"), ("risk_reason", reason), ("area", "wales"), ("route", route),
        ("team", team), ("sla_policy", policy), ("override_reason", override),
        ("expected_version", form_of_page(page)["expected_version"]),
        ("proposed_rule", proposed),
    ])  # fmt: skip
    assert response.status_code in (200, 302, 400)
    pieces = triaged_pieces(backoffice, reference)
    if response.status_code == 302:
        assert pieces == (True, True, True, 1)
    else:
        assert pieces == (False, False, False, 0)
