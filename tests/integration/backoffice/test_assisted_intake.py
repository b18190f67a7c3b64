"""Assisted intake: an intake clerk records a case that came by phone, post or in person,
through the case type's own form definition, on SQLite and PostgreSQL: the channel and
the clerk recorded, the portal's duplicate-party check, the acknowledgement only to an
email address and in the resident's language, the portal's checks on every answer, and
one case however many times (or by however many clerks) the record is sent."""

from __future__ import annotations

import re
import threading
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from shared import access
from shared.db import transaction
from shared.models import (
    AuditEvent,
    Case,
    CaseChannel,
    Draft,
    Event,
    Notice,
    RoleCode,
    StaffUser,
    Task,
)
from shared.workflow import workflow_for
from tests.factories import make_party
from tests.journeys import ANSWERS, FORM_VERSION
from tests.page_checks import assert_page_checks_itself
from tests.staff_signing_in import csrf_token, post_form, signed_in_client


def answers_of(case_type: str, **changes: object) -> dict[str, object]:
    """The portal journeys' valid answers, as one page, for a resident writing in Welsh."""
    answers: dict[str, object] = {"language": "cy", "form_version": FORM_VERSION[case_type]}
    for page in ANSWERS[case_type].values():
        answers.update(page)
    return {**answers, **changes}


def start(client: FlaskClient, case_type: str = "complaint", channel: str = "phone") -> str:
    response = post_form(client, "/intake/", {"case_type": case_type, "channel": channel})
    assert response.status_code == 302, response.get_data(as_text=True)
    token = response.headers["Location"].removeprefix("/intake/")
    assert re.fullmatch(r"[\w-]{20,}", token)
    return token


def record(client: FlaskClient, token: str, answers: dict[str, object]) -> TestResponse:
    return post_form(client, f"/intake/{token}", answers)


def send(client: FlaskClient, token: str) -> TestResponse:
    return post_form(client, f"/intake/{token}/check", {}, form_page="/")


def recorded_case(
    app: Flask, case_type: str = "complaint", channel: str = "phone", **changes: object
) -> tuple[FlaskClient, StaffUser, str]:
    """A clerk records a case all the way; returns them and its reference."""
    client, clerk = signed_in_client(app, RoleCode.INTAKE_CLERK)
    token = start(client, case_type, channel)
    assert record(client, token, answers_of(case_type, **changes)).status_code == 302
    assert send(client, token).headers["Location"] == f"/intake/{token}/done"
    with app.extensions["caseway"].sessions() as session:
        draft = session.scalars(select(Draft).where(Draft.token == token)).one()
        case = session.get(Case, draft.submitted_case_id)
        assert case is not None
        return client, clerk, case.reference


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    html = response.get_data(as_text=True)
    assert_page_checks_itself(html, path, english=True)
    return html


def count(app: Flask, column: Any, *conditions: Any) -> int:
    with app.extensions["caseway"].sessions() as session:
        return session.scalar(select(func.count(column)).where(*conditions)) or 0


