"""Signed reply addresses and Message-IDs for the emails residents can answer.

A new-message email says "Reply-To: reply-<case>-<party>-<expiry day>-<mac>@<reply
domain>", as FixMyStreet does: whoever writes to that address is answering about that
case, as that resident, and nobody can make one up for another case or resident without
the secret key. The mac is an HMAC-SHA256 of the other parts under the app's secret key
and a purpose string (so it can never stand in for another signature the app makes),
cut to 80 bits and written in lowercase hex, because mail servers may change the case of
a local part.

An address expires 90 days after its email was sent: longer than any reply-by date on a
request for information (weeks) with holidays and a late answer on top, short enough that
an address in an old, forwarded or leaked email stops speaking for the resident. After
that the sender gets a bounce telling them to sign in to the portal to reply.

The email's Message-ID is signed the same way (with the notice's id), so a reply whose To
address was lost (forwarded, rewritten by a mail server) is still matched by its
In-Reply-To or References header.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, timedelta
from typing import Protocol

from shared.config import Settings

VALID_FOR = timedelta(days=90)
_PURPOSE_ADDRESS = b"caseway.mail-in.reply-address.v1"
_PURPOSE_MESSAGE_ID = b"caseway.mail-in.message-id.v1"
_MAC_HEX_DIGITS = 20  # 80 bits: enough against guessing, short enough for a local part
_EPOCH = date(1970, 1, 1)
_ADDRESS = re.compile(r"reply-(\d{1,12})-(\d{1,12})-(\d{1,6})-([0-9a-f]+)")
_MESSAGE_ID = re.compile(r"msg-(\d{1,12})-(\d{1,12})-(\d{1,12})-(\d{1,6})-([0-9a-f]+)")


class HasId(Protocol):
    @property
    def id(self) -> int: ...


class ReplyAddressRefused(Exception):
    """Mail to this address is not taken. `reason`: "forged" (not made by us, or altered),
    "expired" (made by us, too long ago) or "unknown" (not one of our reply addresses)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def reply_address(
    settings: Settings, *, case: HasId, party: HasId, issued: date | None = None
) -> str:
    """The address `party` replies to about `case`, valid for VALID_FOR from `issued`
    (default today; a notice passes the day it was made, so every retry of its email
    carries the same address)."""
    expiry = _day_number((issued or date.today()) + VALID_FOR)
    fields = f"{case.id}-{party.id}-{expiry}"
    return f"reply-{fields}-{_mac(settings, _PURPOSE_ADDRESS, fields)}@{settings.reply_domain}"


def verify_reply_address(
    settings: Settings, address: str, *, today: date | None = None
) -> tuple[int, int]:
    """(case id, party id) of a reply address we made and that has not expired."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    if domain.lower().rstrip(".") != settings.reply_domain:
        raise ReplyAddressRefused("unknown")
    local = local.lower()
    if not local.startswith("reply-"):
        raise ReplyAddressRefused("unknown")
    found = _ADDRESS.fullmatch(local)
    if found is None:
        raise ReplyAddressRefused("forged")
    case_id, party_id, expiry, mac = found.groups()
    fields = f"{case_id}-{party_id}-{expiry}"
    if not hmac.compare_digest(mac, _mac(settings, _PURPOSE_ADDRESS, fields)):
        raise ReplyAddressRefused("forged")
    # Only a genuine address is told it has expired: a forged one learns nothing.
    if _day_number(today or date.today()) > int(expiry):
        raise ReplyAddressRefused("expired")
    return int(case_id), int(party_id)


def signed_message_id(
    settings: Settings, *, case: HasId, party: HasId, notice: HasId, issued: date
) -> str:
    """The Message-ID of a notice email residents can answer: stable for the notice (made
    from its ids and the day it was created), so a retried send is recognisably a copy."""
    fields = f"{case.id}-{party.id}-{notice.id}-{_day_number(issued + VALID_FOR)}"
    return f"<msg-{fields}-{_mac(settings, _PURPOSE_MESSAGE_ID, fields)}@{settings.reply_domain}>"


def verify_message_id(
    settings: Settings, message_id: str, *, today: date | None = None
) -> tuple[int, int] | None:
    """(case id, party id) of a Message-ID we signed and that has not expired; None for any
    other (a reply's References also list the ids of other people's emails)."""
    local, _, domain = message_id.strip().strip("<>").rpartition("@")
    if domain.lower() != settings.reply_domain:
        return None
    found = _MESSAGE_ID.fullmatch(local.lower())
    if found is None:
        return None
    case_id, party_id, notice_id, expiry, mac = found.groups()
    fields = f"{case_id}-{party_id}-{notice_id}-{expiry}"
    if not hmac.compare_digest(mac, _mac(settings, _PURPOSE_MESSAGE_ID, fields)):
        return None
    if _day_number(today or date.today()) > int(expiry):
        return None
    return int(case_id), int(party_id)


def _mac(settings: Settings, purpose: bytes, fields: str) -> str:
    digest = hmac.new(
        settings.secret_key.encode(), purpose + b"\x00" + fields.encode(), hashlib.sha256
    )
    return digest.hexdigest()[:_MAC_HEX_DIGITS]


def _day_number(day: date) -> int:
    return (day - _EPOCH).days
