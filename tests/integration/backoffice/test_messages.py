"""Messages with the resident, as staff work them: a reply stored, shown as plain text and
announced by one notice in the resident's language; a request for information that stops
the clock until the resident's reply restarts it; held emailed replies accepted or
rejected; the inbox of unanswered cases and "My work"; bad bodies refused with the text
kept; two messages at once both kept in order; and never a 500 whatever is sent."""

from __future__ import annotations

import io
import re
import threading
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from shared.db import transaction
from shared.jobs.notices import message_for
from shared.models import (
    AuditEvent,
    Case,
    Document,
    Message,
    MessageState,
    Notice,
    RoleCode,
    ScanState,
    StaffUser,
)
from shared.services import cases, messages
from tests.factories import (
    make_case,
    make_party,
    make_reply_template,
    make_staff,
    make_team,
)
from tests.integration.test_hostile_input import HOSTILE_TEXT, PROPERTY, csrf, new_client, raw_post
from tests.staff_signing_in import csrf_token, post_form, resident_pages, sign_in_staff

HOSTILE_BODY = "<script>alert('x')</script> <b>bold</b>\nSecond line: https://example.org/a?b=1"


def sessions(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["caseway"].sessions


def setup(app: Flask, *, state: str = "in_progress", team: str = "permits",
          locale: str = "fr") -> tuple[FlaskClient, StaffUser, str]:  # fmt: skip
    """A caseworker signed in, with a case of their team assigned to them."""
    with transaction(sessions(app)) as session:
        member = make_staff(session, roles=(RoleCode.CASEWORKER,), team=make_team(session, team))
        case = make_case(session, state=state,
                         applicant=make_party(session, preferred_locale=locale))  # fmt: skip
        case.team_id, case.assignee_id = member.team_id, member.id
        reference = case.reference
    client = app.test_client()
    assert sign_in_staff(client, member.email).status_code == 302
    return client, member, reference


def write(client: FlaskClient, reference: str, body: str, rfi: bool = False) -> str | None:
    """Sends the reply form: None when sent, else the page shown again."""
    data = {"body": body} | ({"request_for_information": "y"} if rfi else {})
    response = post_form(client, f"/cases/{reference}/messages", data,
                         form_page=f"/cases/{reference}")  # fmt: skip
    if response.status_code == 302:
        assert response.headers["Location"] == f"/cases/{reference}/conversation"
        return None
    assert response.status_code == 200
    return response.get_data(as_text=True)


def the_case(app: Flask, reference: str) -> Case:
    with sessions(app)() as session:
        return session.scalars(select(Case).where(Case.reference == reference)).one()


def bodies(app: Flask, reference: str) -> list[tuple[str, MessageState]]:
    with sessions(app)() as session:
        query = (
            select(Message.body, Message.state)
            .join(Case, Case.id == Message.case_id)
            .where(Case.reference == reference)
            .order_by(Message.sent_at, Message.id)
        )
        return [(body, state) for body, state in session.execute(query)]


def new_message_notices(app: Flask, reference: str) -> list[Notice]:
    case = the_case(app, reference)
    with sessions(app)() as session:
        return list(session.scalars(select(Notice).where(Notice.case_id == case.id,
                                                          Notice.kind != "acknowledgement")))  # fmt: skip


def messages_section(page: str) -> str:
    return page.split('id="messages"')[1]


def from_resident(app: Flask, reference: str, body: str) -> None:
    with transaction(sessions(app)) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        messages.post_from_resident(session, case=case, party=case.applicant, body=body)


def test_a_reply_is_kept_shown_as_text_and_announced_once_in_the_residents_language(
    backoffice: Flask,
) -> None:
    client, member, reference = setup(backoffice)
    note = "Internal: the neighbour called about this"
    response = post_form(client, f"/cases/{reference}/notes", {"note": note},
                         form_page=f"/cases/{reference}")  # fmt: skip
    assert response.status_code == 302
    assert write(client, reference, HOSTILE_BODY) is None
    assert bodies(backoffice, reference) == [(HOSTILE_BODY, MessageState.DELIVERED)]
    [notice] = new_message_notices(backoffice, reference)
    assert (notice.kind, notice.locale) == ("new_message", "fr")
    assert notice.context["reference"] == reference
    assert "message_id" in notice.context
    assert HOSTILE_BODY not in str(notice.context)  # the email never carries the body
    page = client.get(f"/cases/{reference}/conversation").get_data(as_text=True)
    assert "Your message is sent to the resident." in page
    section = messages_section(page)
    assert "&lt;script&gt;alert(" in section
    assert "<script>alert" not in section
    assert "&lt;b&gt;bold&lt;/b&gt;" in section
    assert "<br>" in section
    assert 'href="https://example.org/a?b=1" rel="noreferrer noopener"' in section
    assert member.display_name in section
    assert note not in section
    assert note in client.get(f"/cases/{reference}/history").get_data(as_text=True)
    # Nowhere the resident looks: their case and conversation in the portal, the email.
    with sessions(backoffice)() as session:
        email_address = session.scalars(
            select(Case).where(Case.reference == reference)
        ).one().applicant.email  # fmt: skip
        sent_email = message_for(
            session, session.get_one(Notice, notice.id), backoffice.extensions["caseway"].settings
        )
    email_text = sent_email.as_string()
    assert "bold" in email_text  # the message is in it (escaped in the HTML part) ...
    assert note not in email_text  # ... the note is not
    for resident_page in resident_pages(backoffice, reference, email_address or ""):
        assert note not in resident_page
    with sessions(backoffice)() as session:
        sent = session.scalars(select(AuditEvent).where(AuditEvent.action == "message.sent"))
        assert [event.object_id for event in sent] == [reference]


def test_a_request_for_information_stops_the_clock_and_the_reply_restarts_it(
    backoffice: Flask,
) -> None:
    client, member, reference = setup(backoffice)
    page = client.get(f"/cases/{reference}/conversation").get_data(as_text=True)
    assert "This is a request for information" in page
    assert write(client, reference, "Please send your tenancy agreement.", rfi=True) is None
    case = the_case(backoffice, reference)
    assert case.state == "awaiting_information"
    assert case.clock_stopped_at is not None
    # One email for the message, none for the transition.
    assert [n.kind for n in new_message_notices(backoffice, reference)] == ["new_message"]
    page = client.get(f"/cases/{reference}/conversation").get_data(as_text=True)
    assert "This is a request for information" not in page  # not from this state
    assert "My work" in page
    assert "Messages</a>" in page
    with transaction(sessions(backoffice)) as session:  # stopped a fortnight ago
        stored = session.get_one(Case, case.id)
        stored.clock_stopped_at = stored.clock_stopped_at - timedelta(days=14)  # type: ignore[operator]
    from_resident(backoffice, reference, "Here it is.")
    case = the_case(backoffice, reference)
    assert case.state == "in_progress"
    assert case.clock_stopped_at is None
    assert case.paused_working_days >= 9
    # Back with its caseworker: in My work and the inbox, unread, until they read it.
    work = client.get("/my-work").get_data(as_text=True)
    assert reference in work.split('id="new-messages"')[1].split('id="team-waiting"')[0]
    inbox = client.get("/messages").get_data(as_text=True)
    assert reference in inbox
    assert "Unread" in inbox
    assert "1 case waits for an answer." in inbox
    page = client.get(f"/cases/{reference}/conversation").get_data(as_text=True)
    assert "govuk-tag--blue" in messages_section(page)  # marked new once, then read
    work = client.get("/my-work").get_data(as_text=True)
    assert reference not in work.split('id="new-messages"')[1].split('id="team-waiting"')[0]
    assert "Unread" not in client.get("/messages").get_data(as_text=True)
    assert write(client, reference, "Thank you.") is None  # answered: off the inbox
    assert reference not in client.get("/messages").get_data(as_text=True)


def test_held_emailed_replies_are_accepted_or_rejected(backoffice: Flask) -> None:
    client, _, reference = setup(backoffice, state="in_progress")
    with transaction(sessions(backoffice)) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        messages.post_from_staff(session, case=case, staff=make_staff(session), body="More?",
                                 request_for_information=True)  # fmt: skip
        held = [messages.receive_email_reply(session, case=case, party=case.applicant,
                                             from_address=f"someone{n}@elsewhere.example",
                                             body=f"Forwarded {n}",
                                             email_message_id=f"<{n}@elsewhere>")
                for n in (1, 2)]  # fmt: skip
        again = messages.receive_email_reply(session, case=case, party=case.applicant,
                                             from_address="x@y.example", body="Again",
                                             email_message_id="<1@elsewhere>")  # fmt: skip
        assert again.id == held[0].id
        ids = [message.id for message in held]
    assert the_case(backoffice, reference).state == "awaiting_information"  # held: no restart
    inbox = client.get("/messages").get_data(as_text=True)
    assert inbox.split('id="held"')[1].count(f"/cases/{reference}/conversation#message-") == 2
    page = client.get(f"/cases/{reference}/conversation").get_data(as_text=True)
    assert "someone1@elsewhere.example" in page
    assert page.count("Held: sent from another") == 2
    token = csrf_token(client, f"/cases/{reference}")
    for message_id, action in zip(ids, ("accept", "reject"), strict=True):
        response = client.post(f"/cases/{reference}/messages/{message_id}/{action}",
                               data={"csrf_token": token})  # fmt: skip
        assert response.status_code == 302
    response = client.post(f"/cases/{reference}/messages/{ids[0]}/reject",
                           data={"csrf_token": token}, follow_redirects=True)  # fmt: skip
    assert "Someone already decided about that reply" in response.get_data(as_text=True)
    assert bodies(backoffice, reference)[1:] == [
        ("Forwarded 1", MessageState.DELIVERED),
        ("Forwarded 2", MessageState.REJECTED),
    ]
    assert the_case(backoffice, reference).state == "in_progress"  # accepted: the reply
    other_client, _, other = setup(backoffice, team="licensing")
    assert other_client.post(f"/cases/{reference}/messages/{ids[1]}/accept",
                             data={"csrf_token": csrf_token(other_client, f"/cases/{other}")}
                             ).status_code == 404  # fmt: skip


def test_the_inbox_lists_unanswered_cases_oldest_first_that_the_person_may_see(
    backoffice: Flask,
) -> None:
    client, member, first = setup(backoffice)
    with transaction(sessions(backoffice)) as session:
        second = make_case(session, state="in_progress")
        second.team_id = member.team_id
        answered = make_case(session, state="in_progress")
        answered.team_id = member.team_id
        elsewhere = make_case(session, state="in_progress")
        elsewhere.team = make_team(session, "licensing")
        references = [c.reference for c in (second, answered, elsewhere)]
    for reference in [first, *references]:
        from_resident(backoffice, reference, f"Any news on {reference}?")
    assert write(client, references[1], "Yes: it is being checked.") is None
    inbox = client.get("/messages").get_data(as_text=True)
    listed = re.findall(r'href="/cases/([0-9A-Z-]+)/conversation"', inbox)
    assert listed == [first, references[0]]
    assert "2 cases wait for an answer." in inbox
    with sessions(backoffice)() as session:  # a page at a time, both ways
        staff = session.get_one(StaffUser, member.id)
        page = messages.inbox(session, staff=staff, limit=1)
        assert [i.case.reference for i in page.items] == [first]
        assert page.previous is None
        page = messages.inbox(session, staff=staff, after=page.next, limit=1)
        assert [i.case.reference for i in page.items] == [references[0]]
        assert page.next is None
        page = messages.inbox(session, staff=staff, before=page.previous, limit=1)
        assert [i.case.reference for i in page.items] == [first]


def test_empty_and_too_long_bodies_are_refused_with_the_text_kept(backoffice: Flask) -> None:
    client, _, reference = setup(backoffice)
    page = write(client, reference, " \u202e  ")
    assert page is not None
    assert "<title>Error:" in page
    assert "Enter your message" in page or "only change the direction" in page
    long_body = "Wordy " * 900 + "the end"
    page = write(client, reference, long_body)
    assert page is not None
    assert "Your message must be 5000 characters or fewer" in page
    assert "Wordy Wordy" in page
    assert "the end</textarea>" in page
    assert bodies(backoffice, reference) == []
    # Line breaks as browsers send them count once each.
    assert write(client, reference, "a\r\n" * 2000) is None


def test_two_messages_sent_at_once_both_land_in_order(backoffice: Flask) -> None:
    _, member, reference = setup(backoffice)
    clients = []
    for _ in range(2):
        client = backoffice.test_client()
        assert sign_in_staff(client, member.email).status_code == 302
        clients.append((client, csrf_token(client, f"/cases/{reference}")))
    start = threading.Barrier(2)
    statuses: list[int] = []

    def send(client: FlaskClient, token: str, n: int) -> None:
        start.wait()
        response = client.post(f"/cases/{reference}/messages",
                               data={"csrf_token": token, "body": f"Message {n}"})  # fmt: skip
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=(*pair, n)) for n, pair in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302, 302]
    kept = bodies(backoffice, reference)
    assert sorted(body for body, _ in kept) == ["Message 0", "Message 1"]
    with sessions(backoffice)() as session:
        rows = session.execute(select(Message.id, Message.sent_at).order_by(Message.id)).all()
        assert [sent for _, sent in rows] == sorted(sent for _, sent in rows)
    assert len(new_message_notices(backoffice, reference)) == 2


