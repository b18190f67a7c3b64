"""The documents of the staff case page, for real on SQLite and PostgreSQL: adding one
through the same quarantine, clamd and worker as the portal; a file opens only once clean
and only through the access check; refused files leave nothing behind; classification
changes with a reason, audited and shown; versions; other cases' documents not found;
auditors read and change nothing; hostile input never a 500."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from backoffice import create_backoffice
from backoffice.forms.documents import PII_TAG_NAMES
from shared.config import Settings
from shared.db import transaction
from shared.models import AuditEvent, Case, Classification, Document, Notice, RoleCode, ScanState
from shared.services.documents import PII_TAGS
from shared.storage import Area
from shared.web.text import without_direction_controls
from tests import samples
from tests.eicar import eicar_bytes
from tests.factories import make_case, make_document, make_staff, make_team
from tests.integration.test_documents import work
from tests.integration.test_hostile_input import (
    HOSTILE_TEXT,
    PROPERTY,
    as_the_server_reads,
    new_client,
    raw_post,
)
from tests.page_checks import assert_page_checks_itself
from tests.staff_signing_in import csrf_token, post_form, sign_in_staff

MEGABYTE = 1024 * 1024


@pytest.fixture
def backoffice(settings: Settings, fresh_database_url: str) -> Iterator[Flask]:
    """The back office on a database of its own, with a 1 MB file limit so a file too big
    is quick to send."""
    app = create_backoffice(
        replace(settings, database_url=fresh_database_url, max_upload_bytes=MEGABYTE)
    )
    app.config["TESTING"] = True
    yield app
    app.extensions["caseway"].engine.dispose()


def sessions(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["caseway"].sessions


def case_in_team(app: Flask, team: str = "permits") -> str:
    with transaction(sessions(app)) as session:
        case = make_case(session, state="in_progress")
        case.team = make_team(session, team, team.title())
        return case.reference


def member_of(app: Flask, *roles: RoleCode, team: str = "permits") -> tuple[FlaskClient, int]:
    with transaction(sessions(app)) as session:
        member = make_staff(session, roles=roles, team=make_team(session, team, team.title()),
                            display_name="Cai Caseworker")  # fmt: skip
        email, member_id = member.email, member.id
    client = new_client(app)
    assert sign_in_staff(client, email).status_code == 302
    return client, member_id


def document_on(app: Flask, reference: str, **fields: object) -> Document:
    with transaction(sessions(app)) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        return make_document(session, app.extensions["caseway"].storage, case=case, **fields)  # type: ignore[arg-type]


def upload(
    client: FlaskClient, reference: str, content: bytes | None, name: str,
    classification: str = "personal",
) -> TestResponse:  # fmt: skip
    path = f"/cases/{reference}/documents/new"
    fields: dict[str, object] = {"csrf_token": csrf_token(client, path),
                                 "classification": classification}  # fmt: skip
    if content is not None:
        fields["document"] = FileStorage(io.BytesIO(content), name)
    # Encoded in memory: the test client's own encoding leaks a temporary file for big bodies.
    boundary, body = encode_multipart(fields)  # type: ignore[arg-type]
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def all_documents(app: Flask) -> list[Document]:
    with sessions(app)() as session:
        return list(session.scalars(select(Document).order_by(Document.id)))


def files_kept(app: Flask) -> list[Path]:
    """Every file under the store, quarantine, released and the spool of arriving files."""
    root: Path = app.extensions["caseway"].settings.storage_dir
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def audit_actions(app: Flask, action: str) -> list[AuditEvent]:
    with sessions(app)() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    html = response.get_data(as_text=True)
    assert_page_checks_itself(html, path, english=True)
    return html


def test_a_document_staff_add_is_checked_for_viruses_then_opens(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    client, member_id = member_of(backoffice, RoleCode.CASEWORKER)
    form = page(client, f"/cases/{reference}/documents/new")
    assert f"<title>Add a document to case {reference} –" in form
    assert f'href="/cases/{reference}/documents"' in form  # back to the case
    assert 'enctype="multipart/form-data"' in form
    content = samples.pdf(b"notes of the site visit")

    sent = upload(client, reference, content, "Site visit.pdf", classification="public")

    assert sent.status_code == 302
    assert sent.headers["Location"] == f"/cases/{reference}/documents"
    (document,) = all_documents(backoffice)
    assert (document.uploaded_by_staff_id, document.uploaded_by_party_id) == (member_id, None)
    assert document.scan_state is ScanState.AWAITING_SCAN
    assert document.classification is Classification.PUBLIC  # as chosen
    storage = backoffice.extensions["caseway"].storage
    assert storage.exists(Area.QUARANTINE, document.storage_key)
    case_page = page(client, f"/cases/{reference}/documents")
    assert "“Site visit.pdf” has been added. It is being checked for viruses" in case_page
    assert "Being checked for viruses" in case_page
    assert "Cai Caseworker (staff)" in case_page
    assert "Public" in case_page
    assert f"/documents/{document.public_id}" not in case_page  # no link before its scan
    assert client.get(f"/documents/{document.public_id}").status_code == 404

    work(backoffice)  # a real worker: the scan was queued through the outbox on commit

    (document,) = all_documents(backoffice)
    assert document.scan_state is ScanState.CLEAN
    assert storage.exists(Area.RELEASED, document.storage_key)
    case_page = page(client, f"/cases/{reference}/documents")
    assert "No virus found" in case_page
    assert f'href="/documents/{document.public_id}"' in case_page
    with client.get(f"/documents/{document.public_id}") as download:
        assert download.status_code == 200
        assert download.data == content
    assert download.headers["Content-Disposition"] == 'attachment; filename="Site visit.pdf"'
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]
    # Staff's documents are not the resident's: their own view of the case does not list it.
    resident_page = portal_view_of(backoffice, reference)
    assert reference in resident_page
    assert "Site visit.pdf" not in resident_page


def portal_view_of(app: Flask, reference: str) -> str:
    from portal import create_portal

    with sessions(app)() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        email = case.applicant.email
    portal = create_portal(app.extensions["caseway"].settings)
    try:
        resident = portal.test_client()
        post_form(resident, "/track", {"reference": reference, "email": email})
        return resident.get(f"/cases/{reference}").get_data(as_text=True)
    finally:
        portal.extensions["caseway"].engine.dispose()


def test_a_file_with_a_virus_is_held_and_never_served(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    client, _ = member_of(backoffice, RoleCode.CASEWORKER)
    assert upload(client, reference, eicar_bytes(), "phone notes.txt").status_code == 302

    work(backoffice)

    (document,) = all_documents(backoffice)
    assert document.scan_state is ScanState.INFECTED
    storage = backoffice.extensions["caseway"].storage
    assert storage.exists(Area.QUARANTINE, document.storage_key)
    assert not storage.exists(Area.RELEASED, document.storage_key)
    case_page = page(client, f"/cases/{reference}/documents")
    assert "Held: a virus was found" in case_page
    assert f"/documents/{document.public_id}" not in case_page
    assert client.get(f"/documents/{document.public_id}").status_code == 404
    with sessions(backoffice)() as session:  # the case's team is told
        assert session.scalars(select(Notice).where(Notice.kind == "document_held")).all()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (None, "", "Select a file"),
        (b"", "", "Select a file"),  # what a browser sends when no file was chosen
        (b"", "empty.pdf", "The selected file is empty"),
        (samples.pdf(b"x" * MEGABYTE), "big.pdf", "The selected file must be smaller than 1 MB"),
        (samples.html(), "photo.png", "The selected file must be one of these types:"),
        (samples.png(), "scan.pdf", "The selected file is a PNG file, but its name ends in .pdf"),
    ],
    ids=["no-file", "none-chosen", "empty", "too-big", "wrong-type", "name-and-content-disagree"],
)
def test_a_refused_file_is_a_message_and_leaves_nothing(
    backoffice: Flask, content: bytes | None, name: str, message: str
) -> None:
    reference = case_in_team(backoffice)
    client, _ = member_of(backoffice, RoleCode.CASEWORKER)
    response = upload(client, reference, content, name, classification="public")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_page_checks_itself(html, name, english=True)
    assert "<title>Error: Add a document" in html
    assert message in html
    assert 'href="#document"' in html  # the error summary leads to the file input
    assert 'value="public" checked' in html  # the choice made is kept
    assert all_documents(backoffice) == []
    assert files_kept(backoffice) == []
    assert audit_actions(backoffice, "document.uploaded") == []


def test_a_request_far_over_the_limit_is_refused_unread(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    client, _ = member_of(backoffice, RoleCode.CASEWORKER)
    response = upload(client, reference, b"%PDF-1.4\n" + bytes(3 * MEGABYTE), "huge.pdf")
    assert response.status_code == 413
    assert all_documents(backoffice) == []
    assert files_kept(backoffice) == []


def test_a_change_of_classification_needs_a_reason_and_is_audited(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    document = document_on(backoffice, reference, filename="passport.pdf")
    client, member_id = member_of(backoffice, RoleCode.CASEWORKER)
    assert f'href="/documents/{document.public_id}"' in page(
        client, f"/cases/{reference}/documents"
    )
    path = f"/cases/{reference}/documents/{document.id}/classification"
    form = page(client, path)
    assert "<title>Change the classification of passport.pdf –" in form
    assert 'value="personal" checked' in form  # as it is now
    assert f'href="/cases/{reference}/documents"' in form

    refused = post_form(client, path, {"classification": "sensitive",
                                       "pii_tags": ["identity_document"], "reason": "  "})  # fmt: skip
    assert refused.status_code == 200
    assert "Enter why you are changing the classification" in refused.get_data(as_text=True)
    assert audit_actions(backoffice, "document.classified") == []
    assert all_documents(backoffice)[0].classification is Classification.PERSONAL

    done = post_form(client, path, {"classification": "sensitive",
                                    "pii_tags": ["identity_document", "name"],
                                    "reason": "It is a copy of a passport"})  # fmt: skip
    assert done.headers["Location"] == f"/cases/{reference}/documents/{document.id}/versions"
    (entry,) = audit_actions(backoffice, "document.classified")
    assert (entry.actor_kind, entry.actor_id) == ("staff", str(member_id))
    assert entry.details["reason"] == "It is a copy of a passport"
    assert entry.details["before"]["classification"] == "personal"
    assert entry.details["after"] == {"classification": "sensitive",
                                      "pii_tags": ["identity_document", "name"]}  # fmt: skip
    history = page(client, f"/cases/{reference}/documents/{document.id}/versions")
    assert "The classification of “passport.pdf” has been changed." in history
    assert "It is a copy of a passport" in history
    assert "Cai Caseworker" in history
    assert "Sensitive: Identity document, Name" in history
    case_page = page(client, f"/cases/{reference}/documents")
    assert "Sensitive: Identity document, Name" in case_page
    # Sensitive: only the assignee and supervisors open it now, not the rest of the team.
    assert f"/documents/{document.public_id}" not in case_page
    assert client.get(f"/documents/{document.public_id}").status_code == 404


def test_two_people_reclassifying_at_once_are_both_audited_in_turn(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    document = document_on(backoffice, reference)
    path = f"/cases/{reference}/documents/{document.id}/classification"
    people = [member_of(backoffice, RoleCode.SUPERVISOR)[0] for _ in range(2)]
    tokens = [csrf_token(client, path) for client in people]
    start = threading.Barrier(2)
    statuses: list[int] = []

    def change(client: FlaskClient, token: str, to: str) -> None:
        start.wait()
        sent = client.post(path, data={"csrf_token": token, "classification": to,
                                       "reason": f"Should be {to}"})  # fmt: skip
        statuses.append(sent.status_code)

    threads = [threading.Thread(target=change, args=(client, token, to))
               for client, token, to in zip(people, tokens, ["public", "sensitive"], strict=True)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302, 302]
    first, second = sorted(audit_actions(backoffice, "document.classified"), key=lambda e: e.id)
    # The second waited for the first's row lock: its "before" is the first's "after".
    assert first.details["before"]["classification"] == "personal"
    assert second.details["before"]["classification"] == first.details["after"]["classification"]
    (kept,) = all_documents(backoffice)
    assert kept.classification.value == second.details["after"]["classification"]


def test_the_same_change_sent_twice_is_made_once(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    document = document_on(backoffice, reference)
    client, _ = member_of(backoffice, RoleCode.CASEWORKER)
    path = f"/cases/{reference}/documents/{document.id}/classification"
    token = csrf_token(client, path)
    fields = {"csrf_token": token, "classification": "public", "reason": "A published leaflet"}
    assert client.post(path, data=fields).status_code == 302
    assert client.post(path, data=fields).status_code == 302  # the page, sent again
    assert len(audit_actions(backoffice, "document.classified")) == 1
    versions_page = page(client, f"/cases/{reference}/documents/{document.id}/versions")
    assert "was already classified that way, so nothing changed." in versions_page


def test_the_versions_of_a_document_are_listed_newest_first(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    first = document_on(backoffice, reference, filename="plan.pdf")
    second = document_on(backoffice, reference, filename="plan v2.pdf", previous=first)
    client, _ = member_of(backoffice, RoleCode.CASEWORKER)
    case_page = page(client, f"/cases/{reference}/documents")
    assert "plan v2.pdf" in case_page
    assert "plan.pdf" not in case_page  # only the newest is listed
    assert f'href="/cases/{reference}/documents/{second.id}/versions">2 versions' in case_page
    history = page(client, f"/cases/{reference}/documents/{second.id}/versions")
    assert "<title>Versions of plan v2.pdf –" in history
    assert history.index("Version 2") < history.index("Version 1")
    assert f'href="/documents/{first.public_id}"' in history  # old versions are kept
    assert "Its classification has not been changed since it was added." in history
    older = page(client, f"/cases/{reference}/documents/{first.id}/versions")
    assert "This is not the newest version of the document." in older
    # A change of classification takes the earlier versions with it.
    post_form(client, f"/cases/{reference}/documents/{second.id}/classification",
              {"classification": "public", "reason": "Published plan"})  # fmt: skip
    assert {d.classification for d in all_documents(backoffice)} == {Classification.PUBLIC}
    history = page(client, f"/cases/{reference}/documents/{second.id}/versions")
    assert history.count("Published plan") == 1  # one change, though each version is audited


def test_a_document_of_another_case_is_not_found(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    elsewhere = case_in_team(backoffice)
    other = document_on(backoffice, elsewhere)
    hidden_case = case_in_team(backoffice, team="licensing")
    hidden = document_on(backoffice, hidden_case)
    client, _ = member_of(backoffice, RoleCode.CASEWORKER)
    for document_id in (other.id, 999_999, 2**40):
        for page_name in ("versions", "classification"):
            path = f"/cases/{reference}/documents/{document_id}/{page_name}"
            assert client.get(path).status_code == 404, path
        path = f"/cases/{reference}/documents/{document_id}/classification"
        refused = post_form(client, path, {"classification": "public", "reason": "x"},
                            form_page=f"/cases/{reference}")  # fmt: skip
        assert refused.status_code == 404
    for path in (f"/cases/{hidden_case}/documents/{hidden.id}/versions",
                 f"/cases/{hidden_case}/documents/new", f"/documents/{hidden.public_id}"):  # fmt: skip
        assert client.get(path).status_code == 404, path  # a case outside the person's teams
    assert audit_actions(backoffice, "document.classified") == []


def test_an_auditor_reads_the_documents_and_changes_nothing(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    document = document_on(backoffice, reference, filename="letter.pdf")
    auditor, _ = member_of(backoffice, RoleCode.AUDITOR)
    case_page = page(auditor, f"/cases/{reference}/documents")
    assert "letter.pdf" in case_page
    assert "Add a document" not in case_page
    assert "Change classification" not in case_page
    page(auditor, f"/cases/{reference}/documents/{document.id}/versions")
    token = csrf_token(auditor, "/")
    new = f"/cases/{reference}/documents/new"
    classification = f"/cases/{reference}/documents/{document.id}/classification"
    assert auditor.get(new).status_code == 403
    assert auditor.get(classification).status_code == 403
    assert auditor.post(new, data={"csrf_token": token}).status_code == 403
    changed = auditor.post(classification, data={"csrf_token": token, "reason": "x",
                                                 "classification": "public"})  # fmt: skip
    assert changed.status_code == 403
    # Auditors read the case, not the files people sent (shared/access.py).
    assert f"/documents/{document.public_id}" not in case_page
    assert auditor.get(f"/documents/{document.public_id}").status_code == 404
    assert audit_actions(backoffice, "document.classified") == []
    assert len(all_documents(backoffice)) == 1


def test_every_kind_of_personal_data_has_words() -> None:
    assert set(PII_TAG_NAMES) == PII_TAGS


@PROPERTY
@given(
    reason=HOSTILE_TEXT,
    classification=st.one_of(HOSTILE_TEXT, st.sampled_from(["public", "sensitive"])),
    tag=st.one_of(HOSTILE_TEXT, st.sampled_from(["name", "health"])),
)
@example(reason="\ud800", classification="public", tag="name")  # read %-escaped by the server
def test_hostile_classification_changes_never_fail(
    backoffice: Flask, reason: str, classification: str, tag: str
) -> None:
    reference = case_in_team(backoffice)
    document = document_on(backoffice, reference)
    client, _ = member_of(backoffice, RoleCode.SUPERVISOR)
    path = f"/cases/{reference}/documents/{document.id}/classification"
    before = len(audit_actions(backoffice, "document.classified"))
    response = raw_post(client, path, [("csrf_token", csrf_token(client, path)),
                                       ("classification", classification), ("pii_tags", tag),
                                       ("reason", reason)])  # fmt: skip
    assert response.status_code in (200, 302, 400)
    entries = audit_actions(backoffice, "document.classified")
    if response.status_code != 302:
        assert len(entries) == before  # a refused form changes nothing
        return
    latest = max(entries, key=lambda entry: entry.id)
    assert latest.details["reason"] == without_direction_controls(as_the_server_reads(reason))
    assert latest.details["after"]["classification"] == classification
    assert latest.details["after"]["pii_tags"] == [tag]


@PROPERTY
@given(name=HOSTILE_TEXT, reference=HOSTILE_TEXT)
def test_hostile_file_names_and_addresses_never_fail(
    backoffice: Flask, name: str, reference: str
) -> None:
    real = case_in_team(backoffice)
    client, _ = member_of(backoffice, RoleCode.CASEWORKER)
    address = quote(reference, safe="", errors="surrogatepass")
    for path in (f"/cases/{address}/documents/new", f"/cases/{address}/documents/1/versions"):
        assert client.get(path).status_code in (308, 400, 404), path
    before = len(all_documents(backoffice))
    response = _upload_named(client, real, name)
    assert response.status_code in (200, 302, 400)
    added = all_documents(backoffice)[before:]
    if response.status_code != 302:
        assert added == []
        return
    (document,) = added
    kept = document.original_filename
    assert not re.search(r"[\x00-\x1f\x7f/\\\u202a-\u202e\u2066-\u2069]", kept)
    assert len(kept) <= 120


def _upload_named(client: FlaskClient, reference: str, name: str) -> TestResponse:
    """A multipart body built by hand, so the file name goes as a script would send it."""
    path = f"/cases/{reference}/documents/new"
    boundary = "caseway-test-boundary"
    quoted = name.encode("utf-8", "surrogatepass").replace(b'"', b"%22")
    body = b"".join([
        f"--{boundary}\r\n".encode(),
        b'Content-Disposition: form-data; name="csrf_token"\r\n\r\n',
        csrf_token(client, path).encode(), b"\r\n",
        f"--{boundary}\r\n".encode(),
        b'Content-Disposition: form-data; name="classification"\r\n\r\npersonal\r\n',
        f"--{boundary}\r\n".encode(),
        b'Content-Disposition: form-data; name="document"; filename="' + quoted + b'"\r\n',
        b"Content-Type: application/pdf\r\n\r\n", samples.pdf(), b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ])  # fmt: skip
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")
