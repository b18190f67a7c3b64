"""Emailed replies as the common clients write them (Gmail, Outlook, Apple Mail, in English
and in Welsh): the reply is what the resident wrote above the quoted notice, whichever way
the client quotes it; attachments come out with their names, bytes and declared types."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from shared.mail_in.parse import REPLY_SEPARATOR, html_to_text, parse_email, reply_text
from shared.notices.kinds import NoticeKind
from shared.notices.render import render_notice

NOTICE = render_notice(
    NoticeKind.NEW_MESSAGE,
    "en",
    {"recipient_name": "Ana Silva", "reference": "ABCD-2345-X", "case_url": "https://p/c",
     "message_body": "Please send us a copy of your tenancy agreement.\nThank you."},
)  # fmt: skip
NOTICE_CY = render_notice(
    NoticeKind.NEW_MESSAGE,
    "cy",
    {"recipient_name": "Ana Silva", "reference": "ABCD-2345-X", "case_url": "https://p/c",
     "message_body": "Anfonwch gopi o'ch cytundeb tenantiaeth."},
)  # fmt: skip
REPLY = "Here is the agreement.\n\n- page one\n- page two\n\nAna"


def quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def email(plain: str | None, html: str | None = None, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Ana Silva <ana@example.org>")
    message["To"] = headers.pop("To", "reply-1-2-3-abc@reply.caseway.example")
    message["Subject"] = "Re: You have a new message about your case ABCD-2345-X"
    message["Message-ID"] = headers.pop("Message_ID", "<CAE+abc123@mail.gmail.com>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if plain is not None:
        message.set_content(plain)
        if html is not None:
            message.add_alternative(html, subtype="html")
    elif html is not None:
        message.set_content(html, subtype="html")
    return bytes(message)


GMAIL = (
    f"{REPLY}\n\nOn Mon, 30 Nov 2026 at 10:15, Caseway <noreply@caseway.example> wrote:\n\n"
    f"{quoted(NOTICE.text)}\n"
)
OUTLOOK = (
    f"{REPLY}\n\n________________________________\n"
    "From: Caseway <noreply@caseway.example>\nSent: 30 November 2026 10:15\n"
    "To: Ana Silva <ana@example.org>\n"
    "Subject: You have a new message about your case ABCD-2345-X\n\n"
    f"{NOTICE.text}\n"
)
APPLE_MAIL = (
    f"{REPLY}\n\n> On 30 Nov 2026, at 10:15, Caseway <noreply@caseway.example> wrote:\n>\n"
    f"{quoted(NOTICE.text)}\n"
)
WELSH_GMAIL = (
    f"{REPLY}\n\nAr ddydd Llun, 30 Tach 2026 am 10:15, Caseway <noreply@caseway.example>\n"
    f"ysgrifennodd:\n\n{quoted(NOTICE_CY.text)}\n"
)


@pytest.mark.parametrize("body", [GMAIL, OUTLOOK, APPLE_MAIL, WELSH_GMAIL],
                         ids=["gmail", "outlook", "apple-mail", "welsh-gmail"])  # fmt: skip
def test_the_reply_is_what_was_written_above_the_quoted_notice(body: str) -> None:
    parsed = parse_email(email(body))
    assert parsed.text == REPLY
    assert parsed.from_address == "ana@example.org"
    assert parsed.message_id == "<CAE+abc123@mail.gmail.com>"
    assert not parsed.automatic


@pytest.mark.parametrize(
    "history",
    [
        # Gmail set to Welsh, quoting an email without the separator (forwarded to them).
        "Ar Llun, 30 Tach 2026 am 10:15 Caseway <noreply@caseway.example> ysgrifennodd:\n"
        "> Annwyl Ana,\n> Mae gennych chi neges newydd.",
        # Outlook in Welsh.
        "Oddi wrth: Caseway <noreply@caseway.example>\nAnfonwyd: 30 Tachwedd 2026 10:15\n"
        "At: Ana Silva <ana@example.org>\nPwnc: Neges newydd\n\nAnnwyl Ana,",
        "-----Neges Wreiddiol-----\nOddi wrth: Caseway\n\nAnnwyl Ana,",
    ],
    ids=["gmail", "outlook", "original-message"],
)
def test_welsh_quoted_headers_are_cut_without_the_separator(history: str) -> None:
    assert reply_text(f"Diolch, dyma'r cytundeb.\n\n{history}\n") == "Diolch, dyma'r cytundeb."


def test_the_separator_is_cut_in_the_notices_own_words_quoted_or_not() -> None:
    assert NOTICE.reply_separator == REPLY_SEPARATOR  # the template and the parser agree
    assert NOTICE_CY.reply_separator is not None
    # A client that quotes nothing else recognisable: the separator alone cuts it.
    for separator in (NOTICE.reply_separator, NOTICE_CY.reply_separator):
        assert reply_text(f"Yes.\n\nsome unknown client header\n> {separator}\n> Dear Ana") == (
            "Yes.\n\nsome unknown client header"
        )
        assert reply_text(f"Yes.\n\n{separator}\nDear Ana") == "Yes."


def test_html_only_replies_are_text_with_the_quote_cut_and_nothing_rendered() -> None:
    html = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        "<div dir='ltr'>Here is <b>the</b> agreement.<br>Ana &amp; Ben</div><br>"
        "<div class='gmail_quote'><div class='gmail_attr'>On Mon, 30 Nov 2026 at 10:15, "
        "Caseway &lt;noreply@caseway.example&gt; wrote:<br></div>"
        f"<blockquote class='gmail_quote'>{NOTICE.html}</blockquote></div></body></html>"
    )
    parsed = parse_email(email(None, html))
    assert parsed.text == "Here is the agreement.\nAna & Ben"
    assert "alert" not in html_to_text(html)
    assert "color" not in html_to_text(html)


def test_the_plain_part_is_preferred_over_the_html_one() -> None:
    parsed = parse_email(email("Plain words.", "<p>HTML words.</p>"))
    assert parsed.text == "Plain words."


def test_attachments_come_out_with_name_bytes_and_declared_type() -> None:
    message = EmailMessage()
    message["From"] = "ana@example.org"
    message["To"] = "reply-1-2-3-abc@reply.caseway.example"
    message["In-Reply-To"] = "<msg-1-2-3-4-abc@reply.caseway.example>"
    message["References"] = "<a@x> <msg-1-2-3-4-abc@reply.caseway.example>"
    message.set_content(GMAIL)
    message.add_attachment(b"%PDF-1.4 tenancy", maintype="application", subtype="pdf",
                           filename="tenancy agreement.pdf")  # fmt: skip
    message.add_attachment(b"plain notes", maintype="text", subtype="plain", filename="n.txt")
    parsed = parse_email(bytes(message))
    assert parsed.text == REPLY
    assert [(a.filename, a.content, a.content_type) for a in parsed.attachments] == [
        ("tenancy agreement.pdf", b"%PDF-1.4 tenancy", "application/pdf"),
        ("n.txt", b"plain notes", "text/plain"),
    ]
    assert parsed.answers == ["<msg-1-2-3-4-abc@reply.caseway.example>", "<a@x>"]
    assert parsed.message_id.startswith("<sha256-")  # none given: one made from the bytes
    assert parse_email(bytes(message)).message_id == parsed.message_id


def test_automatic_replies_are_recognised() -> None:
    assert parse_email(email("I am out of the office.", Auto_Submitted="auto-replied")).automatic
    assert parse_email(email("Away.", Precedence="auto_reply")).automatic
    assert not parse_email(email("Mine.", Auto_Submitted="no")).automatic