@PROPERTY
@given(body=HOSTILE_TEXT, rfi=st.sampled_from(["", "y", "\x00", "no"]))
def test_hostile_reply_input_never_fails_and_writes_nothing_refused(
    backoffice: Flask, body: str, rfi: str
) -> None:
    if "messages_case" not in backoffice.config:
        _, member, reference = setup(backoffice)
        backoffice.config["messages_case"] = (member.email, reference)
    email, reference = backoffice.config["messages_case"]
    client = new_client(backoffice)
    sign_in_staff(client, email)
    before = bodies(backoffice, reference)
    fields = [("csrf_token", csrf(client, "/")), ("body", body), ("request_for_information", rfi)]
    response = raw_post(client, f"/cases/{reference}/messages", fields)
    assert response.status_code in (200, 302, 400), response.status_code
    after = bodies(backoffice, reference)
    assert len(after) == len(before) + (1 if response.status_code == 302 else 0)
    if response.status_code == 200:
        assert "There is a problem" in response.get_data(as_text=True)


def test_a_reply_template_comes_in_the_residents_language_and_closed_cases_take_none(
    backoffice: Flask,
) -> None:
    client, member, reference = setup(backoffice, locale="fr")
    with transaction(sessions(backoffice)) as session:
        make_reply_template(session, body="Dear {name}, about {reference}.")
        make_reply_template(session, locale="fr", title="Plus d’informations",
                            body="Bonjour {name}, au sujet de {reference}.")  # fmt: skip
        closed = make_case(session, state="in_progress")
        closed.team_id = member.team_id
        cases.transition(session, case=closed, name="withdraw", actor=closed.applicant,
                         reason="Moved away")  # fmt: skip
        closed_reference = closed.reference
    page = client.get(f"/cases/{reference}/conversation?reply_template=more-information")
    text = page.get_data(as_text=True)
    assert f"Bonjour Ana Silva, au sujet de {reference}.</textarea>" in text
    assert "Plus d’informations" in text
    unknown = client.get(f"/cases/{reference}/conversation?reply_template=%00nope").get_data(
        as_text=True
    )
    assert "Bonjour" not in unknown
    page = client.get(f"/cases/{closed_reference}/conversation").get_data(as_text=True)
    assert "Write to the resident" not in page
    assert "No messages yet." in page


