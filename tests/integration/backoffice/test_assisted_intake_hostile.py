"""What a probe sends to assisted intake, as property tests on SQLite and PostgreSQL: never
a 500, and a refused form writes nothing (no record started, no answer kept, no case)."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from shared.models import Case, Draft, RoleCode
from tests.integration.backoffice.test_assisted_intake import answers_of
from tests.integration.test_hostile_input import (
    HOSTILE_CHARACTERS,
    HOSTILE_TEXT,
    NUMBERS,
    PROPERTY,
    csrf,
    new_client,
    raw_post,
)
from tests.staff_signing_in import sign_in_staff, staff_member

FIELDS = sorted(k for k in answers_of("application") if k not in ("form_version",))
DATES = ("needed_by", "date_of_birth")
SHOWN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def clerk_client(app: Flask):  # type: ignore[no-untyped-def]
    client = new_client(app)
    sign_in_staff(client, staff_member(app, RoleCode.INTAKE_CLERK).email)
    return client


def drafts(app: Flask) -> list[tuple[str, dict[str, object]]]:
    with app.extensions["caseway"].sessions() as session:
        return [(d.token, d.answers) for d in session.scalars(select(Draft).order_by(Draft.id))]


def texts(value: object) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    return [value] if isinstance(value, str) else []


def cases(app: Flask) -> int:
    with app.extensions["caseway"].sessions() as session:
        return session.scalar(select(func.count(Case.id))) or 0


@PROPERTY
@given(case_type=HOSTILE_TEXT, channel=st.one_of(HOSTILE_TEXT, st.just("portal")))
def test_starting_a_record_never_fails(backoffice: Flask, case_type: str, channel: str) -> None:
    client = clerk_client(backoffice)
    before = drafts(backoffice)
    response = raw_post(client, "/intake/", [("csrf_token", csrf(client, "/intake/")),
                                             ("case_type", case_type), ("channel", channel)])  # fmt: skip
    assert response.status_code in (200, 400)
    assert drafts(backoffice) == before


@PROPERTY
@given(
    field=st.sampled_from(FIELDS),
    value=HOSTILE_TEXT,
    date_part=NUMBERS,
    repeated=st.booleans(),
)
def test_a_hostile_answer_never_fails_and_a_refused_one_keeps_nothing(
    backoffice: Flask, field: str, value: str, date_part: str, repeated: bool
) -> None:
    client = clerk_client(backoffice)
    start = raw_post(client, "/intake/", [("csrf_token", csrf(client, "/intake/")),
                                          ("case_type", "application"), ("channel", "post")])  # fmt: skip
    token = start.headers["Location"].removeprefix("/intake/")
    fields: list[tuple[str, str]] = [("csrf_token", csrf(client, f"/intake/{token}"))]
    for name, answer in answers_of("application").items():
        if name == field:  # the hostile value, in place of the valid one (a date's middle part)
            answer = [answer[0], date_part, answer[2]] if name in DATES else value
        parts = answer if isinstance(answer, list) else [answer]
        fields += [(name, str(part)) for part in parts]
        if repeated and name == field:
            fields.append((name, value))
    response = raw_post(client, f"/intake/{token}", fields)
    assert response.status_code in (200, 302, 400)
    kept = dict(drafts(backoffice))[token]
    if response.status_code != 302:
        assert kept == {}  # refused: nothing recorded
    else:  # taken: nothing that cannot be shown was kept
        assert not any(SHOWN.search(text) for text in texts(kept))
    assert cases(backoffice) == 0  # answers alone never make a case


@PROPERTY
@given(token=HOSTILE_TEXT, extra=HOSTILE_CHARACTERS)
def test_a_hostile_address_or_field_never_fails(backoffice: Flask, token: str, extra: str) -> None:
    client = clerk_client(backoffice)
    path = f"/intake/x{quote(token, safe='', errors='surrogatepass')}"
    for suffix in ("", "/check", "/done"):
        assert client.get(path + suffix).status_code in (400, 404, 308)
    response = raw_post(client, path + "/check", [("csrf_token", csrf(client, "/")),
                                                  ("case_type", extra)])  # fmt: skip
    assert response.status_code in (400, 404, 405, 308)
    assert cases(backoffice) == 0