def test_a_clerk_records_a_phone_call_and_the_resident_is_acknowledged_in_welsh(
    backoffice: Flask,
) -> None:
    client, clerk = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    first = page(client, "/intake/")
    assert "<title>Record a case" in first
    assert "Make a complaint" in first or "complaint" in first.lower()
    assert 'value="appeal"' not in first  # an appeal starts from the decided case
    token = start(client)
    form = page(client, f"/intake/{token}")
    assert "<title>Record the answers" in form
    assert "What happened?" in form  # the complaint form's own questions
    assert "Email address (optional)" in form  # a resident may have none
    assert "Upload documents about your complaint" in form  # said, not asked: no files here
    assert 'type="file"' not in form
    assert record(client, token, answers_of("complaint")).headers["Location"] == (
        f"/intake/{token}/check"
    )
    check = page(client, f"/intake/{token}/check")
    assert "Nobody was at the front desk." in check
    assert "Phone call" in check
    assert "Welsh" in check
    assert send(client, token).headers["Location"] == f"/intake/{token}/done"
    done = page(client, f"/intake/{token}/done")
    with backoffice.extensions["caseway"].sessions() as session:
        case = session.scalars(select(Case)).one()
        assert case.reference in done
        assert "rhys@example.org" in done
        assert f'href="/cases/{case.reference}"' in done
        assert case.state == workflow_for("complaint").initial
        assert case.channel is CaseChannel.PHONE
        assert case.recorded_by_staff_id == clerk.id
        assert case.answers["what_happened"] == "Nobody was at the front desk."
        assert case.applicant.preferred_locale == "cy"
        notice = session.scalars(select(Notice).where(Notice.case_id == case.id)).one()
        assert (notice.kind, notice.locale, notice.recipient_address) == (
            "acknowledgement", "cy", "rhys@example.org"
        )  # fmt: skip
        recorded = session.scalars(select(Event).where(Event.kind == "recorded")).one()
        assert (recorded.actor_staff_id, recorded.is_public) == (clerk.id, False)
        assert recorded not in access.public_timeline(session, case=case)
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.recorded"))
        assert [(a.actor_id, a.details["channel"]) for a in audit] == [(str(clerk.id), "phone")]
    case_page = page(client, f"/cases/{case.reference}/history")
    assert f"Recorded by {clerk.display_name} from a phone call" in case_page
    # Sent: the record's pages lead to the confirmation, so Back shows no answers again.
    assert client.get(f"/intake/{token}").headers["Location"] == f"/intake/{token}/done"
    assert client.get(f"/intake/{token}/check").headers["Location"] == f"/intake/{token}/done"


def test_without_an_email_address_no_acknowledgement_is_sent(backoffice: Flask) -> None:
    client, _clerk, reference = recorded_case(backoffice, "application", "post", email="")
    with backoffice.extensions["caseway"].sessions() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert case.channel is CaseChannel.POST
        assert case.applicant.email is None
        assert case.applicant.address_line_1 == "1 Elm Street"
        assert session.scalars(select(Notice)).all() == []
    html = page(client, f"/cases/{reference}/history")
    assert "from a letter or form sent by post" in html


def test_papers_given_in_person_are_added_to_the_case_as_documents(backoffice: Flask) -> None:
    clerk, _member = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    token = start(clerk, "complaint", "in_person")
    record(clerk, token, answers_of("complaint"))
    send(clerk, token)
    assert "Pass the documents they gave us to the team" in page(clerk, f"/intake/{token}/done")
    both, _member = signed_in_client(backoffice, RoleCode.INTAKE_CLERK, RoleCode.CASEWORKER)
    token = start(both, "complaint", "post")
    record(both, token, answers_of("complaint"))
    send(both, token)
    done = page(both, f"/intake/{token}/done")
    with backoffice.extensions["caseway"].sessions() as session:
        reference = session.scalars(
            select(Case.reference).join(Draft, Draft.submitted_case_id == Case.id)
            .where(Draft.token == token)
        ).one()  # fmt: skip
    assert f'href="/cases/{reference}/documents/new"' in done
    by_phone = start(both, "complaint", "phone")
    record(both, by_phone, answers_of("complaint"))
    send(both, by_phone)
    assert "Documents they gave us" not in page(both, f"/intake/{by_phone}/done")


def test_the_done_page_says_when_nothing_was_sent(backoffice: Flask) -> None:
    client, _clerk = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    token = start(client, "application", "in_person")
    record(client, token, answers_of("application", email=""))
    check = page(client, f"/intake/{token}/check")
    assert "They gave no email address, so we will send no acknowledgement" in check
    send(client, token)
    done = page(client, f"/intake/{token}/done")
    assert "we are sending no acknowledgement" in done


def test_a_lookalike_resident_is_flagged_to_intake_never_merged(backoffice: Flask) -> None:
    from datetime import date

    with transaction(backoffice.extensions["caseway"].sessions) as session:
        earlier = make_party(session, given_name="Rhys", family_name="Jones",
                             date_of_birth=date(1970, 2, 2), email="other@example.org")  # fmt: skip
        earlier_id = earlier.id
    _client, _clerk, reference = recorded_case(backoffice)
    with backoffice.extensions["caseway"].sessions() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert case.applicant_id != earlier_id  # not merged
        tasks = session.scalars(select(Task).where(Task.case_id == case.id)).all()
        assert [t.title.startswith("Possible duplicate") for t in tasks] == [True]


