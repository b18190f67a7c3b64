"""The parties of a case beyond its applicant, as staff work them: a representative and
another party added on their own page and shown on the case page, removed with a button,
refused to roles that do not work cases, reached only through their own case, never
shown to the resident, added once however often the form is sent, and never a 500
whatever is sent."""

from __future__ import annotations

import threading
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from sqlalchemy import func, select

from shared.db import transaction
from shared.models import AuditEvent, Case, CaseParty, CasePartyRole, Event, Party, RoleCode
from shared.services import case_parties
from tests.factories import make_party, make_staff, make_team
from tests.integration.backoffice.test_case_page import case_in_team, team_member
from tests.integration.test_hostile_input import (
    HOSTILE_TEXT,
    NUMBERS,
    PROPERTY,
    csrf,
    new_client,
    raw_post,
)
from tests.staff_signing_in import (
    csrf_token,
    post_form,
    resident_pages,
    sign_in_staff,
    signed_in_client,
)

COUNCILLOR = {"role": "representative", "given_name": "Cerys", "family_name": "<b>Councillor</b>",
              "organisation_name": "", "email": "Cerys@Example.org", "phone": "01632 960 001"}  # fmt: skip
COMPANY = {"role": "other_party", "given_name": "", "family_name": "",
           "organisation_name": "Acme Lettings Ltd", "email": "", "phone": ""}  # fmt: skip


def sessions(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["caseway"].sessions


def add(client: FlaskClient, reference: str, **fields: object) -> str | None:
    """Sends the add-a-party page; its text when refused, None when added."""
    path = f"/cases/{reference}/parties/new"
    response = post_form(client, path, {"role": "", **fields})
    if response.status_code == 302:
        assert response.headers["Location"] == f"/cases/{reference}#parties"
        return None
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def links(app: Flask) -> list[tuple[str, CasePartyRole, str]]:
    with sessions(app)() as session:
        query = select(CaseParty).order_by(CaseParty.id)
        return [(session.get(Case, link.case_id).reference, link.role,  # type: ignore[union-attr]
                 case_parties.display_name(link.party)) for link in session.scalars(query)]  # fmt: skip


def counts(app: Flask, kind: str) -> tuple[int, int]:
    """Staff-only events of `kind`, and audit entries."""
    with sessions(app)() as session:
        events = session.scalar(select(func.count(Event.id)).where(
            Event.kind == kind, Event.is_public.is_(False))) or 0  # fmt: skip
        audits = session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == kind.replace("_", ".", 1))) or 0  # fmt: skip
        return events, audits


def remove(client: FlaskClient, reference: str, case_party_id: int, confirm: str = "yes") -> int:
    """Answers the remove page's question."""
    token = csrf_token(client, f"/cases/{reference}")
    return client.post(f"/cases/{reference}/parties/{case_party_id}/remove",
                       data={"csrf_token": token, "confirm": confirm}).status_code  # fmt: skip


def link_ids(app: Flask) -> list[int]:
    with sessions(app)() as session:
        return list(session.scalars(select(CaseParty.id).order_by(CaseParty.id)))


