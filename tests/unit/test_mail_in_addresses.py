"""Signed reply addresses and Message-IDs: only ours are taken, for the case and resident
they were made for, until they expire; an altered one is forged, not expired."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest

from shared.config import load_settings
from shared.mail_in.addresses import (
    VALID_FOR,
    ReplyAddressRefused,
    reply_address,
    signed_message_id,
    verify_message_id,
    verify_reply_address,
)

SETTINGS = replace(load_settings({"CASEWAY_MAIL_FROM": "Council <noreply@council.example>"}),
                   secret_key="k" * 40)  # fmt: skip


@dataclass
class Thing:
    id: int


def refusal(address: str, **kwargs: date) -> str:
    with pytest.raises(ReplyAddressRefused) as refused:
        verify_reply_address(SETTINGS, address, **kwargs)
    return refused.value.reason


def test_a_reply_address_names_its_case_and_resident_until_it_expires() -> None:
    issued = date(2026, 11, 30)
    address = reply_address(SETTINGS, case=Thing(41), party=Thing(7), issued=issued)
    local, _, domain = address.partition("@")
    assert domain == "reply.council.example"  # derived from mail_from
    assert local.startswith("reply-41-7-")
    assert len(local) <= 64
    assert verify_reply_address(SETTINGS, address, today=issued) == (41, 7)
    assert verify_reply_address(SETTINGS, f"<{address.upper()}>", today=issued) == (41, 7)
    last_day = issued + VALID_FOR
    assert verify_reply_address(SETTINGS, address, today=last_day) == (41, 7)
    assert refusal(address, today=last_day + timedelta(days=1)) == "expired"


def test_altered_or_made_up_addresses_are_forged_and_other_domains_unknown() -> None:
    address = reply_address(SETTINGS, case=Thing(41), party=Thing(7))
    assert refusal(address.replace("reply-41-", "reply-42-", 1)) == "forged"
    expiry = address.split("-")[3]
    assert refusal(address.replace(f"-{expiry}-", f"-{int(expiry) + 900}-", 1)) == "forged"
    assert refusal(f"reply-41-7-30000-{'0' * 20}@reply.council.example") == "forged"
    assert refusal("reply-41-7@reply.council.example") == "forged"
    other_key = replace(SETTINGS, secret_key="x" * 40)
    assert refusal(reply_address(other_key, case=Thing(41), party=Thing(7))) == "forged"
    # An expired address that was also altered is forged: a forgery learns nothing.
    old = reply_address(SETTINGS, case=Thing(41), party=Thing(7), issued=date(2020, 1, 1))
    assert refusal(old) == "expired"
    assert refusal(old.replace("reply-41-", "reply-40-", 1)) == "forged"
    assert refusal(address.replace("reply.council.example", "council.example")) == "unknown"
    assert refusal("postmaster@reply.council.example") == "unknown"


def test_the_message_id_is_stable_for_a_notice_and_signed() -> None:
    issued = date(2026, 11, 30)
    made = signed_message_id(SETTINGS, case=Thing(41), party=Thing(7), notice=Thing(99),
                             issued=issued)  # fmt: skip
    assert made == signed_message_id(SETTINGS, case=Thing(41), party=Thing(7),
                                     notice=Thing(99), issued=issued)  # fmt: skip
    assert made.startswith("<msg-41-7-99-")
    assert made.endswith("@reply.council.example>")
    assert verify_message_id(SETTINGS, made, today=issued) == (41, 7)
    assert verify_message_id(SETTINGS, made.replace("msg-41-", "msg-42-"), today=issued) is None
    assert verify_message_id(SETTINGS, made, today=issued + VALID_FOR * 2) is None
    assert verify_message_id(SETTINGS, "<CAE+abc@mail.gmail.com>") is None


def test_the_reply_domain_is_configured_or_derived_from_the_sender() -> None:
    from shared.config import ConfigError

    assert load_settings({}).reply_domain == "reply.caseway.example"
    assert (
        load_settings({"CASEWAY_REPLY_DOMAIN": "In.Council.gov."}).reply_domain == "in.council.gov"
    )
    with pytest.raises(ConfigError, match="CASEWAY_REPLY_DOMAIN"):
        load_settings({"CASEWAY_REPLY_DOMAIN": "replies@council.gov"})
