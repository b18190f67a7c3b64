"""Feedback on the service: the Beta banner links to a short form; what is sent is stored,
anonymous, and readable by administrators (`caseway feedback`) (issue 14, item 13)."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from shared.models import Feedback, Satisfaction
from tests.integration.test_cli import caseway
from tests.integration.test_filing import errors, token


def sent(app: Flask) -> list[Feedback]:
    with app.extensions["caseway"].sessions() as session:
        return list(session.scalars(select(Feedback).order_by(Feedback.id)))


def test_the_beta_banner_links_to_the_feedback_page_from_every_page(portal: Flask) -> None:
    client = portal.test_client()
    for path in ("/", "/track", "/sign-in", "/file/complaint/start", "/no-such-page"):
        html = client.get(path).get_data(as_text=True)
        banner = html[html.index("govuk-phase-banner") :]
        link = re.search(r'href="(/feedback[^"]*)">feedback</a>', banner)
        assert link, path
        assert link.group(1) == f"/feedback?page={path}"


def test_feedback_is_stored_with_the_page_it_was_about_and_no_reference(portal: Flask) -> None:
    client = portal.test_client()
    client.get("/language/cy")
    path = "/feedback?page=/cases/7KQ4-M2XB-R"
    form = client.get(path).get_data(as_text=True)
    came_from = re.search(r'name="came_from" type="hidden" value="([^"]*)"', form)
    assert came_from
    response = client.post(path, data={
        "csrf_token": token(client, path), "came_from": came_from.group(1),
        "satisfaction": "dissatisfied", "improvement": "  The form asked for my\nname twice.  ",
    })  # fmt: skip
    assert response.headers["Location"] == "/feedback/thank-you"
    thanks = client.get("/feedback/thank-you").get_data(as_text=True)
    assert "Diolch am eich adborth" in thanks
    (stored,) = sent(portal)
    assert stored.satisfaction is Satisfaction.DISSATISFIED
    assert stored.improvement == "The form asked for my\nname twice."
    assert stored.locale == "cy"
    assert stored.from_page == "/cases/<reference>"  # which page, not whose case


def test_missing_and_bad_answers_get_messages_and_keep_what_was_typed(portal: Flask) -> None:
    client = portal.test_client()
    typed = "It was quick. " * 100  # 1,400 characters
    page = client.post("/feedback", data={
        "csrf_token": token(client, "/feedback"), "improvement": typed,
    }).get_data(as_text=True)  # fmt: skip
    assert errors(page) == [
        "Select how you felt about this service",
        "Enter 1200 characters or fewer",
    ]
    assert typed.strip() in page  # nothing typed is lost
    assert page.count("<h1") == 1
    assert "<title>Error: Give feedback on this service" in page
    assert sent(portal) == []


def test_a_page_that_is_not_ours_is_not_kept(portal: Flask) -> None:
    client = portal.test_client()
    for came_from in ("https://evil.example/phish", "//evil.example", "/no-such-page", "x" * 500):
        client.post("/feedback", data={
            "csrf_token": token(client, "/feedback"), "came_from": came_from,
            "satisfaction": "satisfied",
        })  # fmt: skip
    assert [row.from_page for row in sent(portal)] == [None, None, None, None]


def test_feedback_needs_the_form_token(portal: Flask) -> None:
    response = portal.test_client().post("/feedback", data={"satisfaction": "satisfied"})
    assert response.status_code == 400
    assert sent(portal) == []


def test_administrators_read_feedback_with_the_caseway_command(portal: Flask) -> None:
    client = portal.test_client()
    client.post("/feedback", data={
        "csrf_token": token(client, "/feedback"), "came_from": "/track",
        "satisfaction": "very_satisfied", "improvement": "Clear and quick.",
    })  # fmt: skip
    result = caseway(
        "feedback", env={"CASEWAY_DATABASE_URL": portal.extensions["caseway"].settings.database_url}
    )
    assert result.returncode == 0, result.stderr
    assert "very_satisfied" in result.stdout
    assert "/track" in result.stdout
    assert "    Clear and quick." in result.stdout
