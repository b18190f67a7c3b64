"""Filing an application and a complaint through the portal, with the real CSRF checks,
on SQLite and PostgreSQL: every validation path, conditional pages, change links, one
case per submission, the Party rules and the acknowledgement notice."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shared.jobs.notices import message_for
from shared.models import Case, Draft, Notice, Party, Task
from shared.services import parties
from tests.integration.test_cookies import CSRF
from tests.journeys import ANSWERS, FORM_VERSION

VALID_APPLICATION = ANSWERS["application"]


def token(client: FlaskClient, path: str) -> str:
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, path
    return match.group(1)


def post_page(client: FlaskClient, case_type: str, slug: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    path = f"/file/{case_type}/{slug}"
    return client.post(
        path,
        data={"csrf_token": token(client, path), "form_version": FORM_VERSION[case_type], **data},
    )


def begin(client: FlaskClient, case_type: str = "application") -> None:
    path = f"/file/{case_type}/start"
    response = client.post(path, data={"csrf_token": token(client, path)})
    assert response.status_code == 302


def fill(
    client: FlaskClient, pages: dict[str, dict[str, object]], case_type: str = "application"
) -> None:
    for slug, data in pages.items():
        response = post_page(client, case_type, slug, data)
        assert response.status_code == 302, (slug, errors(response.get_data(as_text=True)))


def send(client: FlaskClient, case_type: str = "application"):  # type: ignore[no-untyped-def]
    path = f"/file/{case_type}/check"
    return client.post(path, data={"csrf_token": token(client, path)})


def errors(page: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", e).strip()
        for e in re.findall(
            r'<p id="[^"]*-error" class="govuk-error-message">\s*<span[^>]*>[^<]*</span>(.*?)</p>',
            page,
            re.S,
        )
    ]


def cases_in(app: Flask) -> list[Case]:
    with app.extensions["caseway"].sessions() as session:
        return list(session.scalars(select(Case)))


def test_an_application_from_start_to_confirmation(portal: Flask) -> None:
    client = portal.test_client()
    begin(client)
    fill(client, VALID_APPLICATION)
    check = client.get("/file/application/check").get_data(as_text=True)
    for shown in ("Resident parking permit", "1 June 2027", "1 Elm Street<br>Cardiff"):
        assert shown in check  # English dates the GB way: day, month, year
    assert "Email<br>Post" in check
    response = send(client)
    assert response.headers["Location"] == "/file/application/done"
    done = client.get("/file/application/done").get_data(as_text=True)
    (case,) = cases_in(portal)
    # Isolated left to right and never broken inside, even in right-to-left text.
    assert f'<bdi dir="ltr" class="caseway-ltr">{case.reference}</bdi>' in done
    assert '<bdi dir="ltr" class="caseway-ltr">Ana.Silva@example.org</bdi>' in done  # as typed
    assert case.summary == "Resident parking permit"
    assert case.form_version == FORM_VERSION["application"]
    assert case.answers["details"] == "A permit for Elm Street, please."
    with portal.extensions["caseway"].sessions() as session:
        applicant = session.get(Party, case.applicant_id)
        assert applicant is not None
        assert (applicant.email, applicant.address_town, applicant.preferred_locale) == (
            "ana.silva@example.org",
            "Cardiff",
            "en",
        )
        notice = session.scalars(select(Notice).where(Notice.case_id == case.id)).one()
        assert notice.kind == "acknowledgement"


def test_sending_twice_creates_one_case(portal: Flask) -> None:
    client = portal.test_client()
    begin(client)
    fill(client, VALID_APPLICATION)
    csrf = {"csrf_token": token(client, "/file/application/check")}
    # A double click, or a refresh of the sent form: the same POST twice.
    first = client.post("/file/application/check", data=csrf)
    second = client.post("/file/application/check", data=csrf)
    assert first.headers["Location"] == second.headers["Location"] == "/file/application/done"
    assert len(cases_in(portal)) == 1
    # Back to a question page after sending: the confirmation, not a second case.
    assert client.get("/file/application/details").headers["Location"] == "/file/application/done"


@pytest.mark.parametrize(
    ("slug", "data", "message"),
    [
        ("service", {}, "Select the service you are applying for"),
        ("details", {"details": ""}, "Tell us about your application"),
        ("details", {"details": "x" * 2001}, "Enter 2000 characters or fewer"),
        ("details", {"details": "bell\x07 character"}, "Remove the characters that cannot be shown"),
        ("needed-by", {"needed_by": ["31", "2", "2027"]}, "Enter a real date, like 27 3 2027"),
        ("needed-by", {"needed_by": ["1", "", "2027"]}, "Enter a real date, like 27 3 2027"),
        ("about-you", {"given_name": "Ana", "family_name": "Silva", "date_of_birth": ["1", "1", "2099"]},
         "The date must be in the past"),
        ("about-you", {"given_name": "", "family_name": "Silva"}, "Enter your first name"),
        ("contact", {"email": "not-an-email"}, "Enter an email address in the correct format"),
        ("contact", {"email": "a@example.org", "phone": "call me"}, "Enter a phone number"),
        ("address", {"address_line_1": "", "address_town": ""}, "Enter address line 1"),
        ("contact-preferences", {"large_print": "no"}, "Select how you would like us to contact you"),
        ("contact-preferences", {"contact_by": ["carrier-pigeon"], "large_print": "no"}, "valid choice"),
    ],
)  # fmt: skip
def test_bad_answers_get_a_clear_message_and_keep_what_was_typed(
    portal: Flask, slug: str, data: dict[str, object], message: str
) -> None:
    client = portal.test_client()
    begin(client)
    response = post_page(client, "application", slug, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert 'class="govuk-error-summary"' in page
    assert any(message in error for error in errors(page)), errors(page)
    for value in data.values():  # what they typed is still in the form
        for typed in value if isinstance(value, list) else [value]:
            if (
                typed
                and "\x07" not in str(typed)
                and len(str(typed)) < 100
                and typed != "carrier-pigeon"
            ):
                assert f'value="{typed}"' in page or f">{typed}</textarea>" in page


def test_a_date_error_links_to_the_day_box(portal: Flask) -> None:
    client = portal.test_client()
    begin(client)
    page = post_page(client, "application", "needed-by", {"needed_by": ["31", "2", "2027"]})
    html = page.get_data(as_text=True)
    assert 'href="#needed_by-day"' in html
    assert 'id="needed_by-day"' in html


def test_unexpected_fields_and_a_tampered_form_version_do_no_harm(portal: Flask) -> None:
    client = portal.test_client()
    begin(client)
    response = post_page(client, "application", "service",
                         {"service": "blue-badge", "is_admin": "yes", "form_version": "99"})  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This form has changed since you opened this page" in page
    assert 'value="blue-badge" checked' in page
    with portal.extensions["caseway"].sessions() as session:
        draft = session.scalars(select(Draft)).one()
        assert draft.answers == {}


def test_a_conditional_page_appears_only_for_its_answer_and_change_links_return(
    portal: Flask,
) -> None:
    client = portal.test_client()
    begin(client)
    fill(client, VALID_APPLICATION)
    assert "What are you applying for?" not in client.get("/file/application/check").get_data(
        as_text=True
    )
    # Change the service to "something else": the new question comes next, then back to check.
    response = client.post("/file/application/service?change=1", data={
        "csrf_token": token(client, "/file/application/service?change=1"), "form_version": FORM_VERSION["application"],
        "service": "other"})  # fmt: skip
    assert response.headers["Location"] == "/file/application/other-service?change=1"
    response = client.post("/file/application/other-service?change=1", data={
        "csrf_token": token(client, "/file/application/other-service?change=1"),
        "form_version": FORM_VERSION["application"], "service_other": "Market stall licence"})  # fmt: skip
    assert response.headers["Location"] == "/file/application/check"
    assert "Market stall licence" in client.get("/file/application/check").get_data(as_text=True)


def test_answers_survive_going_back(portal: Flask) -> None:
    client = portal.test_client()
    begin(client)
    fill(client, {"service": VALID_APPLICATION["service"], "details": VALID_APPLICATION["details"]})
    page = client.get("/file/application/details").get_data(as_text=True)
    assert "A permit for Elm Street, please.</textarea>" in page
    assert 'href="/file/application/service"' in page  # the back link


def test_the_check_page_sends_people_to_what_they_have_not_answered(portal: Flask) -> None:
    client = portal.test_client()
    begin(client)
    fill(client, {"service": VALID_APPLICATION["service"]})
    assert client.get("/file/application/check").headers["Location"] == "/file/application/details"
    assert portal.test_client().get("/file/application/check").headers["Location"] == (
        "/file/application/start"
    )


def test_a_verified_email_matches_the_existing_party_and_lookalikes_are_flagged(
    portal: Flask,
) -> None:
    sessions = portal.extensions["caseway"].sessions
    with sessions() as session, session.begin():
        known = parties.register_person(session, given_name="Ana", family_name="Silva",
                                        email="ana.silva@example.org", is_email_verified=True)  # fmt: skip
        known_id = known.id
    client = portal.test_client()
    begin(client)
    fill(client, VALID_APPLICATION)
    send(client)
    (case,) = cases_in(portal)
    assert case.applicant_id == known_id  # matched on the verified address, not duplicated

    with sessions() as session, session.begin():
        from datetime import date

        parties.register_person(session, given_name="Ben", family_name="Jones", email=None,
                                date_of_birth=date(1990, 5, 1))  # fmt: skip
    other = portal.test_client()
    begin(other)
    fill(other, {**VALID_APPLICATION,
                 "about-you": {"given_name": "Ben", "family_name": "JONES", "date_of_birth": ["1", "5", "1990"]},
                 "contact": {"email": "ben@example.org"}})  # fmt: skip
    send(other)
    with sessions() as session:
        newest = session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert newest is not None
        tasks = session.scalars(select(Task).where(Task.case_id == newest.id)).all()
        assert len(tasks) == 1
        assert "Possible duplicate" in tasks[0].title
        assert (
            session.scalar(select(func.count(Party.id)).where(Party.family_name.ilike("jones")))
            == 2
        )


def test_a_complaint_in_welsh_records_welsh_as_the_preferred_language(portal: Flask) -> None:
    client = portal.test_client()
    client.get("/language/cy")
    begin(client, "complaint")
    fill(client, ANSWERS["complaint"], case_type="complaint")
    send(client, "complaint")
    (case,) = cases_in(portal)
    with portal.extensions["caseway"].sessions() as session:
        applicant = session.get(Party, case.applicant_id)
        assert applicant is not None
        assert applicant.preferred_locale == "cy"
        notice = session.scalars(select(Notice)).one()
        assert notice.locale == "cy"


def test_unknown_journeys_and_pages_are_not_found(portal: Flask) -> None:
    client = portal.test_client()
    assert client.get("/file/divorce/start").status_code == 404
    begin(client)
    assert client.get("/file/application/no-such-page").status_code == 404


def test_save_and_come_back_later_by_a_signed_link(portal: Flask) -> None:
    client = portal.test_client()
    begin(client)
    fill(client, {"service": VALID_APPLICATION["service"]})
    saved = post_page(client, "application", "details", {"details": "Half done", "save": "yes"})
    assert saved.headers["Location"] == "/file/application/save"
    sent = client.post("/file/application/save", data={
        "csrf_token": token(client, "/file/application/save"), "email": "ana@example.org"})  # fmt: skip
    assert (
        'We have sent a link to <bdi dir="ltr" class="caseway-ltr">ana@example.org</bdi>'
        in sent.get_data(as_text=True)
    )
    with portal.extensions["caseway"].sessions() as session:
        notice = session.scalars(select(Notice).where(Notice.kind == "resume_link")).one()
        link = notice.context["link"]
        assert notice.recipient_address == "ana@example.org"
    # Another browser, another day: the link brings the answers back.
    later = portal.test_client()
    resumed = later.get(link)
    assert resumed.headers["Location"] == "/file/application/needed-by"
    assert "Half done</textarea>" in later.get("/file/application/details").get_data(as_text=True)
    assert later.get(link.replace("/resume/", "/resume/x")).status_code == 400
    fill(later, {k: v for k, v in VALID_APPLICATION.items() if k not in ("service", "details")})
    send(later)
    assert later.get(link).status_code == 400  # a sent form cannot be resumed


def test_sending_is_rate_limited_per_email_address(portal: Flask) -> None:
    statuses = []
    for _attempt in range(11):
        client = portal.test_client()  # a new browser each time: the limit follows the address
        begin(client)
        fill(client, VALID_APPLICATION)
        statuses.append(send(client).status_code)
    assert statuses == [302] * 10 + [429]
    assert len(cases_in(portal)) == 10


def test_each_missing_part_of_an_address_has_its_own_message(portal: Flask) -> None:
    """GOV.UK address pattern: one message per field, each naming its part, never the same
    message twice."""
    client = portal.test_client()
    begin(client)
    page = post_page(
        client, "application", "address", {"address_line_1": "", "address_town": ""}
    ).get_data(as_text=True)
    assert errors(page) == [
        "Enter address line 1, typically the building and street",
        "Enter town or city",
    ]
    assert page.count('class="govuk-error-message"') == 2


def test_direction_controls_are_taken_out_of_every_text_answer(portal: Flask) -> None:
    """U+202E makes "gnp.exe" show as "exe.png": such characters are removed from answers
    (as from file names), and an answer of nothing else gets a message."""
    client = portal.test_client()
    begin(client)
    only_controls = post_page(
        client, "application", "about-you",
        {"given_name": "\u202e\u2066", "family_name": "Silva", "date_of_birth": ["1", "2", "1980"]},
    ).get_data(as_text=True)  # fmt: skip
    assert any("only change the direction of text" in e for e in errors(only_controls))
    post_page(
        client, "application", "about-you",
        {"given_name": "\u202eAna\u200f", "family_name": "Sil\u2067va",
         "date_of_birth": ["1", "2", "1980"]},
    )  # fmt: skip
    post_page(client, "application", "details", {"details": "gnp.exe\u202e is my file"})
    with portal.extensions["caseway"].sessions() as session:
        draft = session.scalars(select(Draft)).one()
        assert draft.answers["given_name"] == "Ana"
        assert draft.answers["family_name"] == "Silva"
        assert draft.answers["details"] == "gnp.exe is my file"


def test_once_sent_going_back_shows_no_answers(portal: Flask) -> None:
    """On a shared computer, Back after sending must not show the person's details again."""
    client = portal.test_client()
    begin(client)
    fill(client, VALID_APPLICATION)
    assert send(client).headers["Location"] == "/file/application/done"
    for path in ("/file/application/check", "/file/application/about-you"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/file/application/done"
        assert "no-store" in response.headers["Cache-Control"]
    done = client.get("/file/application/done").get_data(as_text=True)
    for detail in ("Elm Street", "808 157 0192", "1984"):  # address, phone, date of birth
        assert detail not in done


def test_a_complaint_is_called_a_complaint_from_sending_to_its_email(portal: Flask) -> None:
    """Each case type's own words: "Now send your complaint", "Complaint sent", and the
    acknowledgement names it "Complaint", not a generic request or an instruction."""

    client = portal.test_client()
    begin(client, "complaint")
    fill(client, ANSWERS["complaint"], "complaint")
    check = client.get("/file/complaint/check").get_data(as_text=True)
    assert "Now send your complaint" in check
    assert "request" not in check.lower().split("<main", 1)[1].split("</main>")[0]
    send(client, "complaint")
    done = client.get("/file/complaint/done").get_data(as_text=True)
    assert "<title>Complaint sent" in done
    assert "Complaint sent" in done.split("govuk-panel__title", 1)[1]
    with portal.extensions["caseway"].sessions() as session:
        acknowledgement = session.scalars(select(Notice)).one()
        email = message_for(session, acknowledgement, portal.extensions["caseway"].settings)
    text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Type of request: Complaint." in text
