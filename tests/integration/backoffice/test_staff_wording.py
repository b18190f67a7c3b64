"""What staff read (issue 23, defects 5 and 6): workflow states by their staff names on
every back-office page (never the resident's "... from you"), in English and Welsh; one
way to ask the resident for information (a message, which moves the case); and a case
history that names teams, SLA policies, categories, areas and priorities in the reader's
language instead of codes."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import transaction
from shared.models import Case, Event, Message, RoleCode, RoutingRule
from shared.services import assignment, cases, messages, routing, triage
from shared.workflow import workflow_for
from tests.factories import make_case, make_party, make_rule, make_staff, make_team
from tests.staff_signing_in import post_form, sign_in_staff

AWAITING_EN = "Awaiting information from the resident"
AWAITING_CY = "Yn aros am wybodaeth gan y preswylydd"


def sessions(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["caseway"].sessions


def caseworker_with_a_case(app: Flask, state: str = "in_progress") -> tuple[FlaskClient, str]:
    """A caseworker signed in, with a case of their team assigned to them."""
    with transaction(sessions(app)) as session:
        team = make_team(session, "permits", "Permits")
        member = make_staff(session, roles=(RoleCode.CASEWORKER,), team=team)
        case = make_case(session, state=state, applicant=make_party(session))
        case.team_id, case.assignee_id = team.id, member.id
        reference, email = case.reference, member.email
    client = app.test_client()
    assert sign_in_staff(client, email).status_code == 302
    return client, reference


def the_case(app: Flask, reference: str) -> Case:
    with sessions(app)() as session:
        return session.scalars(select(Case).where(Case.reference == reference)).one()


def timeline(page: str) -> str:
    found = re.search(r'<div class="moj-timeline">(.*)</div>', page, re.S)
    assert found, "no history on the page"
    return found.group(1)


# --- defect 5: the states by their staff names -----------------------------------------


def test_staff_read_each_state_by_its_staff_name_in_english_and_welsh(backoffice: Flask) -> None:
    client, reference = caseworker_with_a_case(backoffice)
    with transaction(sessions(backoffice)) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        messages.post_from_staff(session, case=case, staff=case.assignee, body="Your lease?",
                                 request_for_information=True)  # fmt: skip
    for language, awaiting, residents in (
        ("en", AWAITING_EN, "Waiting for information from you"),
        ("cy", AWAITING_CY, "Yn aros am wybodaeth gennych chi"),
    ):
        client.get(f"/language/{language}")
        pages = {
            "case": client.get(f"/cases/{reference}").get_data(as_text=True),
            "history": client.get(f"/cases/{reference}/history").get_data(as_text=True),
            "my work": client.get("/my-work").get_data(as_text=True),
        }
        for name, page in pages.items():
            assert awaiting in page, (language, name)
            assert residents not in page, (language, name)
    # The resident's own words stay the portal's.
    with sessions(backoffice)() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        workflow = workflow_for(case.case_type.code, case.workflow_version)
        assert workflow.status_text(case.state, "en") == "Waiting for information from you"


def test_the_inbox_names_the_state_as_staff_do(backoffice: Flask) -> None:
    client, reference = caseworker_with_a_case(backoffice)
    with transaction(sessions(backoffice)) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        messages.post_from_resident(session, case=case, party=case.applicant, body="Hello")
    inbox = client.get("/messages").get_data(as_text=True)
    assert reference in inbox
    assert "In progress" in inbox
    assert "Being worked on" not in inbox  # the resident's wording
    client.get("/language/cy")
    assert "Yn mynd rhagddo" in client.get("/messages").get_data(as_text=True)


# --- defect 5: one way to ask for information ------------------------------------------


def test_asking_for_information_is_a_message_never_a_bare_move(backoffice: Flask) -> None:
    client, reference = caseworker_with_a_case(backoffice)
    overview = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert f"Move to “{AWAITING_EN}”" not in overview
    assert 'name="request_information-csrf_token"' not in overview
    link = re.search(r'<a class="govuk-link" href="([^"]+)">Ask the resident for information</a>',
                     overview)  # fmt: skip
    assert link, "the case page offers no way to ask for information"
    href = link.group(1).replace("&amp;", "&")
    form_page = client.get(href).get_data(as_text=True)
    assert re.search(r'name="request_for_information"[^>]*value="y"[^>]*checked', form_page)
    assert f"The case moves to “{AWAITING_EN}”" in form_page
    # The workflow's transition sent on its own (a page from before, a forged form) moves
    # nothing and says how to ask.
    refused = post_form(client, f"/cases/{reference}/transitions/request_information",
                        {"request_information-expected_state": "in_progress",
                         "request_information-reason": "Send your lease"},
                        form_page=f"/cases/{reference}")  # fmt: skip
    assert refused.status_code == 302
    assert "tick “This is a request for information”" in client.get(
        refused.headers["Location"]
    ).get_data(as_text=True)
    assert the_case(backoffice, reference).state == "in_progress"
    # The message with the request ticked: one message, the case moved, the clock stopped.
    sent = post_form(client, f"/cases/{reference}/messages",
                     {"body": "Please send your lease.", "request_for_information": "y"},
                     form_page=href)  # fmt: skip
    assert sent.status_code == 302
    found = the_case(backoffice, reference)
    assert (found.state, found.clock_stopped_at is not None) == ("awaiting_information", True)
    with sessions(backoffice)() as session:
        sent_messages = session.scalars(select(Message).where(Message.case_id == found.id)).all()
        moves = session.scalars(
            select(Event).where(Event.case_id == found.id, Event.kind == "request_information")
        ).all()
    assert [(m.body, m.is_request_for_information) for m in sent_messages] == [
        ("Please send your lease.", True)
    ]
    assert [move.note for move in moves] == ["Please send your lease."]


def test_the_workflow_takes_the_request_only_with_a_message(session: Session) -> None:
    case = make_case(session, state="in_progress")
    member = make_staff(session, roles=[RoleCode.SUPERVISOR])
    with pytest.raises(cases.TransitionRefused) as refused:
        cases.transition(session, case=case, name="request_information", actor=member,
                         reason="Send your lease")  # fmt: skip
    assert refused.value.reason == "needs_message"
    assert case.state == "in_progress"
    messages.post_from_staff(session, case=case, staff=member, body="Send your lease",
                             request_for_information=True)  # fmt: skip
    assert case.state == "awaiting_information"


# --- defect 6: the history in the reader's words ---------------------------------------

CODES = ("fast_track", "staff_conduct", "wales", "case_type:", "category:", "permits",
         "housing", ">high<", "priority high", "Area: wales")  # fmt: skip


def a_routed_complaint(app: Flask) -> tuple[FlaskClient, str, int]:
    """A complaint triaged (staff conduct, high, Wales), routed by a rule's proposal, then
    routed again elsewhere than the rule proposed, then sent to a team's queue; and a
    supervisor of the team signed in."""
    with transaction(sessions(app)) as session:
        permits = make_team(session, "permits", "Permits")
        permits.names = {"cy": "Trwyddedau"}
        housing = make_team(session, "housing", "Housing")
        housing.names = {"cy": "Tai"}
        boss = make_staff(session, roles=(RoleCode.SUPERVISOR,), team=permits)
        clerk = make_staff(session, roles=(RoleCode.INTAKE_CLERK,), team=permits)
        rule = make_rule(session, name="Conduct rule", team=permits,
                         sla_policy="fast_track", priority="high",
                         case_type=["complaint"], category=["staff_conduct"])  # fmt: skip
        case = make_case(session, case_type="complaint", state="triage")
        chosen = {"category": "staff_conduct", "priority": "high", "risk": "medium",
                  "risk_reason": "Upset on the phone", "area": "wales"}  # fmt: skip
        proposal = routing.proposal_for(session, routing.CaseFacts(
            "complaint", "staff_conduct", "wales", triage.check_triage(case, **chosen).priority,
            {}))  # fmt: skip
        assert proposal is not None
        triage.triage_case(session, case=case, actor=clerk, route=proposal, **chosen)
        elsewhere = routing.Route(rule_id=None, team=housing, sla_policy="standard")
        routing.route_case(session, case=case, actor=clerk, route=elsewhere,
                           override_reason="They know the officer")  # fmt: skip
        assignment.assign_to_team(session, case=case, team=permits, actor=boss)
        reference, email, rule_id = case.reference, boss.email, rule.id
    client = app.test_client()
    assert sign_in_staff(client, email).status_code == 302
    return client, reference, rule_id


def test_the_history_names_what_happened_in_the_reader_s_language(backoffice: Flask) -> None:
    client, reference, _rule = a_routed_complaint(backoffice)
    english = timeline(client.get(f"/cases/{reference}/history").get_data(as_text=True))
    for code in CODES:
        assert code not in english, code
    for name in ("Staff conduct", "High", "Wales", "Medium", "Fast track", "Standard",
                 "Permits", "Housing", "Conduct rule", "Upset on the phone",
                 "They know the officer"):  # fmt: skip
        assert name in english, name
    client.get("/language/cy")
    welsh = timeline(client.get(f"/cases/{reference}/history").get_data(as_text=True))
    for code in CODES:
        assert code not in welsh, code
    for name in ("Ymddygiad staff", "Uchel", "Cymru", "Canolig", "Llwybr cyflym", "Safonol",
                 "Trwyddedau", "Tai"):  # fmt: skip
        assert name in welsh, name
    for english_name in ("Staff conduct", "Fast track", "Wales", "Permits", "Housing"):
        assert english_name not in welsh, english_name


def test_a_routing_rule_s_history_names_its_conditions_and_route(backoffice: Flask) -> None:
    with transaction(sessions(backoffice)) as session:
        permits = make_team(session, "permits", "Permits")
        permits.names = {"cy": "Trwyddedau"}
        rule = make_rule(session, name="Conduct rule", team=permits,
                         sla_policy="fast_track", priority="high", area=["wales"],
                         case_type=["complaint"], category=["staff_conduct"])  # fmt: skip
        rule_id = session.get_one(RoutingRule, rule.id).id
        admin = make_staff(session, roles=(RoleCode.ADMINISTRATOR,))
        email = admin.email
    client = backoffice.test_client()
    assert sign_in_staff(client, email).status_code == 302
    for language, names in (("en", ("Make a complaint", "Staff conduct", "Wales", "Permits",
                                    "Fast track", "High")),
                            ("cy", ("Gwneud cwyn", "Ymddygiad staff", "Cymru", "Trwyddedau",
                                    "Llwybr cyflym", "Uchel"))):  # fmt: skip
        client.get(f"/language/{language}")
        page = client.get(f"/routing-rules/{rule_id}/history").get_data(as_text=True)
        main = page[page.index("<main") :]
        for code in ("case_type:", "category:", "staff_conduct", "fast_track", ">permits<",
                     "case_type: complaint", "wales"):  # fmt: skip
            assert code not in main, (language, code)
        for name in names:
            assert name in main, (language, name)
