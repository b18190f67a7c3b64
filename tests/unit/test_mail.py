import pytest

from shared.notices.kinds import NoticeKind
from shared.notices.mail import SmtpSettings, build_message, message_id_for, wire_bytes
from shared.notices.render import notice_locale, render_notice

CONTEXT = {"recipient_name": "Ana Silva", "reference": "ABCD-2345-X", "case_url": "https://p/c"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:8025", ("127.0.0.1", 8025, False, False, None, None)),
        ("smtp://mail.internal", ("mail.internal", 25, False, False, None, None)),
        ("smtp://u%40x:p%3Ass@relay:587?starttls=true", ("relay", 587, False, True, "u@x", "p:ss")),
        ("smtps://user:secret@mail.example", ("mail.example", 465, True, False, "user", "secret")),
    ],
)
def test_smtp_url_options(url: str, expected: tuple[object, ...]) -> None:
    settings = SmtpSettings.from_url(url)
    assert (settings.host, settings.port, settings.use_ssl, settings.use_starttls,
            settings.username, settings.password) == expected  # fmt: skip


def test_other_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="smtp:// or smtps://"):
        SmtpSettings.from_url("http://mail.example")


def test_message_has_text_html_language_and_the_idempotency_key_as_message_id() -> None:
    rendered = render_notice(NoticeKind.NEW_MESSAGE, "en", CONTEXT)
    message_id = message_id_for("abc123", "Council <noreply@council.example>")
    message = build_message(rendered, sender="Council <noreply@council.example>",
                            recipient="ana@example.org", message_id=message_id)  # fmt: skip
    assert message_id == "<abc123@council.example>"
    assert message["Message-ID"] == message_id
    assert message["Content-Language"] == "en"
    assert message.get_body(("plain",)).get_content().startswith("Dear Ana Silva,")
    assert "https://p/c" in message.get_body(("html",)).get_content()
    wire = wire_bytes(message)
    assert b"\r\n" in wire
    assert b"\n" not in wire.replace(b"\r\n", b"")  # SMTP needs CRLF everywhere


def test_a_locale_notices_do_not_ship_in_falls_back_to_english() -> None:
    assert notice_locale("de") == "en"
    assert notice_locale(None) == "en"
    assert notice_locale("cy") == "cy"
    assert render_notice(NoticeKind.CASE_CLOSED, "de", CONTEXT).subject == (
        "Your case ABCD-2345-X is closed"
    )


def test_a_missing_context_value_is_an_error_not_a_blank() -> None:
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        render_notice(NoticeKind.NEW_MESSAGE, "en", {"reference": "X"})


def test_plain_text_is_not_html_and_html_is_escaped_once() -> None:
    from shared.notices.kinds import NoticeKind
    from shared.notices.render import render_notice

    rendered = render_notice(
        NoticeKind.ACKNOWLEDGEMENT,
        "en",
        {"recipient_name": "O'Brien-Nguyễn <b>", "reference": "ABCD-EFGH-J",
         "case_type": "complaint", "due_date": "2025-11-03", "case_url": "https://p.example/"},
    )  # fmt: skip
    assert "Dear O'Brien-Nguyễn <b>," in rendered.text
    assert "&#39;" not in rendered.text
    assert "&amp;" not in rendered.text
    assert "Dear O&#39;Brien-Nguyễn &lt;b&gt;," in rendered.html
    assert "&amp;#39;" not in rendered.html  # escaped once, not twice
    assert "3 November 2025" in rendered.text  # English dates the GB way by default
    assert "November 3, 2025" not in rendered.text


def test_the_development_mail_catcher_prints_emails_decoded_with_links_whole() -> None:
    from shared.notices.catcher import readable
    from shared.notices.kinds import NoticeKind
    from shared.notices.mail import build_message, wire_bytes
    from shared.notices.render import render_notice

    link = "https://portal.example/sign-in/" + "x" * 120 + ".signature=="
    rendered = render_notice(NoticeKind.SIGN_IN_LINK, "ar", {"link": link, "expires_minutes": 20})
    message = build_message(
        rendered, sender="Caseway <noreply@caseway.example>", recipient="a@example.org",
        message_id="<1@caseway.example>",
    )  # fmt: skip
    raw = wire_bytes(message)
    assert link not in raw.decode("ascii")  # on the wire it is encoded and wrapped
    shown = readable(raw)
    assert link in shown  # whole, on one line
    assert f"Subject: {rendered.subject}" in shown  # Arabic, not an encoded word
    assert "=?utf-8?" not in shown


def test_the_mail_catcher_shows_the_reply_address_and_message_id_for_replying_by_email() -> None:
    """Defect 16 of issue 23: to try a reply by email from the demo, a person needs the
    address a reply goes to (signed per case) and the Message-ID it answers."""
    from shared.notices.catcher import readable

    rendered = render_notice(NoticeKind.NEW_MESSAGE, "en", CONTEXT)
    message = build_message(
        rendered, sender="Caseway <noreply@caseway.example>", recipient="a@example.org",
        message_id="<notice-7@caseway.example>",
    )  # fmt: skip
    message["Reply-To"] = "reply+c7.signature@replies.caseway.example"
    shown = readable(wire_bytes(message))
    assert "Reply-To: reply+c7.signature@replies.caseway.example" in shown
    assert "Message-ID: <notice-7@caseway.example>" in shown


def test_the_mail_catcher_says_when_an_email_cannot_be_answered() -> None:
    from shared.notices.catcher import readable

    rendered = render_notice(NoticeKind.NEW_MESSAGE, "en", CONTEXT)
    message = build_message(
        rendered, sender="Caseway <noreply@caseway.example>", recipient="a@example.org",
        message_id="<notice-8@caseway.example>",
    )  # fmt: skip
    assert "Reply-To: (none: replies are not read)" in readable(wire_bytes(message))
