"""Documents: uploads kept in quarantine until a clamd verdict releases or holds them,
removal before a form is sent, versions, and classification.

No file is opened by anyone before clamd has scanned it clean: only a CLEAN document is
ever in the released area, and `open_released` is the one way to read a file for a person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.encryption import files as sealed_files
from shared.models import Case, Classification, Document, Draft, Party, ScanState, StaffUser
from shared.models.base import utcnow
from shared.notices.kinds import NoticeKind
from shared.scanning import ScanResult, Verdict
from shared.services import audit, notices
from shared.services.cases import handlers
from shared.storage import Area, Storage, new_key
from shared.uploads import filetypes
from shared.uploads.filenames import extension_of, sanitise_filename
from shared.uploads.receiving import IncomingFile

# Tags staff may put on a document to say what personal data is in it.
PII_TAGS = frozenset(
    {"name", "address", "date_of_birth", "contact_details", "identity_document",
     "financial", "health", "criminal_record", "children"}
)  # fmt: skip
# After this many attempts without a verdict the sweep stops; staff see "could not check".
MAX_SCAN_ATTEMPTS = 10


@dataclass
class UploadRejected(Exception):
    """The file was not accepted; `reason` says why in words the page can translate."""

    reason: str  # empty | too_large | wrong_type | type_mismatch | too_many | too_many_here
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UploadRules:
    """What a case type accepts (from case_types.toml) and what this question allows."""

    allowed: tuple[str, ...]
    max_documents: int
    max_bytes: int
    max_for_question: int | None = None


def receive_upload(
    session: Session,
    storage: Storage,
    *,
    incoming: IncomingFile,
    filename: str | None,
    rules: UploadRules,
    uploaded_by: Party | StaffUser | None,
    draft: Draft | None = None,
    case: Case | None = None,
    question: str | None = None,
    previous: Document | None = None,
    classification: Classification | None = None,
) -> Document:
    """Check an upload as received, move it into quarantine and record it awaiting its
    scan; the scan job is enqueued when the transaction commits (`shared.jobs.outbox`).
    A new document is personal unless `classification` says otherwise (staff adding one
    choose); a new version keeps the classification of the one it replaces."""
    name = sanitise_filename(filename)
    kind = _checked(session, incoming, name, rules, draft=draft, case=case, question=question,
                    new_version=previous is not None)  # fmt: skip
    key = new_key()
    data_key = sealed_files.new_data_key()
    initial_classification = classification or Classification.PERSONAL
    document = Document(
        case=case,
        draft_id=draft.id if draft is not None else None,
        question=question,
        original_filename=name,
        storage_key=key,
        wrapped_key=sealed_files.wrap(data_key),
        content_type=kind.content_type,
        size_bytes=incoming.size,
        sha256=incoming.sha256,
        uploaded_by_party_id=uploaded_by.id if isinstance(uploaded_by, Party) else None,
        uploaded_by_staff_id=uploaded_by.id if isinstance(uploaded_by, StaffUser) else None,
        previous_version_id=previous.id if previous is not None else None,
        version=previous.version + 1 if previous is not None else 1,
        classification=previous.classification if previous else initial_classification,
        pii_tags=list(previous.pii_tags) if previous is not None else [],
    )
    session.add(document)
    session.flush()
    audit.record(
        session,
        actor=uploaded_by,
        action="document.uploaded" if previous is None else "document.new_version",
        object_kind="document",
        object_id=document.id,
        details={
            "size_bytes": incoming.size,
            "kind": kind.code,
            "version": document.version,
            "classification": document.classification.value,
        },
    )
    # The file goes into quarantine last: if storage fails, the caller's transaction rolls
    # back and no row points at a missing file.
    received = incoming.finish()
    sealed = received.with_suffix(".sealed")
    try:
        # Sealed before it is stored, under its own data key: neither area ever holds a
        # readable copy; the scan reads it through open_for_scan.
        sealed_files.seal_file(received, sealed, data_key)
        storage.adopt(Area.QUARANTINE, key, sealed)
    except BaseException:
        sealed.unlink(missing_ok=True)
        raise
    finally:
        received.unlink(missing_ok=True)
    return document


def _checked(
    session: Session,
    incoming: IncomingFile,
    name: str,
    rules: UploadRules,
    *,
    draft: Draft | None,
    case: Case | None,
    question: str | None,
    new_version: bool,
) -> filetypes.FileKind:
    if incoming.too_large:
        raise UploadRejected("too_large", {"megabytes": rules.max_bytes // (1024 * 1024)})
    if incoming.size == 0:
        raise UploadRejected("empty")
    kind = filetypes.sniff(incoming.head)
    if kind is None or kind.code not in rules.allowed:
        raise UploadRejected("wrong_type", {"kinds": filetypes.labels(rules.allowed)})
    extension = extension_of(name)
    if extension and extension not in kind.extensions:
        raise UploadRejected("type_mismatch", {"kind": kind.label, "extension": extension})
    if new_version:
        return kind  # a new version replaces a file, so it never counts against a limit
    held = current_documents(session, draft=draft, case=case)
    if len(held) >= rules.max_documents:
        raise UploadRejected("too_many", {"limit": rules.max_documents})
    here = [d for d in held if d.question == question]
    if rules.max_for_question is not None and len(here) >= rules.max_for_question:
        raise UploadRejected("too_many_here", {"limit": rules.max_for_question})
    return kind


def current_documents(
    session: Session, *, draft: Draft | None = None, case: Case | None = None
) -> list[Document]:
    """The documents of a draft or a case, newest version of each, not removed."""
    if draft is not None:
        owner = Document.draft_id == draft.id
    elif case is not None:
        owner = Document.case_id == case.id
    else:
        return []
    replaced = select(Document.previous_version_id).where(Document.previous_version_id.is_not(None))
    query = select(Document).where(
        owner, Document.removed_at.is_(None), Document.id.not_in(replaced)
    )
    return list(session.scalars(query.order_by(Document.uploaded_at, Document.id)))


def versions_of(session: Session, document: Document) -> list[Document]:
    """Every version of a document, newest first: the old ones are kept, never replaced."""
    chain = [document]
    while chain[-1].previous_version_id is not None:
        older = session.get(Document, chain[-1].previous_version_id)
        if older is None:
            break
        chain.append(older)
    return chain


def remove_upload(
    session: Session, storage: Storage, *, document: Document, by: Party | None
) -> None:
    """The citizen takes back a file before sending the form; after that it is the case's."""
    if document.case_id is not None or document.removed_at is not None:
        raise PermissionError("only a file on an unsent form can be removed")
    document.removed_at = utcnow()
    # An infected file stays in quarantine as evidence; anything else is theirs to take back,
    # from both areas (a scan whose commit failed may have left it released; see below).
    if document.scan_state is not ScanState.INFECTED:
        _delete_everywhere(storage, document.storage_key)
    audit.record(session, actor=by, action="document.removed", object_kind="document",
                 object_id=document.id)  # fmt: skip
    session.flush()


