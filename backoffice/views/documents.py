"""A case's documents in the back office: adding one through the same quarantine and
clamd pipeline as the portal, changing how one is classified (with a reason, audited),
its versions, and downloading a released file through the access check."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms.documents import AddDocumentForm, ClassificationForm, refusal_message
from backoffice.sections.documents import listed
from backoffice.views.case_page import section_url
from shared import access
from shared.casetypes import case_type_definition
from shared.models import Case, Classification, Document
from shared.permissions import Permission
from shared.services import documents
from shared.services.document_history import classification_changes
from shared.storage import StorageUnavailable
from shared.uploads import filetypes
from shared.uploads.receiving import IncomingFile
from shared.web import db_session, services, unit_of_work
from shared.web.downloads import attachment

blueprint = Blueprint("documents", __name__)
log = logging.getLogger(__name__)

# Staff are not held to the number of files a resident may send with a case (the case
# type's max_documents); this only stops a script gone wrong from filling the store.
MOST_DOCUMENTS_ON_A_CASE = 500


@blueprint.route("/cases/<reference>/documents/new", methods=["GET", "POST"])
@requires(Permission.WORK_CASES)
def add(reference: str) -> str | Response:
    found = _case(reference)
    form = AddDocumentForm()
    if form.validate_on_submit():
        try:
            name = _receive(found, form.document.data, Classification(form.classification.data))
        except NotTaken as refused:
            form.document.errors = [refused.message]
        else:
            flash(_("“%(name)s” has been added. It is being checked for viruses, and can be "
                    "opened once it is found clean.", name=name), "success")  # fmt: skip
            return redirect(section_url(found.reference, "documents"))
    rules = document_rules(found)
    return render_template(
        "backoffice/documents/new.html",
        case=found,
        form=form,
        kinds=filetypes.labels(rules.allowed),
        megabytes=rules.max_bytes // (1024 * 1024),
    )


class NotTaken(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _receive(found: Case, upload: FileStorage, classification: Classification) -> str:
    """Into quarantine, awaiting its scan (enqueued when the transaction commits, as the
    portal's uploads are); the file's name as kept (no path, no control characters)."""
    incoming = upload.stream
    if not isinstance(incoming, IncomingFile):  # every upload is received as one
        abort(400)
    try:
        with unit_of_work() as db:
            document = documents.receive_upload(
                db, services().storage, incoming=incoming, filename=upload.filename,
                rules=document_rules(found), uploaded_by=acting_staff(), case=found,
                classification=classification,
            )  # fmt: skip
            return str(document.original_filename)
    except documents.UploadRejected as rejected:
        raise NotTaken(refusal_message(rejected)) from None
    except StorageUnavailable:
        log.exception("could not store a document added to case %s", found.reference)
        raise NotTaken(
            _("We could not save the file just now. Try again in a few minutes")
        ) from None


def document_rules(found: Case) -> documents.UploadRules:
    case_type = case_type_definition(found.case_type.code)
    return documents.UploadRules(
        allowed=case_type.allowed_files,
        max_documents=MOST_DOCUMENTS_ON_A_CASE,
        max_bytes=services().settings.max_upload_bytes,
    )


@blueprint.route(
    "/cases/<reference>/documents/<id:document_id>/classification", methods=["GET", "POST"]
)
@requires(Permission.WORK_CASES)
def classification(reference: str, document_id: int) -> str | Response:
    found = _case(reference)
    document = _document(found, document_id)
    form = ClassificationForm(
        classification=document.classification.value, pii_tags=list(document.pii_tags)
    )
    if form.validate_on_submit():
        with unit_of_work() as db:
            changed = documents.change_classification(
                db, document=document, classification=Classification(form.classification.data),
                pii_tags=form.pii_tags.data or [], by=acting_staff(), reason=form.reason.data or "",
            )  # fmt: skip
        if changed:
            flash(_("The classification of “%(name)s” has been changed.",
                    name=document.original_filename), "success")  # fmt: skip
        else:  # a second press, or someone else made the same change first
            flash(_("“%(name)s” was already classified that way, so nothing changed.",
                    name=document.original_filename), "info")  # fmt: skip
        return redirect(url_for(".versions", reference=found.reference, document_id=document.id))
    return render_template(
        "backoffice/documents/classification.html", case=found, document=document, form=form
    )


@blueprint.get("/cases/<reference>/documents/<id:document_id>/versions")
@requires(Permission.SEE_CASES)
def versions(reference: str, document_id: int) -> str:
    found = _case(reference)
    document = _document(found, document_id)
    session, staff = db_session(), acting_staff()
    chain = documents.versions_of(session, document)
    return render_template(
        "backoffice/documents/versions.html",
        case=found,
        document=document,
        versions=[listed(session, found, staff, version) for version in chain],
        changes=classification_changes(session, versions=chain),
        is_current=document in documents.current_documents(session, case=found),
    )


@blueprint.get("/documents/<public_id>")
@requires(Permission.SEE_CASES)
def download(public_id: str) -> Response:
    """A document's file, if this person may open it (shared/access.py) and it was scanned
    clean: always as an attachment. Anything else is not found."""
    try:
        document = access.document_for_staff(
            db_session(), public_id=public_id, staff=acting_staff()
        )
        stream = documents.open_released(services().storage, document)
    except (access.NotFound, documents.NotServable):
        abort(404)
    except StorageUnavailable:
        log.exception("could not read document %s from storage", public_id)
        abort(503)
    return attachment(stream, document)


def _case(reference: str) -> Case:
    try:
        return access.case_for_staff(db_session(), reference=reference, staff=acting_staff())
    except access.NotFound:
        abort(404)


def _document(found: Case, document_id: int) -> Document:
    try:
        return access.document_of_case(db_session(), case=found, document_id=document_id)
    except access.NotFound:
        abort(404)
