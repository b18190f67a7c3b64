"""The rules of documents, on SQLite and PostgreSQL: versions keep the old file,
classification changes only through an audited service, staff see documents by role and
team, citizens only their own, and nothing without a clean verdict is ever opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import access
from shared.models import AuditEvent, Case, Classification, Document, RoleCode, Team
from shared.scanning import ScanResult, Verdict
from shared.services import cases, documents, parties, staff
from shared.services.casetypes import case_type_for
from shared.storage import Area
from shared.storage.local import LocalStorage
from shared.uploads.receiving import IncomingFile
from tests import samples

RULES = documents.UploadRules(allowed=("pdf", "png", "text"), max_documents=3, max_bytes=10**6)


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


@pytest.fixture
def case(session: Session) -> Case:
    applicant = parties.register_person(session, given_name="Ana", family_name="Silva",
                                        email="ana@example.org", is_email_verified=True)  # fmt: skip
    return cases.open_case(
        session, case_type=case_type_for(session, "application"), applicant=applicant,
        summary="Parking permit", answers={},
    )  # fmt: skip


def received(tmp_path: Path, content: bytes) -> IncomingFile:
    incoming = IncomingFile(tmp_path / "incoming", 10**6)
    incoming.write(content)
    return incoming


def add(session: Session, storage: LocalStorage, tmp_path: Path, case: Case, content: bytes,
        name: str, previous: Document | None = None) -> Document:  # fmt: skip
    return documents.receive_upload(
        session, storage, incoming=received(tmp_path, content), filename=name, rules=RULES,
        uploaded_by=case.applicant, case=case, previous=previous,
    )  # fmt: skip


def release(session: Session, storage: LocalStorage, document: Document) -> None:
    documents.record_scan_result(session, storage, document=document,
                                 result=ScanResult(Verdict.CLEAN))  # fmt: skip


def test_a_new_version_keeps_the_old_one(
    session: Session, storage: LocalStorage, tmp_path: Path, case: Case
) -> None:
    first = add(session, storage, tmp_path, case, samples.pdf(b"draft"), "plan.pdf")
    release(session, storage, first)
    second = add(
        session, storage, tmp_path, case, samples.pdf(b"final"), "plan v2.pdf", previous=first
    )
    assert (second.version, second.previous_version_id) == (2, first.id)
    assert documents.current_documents(session, case=case) == [second]
    assert documents.versions_of(session, second) == [second, first]
    assert storage.exists(Area.RELEASED, first.storage_key)  # the old file is still there
    with documents.open_released(storage, first) as old:
        assert b"draft" in old.read()
    with pytest.raises(documents.NotServable):
        documents.open_released(storage, second)  # not scanned yet


def test_the_case_limit_counts_current_documents(
    session: Session, storage: LocalStorage, tmp_path: Path, case: Case
) -> None:
    kept = [add(session, storage, tmp_path, case, samples.pdf(), f"{n}.pdf") for n in range(3)]
    with pytest.raises(documents.UploadRejected) as refused:
        add(session, storage, tmp_path, case, samples.pdf(), "fourth.pdf")
    assert (refused.value.reason, refused.value.details) == ("too_many", {"limit": 3})
    # A new version replaces a file, so it is not refused by the limit.
    newer = add(session, storage, tmp_path, case, samples.pdf(), "0 v2.pdf", previous=kept[0])
    assert len(documents.current_documents(session, case=case)) == 3
    assert newer in documents.current_documents(session, case=case)


def test_classification_changes_are_audited(
    session: Session, storage: LocalStorage, tmp_path: Path, case: Case
) -> None:
    document = add(session, storage, tmp_path, case, samples.pdf(), "passport.pdf")
    supervisor = staff.create_staff_user(session, email="sup@example.org", display_name="Sam",
                                         password="a long password 123", roles=[RoleCode.SUPERVISOR])  # fmt: skip
    assert document.classification is Classification.PERSONAL
    documents.change_classification(session, document=document, classification=Classification.SENSITIVE,
                                    pii_tags=["identity_document", "name"], by=supervisor,
                                    reason="A passport")  # fmt: skip
    assert (document.classification, document.pii_tags) == (
        Classification.SENSITIVE,
        ["identity_document", "name"],
    )
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "document.classified")
    ).one()
    assert event.details["before"] == {"classification": "personal", "pii_tags": []}
    assert event.details["after"]["classification"] == "sensitive"
    assert (event.actor_kind, event.actor_id) == ("staff", str(supervisor.id))
    with pytest.raises(ValueError, match="unknown PII tags"):
        documents.change_classification(session, document=document, classification=Classification.PUBLIC,
                                        pii_tags=["shoe_size"], by=supervisor, reason="x")  # fmt: skip
    assert document.classification is Classification.SENSITIVE  # unchanged by the refused call


def test_an_infected_file_is_never_opened(
    session: Session, storage: LocalStorage, tmp_path: Path, case: Case
) -> None:
    document = add(session, storage, tmp_path, case, b"EICAR stand-in text", "virus.txt")
    documents.record_scan_result(session, storage, document=document,
                                 result=ScanResult(Verdict.INFECTED, "Caseway.Test.EICAR"))  # fmt: skip
    with pytest.raises(documents.NotServable):
        documents.open_released(storage, document)
    assert storage.exists(Area.QUARANTINE, document.storage_key)


def test_staff_see_documents_by_role_and_team(
    session: Session, storage: LocalStorage, tmp_path: Path, case: Case
) -> None:
    permits, other = Team(code="permits", name="Permits"), Team(code="other", name="Other")
    session.add_all([permits, other])
    session.flush()
    case.team_id = permits.id
    document = add(session, storage, tmp_path, case, samples.pdf(), "letter.pdf")

    def member(email: str, role: RoleCode, team: Team | None) -> object:
        return staff.create_staff_user(session, email=email, display_name=email, password="a long password 123",
                                       roles=[role], team=team)  # fmt: skip

    caseworker = member("cw@example.org", RoleCode.CASEWORKER, permits)
    supervisor = member("sup@example.org", RoleCode.SUPERVISOR, permits)
    elsewhere = member("else@example.org", RoleCode.CASEWORKER, other)
    auditor = member("aud@example.org", RoleCode.AUDITOR, permits)
    admin = member("admin@example.org", RoleCode.ADMINISTRATOR, permits)
    assigned = member("assigned@example.org", RoleCode.CASEWORKER, other)
    case.assignee_id = assigned.id  # type: ignore[attr-defined]
    session.flush()

    def sees(person: object) -> bool:
        try:
            access.document_for_staff(session, public_id=document.public_id, staff=person)  # type: ignore[arg-type]
        except access.NotFound:
            return False
        return True

    assert [sees(p) for p in (caseworker, supervisor, elsewhere, auditor, admin, assigned)] == [
        True, True, False, False, False, True,
    ]  # fmt: skip
    document.classification = Classification.SENSITIVE
    assert [sees(p) for p in (caseworker, supervisor, assigned)] == [False, True, True]
    caseworker.is_active = False  # type: ignore[attr-defined]
    document.classification = Classification.PERSONAL
    assert not sees(caseworker)


def test_citizens_see_their_own_case_documents_only(
    session: Session, storage: LocalStorage, tmp_path: Path, case: Case
) -> None:
    document = add(session, storage, tmp_path, case, samples.pdf(), "letter.pdf")
    owner = case.applicant
    stranger = parties.register_person(session, given_name="Bo", family_name="Li",
                                       email="bo@example.org", is_email_verified=True)  # fmt: skip
    found = access.document_for_citizen(session, public_id=document.public_id, party=owner)
    assert found is document
    # Nobody signed in includes a visitor who looked the case up with its reference and an
    # email address: that proves nothing about the mailbox, so it opens no files.
    for party in (stranger, None):
        with pytest.raises(access.NotFound):
            access.document_for_citizen(session, public_id=document.public_id, party=party)