def test_a_representative_and_another_party_are_added_and_shown(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    client, me = team_member(backoffice, RoleCode.CASEWORKER)
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "No other parties." in page
    assert f'href="/cases/{reference}/parties/new"' in page
    form = client.get(f"/cases/{reference}/parties/new").get_data(as_text=True)
    assert f"<title>Add a party to case {reference}" in form
    assert form.count("<h1") == 1
    assert add(client, reference, **COUNCILLOR) is None
    assert add(client, reference, **COMPANY) is None
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "“Acme Lettings Ltd” is added to the case." in page
    parties = page[page.index('id="parties"') : page.index('id="related"')]
    assert "Cerys &lt;b&gt;Councillor&lt;/b&gt;" in parties  # text, not HTML
    assert "Representative" in parties
    assert "cerys@example.org" in parties
    assert "01632 960 001" in parties
    assert "Acme Lettings Ltd" in parties
    assert "Other party" in parties
    assert parties.index("Cerys") < parties.index("Acme")  # by role
    assert parties.count(">Remove<") == 2  # each card's action, a link to the question
    assert "None" not in parties
    assert page.count("<h1") == 1
    # The resident stays first, in the summary above.
    assert page.index("The resident") < page.index('id="parties"')
    assert links(backoffice) == [
        (reference, CasePartyRole.REPRESENTATIVE, "Cerys <b>Councillor</b>"),
        (reference, CasePartyRole.OTHER_PARTY, "Acme Lettings Ltd"),
    ]
    assert counts(backoffice, "party_added") == (2, 2)
    with sessions(backoffice)() as session:
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "party.added")
                                .order_by(AuditEvent.id)).all()  # fmt: skip
        assert {entry.actor_id for entry in audit} == {str(me.id)}
        assert audit[1].details["role"] == "other_party"
        company = session.scalars(select(Party).where(
            Party.organisation_name == "Acme Lettings Ltd")).one()  # fmt: skip
        assert company.kind.value == "organisation"
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        listed = case_parties.parties_of(session, case=case)
        assert [entry.role for entry in listed] == [
            None, CasePartyRole.REPRESENTATIVE, CasePartyRole.OTHER_PARTY]  # fmt: skip
        assert listed[0].party.id == case.applicant_id  # the applicant first
    history = client.get(f"/cases/{reference}/history").get_data(as_text=True)
    assert "Party added" in history
    assert "Staff only" in history