def test_a_verified_email_address_is_the_same_person_in_the_language_they_chose(
    backoffice: Flask,
) -> None:
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        known = make_party(session, given_name="Rhys", family_name="Jones",
                           email="rhys@example.org", is_email_verified=True)  # fmt: skip
        known_id = known.id
    _client, clerk, reference = recorded_case(backoffice, language="es")
    with backoffice.extensions["caseway"].sessions() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert case.applicant_id == known_id
        assert case.applicant.preferred_locale == "es"
        assert session.scalars(select(Notice)).one().locale == "es"
        changed = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "party.language_changed")
        ).one()
        assert (changed.actor_kind, changed.actor_id) == ("staff", str(clerk.id))


def test_invalid_answers_get_the_portal_s_messages_and_nothing_is_saved(
    backoffice: Flask,
) -> None:
    client, _clerk = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    token = start(client)
    wrong = answers_of(
        "complaint",
        given_name="",
        happened_on=["31", "2", "2026"],
        email="not an email",
        what_happened="x" * 3001,
        complaint_about="nonsense",
        language="",
    )
    response = record(client, token, wrong)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Error: Record the answers" in html
    for message in (
        "Enter your first name",
        "Enter a real date, like 14 10 2026",
        "Enter an email address in the correct format",
        "Enter 3000 characters or fewer",
        "Not a valid choice",
        "Select the language to write to them in",
    ):
        assert message in html, message
    assert 'value="Jones"' in html
    assert 'value="not an email"' in html
    with backoffice.extensions["caseway"].sessions() as session:
        assert session.scalars(select(Draft).where(Draft.token == token)).one().answers == {}
    assert client.get(f"/intake/{token}/check").headers["Location"] == f"/intake/{token}"
    assert send(client, token).headers["Location"] == f"/intake/{token}"  # not recorded
    assert count(backoffice, Case.id) == 0


def test_a_question_the_answers_do_not_show_is_neither_required_nor_kept(
    backoffice: Flask,
) -> None:
    client, _clerk = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    token = start(client, "application")
    # "Which other service?" is asked only for "other": required then, ignored otherwise.
    missing = record(client, token, answers_of("application", service="other", given_name="",
                                                language=""))  # fmt: skip
    assert missing.status_code == 200
    html = missing.get_data(as_text=True)
    assert "Only if the answer to" in html
    summary = html[html.index("govuk-error-summary") : html.index("<h1")]
    in_order = ["Enter your first name", "Select the language", "Enter what you are applying for"]
    assert sorted(in_order, key=summary.index) == in_order  # as the page asks them
    ignored = answers_of("application", service="blue-badge", service_other="Ignored")
    assert record(client, token, ignored).status_code == 302
    with backoffice.extensions["caseway"].sessions() as session:
        answers = session.scalars(select(Draft).where(Draft.token == token)).one().answers
    assert answers["service"] == "blue-badge"
    assert "service_other" not in answers
    assert "evidence" not in answers  # file questions are not asked here


def test_answers_survive_going_back_to_change_them(backoffice: Flask) -> None:
    client, _clerk = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    token = start(client, "application")
    record(client, token, answers_of("application", language="fr"))
    check = page(client, f"/intake/{token}/check")
    assert f'href="/intake/{token}#given_name"' in check  # "Change" goes to the question
    assert f'href="/intake/{token}#date_of_birth-day"' in check
    again = page(client, f"/intake/{token}")
    assert 'value="A permit for Elm Street, please."' in again or "A permit for Elm Street" in again
    assert 'value="Ana.Silva@example.org"' in again
    assert re.search(r'value="fr"\s+checked', again) or re.search(r'checked[^>]*value="fr"', again)
    assert 'value="1984"' in again


