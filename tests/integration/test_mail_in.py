"""Reply by email, for real, on SQLite and PostgreSQL: a caseworker's message goes out
through a real RQ worker to a local SMTP server (tests/mailserver.py) with a signed
Reply-To, a signed Message-ID and the message itself; the resident's reply (quoted as
Gmail and a Welsh client quote) goes by smtplib to a real `caseway mail-in` process and
lands on the case without the quote. Other senders are held, forged, altered and expired
addresses are refused with a reason, an infected attachment is held by clamd, the same
email twice is one message, and a reply is matched by In-Reply-To alone."""

from __future__ import annotations

import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from shared import PROJECT_ROOT
from shared.config import Settings
from shared.db import transaction
from shared.mail_in.addresses import VALID_FOR, reply_address, verify_message_id
from shared.mail_in.server import controller
from shared.models import Case, Document, Message, MessageChannel, MessageState, Party, ScanState
from shared.notices.mail import wire_bytes
from shared.services import documents, messages
from shared.storage import Area
from tests.eicar import eicar_bytes
from tests.factories import make_case, make_party, make_staff
from tests.integration.test_documents import work, worker_env
from tests.integration.test_tracking import sign_in
from tests.mailserver import MailServer, running_mail_server
from tests.ports import free_port

RESIDENT = "ana@example.org"
STAFF_BODY = "Please send your tenancy agreement.\n<b>Not bold</b> & <script>x()</script>"


@pytest.fixture
def outbox() -> Iterator[MailServer]:
    with running_mail_server() as (server, _):
        yield server


def settings_of(app: Flask) -> Settings:
    found: Settings = app.extensions["caseway"].settings
    return found


def env_of(app: Flask, outbox: MailServer) -> dict[str, str]:
    settings = settings_of(app)
    return worker_env(app, CASEWAY_SMTP_URL=outbox.url, CASEWAY_SECRET_KEY=settings.secret_key,
                      CASEWAY_MAIL_FROM=settings.mail_from,
                      CASEWAY_REPLY_DOMAIN=settings.reply_domain)  # fmt: skip


@pytest.fixture
def mail_in(portal: Flask, outbox: MailServer, tmp_path: Path) -> Iterator[int]:
    """A real `caseway mail-in` process on a free port; its port."""
    port = free_port()
    log = (tmp_path / "mail-in.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "shared.cli", "mail-in", "--port", str(port)],
        env=env_of(portal, outbox), cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:  # until it listens (or fails to start)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, (tmp_path / "mail-in.log").read_text()
            assert time.monotonic() < deadline, "caseway mail-in did not start"
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=30)
    log.close()


def staff_writes(app: Flask, *, locale: str = "en") -> tuple[int, int]:
    with transaction(app.extensions["caseway"].sessions) as session:
        party = make_party(session, email=RESIDENT, preferred_locale=locale)
        case = make_case(session, applicant=party, state="in_progress")
        messages.post_from_staff(session, case=case, staff=make_staff(session), body=STAFF_BODY)
        return case.id, party.id


def notice_email(outbox: MailServer) -> EmailMessage:
    (email,) = [m for m in outbox.addressed_to(RESIDENT) if "Reply-To" in m]
    return email


def quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def reply_to(notice: EmailMessage, text: str, *, welsh: bool = False, sender: str = RESIDENT,
             to: str | None = None, message_id: str = "<r1@mail.example.org>",
             attachment: tuple[bytes, str] | None = None) -> EmailMessage:  # fmt: skip
    """A reply as Gmail writes one (or Gmail in Welsh), quoting the whole notice."""
    reply = EmailMessage()
    reply["From"] = f"Ana Silva <{sender}>"
    reply["To"] = to or str(notice["Reply-To"])
    reply["Subject"] = f"Re: {notice['Subject']}"
    reply["Message-ID"] = message_id
    reply["In-Reply-To"] = str(notice["Message-ID"])
    reply["References"] = str(notice["Message-ID"])
    wrote = (
        f"Ar ddydd Llun, 30 Tach 2026 am 10:15, {notice['From']} ysgrifennodd:"
        if welsh
        else f"On Mon, 30 Nov 2026 at 10:15, {notice['From']} wrote:"
    )
    original = notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    reply.set_content(f"{text}\n\n{wrote}\n\n{quoted(original)}\n")
    if attachment is not None:
        reply.add_attachment(attachment[0], maintype="text", subtype="plain",
                             filename=attachment[1])  # fmt: skip
    return reply