def test_a_party_is_removed_once(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    assert add(client, reference, **COMPANY) is None
    (link_id,) = link_ids(backoffice)
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert f'href="/cases/{reference}/parties/{link_id}/remove"' in page
    question = client.get(f"/cases/{reference}/parties/{link_id}/remove").get_data(as_text=True)
    assert f"<title>Remove Acme Lettings Ltd from case {reference}" in question
    assert question.count("<h1") == 1
    unanswered = client.post(f"/cases/{reference}/parties/{link_id}/remove",
                             data={"csrf_token": csrf_token(client, "/")}).get_data(as_text=True)  # fmt: skip
    assert "<title>Error: Remove" in unanswered
    assert "Select yes if you want to remove this party" in unanswered
    assert remove(client, reference, link_id, "no") == 302
    assert remove(client, reference, link_id, "maybe") == 200  # not a choice: asked again
    assert link_ids(backoffice) == [link_id]  # kept
    assert remove(client, reference, link_id) == 302
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "“Acme Lettings Ltd” is removed from the case." in page
    assert "No other parties." in page
    assert "Party removed" in client.get(f"/cases/{reference}/history").get_data(as_text=True)
    assert remove(client, reference, link_id) == 404  # gone: nothing more to remove
    assert link_ids(backoffice) == []
    assert counts(backoffice, "party_removed") == (1, 1)
    with sessions(backoffice)() as session:  # the Party stays; only its link went
        assert session.scalars(select(Party).where(
            Party.organisation_name == "Acme Lettings Ltd")).one()  # fmt: skip


def test_the_form_says_what_is_wrong_and_keeps_what_was_typed(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    empty = add(client, reference)
    assert empty is not None
    assert "<title>Error: Add a party" in empty
    assert "Select their role in the case" in empty
    assert "Enter their name, or the name of their organisation" in empty
    assert 'href="#given_name"' in empty
    typed = COUNCILLOR | {"email": "not an address", "phone": "call me", "given_name": "Wyn"}
    wrong = add(client, reference, **typed)
    assert wrong is not None
    assert "Enter an email address in the correct format" in wrong
    assert "Enter a phone number, like" in wrong
    for value in ("Wyn", "&lt;b&gt;Councillor&lt;/b&gt;", "not an address", "call me"):
        assert f'value="{value}"' in wrong, value  # nothing typed is lost
    assert 'value="representative" checked' in wrong
    long = add(client, reference, **(COMPANY | {"organisation_name": "x" * 201}))
    assert long is not None
    assert "Enter 200 characters or fewer" in long
    assert links(backoffice) == []
    assert counts(backoffice, "party_added") == (0, 0)


def test_the_applicant_is_not_added_again(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    with sessions(backoffice)() as session:
        email = (
            session.scalars(select(Case).where(Case.reference == reference)).one().applicant.email
        )
    page = add(client, reference, **(COUNCILLOR | {"email": email.upper()}))
    assert page is not None
    assert "They are already on the case" in page
    assert "<title>Error:" in page
    assert links(backoffice) == []


def test_a_person_with_a_verified_email_is_linked_not_copied(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    other = case_in_team(backoffice, state="in_progress")
    with transaction(sessions(backoffice)) as session:
        known = make_party(session, given_name="Vera", family_name="Known",
                           email="vera@example.org", is_email_verified=True)  # fmt: skip
        known_id = known.id
        parties_before = session.scalar(select(func.count(Party.id)))
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    for case in (reference, other):
        assert add(client, case, **(COUNCILLOR | {"email": "VERA@example.org"})) is None
    again = add(client, reference, **(COUNCILLOR | {"email": "vera@example.org"}))
    assert again is not None
    assert "They are already on the case in that role" in again
    assert add(client, reference, **(COUNCILLOR | {"email": "vera@example.org",
                                                   "role": "witness"})) is None  # fmt: skip
    with sessions(backoffice)() as session:
        assert set(session.scalars(select(CaseParty.party_id))) == {known_id}
        assert session.scalar(select(func.count(Party.id))) == parties_before
        assert session.get(Party, known_id).given_name == "Vera"  # type: ignore[union-attr]  # never merged


def test_roles_that_do_not_work_cases_are_refused(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    assert add(client, reference, **COMPANY) is None
    (link_id,) = link_ids(backoffice)
    for role in (RoleCode.AUDITOR, RoleCode.INTAKE_CLERK, RoleCode.ADMINISTRATOR):
        other, _ = signed_in_client(backoffice, role)
        assert other.get(f"/cases/{reference}/parties/new").status_code == 403, role
        token = csrf_token(other, "/")
        sent = other.post(f"/cases/{reference}/parties/new", data={"csrf_token": token, **COMPANY})
        assert sent.status_code == 403, role
        gone = other.post(f"/cases/{reference}/parties/{link_id}/remove",
                          data={"csrf_token": token, "confirm": "yes"})  # fmt: skip
        assert gone.status_code == 403, role
        assert other.get(f"/cases/{reference}/parties/{link_id}/remove").status_code == 403
        if role is not RoleCode.ADMINISTRATOR:  # they see the case, and change nothing
            page = other.get(f"/cases/{reference}").get_data(as_text=True)
            assert "Acme Lettings Ltd" in page
            assert ">Remove<" not in page
            assert "Add a party" not in page
    assert len(links(backoffice)) == 1
    assert counts(backoffice, "party_removed") == (0, 0)


def test_a_party_is_reached_only_through_its_own_case(backoffice: Flask) -> None:
    mine = case_in_team(backoffice, state="in_progress")
    other = case_in_team(backoffice, state="in_progress")
    elsewhere = case_in_team(backoffice, state="in_progress", team="complaints")
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    assert add(client, other, **COMPANY) is None
    (theirs,) = link_ids(backoffice)
    for path in (f"/cases/{mine}/parties/{theirs}/remove", f"/cases/{mine}/parties/99999/remove",
                 f"/cases/{mine}/parties/{2**40}/remove", f"/cases/{mine}/parties/0/remove",
                 f"/cases/{elsewhere}/parties/{theirs}/remove",
                 f"/cases/ZZZZ-ZZZZ-Z/parties/{theirs}/remove"):  # fmt: skip
        token = csrf_token(client, f"/cases/{mine}")
        sent = client.post(path, data={"csrf_token": token, "confirm": "yes"})
        assert sent.status_code == 404, path
        assert client.get(path).status_code == 404, path
    assert client.get(f"/cases/{elsewhere}/parties/new").status_code == 404
    assert link_ids(backoffice) == [theirs]


def test_other_parties_never_reach_the_resident(backoffice: Flask) -> None:

    reference = case_in_team(backoffice, state="in_progress")
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    assert add(client, reference, **COMPANY) is None
    assert add(client, reference, **(COUNCILLOR | {"given_name": "Secretive"})) is None
    with sessions(backoffice)() as session:
        email = (
            session.scalars(select(Case).where(Case.reference == reference)).one().applicant.email
        )
    for seen in resident_pages(backoffice, reference, email):
        assert reference in seen
        for staff_words in ("Acme Lettings", "Secretive", "Party added", "Other parties"):
            assert staff_words not in seen


def test_the_same_party_sent_twice_at_once_is_added_once(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="in_progress")
    with transaction(sessions(backoffice)) as session:
        member = make_staff(session, roles=[RoleCode.CASEWORKER], team=make_team(session))
        email = member.email
    clients = []
    for _ in range(2):  # the same person in two tabs (or a double click)
        client = backoffice.test_client()
        assert sign_in_staff(client, email).status_code == 302
        clients.append((client, csrf_token(client, f"/cases/{reference}/parties/new")))
    start = threading.Barrier(2)
    statuses: list[int] = []

    def send(client: FlaskClient, token: str) -> None:
        start.wait()
        response = client.post(f"/cases/{reference}/parties/new",
                               data={"csrf_token": token, **COUNCILLOR})  # fmt: skip
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 302]  # one added; the other told it is there already
    assert len(links(backoffice)) == 1
    assert counts(backoffice, "party_added") == (1, 1)


@PROPERTY
@given(role=HOSTILE_TEXT, name=HOSTILE_TEXT, organisation=HOSTILE_TEXT, email=HOSTILE_TEXT,
       phone=HOSTILE_TEXT, case_party_id=NUMBERS)  # fmt: skip
def test_hostile_party_input_never_fails_and_writes_nothing_refused(
    backoffice: Flask, role: str, name: str, organisation: str, email: str, phone: str,
    case_party_id: str,
) -> None:  # fmt: skip
    reference = _shared_case(backoffice)
    client = new_client(backoffice)
    sign_in_staff(client, _shared_member(backoffice))
    token = csrf(client, "/")
    before = links(backoffice), counts(backoffice, "party_added")
    fields = [("csrf_token", token), ("role", role), ("given_name", name),
              ("family_name", name), ("organisation_name", organisation), ("email", email),
              ("phone", phone)]  # fmt: skip
    response = raw_post(client, f"/cases/{reference}/parties/new", fields)
    assert response.status_code in (200, 302, 400), response.status_code
    after = links(backoffice), counts(backoffice, "party_added")
    if response.status_code == 302:  # a fair party after all: exactly one added
        assert len(after[0]) == len(before[0]) + 1
    else:
        assert after == before
    path = f"/cases/{reference}/parties/{quote(case_party_id, safe='')}/remove"
    pressed = raw_post(client, path, [("csrf_token", token), ("confirm", role)])
    assert pressed.status_code in (200, 302, 308, 400, 404, 405), pressed.status_code


def _shared_case(app: Flask) -> str:
    """One case for every example of a property test (made on first use)."""
    if "parties_case" not in app.config:
        app.config["parties_case"] = case_in_team(app, state="in_progress")
    return str(app.config["parties_case"])


def _shared_member(app: Flask) -> str:
    if "parties_member" not in app.config:
        with transaction(sessions(app)) as session:
            app.config["parties_member"] = make_staff(
                session, roles=[RoleCode.CASEWORKER], team=make_team(session)
            ).email
    return str(app.config["parties_member"])
