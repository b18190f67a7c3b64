"""An emailed reply, as bytes off the wire, turned into what lands on the case: the text
the resident wrote (without the quoted history), who sent it, which emails it answers,
and its attachments.

The quoted history is cut, earliest first, at:
1. the separator line the notice carries ("— Write your reply above this line —"), in
   any shipped locale, quoted or not: the resident may reply to an email in Welsh from a
   client set to English;
2. a Welsh client's quoted header ("Ar <date>, ysgrifennodd <name>:", Outlook's
   "Oddi wrth: / Anfonwyd:" block, "Neges wreiddiol"), which mail-parser-reply does not
   know;
3. whatever mail-parser-reply recognises (Gmail, Outlook, Apple Mail... in the languages
   it knows).

The plain-text part is preferred; an HTML-only email is turned into text here (its
markup dropped, never rendered); nothing from it is ever shown as HTML.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from functools import cache
from html.parser import HTMLParser

from babel.support import Translations
from mailparser_reply.parser import EmailMessage as QuotedEmail

from shared.i18n import TRANSLATIONS_DIR, shipped_locales

# The notice's separator, exactly as templates/notices/new_message.html writes it (its
# msgid: the catalogs give its translations; a unit test checks the two stay the same).
REPLY_SEPARATOR = "— Write your reply above this line —"
# mail-parser-reply's languages that Caseway ships (it falls back to English headers).
_PARSER_LANGUAGES = ("en", "es", "fr", "zh")
_DASHES = "-—–―‐‑‒_=#*"

# A Welsh client's line before the quoted email. Gmail: "Ar ddydd Llun, 30 Tach 2026 am
# 10:15, Caseway <noreply@...> ysgrifennodd:"; it may be wrapped over two lines.
_WELSH_WROTE = re.compile(
    r"^[ \t>]*Ar\s[^\n]{0,200}?(?:\n[ \t>]*[^\n]{0,200}?)?\bysgrifennodd\b[^\n]{0,200}?:[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# Outlook in Welsh: "Oddi wrth: ..." then "Anfonwyd: ..." (From / Sent), possibly in bold.
_WELSH_OUTLOOK = re.compile(
    r"^[ \t>*]*Oddi wrth\s*:[^\n]*\n(?:[ \t>*]*\n)?[ \t>*]*(?:Anfonwyd|Dyddiad)\s*:",
    re.IGNORECASE | re.MULTILINE,
)
_WELSH_ORIGINAL = re.compile(
    r"^[ \t>*]*-{2,}\s*Neges wreiddiol\s*-{2,}", re.IGNORECASE | re.MULTILINE
)
_MESSAGE_IDS = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str  # as the sender declared it: never trusted (the pipeline sniffs)


@dataclass(frozen=True)
class InboundEmail:
    message_id: str
    from_address: str
    recipients: list[str]
    # From In-Reply-To then References: the emails this one answers.
    answers: list[str]
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    # An out-of-office or other automatic reply (RFC 3834), which is not the resident's.
    automatic: bool = False


def parse_email(raw: bytes) -> InboundEmail:
    message = message_from_bytes(raw, policy=policy.default)
    return InboundEmail(
        message_id=_message_id(message, raw),
        from_address=parseaddr(str(message.get("From", "")))[1].strip(),
        recipients=[
            address
            for _, address in getaddresses([str(v) for v in message.get_all("To", [])])
            if address
        ],
        answers=_answers(message),
        text=reply_text(_body_text(message)),
        attachments=_attachments(message),
        automatic=_automatic(message),
    )


def _automatic(message: EmailMessage) -> bool:
    submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    return (
        not submitted.startswith("no")
        or precedence in ("bulk", "junk", "auto_reply", "list")
        or "X-Autoreply" in message
        or "X-Autorespond" in message
    )


def reply_text(full: str) -> str:
    """What the resident wrote: everything above the quoted history."""
    text = full.replace("\r\n", "\n").replace("\r", "\n")
    text = text[: _earliest_cut(text)]
    reply = QuotedEmail(text=text, languages=list(_PARSER_LANGUAGES), keep_hyphen_lists=True)
    latest = reply.read().latest_reply
    return (latest if latest is not None else text).strip()


def _earliest_cut(text: str) -> int:
    cuts = [len(text)]
    separators = separator_cores()
    offset = 0
    for line in text.splitlines(keepends=True):
        if _core(line) and any(core in _core(line) for core in separators):
            cuts.append(offset)
            break
        offset += len(line)
    for pattern in (_WELSH_WROTE, _WELSH_OUTLOOK, _WELSH_ORIGINAL):
        found = pattern.search(text)
        if found is not None:
            cuts.append(found.start())
    return min(cuts)


@cache
def separator_cores() -> frozenset[str]:
    """The separator line in every shipped locale, as compared: without dashes, quote
    marks or spaces, case-folded."""
    cores = {_core(REPLY_SEPARATOR)}
    for locale in shipped_locales():
        translations = Translations.load(str(TRANSLATIONS_DIR), [locale.code])
        cores.add(_core(translations.gettext(REPLY_SEPARATOR)))
    return frozenset(core for core in cores if core)


def _core(line: str) -> str:
    kept = line.strip().lstrip(">").strip().strip(_DASHES + " \t")
    return "".join(kept.split()).casefold()


def _body_text(message: EmailMessage) -> str:
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        return _text_of(plain)
    html = message.get_body(preferencelist=("html",))
    if html is not None:
        return html_to_text(_text_of(html))
    return ""


def _text_of(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, ValueError):  # an unknown or broken charset
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def _attachments(message: EmailMessage) -> list[Attachment]:
    found = []
    for part in message.iter_attachments():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload:
            continue
        found.append(
            Attachment(
                filename=part.get_filename() or "attachment",
                content=payload,
                content_type=part.get_content_type(),
            )
        )
    return found


def _message_id(message: EmailMessage, raw: bytes) -> str:
    found = _MESSAGE_IDS.search(str(message.get("Message-ID", "")))
    if found is not None:
        return found.group(0)[:998]
    # No Message-ID (rare, but allowed): the same bytes delivered twice are still one.
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@mail-in.caseway.invalid>"


def _answers(message: EmailMessage) -> list[str]:
    ids: list[str] = []
    for header in ("In-Reply-To", "References"):
        for value in message.get_all(header, []):
            ids += [found for found in _MESSAGE_IDS.findall(str(value)) if found not in ids]
    return ids


class _TextOfHtml(HTMLParser):
    """The text of an HTML email, with line breaks where blocks end and quoted blocks
    marked "> " as a plain-text client would. Markup is dropped, scripts and styles with
    their content; nothing is fetched or rendered."""

    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "hr", "table"})
    _SKIPPED = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote_depth = 0
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self.skipping += 1
        elif tag == "blockquote":
            self._break()
            self.quote_depth += 1
        elif tag in self._BREAKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self._break()
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag in self._BREAKS and tag != "br":
            self._break()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        text = re.sub(r"\s+", " ", data)
        if not self.lines[-1]:
            text = text.lstrip()
            if not text:
                return
            self.lines[-1] = "> " * self.quote_depth
        elif self.lines[-1].endswith(" "):
            text = text.lstrip()
        self.lines[-1] += text

    def _break(self) -> None:
        self.lines.append("")


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in parser.lines)).strip()
