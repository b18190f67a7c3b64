"""Every form of both apps sent with each of its fields twice (`roles=caseworker&roles=
caseworker`, two CSRF tokens, two answers to one question) gets an answer, never a 500:
the forms are found on the pages themselves, so a new form is swept without being listed."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from shared.casetypes.forms import form_for
from shared.models import StaffUser
from tests.integration.backoffice.test_staff_accounts import invite
from tests.integration.test_filing import begin, fill
from tests.journeys import ANSWERS
from tests.security.sweep import Form, post_forms, routes, signed_in_with_every_role

# Forms that end the session the sweep is signed in with; sign-out is swept on its own.
ENDS_THE_SWEEP = ("/sign-out",)


def send_twice(client: FlaskClient, form: Form) -> int:
    doubled = MultiDict([pair for pair in form.fields for _ in range(2)])
    return client.post(form.action, data=doubled).status_code


def forms_of(client: FlaskClient, paths: list[str]) -> dict[str, Form]:
    found: dict[str, Form] = {}
    for path in paths:
        with client.get(path) as response:
            if response.mimetype == "text/html":
                for form in post_forms(response.get_data(as_text=True), path):
                    found.setdefault(form.action, form)
    return found


def test_every_back_office_form_with_repeated_fields_is_answered(backoffice: Flask) -> None:
    everyone = signed_in_with_every_role(backoffice)
    pages = [everyone.path(rule.endpoint) for rule in routes(backoffice, "GET")]
    forms = forms_of(everyone.client, pages)
    assert len(forms) > 25
    answered = {
        action: send_twice(everyone.client, form)
        for action, form in sorted(forms.items())
        if not action.startswith(ENDS_THE_SWEEP)
    }
    assert {action: status for action, status in answered.items() if status >= 500} == {}
    assert everyone.client.get("/my-work").status_code == 200  # still signed in throughout


def test_every_portal_form_with_repeated_fields_is_answered(portal: Flask) -> None:
    client = portal.test_client()
    pages = [rule.rule for rule in routes(portal, "GET") if not rule.arguments]
    for case_type in ("application", "complaint"):  # an appeal needs a decided case
        begin(client, case_type)
        fill(client, ANSWERS[case_type], case_type)  # so every question page shows its form
        pages += [f"/file/{case_type}/{page.slug}" for page in form_for(case_type).pages]
        pages.append(f"/file/{case_type}/check")
    forms = forms_of(client, pages)
    assert len(forms) > 10
    answered = {action: send_twice(client, form) for action, form in sorted(forms.items())}
    assert {action: status for action, status in answered.items() if status >= 500} == {}


def test_a_role_given_twice_is_held_once(backoffice: Flask) -> None:
    everyone = signed_in_with_every_role(backoffice)
    roles = ["caseworker", "caseworker", "supervisor"]
    response = invite(everyone.client, email="twice@example.org", roles=roles)
    assert response.status_code == 302
    with backoffice.extensions["caseway"].sessions() as db:
        member = db.scalars(select(StaffUser).where(StaffUser.email == "twice@example.org")).one()
        assert sorted(role.code for role in member.roles) == ["caseworker", "supervisor"]
