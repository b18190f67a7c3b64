"""What an outside probe sends, as property tests on SQLite and PostgreSQL: out-of-range
numbers, NUL and lone surrogates, over-long values, control and bidirectional characters,
repeated and missing fields, a changed Host header, crafted return paths. Never a 500,
and nothing written when the input is refused."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shared.casetypes.forms import form_for
from shared.models import Case, Draft, Notice
from tests.integration.test_cookies import CSRF
from tests.journeys import ANSWERS, FORM_VERSION

PROPERTY = hypothesis_settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["1e30", "٣", "²", " 7 ", "0x1f", "-0", "", "9" * 40, str(2**63)]),
)
HOSTILE_CHARACTERS = st.sampled_from(
    ["\x00", "\ud800", "\udfff", "\u202e", "\u2066", "\x1b", "\x7f", "\r\n", "\ufeff", "<>\"'&"]
)
WITH_A_HOSTILE_CHARACTER = st.builds(
    lambda a, b, c: a + b + c, st.text(max_size=10), HOSTILE_CHARACTERS, st.text(max_size=10)
)
HOSTILE_TEXT = st.one_of(
    WITH_A_HOSTILE_CHARACTER,
    NUMBERS,
    st.integers(min_value=100, max_value=20_000).map(lambda n: "é" * n),
    st.text(max_size=40),
)


def new_client(app: Flask) -> FlaskClient:
    """A client from an address of its own, so per-client rate limits never interfere."""
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def raw_post(client: FlaskClient, path: str, fields: list[tuple[str, str]], **kwargs: Any):  # type: ignore[no-untyped-def]
    """A form POST that can carry what no browser sends (lone surrogates survive as the
    bytes a script would send)."""
    body = "&".join(
        f"{quote(name)}={quote(value.encode('utf-8', 'surrogatepass'), safe='')}"
        for name, value in fields
    )
    return client.post(path, data=body, content_type="application/x-www-form-urlencoded", **kwargs)


def as_the_server_reads(value: str) -> str:
    """The text a form field holds once `raw_post` sent `value`: werkzeug keeps bytes that
    are not UTF-8 (a lone surrogate's) as their %-escapes, so a field never holds one."""
    body = "field=" + quote(value.encode("utf-8", "surrogatepass"), safe="")
    environ = EnvironBuilder(method="POST", data=body,
                             content_type="application/x-www-form-urlencoded").get_environ()  # fmt: skip
    return str(Request(environ).form["field"])


def csrf(client: FlaskClient, path: str) -> str:
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, path
    return match.group(1)


def started_draft(app: Flask, case_type: str) -> tuple[FlaskClient, str]:
    client = new_client(app)
    token = csrf(client, f"/file/{case_type}/start")
    client.post(f"/file/{case_type}/start", data={"csrf_token": token})
    return client, token


def draft_answers(app: Flask) -> list[dict[str, Any]]:
    with app.extensions["caseway"].sessions() as session:
        return [dict(d.answers) for d in session.scalars(select(Draft).order_by(Draft.id))]


QUESTION_PAGES = [
    (case_type, page.slug, [f.name for f in page.fields], page.fields[0].type)
    for case_type in ("application", "complaint")
    for page in form_for(case_type).pages
    if page.fields[0].type != "file"
]


def field_names(question_names: list[str], kind: str) -> list[tuple[str, int]]:
    """The names a page's form posts, with how many values each takes."""
    if kind == "address":
        return [(f"{question_names[0]}_{p}", 1) for p in ("line_1", "line_2", "town", "postcode")]
    return [(name, 3 if kind == "date" else 1) for name in question_names]


@pytest.mark.parametrize(("case_type", "slug", "questions", "kind"), QUESTION_PAGES)
def test_no_question_page_fails_on_hostile_answers(
    portal: Flask, case_type: str, slug: str, questions: list[str], kind: str
) -> None:
    client, token = started_draft(portal, case_type)
    page = f"/file/{case_type}/{slug}"

    @PROPERTY
    @given(values=st.lists(NUMBERS if kind == "date" else HOSTILE_TEXT, min_size=1, max_size=4),
           repeat=st.booleans(), drop=st.booleans())  # fmt: skip
    def hostile_page(values: list[str], repeat: bool, drop: bool) -> None:
        before = draft_answers(portal)
        fields = [("csrf_token", token), ("form_version", FORM_VERSION[case_type])]
        for index, (name, count) in enumerate(field_names(questions, kind)):
            if drop and index == 0:
                continue  # a missing field
            taken = (values * 3)[index : index + count]
            fields += [(name, value) for value in taken * (2 if repeat else 1)]
        response = raw_post(client, page, fields)
        assert response.status_code < 500, response.get_data(as_text=True)[:500]
        if response.status_code != 302:  # refused: the draft is exactly as it was
            assert draft_answers(portal) == before

    hostile_page()


@pytest.mark.parametrize("slug", ["when", "about-you"])
@pytest.mark.parametrize("day", ["100000000000000000000", str(2**63), "1e30", "-1"])
def test_out_of_range_dates_are_a_message_not_a_500(portal: Flask, slug: str, day: str) -> None:
    client, token = started_draft(portal, "complaint")
    name = "happened_on" if slug == "when" else "date_of_birth"
    fields = [("csrf_token", token), ("form_version", FORM_VERSION["complaint"]),
              (name, "1"), (name, "1"), (name, day), ("given_name", "A"), ("family_name", "B")]  # fmt: skip
    for order in (fields, [*fields[:2], (name, day), (name, "1"), (name, "2026"), *fields[5:]]):
        response = raw_post(client, f"/file/complaint/{slug}", order)
        assert response.status_code == 200
        assert "Enter a real date" in response.get_data(as_text=True)


@PROPERTY
@given(reference=HOSTILE_TEXT, email=HOSTILE_TEXT)
def test_looking_a_case_up_never_fails(portal: Flask, reference: str, email: str) -> None:
    client = new_client(portal)
    response = raw_post(
        client, "/track", [("csrf_token", csrf(client, "/track")), ("reference", reference),
                           ("email", email)],
    )  # fmt: skip
    assert response.status_code in (200, 400)
    assert "There is a problem" in response.get_data(as_text=True) or response.status_code == 400


@PROPERTY
@given(satisfaction=HOSTILE_TEXT, improvement=HOSTILE_TEXT, came_from=HOSTILE_TEXT)
def test_feedback_never_fails_and_stores_only_what_it_accepts(
    portal: Flask, satisfaction: str, improvement: str, came_from: str
) -> None:
    from shared.models import Feedback, Satisfaction

    assume(satisfaction not in {choice.value for choice in Satisfaction})

    def stored() -> int:
        with portal.extensions["caseway"].sessions() as session:
            return session.scalar(select(func.count(Feedback.id))) or 0

    before = stored()
    client = new_client(portal)
    response = raw_post(
        client, "/feedback", [("csrf_token", csrf(client, "/feedback")),
                              ("satisfaction", satisfaction), ("improvement", improvement),
                              ("came_from", came_from)],
    )  # fmt: skip
    assert response.status_code in (200, 302, 400)
    # A made-up satisfaction is never accepted, so nothing is stored.
    assert stored() == before
    if response.status_code == 200:
        assert "There is a problem" in response.get_data(as_text=True)


def test_a_nul_in_an_email_address_is_refused_with_a_message(portal: Flask) -> None:
    client = new_client(portal)
    for path in ("/track", "/sign-in"):
        response = raw_post(client, path, [("csrf_token", csrf(client, path)),
                                           ("reference", "ABCD-EFGH-J"), ("email", "a\x00b@c.example")])  # fmt: skip
        assert response.status_code == 400
        assert "character we cannot accept" in response.get_data(as_text=True)


@PROPERTY
@given(
    endpoint=st.sampled_from(
        ["/cases/{}", "/cases/{}/withdraw", "/documents/{}", "/sign-in/{}", "/file/resume/{}",
         "/file/{}/start", "/file/application/{}", "/language/{}"]
    ),
    value=HOSTILE_TEXT.filter(lambda v: v.strip("/.") != ""),
)  # fmt: skip
def test_hostile_ids_in_addresses_are_not_found(portal: Flask, endpoint: str, value: str) -> None:
    path = endpoint.format(quote(value.encode("utf-8", "surrogatepass"), safe=""))
    response = new_client(portal).get(path)
    assert response.status_code in (302, 400, 404), (path, response.status_code)


def test_a_nul_in_a_document_id_or_a_removal_is_not_found(portal: Flask) -> None:
    client, token = started_draft(portal, "application")
    assert client.get("/documents/abc%00def").status_code == 404
    response = raw_post(
        client, "/file/application/evidence",
        [("csrf_token", token), ("form_version", FORM_VERSION["application"]), ("remove", "\x00")],
    )  # fmt: skip
    assert response.status_code in (400, 404)


@PROPERTY
@given(next_path=HOSTILE_TEXT)
def test_a_return_path_is_home_or_a_page_of_the_portal(portal: Flask, next_path: str) -> None:
    client = new_client(portal)
    response = client.get(
        "/language/cy?next=" + quote(next_path.encode("utf-8", "surrogatepass"), safe="")
    )
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        location = response.headers["Location"]
        assert location.startswith("/")
        assert not location.startswith("//")
        assert "\\" not in location
        assert not any(ord(c) < 0x20 for c in location)


@PROPERTY
@given(host=st.from_regex(r"[a-z0-9-]{1,20}(\.[a-z]{2,6}){1,2}(:[0-9]{2,5})?", fullmatch=True))
def test_emailed_links_never_follow_the_host_header(portal: Flask, host: str) -> None:
    client = new_client(portal)
    email = f"{secrets.token_hex(6)}@example.org"
    from shared.db import transaction
    from shared.services import parties

    with transaction(portal.extensions["caseway"].sessions) as session:
        parties.register_person(session, given_name="A", family_name="B", email=email)
    page = client.get("/sign-in", headers={"Host": host}).get_data(as_text=True)
    token = CSRF.search(page)
    assert token is not None
    response = client.post(
        "/sign-in", data={"csrf_token": token.group(1), "email": email}, headers={"Host": host}
    )
    assert response.status_code == 200
    with portal.extensions["caseway"].sessions() as session:
        notice = session.scalars(select(Notice).where(Notice.recipient_address == email)).one()
    assert str(notice.context["link"]).startswith("http://localhost/sign-in/")


ODD_BUT_VALID = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc", "Cf"]), min_size=1, max_size=300
).filter(lambda t: t.strip() != "")


