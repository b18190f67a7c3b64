"""The resident's side of the message centre: the conversation on their case, the unread
count in the header, replies (with a file through the real documents pipeline: RQ worker
and clamd), and nobody else seeing any of it."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from shared.db import transaction
from shared.models import Case, Document, Message, ScanState
from shared.services import messages
from shared.web.plain_text import plain_text
from shared.web.text import without_direction_controls
from tests import samples
from tests.eicar import eicar_bytes
from tests.factories import make_case, make_party, make_staff
from tests.integration.test_cookies import CSRF
from tests.integration.test_documents import work
from tests.integration.test_hostile_input import (
    HOSTILE_TEXT,
    PROPERTY,
    as_the_server_reads,
    raw_post,
)
from tests.integration.test_tracking import sign_in

HOSTILE_BODY = (
    "Hello <b>Ana</b>, <script>alert(1)</script>\n"
    "See https://example.org/help?a=1&b=2. Or javascript:alert(2) or "
    '<a href="javascript:alert(3)">this</a>.'
)


def resident_case(app: Flask, *, email: str, state: str = "in_progress") -> str:
    with transaction(app.extensions["caseway"].sessions) as session:
        case = make_case(session, applicant=make_party(session, email=email), state=state)
        return case.reference


def staff_writes(app: Flask, reference: str, body: str, *, rfi: bool = False) -> None:
    with transaction(app.extensions["caseway"].sessions) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        messages.post_from_staff(session, case=case, staff=make_staff(session), body=body,
                                 request_for_information=rfi)  # fmt: skip


def header(page: str) -> str:
    return page.split("</header>", 1)[0]


def reply(client: FlaskClient, reference: str, body: str, file: tuple[bytes, str] | None = None):  # type: ignore[no-untyped-def]
    path = f"/cases/{reference}/messages"
    token = CSRF.search(client.get(path).get_data(as_text=True))
    assert token
    fields: dict[str, Any] = {"csrf_token": token.group(1), "body": body}
    if file is not None:
        fields["attachment"] = FileStorage(io.BytesIO(file[0]), file[1])
    boundary, data = encode_multipart(fields)
    return client.post(path, data=data, content_type=f"multipart/form-data; boundary={boundary}")


def in_db(app: Flask) -> tuple[list[Message], list[Document], str]:
    with app.extensions["caseway"].sessions() as session:
        found = list(session.scalars(select(Message).order_by(Message.id)))
        files = list(session.scalars(select(Document).order_by(Document.id)))
        state = session.scalars(select(Case.state)).first() or ""
        return found, files, state


def test_a_request_for_information_reaches_the_resident_who_reads_and_answers_it(
    portal: Flask,
) -> None:
    reference = resident_case(portal, email="ana@example.org")
    staff_writes(portal, reference, HOSTILE_BODY, rfi=True)
    client = portal.test_client()
    sign_in(portal, client, "ana@example.org")

    # Unread: in the header on every page, and on the case page and the overview.
    assert "Messages (1" in header(client.get("/cases").get_data(as_text=True))
    case_page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert f'href="/cases/{reference}/messages"' in case_page
    assert "1 unread" in case_page
    assert "1 unread message" in client.get("/messages").get_data(as_text=True)

    page = client.get(f"/cases/{reference}/messages").get_data(as_text=True)
    body = page.split("data-message-body>", 1)[1].split("</p>", 1)[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script" not in body
    assert "&lt;b&gt;Ana&lt;/b&gt;" in body
    assert "<br>" in body  # the line break kept
    assert (
        '<a class="govuk-link" href="https://example.org/help?a=1&amp;b=2" '
        'rel="noreferrer noopener">' in body
    )
    assert 'href="javascript' not in body
    assert body.count("<a ") == 1
    assert "We need more information" in page
    # Reading it cleared the count, on this very page already.
    assert "Messages (" not in header(page)
    assert "unread" not in client.get(f"/cases/{reference}").get_data(as_text=True)

    # Empty and too-long replies: a message next to the field, the text kept, nothing sent.
    empty = reply(client, reference, "   \n ")
    assert empty.status_code == 200
    assert "Enter your message" in empty.get_data(as_text=True)
    too_long = "Lorem <ipsum> " * 400
    refused = reply(client, reference, too_long)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "5,000 characters or fewer" in text
    assert "Lorem &lt;ipsum&gt; Lorem" in text
    assert len(in_db(portal)[0]) == 1

    sent = reply(client, reference, "Here is my\nanswer")
    assert sent.status_code == 302
    assert "Your message has been sent" in client.get(sent.headers["Location"]).get_data(
        as_text=True
    )
    found, _files, state = in_db(portal)
    assert found[-1].body == "Here is my\nanswer"
    assert found[-1].sender_party_id is not None
    assert state == "in_progress"  # the answer puts the case back to work


def test_nobody_else_sees_the_conversation(portal: Flask) -> None:
    reference = resident_case(portal, email="ana@example.org")
    resident_case(portal, email="ben@example.org")
    staff_writes(portal, reference, "Private to Ana")
    path = f"/cases/{reference}/messages"
    other = portal.test_client()
    sign_in(portal, other, "ben@example.org")
    nobody = path.replace(reference, "ZZZZ-ZZZZ-Z")
    assert other.get(path).status_code == other.get(nobody).status_code == 404
    assert "Messages (" not in header(other.get("/cases").get_data(as_text=True))
    # Knowing the reference and the email is not signing in.
    looker = portal.test_client()
    token = CSRF.search(looker.get("/track").get_data(as_text=True))
    assert token
    looker.post("/track", data={"csrf_token": token.group(1), "reference": reference,
                                "email": "ana@example.org"})  # fmt: skip
    assert looker.get(f"/cases/{reference}").status_code == 200
    assert looker.get(path).status_code == 404
    assert looker.post(path, data={"csrf_token": token.group(1), "body": "hi"}).status_code == 404
    assert len(in_db(portal)[0]) == 1


def test_files_sent_with_a_reply_are_scanned_before_anyone_opens_them(portal: Flask) -> None:
    reference = resident_case(portal, email="ana@example.org")
    client = portal.test_client()
    sign_in(portal, client, "ana@example.org")
    # A refused file: no message either, and the text is kept.
    wrong = reply(client, reference, "My letter", (b"MZ\x90\x00not a document", "letter.pdf"))
    assert wrong.status_code == 200
    assert "My letter</textarea>" in wrong.get_data(as_text=True)
    assert in_db(portal)[:2] == ([], [])

    assert reply(client, reference, "My letter", (samples.pdf(b"letter"), "letter.pdf")).status_code == 302  # fmt: skip
    assert reply(client, reference, "And this", (eicar_bytes(), "notes.txt")).status_code == 302
    found, (letter, virus), _state = in_db(portal)
    assert (letter.message_id, virus.message_id) == (found[0].id, found[1].id)
    assert letter.case_id is not None
    assert letter.scan_state is ScanState.AWAITING_SCAN
    assert client.get(f"/documents/{letter.public_id}").status_code == 404  # not scanned yet

    work(portal)

    page = client.get(f"/cases/{reference}/messages").get_data(as_text=True)
    assert f'href="/documents/{letter.public_id}"' in page
    with client.get(f"/documents/{letter.public_id}") as download:
        assert download.data == samples.pdf(b"letter")
    assert "notes.txt" in page
    assert "We could not accept this file" in page
    assert f"/documents/{virus.public_id}" not in page
    assert client.get(f"/documents/{virus.public_id}").status_code == 404
    assert in_db(portal)[1][1].scan_state is ScanState.INFECTED


def test_reply_form_property(portal: Flask) -> None:
    """Whatever is typed: never a 500; either exactly one message, stored as the service
    cleans it, or a message on the page with the text kept and nothing written."""
    reference = resident_case(portal, email="ana@example.org")
    client = portal.test_client()
    sign_in(portal, client, "ana@example.org")

    path = f"/cases/{reference}/messages"
    token = CSRF.search(client.get(path).get_data(as_text=True))
    assert token

    @PROPERTY
    @given(body=st.one_of(HOSTILE_TEXT, st.text(min_size=4990, max_size=5010, alphabet="ab\n")))
    def check(body: str) -> None:
        with portal.extensions["caseway"].sessions() as session:
            before = session.scalar(select(func.count(Message.id)))
        answer = raw_post(client, path, [("csrf_token", token.group(1)), ("body", body)])
        assert answer.status_code in (200, 302, 400)
        with portal.extensions["caseway"].sessions() as session:
            after = session.scalar(select(func.count(Message.id)))
            latest = session.scalars(select(Message).order_by(Message.id.desc())).first()
        if answer.status_code == 302:
            assert after == (before or 0) + 1
            assert latest is not None
            assert latest.body == messages.clean_body(as_the_server_reads(body))
            return
        assert after == before
        if answer.status_code == 200:
            page = answer.get_data(as_text=True)
            assert 'class="govuk-error-summary' in page
            kept = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
            typed = str(without_direction_controls(body)).strip()
            assert kept is not None
            assert kept.group(1).strip() or not typed

    check()


def test_the_linkifier_escapes_everything_and_links_only_web_addresses() -> None:
    shown = str(plain_text('a <i>b</i>\r\n(see https://x.example/p_(1)), "http://y.example".'))
    assert shown == (
        "a &lt;i&gt;b&lt;/i&gt;<br>(see "
        '<a class="govuk-link" href="https://x.example/p_(1)" rel="noreferrer noopener">'
        "https://x.example/p_(1)</a>), &#34;"
        '<a class="govuk-link" href="http://y.example" rel="noreferrer noopener">'
        "http://y.example</a>&#34;."
    )
    assert "<a" not in str(plain_text("javascript:alert(1) data:text/html,x ftp://z https://"))