def attach_draft_documents(session: Session, *, draft: Draft, case: Case) -> list[Document]:
    """On sending the form: the draft's files become the case's."""
    attached = current_documents(session, draft=draft)
    for document in attached:
        document.case = case
        if document.uploaded_by_party_id is None and document.uploaded_by_staff_id is None:
            document.uploaded_by_party_id = case.applicant_id  # filed with their form
        if document.scan_state is ScanState.INFECTED:
            _tell_uploader(session, document=document, case=case)
            _tell_staff(session, document=document, case=case)
    session.flush()
    return attached


def record_scan_result(
    session: Session,
    storage: Storage,
    *,
    document: Document,
    result: ScanResult,
) -> None:
    """Release a clean file to the store; hold an infected one in quarantine for good and
    tell the uploader and whoever handles the case.

    The file moves before the caller commits the verdict, so a clean row always has its
    file released. A failed commit or a crash after the move leaves a released file under
    a row with no verdict: never served (only a clean row is), and found there by the next
    attempt, which the sweep makes sure of (`open_for_scan`); the move, done already, is
    then a no-op. Moving after the commit instead would leave clean rows whose file is
    still in quarantine, which nothing could find without a look at every file."""
    document.scanned_at = utcnow()
    document.scan_attempts += 1
    document.scan_problem = None
    key = document.storage_key
    if document.removed_at is not None and result.verdict is Verdict.CLEAN:
        _delete_everywhere(storage, key)  # taken back while scanning
    elif result.verdict is Verdict.CLEAN:
        storage.move(key, Area.QUARANTINE, Area.RELEASED)
    elif storage.exists(Area.RELEASED, key):  # infected, but moved by an attempt clean then
        storage.move(key, Area.RELEASED, Area.QUARANTINE)
    document.scan_state = ScanState.CLEAN if result.verdict is Verdict.CLEAN else ScanState.INFECTED
    document.scan_signature = result.signature
    audit.record(
        session,
        actor=None,
        action=f"document.scanned_{document.scan_state.value}",
        object_kind="document",
        object_id=document.id,
        details={"signature": result.signature} if result.signature else {},
    )
    if document.scan_state is ScanState.INFECTED and document.case is not None:
        _tell_uploader(session, document=document, case=document.case)
        _tell_staff(session, document=document, case=document.case)
    session.flush()


def open_for_scan(storage: Storage, document: Document) -> BinaryIO:
    """The file to scan, from quarantine; or from the released area, where an attempt that
    moved it and then failed to commit its verdict left it. Quarantine first: while the
    file is there, it is the whole file (a copy interrupted on its way out may not be)."""
    try:
        stream = storage.open(Area.QUARANTINE, document.storage_key)
    except FileNotFoundError:
        stream = storage.open(Area.RELEASED, document.storage_key)
    return _plaintext(stream, document)


