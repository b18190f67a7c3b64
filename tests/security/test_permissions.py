"""Denied by default: every back-office view declares what it needs, and each role
reaches exactly the views its permissions open (the rest answer 403)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient

from backoffice import create_backoffice
from backoffice.auth import OPEN, SHARED_VIEWS, declared_permission
from shared.db import transaction
from shared.models import CaseParty, CasePartyRole, RoleCode
from shared.permissions import ROLE_PERMISSIONS, Permission
from tests.factories import make_case, make_document, make_party, make_reply_template, make_rule
from tests.pages import APPS
from tests.staff_signing_in import csrf_token, signed_in_client, staff_member

BACKOFFICE = APPS["backoffice"]
# A sample address for each view whose URL has parts (filled in per test below).
SAMPLE_VALUES = {
    "staff_id": "{member}",
    "token": "not-a-valid-token",
    "code": "cy",
    "reference": "{reference}",  # a case assigned to the person signed in
    "name": "start_work",
    "task_id": "1",  # forms only: refused by permission before any task is looked up
    "document_id": "1",  # the sample case's document, the first in the test's new database
    "public_id": "sample-document",
    "case_party_id": "1",  # the sample case's other party, the first in the test's new database
    "rule_id": "1",  # the routing rule made with the sample case
    "duplicate_id": "1",  # forms only: refused by permission before it is looked up
    "key": "permits",  # a team; the person signed in is in none, so it is not theirs
    "closure_id": "1",  # forms only: refused by permission before it is looked up
    "view_id": "1",  # forms only: refused by permission before it is looked up
    "message_id": "1",  # forms only: refused by permission before it is looked up
    "template_code": "more-information",  # the reply template made with the sample case
    "locale": "en",
}


RECORDING_STEPS = frozenset({"intake.answers", "intake.check", "intake.done"})


def endpoints(methods: set[str]) -> list[str]:
    return sorted(
        {
            rule.endpoint
            for rule in BACKOFFICE.url_map.iter_rules()
            if (rule.methods or set()) & methods and rule.endpoint not in SHARED_VIEWS
        }
    )


def test_every_view_declares_its_permission() -> None:
    undeclared = [
        rule.endpoint
        for rule in BACKOFFICE.url_map.iter_rules()
        if declared_permission(BACKOFFICE, rule.endpoint) is None
    ]
    assert undeclared == [], f"add @requires(...) or @open_to_anyone to {undeclared}"


def test_a_view_that_declares_nothing_is_refused_to_everyone(backoffice: Flask) -> None:
    app = create_backoffice(backoffice.extensions["caseway"].settings)
    app.config["TESTING"] = True
    forgotten = Blueprint("forgotten", __name__)
    forgotten.add_url_rule("/forgotten", "page", lambda: "internal data")
    app.register_blueprint(forgotten)
    try:
        assert app.test_client().get("/forgotten").status_code == 403
        admin, _ = signed_in_client(app, *RoleCode)
        assert admin.get("/forgotten").status_code == 403
    finally:
        app.extensions["caseway"].engine.dispose()


def path_of(endpoint: str, member_id: int, reference: str) -> str:
    rule = next(rule for rule in BACKOFFICE.url_map.iter_rules() if rule.endpoint == endpoint)
    path = rule.rule
    for name in rule.arguments:
        value = SAMPLE_VALUES[name].format(member=member_id, reference=reference)
        path = path.replace(f"<id:{name}>", value).replace(f"<{name}>", value)
    return path


def case_assigned_to(app: Flask, staff_id: int) -> str:
    with transaction(app.extensions["caseway"].sessions) as session:
        case = make_case(session, state="assigned")
        case.assignee_id = staff_id
        document = make_document(session, app.extensions["caseway"].storage, case=case)
        document.public_id = SAMPLE_VALUES["public_id"]
        witness = make_party(session, given_name="Wyn", family_name="Witness")
        session.add(CaseParty(case_id=case.id, party_id=witness.id, role=CasePartyRole.WITNESS,
                              added_by_staff_id=staff_id))  # fmt: skip
        make_rule(session)  # a routing rule, for its pages
        make_reply_template(session)  # a reply template, for its pages
        return case.reference


def signed_in_with_samples(app: Flask, role: RoleCode) -> tuple[FlaskClient, Callable[[str], str]]:
    """Someone with only `role` signed in, and the address of each view for them: another
    member of staff's page, and a case assigned to them."""
    client, member = signed_in_client(app, role)
    other = staff_member(app, RoleCode.CASEWORKER)
    reference = case_assigned_to(app, member.id)
    return client, lambda endpoint: path_of(endpoint, other.id, reference)


