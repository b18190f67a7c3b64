"""Following a case: by reference and email, or signed in by a one-time link. A citizen
only ever sees their own cases, and a guess looks exactly like a case that does not exist."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shared.db import transaction
from shared.jobs.notices import message_for
from shared.models import AuditEvent, Case, Event, Notice
from shared.services import cases, parties, signin
from shared.services.casetypes import case_type_for
from tests.factories import decide_case
from tests.integration.test_cookies import CSRF, without_tokens
from tests.journeys import FORM_VERSION
from tests.signing_in import follow_sign_in_link


def file_case(app: Flask, *, email: str, given_name: str = "Ana") -> str:
    with transaction(app.extensions["caseway"].sessions) as session:
        party = parties.register_person(
            session, given_name=given_name, family_name="Silva", email=email
        )
        case = cases.open_case(session, case_type=case_type_for(session, "application"), applicant=party,
                               summary="Parking permit", answers={})  # fmt: skip
        cases.transition(session, case=case, name="start_triage", actor=None)
        session.add(
            Event(case=case, kind="note", note="Internal: applicant sounded cross", is_public=False)
        )
        return case.reference


def post(client: FlaskClient, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match
    return client.post(path, data={"csrf_token": match.group(1), **data})


def test_reference_and_email_show_the_case_and_only_its_public_history(portal: Flask) -> None:
    reference = file_case(portal, email="ana@example.org")
    client = portal.test_client()
    typed = reference.lower().replace("-", " ")  # as people type it on the phone
    response = post(client, "/track", {"reference": typed, "email": " ANA@example.org "})
    assert response.headers["Location"] == f"/cases/{reference}"
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Being checked" in page  # the plain-language status
    assert "Received" in page
    assert "Internal: applicant sounded cross" not in page


@pytest.mark.parametrize(
    "wrong",
    [
        {"email": "someone.else@example.org"},
        {"reference": "ABCD-EFGH-J"},
        {"reference": "nonsense"},
    ],
)
def test_a_wrong_reference_or_email_gets_the_same_message(
    portal: Flask, wrong: dict[str, str]
) -> None:
    reference = file_case(portal, email="ana@example.org")
    client = portal.test_client()
    response = post(client, "/track", {"reference": reference, "email": "ana@example.org", **wrong})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "We could not find a case with that reference number and email address" in page
    assert "<title>Error: " in page


def asked_to_sign_in(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 302 and response.headers["Location"] == "/sign-in"


def test_a_case_not_looked_up_or_not_yours_is_not_found(portal: Flask) -> None:
    reference = file_case(portal, email="ana@example.org")
    client = portal.test_client()
    # Nobody signed in: every reference, real or not, asks for sign-in alike.
    assert asked_to_sign_in(client.get(f"/cases/{reference}"))
    assert asked_to_sign_in(client.get("/cases/ZZZZ-ZZZZ-Z"))
    assert asked_to_sign_in(client.get("/cases/1"))  # an id is not a reference
    other = file_case(portal, email="ben@example.org", given_name="Ben")
    track = post(client, "/track", {"reference": reference, "email": "ana@example.org"})
    assert track.headers["Location"] == f"/cases/{reference}"
    assert client.get(f"/cases/{reference}").status_code == 200  # looked up: shown
    assert client.get(f"/cases/{other}").status_code == 404  # looked up one, not this
    assert client.get("/cases/ZZZZ-ZZZZ-Z").status_code == 404  # exactly like a stranger's


def sign_in_link(app: Flask, email: str) -> str:
    """The newest sign-in link emailed to the address."""
    with app.extensions["caseway"].sessions() as session:
        notice = session.scalars(select(Notice).where(Notice.kind == "sign_in_link",
                                                      Notice.recipient_address == email)
                                 .order_by(Notice.id.desc())).first()  # fmt: skip
        assert notice is not None
        return str(notice.context["link"])


def sign_in(app: Flask, client: FlaskClient, email: str) -> None:
    """The one-time link flow, as a resident goes through it: ask, read the email, open."""
    post(client, "/sign-in", {"email": email})
    assert follow_sign_in_link(client, sign_in_link(app, email)).headers["Location"] == "/cases"


def test_sign_in_by_a_one_time_link_lists_every_case_and_only_yours(portal: Flask) -> None:
    mine = [file_case(portal, email="ana@example.org") for _ in range(2)]
    theirs = file_case(portal, email="ben@example.org", given_name="Ben")
    client = portal.test_client()
    page = post(client, "/sign-in", {"email": "ana@example.org"}).get_data(as_text=True)
    assert "Check your email" in page
    link = sign_in_link(portal, "ana@example.org")
    assert follow_sign_in_link(client, link).headers["Location"] == "/cases"
    listing = client.get("/cases").get_data(as_text=True)
    assert all(reference in listing for reference in mine)
    assert theirs not in listing
    assert client.get(f"/cases/{mine[0]}").status_code == 200
    assert client.get(f"/cases/{theirs}").status_code == 404  # signed in, still not yours
    # The same link again, even from another browser, does not sign anyone in.
    replay = follow_sign_in_link(portal.test_client(), link)
    assert replay.status_code == 400
    assert "This link has already been used" in replay.get_data(as_text=True)


def test_an_unknown_address_gets_the_same_answer_and_no_email(portal: Flask) -> None:
    page = post(portal.test_client(), "/sign-in", {"email": "nobody@example.org"})
    assert "Check your email" in page.get_data(as_text=True)
    with portal.extensions["caseway"].sessions() as session:
        assert session.scalars(select(Notice).where(Notice.kind == "sign_in_link")).all() == []


def test_an_expired_or_tampered_link_does_not_sign_in(
    portal: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_case(portal, email="ana@example.org")
    post(portal.test_client(), "/sign-in", {"email": "ana@example.org"})
    link = sign_in_link(portal, "ana@example.org")
    tampered = portal.test_client().get(link[:-3] + "abc")
    assert tampered.status_code == 400
    assert "has expired or is not complete" in tampered.get_data(as_text=True)
    monkeypatch.setattr(signin, "LINK_MINUTES", 0)
    time.sleep(1.1)
    expired = portal.test_client().get(link)
    assert expired.status_code == 400
    assert "has expired" in expired.get_data(as_text=True)


def test_sign_in_links_are_rate_limited_per_address(portal: Flask) -> None:
    file_case(portal, email="ana@example.org")
    statuses = []
    for _attempt in range(4):
        client = portal.test_client()  # a fresh "browser" each time: the limit is per address
        statuses.append(post(client, "/sign-in", {"email": "ana@example.org"}).status_code)
    assert statuses == [200, 200, 200, 429]
    limited = post(portal.test_client(), "/sign-in", {"email": "ana@example.org"})
    assert "You have made too many requests" in limited.get_data(as_text=True)


def test_signing_out_forgets_the_person(portal: Flask) -> None:
    reference = file_case(portal, email="ana@example.org")
    client = portal.test_client()
    post(client, "/sign-in", {"email": "ana@example.org"})
    follow_sign_in_link(client, sign_in_link(portal, "ana@example.org"))
    assert client.get(f"/cases/{reference}").status_code == 200
    match = CSRF.search(client.get("/cases").get_data(as_text=True))
    assert match
    client.post("/sign-out", data={"csrf_token": match.group(1)})
    assert asked_to_sign_in(client.get(f"/cases/{reference}"))
    assert client.get("/cases").headers["Location"] == "/sign-in"


def test_a_copy_of_the_session_cookie_stops_working_at_sign_out(portal: Flask) -> None:
    reference = file_case(portal, email="ana@example.org")
    client = portal.test_client()
    sign_in(portal, client, "ana@example.org")
    cookie = client.get_cookie("session")
    assert cookie is not None
    copied = cookie.value  # e.g. taken from a shared computer before "Sign out"
    post(client, "/sign-out", {})
    replayed = portal.test_client()
    replayed.set_cookie("session", copied)
    assert replayed.get("/cases").headers.get("Location") == "/sign-in"
    assert asked_to_sign_in(replayed.get(f"/cases/{reference}"))
    with portal.extensions["caseway"].sessions() as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions[-2:] == ["party.signed_in", "party.signed_out"]


def test_a_new_sign_in_link_ends_earlier_sessions(portal: Flask) -> None:
    reference = file_case(portal, email="ana@example.org")
    first, second = portal.test_client(), portal.test_client()
    sign_in(portal, first, "ana@example.org")
    assert first.get(f"/cases/{reference}").status_code == 200
    sign_in(portal, second, "ana@example.org")
    assert first.get("/cases").headers.get("Location") == "/sign-in"
    assert asked_to_sign_in(first.get(f"/cases/{reference}"))
    assert second.get(f"/cases/{reference}").status_code == 200


def test_looking_cases_up_is_rate_limited_per_client(portal: Flask) -> None:
    client = portal.test_client()
    statuses = [post(client, "/track", {"reference": "ABCD-EFGH-J", "email": "x@example.org"}).status_code
                for _ in range(11)]  # fmt: skip
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_a_citizen_can_withdraw_their_case_with_a_reason(portal: Flask) -> None:
    reference = file_case(portal, email="ana@example.org")
    with transaction(portal.extensions["caseway"].sessions) as session:
        from shared.models import RoleCode, Team
        from shared.services import staff

        team = Team(code="permits", name="Permits")
        session.add(team)
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        case.team = team
        staff.create_staff_user(session, email="carlos@council.example", display_name="Carlos",
                                password="a long password", roles=[RoleCode.CASEWORKER], team=team)  # fmt: skip
    client = portal.test_client()
    sign_in(portal, client, "ana@example.org")
    assert "Withdraw this request" in client.get(f"/cases/{reference}").get_data(as_text=True)
    empty = post(client, f"/cases/{reference}/withdraw", {"reason": ""})
    assert "Tell us why you are withdrawing your request" in empty.get_data(as_text=True)
    done = post(client, f"/cases/{reference}/withdraw", {"reason": "I moved house."})
    assert done.headers["Location"] == f"/cases/{reference}"
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "You have withdrawn your request" in page
    assert "I moved house." in page  # on the timeline
    assert "Withdraw this request" not in page
    with portal.extensions["caseway"].sessions() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert case.state == "withdrawn"
        told = session.scalars(select(Notice).where(Notice.kind == "case_withdrawn")).one()
        assert told.recipient_address == "carlos@council.example"
        assert told.context["reason"] == "I moved house."
    assert client.get(f"/cases/{reference}/withdraw").status_code == 404  # not twice


def test_someone_elses_case_cannot_be_withdrawn(portal: Flask) -> None:
    reference = file_case(portal, email="ana@example.org")
    intruder = portal.test_client()
    response = post(intruder, "/track", {"reference": "ABCD-EFGH-J", "email": "x@example.org"})
    assert response.status_code == 200
    assert intruder.get(f"/cases/{reference}/withdraw").status_code == 404
    assert intruder.post(f"/cases/{reference}/withdraw", data={"reason": "x"}).status_code in (
        400,
        404,
    )


def looked_up(client: FlaskClient, reference: str, email: str) -> str:
    """The case page after a look-up with its reference and an email address."""
    post(client, "/track", {"reference": reference, "email": email})
    response = client.get(f"/cases/{reference}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def answers_like_no_such_case(client: FlaskClient, path: str, key: str, **post: str) -> bool:
    """Whether GET (or, given form fields, POST) of the path answers exactly as the same
    request where the key (a case's reference, a file's id) names nothing."""
    nobody = path.replace(key, "ZZZZ-ZZZZ-Z")
    pages = []
    for each in (path, nobody):
        if post:
            token = CSRF.search(client.get("/track").get_data(as_text=True))
            assert token
            response = client.post(each, data={"csrf_token": token.group(1), **post})
        else:
            response = client.get(each)
        with response:  # a file that is served is streamed, and must be closed
            assert response.status_code == 404, each
            page = response.get_data(as_text=True).replace(key, "ZZZZ-ZZZZ-Z")
        pages.append(without_tokens(page))
    return pages[0] == pages[1]


SIGN_IN_TO_ACT = '<a class="govuk-link" href="/sign-in">Sign in</a> to see what you told us'


def test_a_look_up_shows_the_case_but_cannot_withdraw_it(portal: Flask) -> None:
    reference = file_case(portal, email="ana@example.org")
    client = portal.test_client()
    page = looked_up(client, reference, "ana@example.org")
    assert "Being checked" in page
    assert "Withdraw this request" not in page
    assert SIGN_IN_TO_ACT in page
    withdraw = f"/cases/{reference}/withdraw"
    assert answers_like_no_such_case(client, withdraw, reference)
    assert answers_like_no_such_case(client, withdraw, reference, reason="Not mine to withdraw.")
    with portal.extensions["caseway"].sessions() as session:
        assert session.scalars(select(Case.state)).one() == "triage"
    # The one-time link proves the address: the same browser, signed in, can withdraw.
    sign_in(portal, client, "ana@example.org")
    assert SIGN_IN_TO_ACT not in client.get(f"/cases/{reference}").get_data(as_text=True)
    done = post(client, f"/cases/{reference}/withdraw", {"reason": "I moved house."})
    assert done.headers["Location"] == f"/cases/{reference}"


def test_a_look_up_shows_the_decision_but_cannot_appeal_it(portal: Flask) -> None:
    reference = file_case(portal, email="ana@example.org")
    decide(portal, reference)
    client = portal.test_client()
    page = looked_up(client, reference, "ana@example.org")
    assert "You can appeal until" in page
    assert "Appeal this decision" not in page
    assert SIGN_IN_TO_ACT in page
    assert answers_like_no_such_case(client, f"/cases/{reference}/appeal", reference, go="")
    assert client.get("/file/appeal/start").status_code == 404  # no appeal was started
    sign_in(portal, client, "ana@example.org")
    started = post(client, f"/cases/{reference}/appeal", {})
    assert started.headers["Location"] == "/file/appeal/start"


def decide(app: Flask, reference: str, *, days_ago: int = 0) -> None:
    from datetime import timedelta

    from shared.models import Decision

    with transaction(app.extensions["caseway"].sessions) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        decision = decide_case(session, case, outcome="refused", reason_codes=["not_eligible"],
                               explanation="Not eligible.")  # fmt: skip
        session.flush()
        made = session.get(Decision, decision.id)
        assert made is not None
        # Decided (and approved: when the resident was told) `days_ago` days ago.
        made.decided_at -= timedelta(days=days_ago)
        if made.approved_at is not None:
            made.approved_at -= timedelta(days=days_ago)


def test_an_appeal_inside_the_window_is_a_new_case_linked_to_the_decision(portal: Flask) -> None:
    reference = file_case(portal, email="ana@example.org")
    decide(portal, reference, days_ago=27)  # applications: 28 days to appeal
    client = portal.test_client()
    sign_in(portal, client, "ana@example.org")
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Appeal this decision" in page
    started = post(client, f"/cases/{reference}/appeal", {})
    assert started.headers["Location"] == "/file/appeal/start"
    start = client.get("/file/appeal/start").get_data(as_text=True)
    assert "look again at a decision" in start
    assert 'href="/file/appeal/grounds"' in start
    empty = post(client, "/file/appeal/grounds", {"form_version": FORM_VERSION["appeal"]})
    assert "Tell us why you think the decision is wrong" in empty.get_data(as_text=True)
    post(
        client,
        "/file/appeal/grounds",
        {"form_version": FORM_VERSION["appeal"], "grounds": "I do live on Elm Street."},
    )
    post(
        client,
        "/file/appeal/outcome",
        {"form_version": FORM_VERSION["appeal"], "wanted_outcome": ""},
    )
    sent = post(client, "/file/appeal/check", {})
    assert sent.headers["Location"] == "/file/appeal/done"
    with portal.extensions["caseway"].sessions() as session:
        original = session.scalars(select(Case).where(Case.reference == reference)).one()
        appeal = session.scalars(select(Case).where(Case.appealed_decision_id.is_not(None))).one()
        assert appeal.case_type.code == "appeal"
        assert appeal.applicant_id == original.applicant_id
        assert appeal.answers == {"grounds": "I do live on Elm Street.", "wanted_outcome": ""}
        notice = session.scalars(select(Notice).where(Notice.case_id == appeal.id)).one()
        assert notice.kind == "appeal_received"
        assert notice.context["appealed_reference"] == reference


def test_outside_the_window_the_citizen_is_told_when_it_closed(portal: Flask) -> None:
    reference = file_case(portal, email="ana@example.org")
    decide(portal, reference, days_ago=40)
    client = portal.test_client()
    sign_in(portal, client, "ana@example.org")
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Appeal this decision" not in page
    assert "The time to appeal ended on" in page
    assert 'href="/file/complaint/start"' in page
    match = CSRF.search(page)
    assert match
    closed = client.post(f"/cases/{reference}/appeal", data={"csrf_token": match.group(1)})
    assert "The time to appeal has ended" in closed.get_data(as_text=True)
    with portal.extensions["caseway"].sessions() as session:
        assert (
            session.scalars(select(Case).where(Case.appealed_decision_id.is_not(None))).all() == []
        )


def test_appeals_cannot_be_started_without_a_decided_case_of_your_own(portal: Flask) -> None:
    reference = file_case(portal, email="ana@example.org")
    decide(portal, reference)
    client = portal.test_client()
    assert client.get("/file/appeal/start").status_code == 404
    match = CSRF.search(client.get("/track").get_data(as_text=True))
    assert match
    assert (
        client.post(f"/cases/{reference}/appeal", data={"csrf_token": match.group(1)}).status_code
        == 404
    )


def test_opening_a_sign_in_link_does_not_use_it_up(portal: Flask) -> None:
    """A corporate mail scanner opens every link in an email: only pressing "Sign in" (a
    POST with its CSRF token) spends the link."""
    file_case(portal, email="ana@example.org")
    post(portal.test_client(), "/sign-in", {"email": "ana@example.org"})
    link = sign_in_link(portal, "ana@example.org")
    for _scanner in range(2):
        opened = portal.test_client().get(link)
        assert opened.status_code == 200
        assert "Sign in to see your cases" in opened.get_data(as_text=True)
    assert portal.test_client().post(link, data={}).status_code == 400  # no CSRF token
    client = portal.test_client()
    assert follow_sign_in_link(client, link).headers["Location"] == "/cases"
    assert client.get("/cases").status_code == 200
    assert "already been used" in portal.test_client().get(link).get_data(as_text=True)


def test_signed_in_every_page_offers_your_cases_and_sign_out(portal: Flask) -> None:
    reference = file_case(portal, email="ana@example.org")
    anonymous = portal.test_client().get("/cookies").get_data(as_text=True)
    assert 'action="/sign-out"' not in anonymous
    client = portal.test_client()
    sign_in(portal, client, "ana@example.org")
    for path in ("/", "/cookies", "/cases", f"/cases/{reference}"):
        page = client.get(path).get_data(as_text=True)
        header = page.split("</header>", 1)[0]
        assert 'href="/cases"' in header, path
        assert 'action="/sign-out"' in header, path
    assert 'aria-current="true"' in client.get(f"/cases/{reference}").get_data(as_text=True)


def test_the_acknowledgements_link_leads_to_the_case_after_signing_in(portal: Flask) -> None:
    """The email's "check the progress" link is the case itself; without a session it asks
    for sign-in first, then goes straight there."""
    reference = file_case(portal, email="ana@example.org")
    settings = portal.extensions["caseway"].settings
    with portal.extensions["caseway"].sessions() as session:
        acknowledgement = session.scalars(
            select(Notice).where(Notice.kind == "acknowledgement")
        ).one()
        email = message_for(session, acknowledgement, settings)
    text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"{settings.portal_url}/cases/{reference}" in text
    client = portal.test_client()
    assert asked_to_sign_in(client.get(f"/cases/{reference}"))
    post(client, "/sign-in", {"email": "ana@example.org"})
    signed_in = follow_sign_in_link(client, sign_in_link(portal, "ana@example.org"))
    assert signed_in.headers["Location"] == f"/cases/{reference}"
    assert client.get(f"/cases/{reference}").status_code == 200


def test_two_presses_of_one_sign_in_link_at_once_sign_in_one_browser(portal: Flask) -> None:
    """The link forwarded to someone else, both pressing "Sign in" at the same moment: the
    link's row is locked while it is spent, so exactly one browser is signed in."""
    import threading

    file_case(portal, email="ana@example.org")
    post(portal.test_client(), "/sign-in", {"email": "ana@example.org"})
    link = sign_in_link(portal, "ana@example.org")
    clients = [portal.test_client() for _ in range(4)]
    forms = []
    for client in clients:
        token = CSRF.search(client.get(link).get_data(as_text=True))
        assert token is not None
        forms.append({"csrf_token": token.group(1)})
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def press(client: FlaskClient, form: dict[str, str]) -> None:
        start.wait(timeout=30)
        statuses.append(client.post(link, data=form).status_code)

    threads = [
        threading.Thread(target=press, args=pair) for pair in zip(clients, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302, 400, 400, 400]
    assert sum(client.get("/cases").status_code == 200 for client in clients) == 1