def _plaintext(stream: BinaryIO, document: Document) -> BinaryIO:
    """The file as uploaded: opened with its data key, or as it is if it was stored before
    documents were encrypted (no wrapped key)."""
    if document.wrapped_key is None:
        return stream
    try:
        return sealed_files.open_sealed(stream, sealed_files.unwrap(document.wrapped_key))
    except BaseException:
        stream.close()
        raise


def _delete_everywhere(storage: Storage, key: str) -> None:
    for area in Area:
        storage.delete(area, key)


def record_scan_problem(
    session: Session, *, document: Document, problem: str, failed: bool
) -> None:
    """No verdict this time. `failed`: clamd answered but could not scan this file (it stays
    unserved as SCAN_FAILED and is tried again); otherwise clamd was not there at all."""
    document.scan_problem = problem[:200]
    if failed:
        # Only clamd refusing this file counts towards giving up on it; an outage of
        # clamd is no fault of the file, and the sweep keeps trying for as long as it lasts.
        document.scan_attempts += 1
        document.scan_state = ScanState.SCAN_FAILED
    audit.record(
        session,
        actor=None,
        action="document.scan_problem",
        object_kind="document",
        object_id=document.id,
        details={"problem": problem[:200], "failed": failed},
    )
    session.flush()


def awaiting_verdict(session: Session, *, limit: int = 500) -> list[int]:
    """Documents with no verdict yet that are still worth trying: for the sweep."""
    query = (
        select(Document.id)
        .where(
            Document.scan_state.in_((ScanState.AWAITING_SCAN, ScanState.SCAN_FAILED)),
            Document.removed_at.is_(None),
            Document.scan_attempts < MAX_SCAN_ATTEMPTS,
        )
        .order_by(Document.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def scan_summary(session: Session) -> dict[str, int]:
    counts = dict(
        session.execute(select(Document.scan_state, func.count()).group_by(Document.scan_state))
        .tuples()
        .all()
    )
    return {state.value: int(counts.get(state, 0)) for state in ScanState}


class NotServable(Exception):
    """The file has no clean verdict: it is never opened for anyone."""


def open_released(storage: Storage, document: Document) -> BinaryIO:
    if document.scan_state is not ScanState.CLEAN or document.removed_at is not None:
        raise NotServable(document.scan_state.value)
    return _plaintext(storage.open(Area.RELEASED, document.storage_key), document)


def change_classification(
    session: Session,
    *,
    document: Document,
    classification: Classification,
    pii_tags: Iterable[str],
    by: StaffUser,
    reason: str,
) -> bool:
    """The one way to change how a document is classified and tagged; always audited, with
    the reason the person gave (who may open a file depends on it). Earlier versions of the
    document change with it, so no older copy of the file stays less protected. Each row is
    locked first, so of two people at the same moment the second sees the first's change as
    its "before"; False (nothing written) if the document was already so classified, as
    after a second press."""
    tags = sorted(set(pii_tags))
    unknown = set(tags) - PII_TAGS
    if unknown:
        raise ValueError(f"unknown PII tags: {', '.join(sorted(unknown))}")
    if not reason.strip():
        raise ValueError("a change of classification needs a reason")
    after = {"classification": classification.value, "pii_tags": tags}
    changed = False
    # Oldest first, the one asked for last: every change locks a chain in the same order.
    for version in reversed(versions_of(session, document)):
        session.refresh(version, with_for_update=True)
        before = {"classification": version.classification.value, "pii_tags": version.pii_tags}
        if before == after:
            continue
        version.classification = classification
        version.pii_tags = tags
        audit.record(session, actor=by, action="document.classified", object_kind="document",
                     object_id=version.id,
                     details={"before": before, "after": after, "reason": reason})  # fmt: skip
        changed = True
    session.flush()
    return changed


def _tell_uploader(session: Session, *, document: Document, case: Case) -> None:
    uploader = (
        session.get(Party, document.uploaded_by_party_id) if document.uploaded_by_party_id else None
    )
    if uploader is None:
        return
    notices.create_notice(
        session, kind=NoticeKind.DOCUMENT_NOT_ACCEPTED, recipient=uploader, case=case,
        context={"reference": case.reference, "filename": document.original_filename},
    )  # fmt: skip


def _tell_staff(session: Session, *, document: Document, case: Case) -> None:
    for staff in handlers(session, case):
        notices.create_notice(
            session, kind=NoticeKind.DOCUMENT_HELD, recipient=staff, case=case,
            context={"reference": case.reference, "filename": document.original_filename,
                     "signature": document.scan_signature or ""},
        )  # fmt: skip
