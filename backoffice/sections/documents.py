"""The case's documents: each one's classification, virus check, sender and versions, with
a download link only where the file is released and this person may open it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from shared import access
from shared.models import Case, Document, ScanState, StaffUser
from shared.permissions import Permission, may
from shared.services import documents
from shared.services.document_history import Uploader, uploader_of
from shared.web import db_session


@dataclass(frozen=True)
class ListedDocument:
    document: Document
    uploader: Uploader | None
    may_download: bool


def section(found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm]) -> dict[str, object]:
    session = db_session()
    return {
        "case_documents": [
            listed(session, found, staff, document)
            for document in documents.current_documents(session, case=found)
        ],
        "may_change_documents": may(staff, Permission.WORK_CASES),
        "page_forms": [],
    }


def listed(session: Session, found: Case, staff: StaffUser, document: Document) -> ListedDocument:
    return ListedDocument(
        document=document,
        uploader=uploader_of(session, document),
        may_download=document.scan_state is ScanState.CLEAN
        and access.may_open_document(staff, found, document),
    )