def send(port: int, email: EmailMessage, *, to: str | None = None) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail(RESIDENT, [to or str(email["To"])], wire_bytes(email))


def refusal(port: int, email: EmailMessage, to: str) -> tuple[int, str]:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(port, email, to=to)
    code, text = refused.value.recipients[to]
    return code, text.decode()


def conversation(app: Flask, case_id: int) -> list[Message]:
    with app.extensions["caseway"].sessions() as session:
        return messages.staff_conversation(session, case=session.get_one(Case, case_id))


def test_a_reply_to_the_notice_email_lands_on_the_case_without_the_quote(
    portal: Flask, outbox: MailServer, mail_in: int
) -> None:
    case_id, party_id = staff_writes(portal, locale="cy")
    work(portal, **env_of(portal, outbox))
    notice = notice_email(outbox)
    settings = settings_of(portal)
    # What the email carries: the signed reply address and Message-ID, and the message
    # itself as text (escaped in the HTML part) below the separator.
    assert str(notice["Reply-To"]).startswith(f"reply-{case_id}-{party_id}-")
    assert str(notice["Reply-To"]).endswith(f"@{settings.reply_domain}")
    assert verify_message_id(settings, str(notice["Message-ID"])) == (case_id, party_id)
    text = notice.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert text.startswith("— Ysgrifennwch eich ateb uwchben y llinell hon —")  # in Welsh
    assert STAFF_BODY in text
    html = notice.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "&lt;script&gt;x()&lt;/script&gt;" in html
    assert "<script>" not in html
    assert notice["Content-Language"] == "cy"

    send(mail_in, reply_to(notice, "Here it is.\n\nAna"))
    # The same email delivered twice (a mail server retrying) is one message.
    send(mail_in, reply_to(notice, "Here it is.\n\nAna"))
    send(mail_in, reply_to(notice, "Dyma fe.", welsh=True, message_id="<r2@mail.example.org>"))
    send(mail_in, reply_to(notice, "Not me.", sender="someone@else.example",
                           message_id="<r3@mail.example.org>"))  # fmt: skip
    # The To address lost (rewritten by a mail server): matched by In-Reply-To alone.
    send(mail_in, reply_to(notice, "Rewritten.", to=f"replies@{settings.reply_domain}",
                           message_id="<r4@mail.example.org>"))  # fmt: skip

    found = conversation(portal, case_id)
    replies = [(m.body, m.state, m.from_address) for m in found if m.sender_party_id]
    assert replies == [
        ("Here it is.\n\nAna", MessageState.DELIVERED, RESIDENT),
        ("Dyma fe.", MessageState.DELIVERED, RESIDENT),
        ("Not me.", MessageState.HELD, "someone@else.example"),
        ("Rewritten.", MessageState.DELIVERED, RESIDENT),
    ]
    assert all(m.channel is MessageChannel.EMAIL for m in found if m.sender_party_id)
    assert all(m.sender_party_id == party_id for m in found if m.sender_party_id)
    # In the resident's conversation in the portal: theirs, without the quote or the held one.
    client = portal.test_client()
    sign_in(portal, client, RESIDENT)
    with portal.extensions["caseway"].sessions() as session:
        reference = session.get_one(Case, case_id).reference
    page = client.get(f"/cases/{reference}/messages").get_data(as_text=True)
    assert "Here it is." in page
    assert "Dyma fe." in page
    assert "Rewritten." in page
    assert "Not me." not in page
    assert "ysgrifennodd" not in page
    assert "Ysgrifennwch eich ateb uwchben" not in page