def allowed(role: RoleCode, endpoint: str) -> bool:
    needed = declared_permission(BACKOFFICE, endpoint)
    if needed in (OPEN, "signed in"):
        return True
    assert isinstance(needed, Permission)
    return needed in ROLE_PERMISSIONS[role]


@pytest.mark.parametrize("role", list(RoleCode), ids=lambda role: role.value)
def test_each_role_reaches_exactly_the_pages_its_permissions_open(
    backoffice: Flask, role: RoleCode
) -> None:
    client, paths = signed_in_with_samples(backoffice, role)
    for endpoint in endpoints({"GET"}):
        path = paths(endpoint)
        with client.get(path) as response:  # closed: a download holds its file open
            status = response.status_code
        if endpoint == "sign_in.set_password":
            assert status == 400, path  # the sample token is not a valid link
        elif endpoint in ("sign_in.sign_in", "two_factor.second_step"):
            assert status == 302, path  # already signed in: on to the first page
        elif endpoint.startswith("single_sign_on."):
            # Single sign-on is not configured here: no such pages (with a provider,
            # tests/integration/backoffice/test_single_sign_on.py walks them).
            assert status == 404, path
        elif endpoint == "documents.download" and role is RoleCode.AUDITOR:
            assert status == 404, path  # auditors read cases, not the files people sent
        elif endpoint in RECORDING_STEPS and allowed(role, endpoint):
            # Assisted intake's steps with the sample token, which names no case being
            # recorded (tests/integration/backoffice/test_assisted_intake.py walks them).
            assert status == 404, path
        elif endpoint.startswith("teams.") and role is RoleCode.AUDITOR:
            # Auditors read every team's page: the sample team's (the list of teams, with
            # one team, leads straight to it).
            assert status == (302 if endpoint == "teams.index" else 200), path
        elif endpoint == "teams.team" and allowed(role, endpoint):
            assert status == 404, path  # not their team (test_team_page.py shows their own)
        elif allowed(role, endpoint):
            assert status == 200, (role, path, status)
        else:
            assert status == 403, (role, path, status)


@pytest.mark.parametrize("role", list(RoleCode), ids=lambda role: role.value)
def test_each_role_can_send_only_the_forms_its_permissions_open(
    backoffice: Flask, role: RoleCode
) -> None:
    client, paths = signed_in_with_samples(backoffice, role)
    token = csrf_token(client, "/")
    for endpoint in endpoints({"POST"}):
        if allowed(role, endpoint):
            continue  # what the allowed forms do is tested with each feature
        path = paths(endpoint)
        status = client.post(path, data={"csrf_token": token}).status_code
        assert status == 403, (role, path, status)


# The lists an auditor reads (they read everything and change nothing): each answers them
# with no form in its main content, so nothing that changes data is offered.
AUDITOR_LISTS = [
    "queue.index",
    "messages.inbox",
    "teams.team",
    "routing_rules.index",
    "routing_rules.history",
]


def test_the_auditor_reads_the_lists_with_no_form_that_changes_anything(
    backoffice: Flask,
) -> None:
    client, paths = signed_in_with_samples(backoffice, RoleCode.AUDITOR)
    for endpoint in AUDITOR_LISTS:
        response = client.get(paths(endpoint))
        assert response.status_code == 200, endpoint
        main = response.get_data(as_text=True).split('id="main-content"', 1)[1]
        assert 'method="post"' not in main, endpoint
        assert allowed(RoleCode.AUDITOR, endpoint)
    writes = {Permission.TRIAGE, Permission.WORK_CASES, Permission.ASSIGN, Permission.CONFIGURE}
    assert not writes & ROLE_PERMISSIONS[RoleCode.AUDITOR]


def test_the_auditor_reads_and_the_administrator_does_not_work_cases() -> None:
    """The roles as DESIGN.md describes them, stated plainly."""
    changes = {Permission.WORK_CASES, Permission.DECIDE, Permission.TRIAGE, Permission.ASSIGN}
    assert Permission.SEE_CASES in ROLE_PERMISSIONS[RoleCode.AUDITOR]
    assert not changes & ROLE_PERMISSIONS[RoleCode.AUDITOR]
    assert not (changes | {Permission.SEE_CASES}) & ROLE_PERMISSIONS[RoleCode.ADMINISTRATOR]
    assert Permission.MANAGE_STAFF in ROLE_PERMISSIONS[RoleCode.ADMINISTRATOR]
    assert Permission.APPROVE not in ROLE_PERMISSIONS[RoleCode.CASEWORKER]