@hypothesis_settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(given_name=ODD_BUT_VALID, details=ODD_BUT_VALID, town=ODD_BUT_VALID)
def test_whatever_a_page_accepts_can_be_sent(
    portal: Flask, given_name: str, details: str, town: str
) -> None:
    """An answer accepted on its page must never make sending fail (a column too short,
    a character the database refuses)."""
    client, token = started_draft(portal, "application")
    journey = ANSWERS["application"]
    changed = {
        "about-you": {**journey["about-you"], "given_name": given_name},
        "details": {"details": details},
        "address": {**journey["address"], "address_town": town},
    }
    accepted = True
    for slug, answers in {**journey, **changed}.items():
        response = client.post(f"/file/application/{slug}",
                               data={"csrf_token": token, "form_version": FORM_VERSION["application"], **answers})  # fmt: skip
        accepted = accepted and response.status_code == 302
    if not accepted:
        assert len(town) > 120 or len(given_name) > 100  # refused on its page, with a message
        return
    with portal.extensions["caseway"].sessions() as session:
        before = session.scalar(select(func.count()).select_from(Case)) or 0
    response = client.post("/file/application/check", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    with portal.extensions["caseway"].sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == before + 1


def test_a_town_as_long_as_the_page_allows_can_be_sent(portal: Flask) -> None:
    client, token = started_draft(portal, "application")
    for slug, answers in ANSWERS["application"].items():
        if slug == "address":
            answers = {**answers, "address_town": "T" * 200}
            refused = client.post("/file/application/address", data={
                "csrf_token": token, "form_version": FORM_VERSION["application"], **answers})  # fmt: skip
            assert "Enter 120 characters or fewer" in refused.get_data(as_text=True)
            answers = {**answers, "address_town": "T" * 120}
        client.post(f"/file/application/{slug}",
                    data={"csrf_token": token, "form_version": FORM_VERSION["application"], **answers})  # fmt: skip
    response = client.post("/file/application/check", data={"csrf_token": token})
    assert response.status_code == 302


def test_a_long_address_asks_for_sign_in_without_a_giant_cookie(portal: Flask) -> None:
    """What a visitor not signed in asks for is remembered for after sign-in only when it
    could be a reference: never 20,000 characters into the session cookie."""
    response = new_client(portal).get("/cases/" + "é" * 20_000)
    assert response.headers["Location"] == "/sign-in"
    assert len(response.headers.get("Set-Cookie", "")) < 1000