def test_forged_altered_expired_and_foreign_addresses_are_refused_with_why(
    portal: Flask, outbox: MailServer, mail_in: int
) -> None:
    case_id, party_id = staff_writes(portal)
    work(portal, **env_of(portal, outbox))
    notice = notice_email(outbox)
    good = str(notice["Reply-To"])
    settings = settings_of(portal)
    forged = reply_address(replace(settings, secret_key="not-ours-" * 4),
                           case=Case(id=case_id), party=Party(id=party_id))  # fmt: skip
    altered = good.replace(f"reply-{case_id}-", f"reply-{case_id + 1}-", 1)
    expired = reply_address(settings, case=Case(id=case_id), party=Party(id=party_id),
                            issued=date.today() - VALID_FOR - timedelta(days=1))  # fmt: skip
    reply = reply_to(notice, "Hello")
    for address in (forged, altered):
        assert refusal(mail_in, reply, address) == (
            550, "5.7.1 This reply address is not valid: it has been altered or was not made by us"
        )  # fmt: skip
    assert refusal(mail_in, reply, expired) == (
        550, "5.7.1 This reply address has expired: sign in to the portal to reply"
    )  # fmt: skip
    code, text = refusal(mail_in, reply, "someone@elsewhere.example")
    assert (code, "Relaying denied" in text) == (550, True)
    # Not signed, and answering no email of ours: nothing to match it to.
    stray = reply_to(notice, "Hello", to=f"replies@{settings.reply_domain}")
    stray.replace_header("In-Reply-To", "<other@mail.example.org>")
    stray.replace_header("References", "<other@mail.example.org>")
    with pytest.raises(smtplib.SMTPDataError) as unmatched:
        send(mail_in, stray)
    assert unmatched.value.smtp_code == 550
    assert [m for m in conversation(portal, case_id) if m.sender_party_id] == []


def test_an_infected_attachment_of_an_emailed_reply_is_held_and_never_served(
    portal: Flask, outbox: MailServer, mail_in: int
) -> None:
    case_id, _ = staff_writes(portal)
    work(portal, **env_of(portal, outbox))
    notice = notice_email(outbox)
    send(
        mail_in,
        reply_to(notice, "The letter is attached.", attachment=(eicar_bytes(), "letter.txt")),
    )
    with portal.extensions["caseway"].sessions() as session:
        (document,) = session.scalars(select(Document).where(Document.message_id.is_not(None)))
        assert document.scan_state is ScanState.AWAITING_SCAN  # nobody opens it before clamd
    work(portal, **env_of(portal, outbox))  # the scan job, enqueued by the commit
    storage = portal.extensions["caseway"].storage
    with portal.extensions["caseway"].sessions() as session:
        document = session.get_one(Document, document.id)
        message = session.get_one(Message, document.message_id)
        assert (message.case_id, message.body) == (case_id, "The letter is attached.")
        assert document.case_id == case_id
        assert document.original_filename == "letter.txt"
        assert document.scan_state is ScanState.INFECTED
        assert document.scan_signature
        assert "EICAR" in document.scan_signature
        assert storage.exists(Area.QUARANTINE, document.storage_key)
        assert not storage.exists(Area.RELEASED, document.storage_key)
        with pytest.raises(documents.NotServable):
            documents.open_released(storage, document)
    client = portal.test_client()
    sign_in(portal, client, RESIDENT)
    assert client.get(f"/documents/{document.public_id}").status_code == 404


def test_a_reply_that_cannot_be_stored_is_deferred_and_a_huge_one_refused(
    portal: Flask, outbox: MailServer, tmp_path: Path
) -> None:
    staff_writes(portal)
    work(portal, **env_of(portal, outbox))
    notice = notice_email(outbox)
    settings = settings_of(portal)
    # The database is away: 451, so the sending server keeps the reply and tries again.
    away = replace(settings, database_url=f"sqlite:///{tmp_path}/missing/caseway.db")
    server = controller(away, host="127.0.0.1", port=free_port(), max_bytes=20_000)
    server.start()
    try:
        with pytest.raises(smtplib.SMTPDataError) as deferred:
            send(server.port, reply_to(notice, "Hello"))
        assert deferred.value.smtp_code == 451
        big = reply_to(notice, "Big", attachment=(b"x" * 30_000, "big.txt"))
        with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) as too_big:
            send(server.port, big)
        assert too_big.value.smtp_code == 552
    finally:
        server.stop()