def test_a_file_sent_with_a_reply_is_scanned_before_the_resident_can_open_it(
    backoffice: Flask,
) -> None:
    from portal import create_portal
    from tests import samples
    from tests.eicar import eicar_bytes
    from tests.integration.test_documents import work
    from tests.integration.test_tracking import sign_in

    client, _member, reference = setup(backoffice)

    def send(body: str, content: bytes, name: str):  # type: ignore[no-untyped-def]
        return post_form(client, f"/cases/{reference}/messages",
                         {"body": body, "attachment": (io.BytesIO(content), name)},
                         form_page=f"/cases/{reference}")  # fmt: skip

    # A file the case type does not take: nothing is sent, and the text stays.
    refused = send("Our letter", b"MZ\x90\x00not a document", "letter.pdf")
    assert refused.status_code == 200
    assert "Our letter</textarea>" in refused.get_data(as_text=True)
    assert bodies(backoffice, reference) == []
    assert send("Our letter", samples.pdf(b"decision letter"), "letter.pdf").status_code == 302
    assert send("And this", eicar_bytes(), "notes.txt").status_code == 302
    with sessions(backoffice)() as session:
        letter, virus = session.scalars(select(Document).order_by(Document.id)).all()
        sent = session.scalars(select(Message).order_by(Message.id)).all()
        assert (letter.message_id, virus.message_id) == (sent[0].id, sent[1].id)
        email = session.scalars(select(Case).where(Case.reference == reference)).one()
        address = email.applicant.email
        letter_id, virus_id = letter.public_id, virus.public_id
    work(backoffice)
    portal = create_portal(backoffice.extensions["caseway"].settings)
    try:
        resident = portal.test_client()
        sign_in(portal, resident, address)
        page = resident.get(f"/cases/{reference}/messages").get_data(as_text=True)
        assert f'href="/documents/{letter_id}"' in page
        with resident.get(f"/documents/{letter_id}") as download:
            assert download.data == samples.pdf(b"decision letter")
        assert f"/documents/{virus_id}" not in page
        assert resident.get(f"/documents/{virus_id}").status_code == 404
    finally:
        portal.extensions["caseway"].engine.dispose()
    with sessions(backoffice)() as session:
        assert session.get(Document, virus.id).scan_state is ScanState.INFECTED  # type: ignore[union-attr]