def test_a_page_drawn_from_an_older_form_records_nothing(backoffice: Flask) -> None:
    client, _clerk = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    token = start(client)
    response = record(client, token, answers_of("complaint", form_version="0"))
    assert response.status_code == 200
    assert "The form has changed since this page was opened" in response.get_data(as_text=True)
    with backoffice.extensions["caseway"].sessions() as session:
        assert session.scalars(select(Draft).where(Draft.token == token)).one().answers == {}


def test_only_those_who_record_cases_reach_the_record(backoffice: Flask) -> None:
    clerk_client, _clerk = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    token = start(clerk_client)
    for role in (RoleCode.CASEWORKER, RoleCode.SUPERVISOR, RoleCode.AUDITOR,
                 RoleCode.ADMINISTRATOR):  # fmt: skip
        other, _member = signed_in_client(backoffice, role)
        for path in ("/intake/", f"/intake/{token}", f"/intake/{token}/check",
                     f"/intake/{token}/done"):  # fmt: skip
            assert other.get(path).status_code == 403, (role, path)
        refused = other.post("/intake/", data={"csrf_token": csrf_token(other, "/"),
                                               "case_type": "complaint", "channel": "phone"})  # fmt: skip
        assert refused.status_code == 403
        sent = other.post(f"/intake/{token}", data={"csrf_token": csrf_token(other, "/"),
                                                    **answers_of("complaint")})  # fmt: skip
        assert sent.status_code == 403
    assert count(backoffice, Draft.id) == 1
    with backoffice.extensions["caseway"].sessions() as session:
        assert session.scalars(select(Draft)).one().answers == {}
    assert backoffice.test_client().get("/intake/").status_code == 302  # sign in first


def test_a_resident_s_own_draft_is_not_a_record(backoffice: Flask) -> None:
    from shared.casetypes.forms import form_for
    from shared.services import filing

    with transaction(backoffice.extensions["caseway"].sessions) as session:
        token = filing.start_draft(session, definition=form_for("complaint"), locale="en").token
    client, _clerk = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    for path in (f"/intake/{token}", f"/intake/{token}/check", f"/intake/{token}/done"):
        assert client.get(path).status_code == 404
    assert client.get("/intake/no-such-record").status_code == 404


def test_every_form_needs_its_csrf_token(backoffice: Flask) -> None:
    client, _clerk = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    refused = client.post("/intake/", data={"case_type": "complaint", "channel": "phone"})
    assert refused.status_code == 400
    assert count(backoffice, Draft.id) == 0
    token = start(client)
    assert client.post(f"/intake/{token}", data=answers_of("complaint")).status_code == 400
    assert record(client, token, answers_of("complaint")).status_code == 302
    assert client.post(f"/intake/{token}/check", data={}).status_code == 400
    assert client.post(f"/intake/{token}/check", data={"csrf_token": "forged"}).status_code == 400
    assert count(backoffice, Case.id) == 0


def test_a_second_press_gives_the_same_case(backoffice: Flask) -> None:
    client, _clerk, reference = recorded_case(backoffice)
    token = _token_of(backoffice, reference)
    again = client.post(f"/intake/{token}/check", data={"csrf_token": csrf_token(client, "/")})
    assert again.headers["Location"] == f"/intake/{token}/done"
    assert count(backoffice, Case.id) == 1


def test_two_clerks_sending_the_same_record_at_once_make_one_case(backoffice: Flask) -> None:
    first, _clerk = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    token = start(first)
    record(first, token, answers_of("complaint"))
    second, _other = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    clients = [first, second]
    tokens = [csrf_token(client, f"/intake/{token}/check") for client in clients]
    answers: list[int] = []
    together = threading.Barrier(2)

    def press(client: FlaskClient, csrf: str) -> None:
        together.wait()
        response = client.post(f"/intake/{token}/check", data={"csrf_token": csrf})
        answers.append(response.status_code)

    threads = [
        threading.Thread(target=press, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [302, 302]
    assert count(backoffice, Case.id) == 1
    assert count(backoffice, Notice.id) == 1
    assert count(backoffice, Event.id, Event.kind == "recorded") == 1


def _token_of(app: Flask, reference: str) -> str:
    with app.extensions["caseway"].sessions() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        return session.scalars(select(Draft.token).where(Draft.submitted_case_id == case.id)).one()
