"""Uploading files to a form being filled in, their live status, and downloads.

Works without JavaScript (the GOV.UK file upload pattern: a file input and an "Upload
file" button, the page lists what was sent); the script in assets/js/uploads.mjs only adds
a progress bar and refreshes the status of files still being checked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from portal.uploads import UploadQuestion, rejection_message, size_text, status_of, upload_form
from shared import access
from shared.casetypes import case_type_definition
from shared.casetypes.forms import FormDefinition, Page, form_case_types, form_for
from shared.models import Document, Draft
from shared.services import documents, filing
from shared.storage import StorageUnavailable
from shared.uploads import filetypes
from shared.uploads.receiving import IncomingFile
from shared.web import db_session, services, unit_of_work
from shared.web.downloads import attachment

blueprint = Blueprint("uploads", __name__)
log = logging.getLogger(__name__)


def rules_for(definition: FormDefinition, page: Page) -> documents.UploadRules:
    case_type = case_type_definition(definition.case_type)
    return documents.UploadRules(
        allowed=case_type.allowed_files,
        max_documents=case_type.max_documents,
        max_bytes=services().settings.max_upload_bytes,
        max_for_question=page.fields[0].max_files,
    )


def file_question(
    definition: FormDefinition,
    page: Page,
    draft: Draft,
    *,
    back: str,
    onwards: Callable[[], Response],
    page_changed: str,
) -> str | Response:
    """The page of a file question: upload, remove, then continue."""
    question = page.fields[0]
    locale = str(get_locale() or "en")
    form = upload_form(definition, page, locale)()
    changing: dict[str, Any] = {"change": 1} if request.args.get("change") else {}
    here = url_for("filing.question", case_type=definition.case_type, slug=page.slug, **changing)
    if form.validate_on_submit():
        if form.form_version.data != definition.version:
            flash(page_changed, "info")
        elif request.form.get("remove"):
            _remove(draft, request.form["remove"], question.name)
            return redirect(here)
        else:
            upload = request.files.get(question.name)
            if upload is not None and upload.filename:
                name = _upload(definition, page, draft, form, upload)
                if name is None:
                    return _render(definition, page, draft, form, back)
                if request.form.get("upload"):  # else carry on: the next page is the news
                    flash(_("“%(name)s” has been uploaded", name=name), "success")
                    return redirect(here)
            elif request.form.get("upload"):
                _error(form, question.name, _("Select a file to upload"))
                return _render(definition, page, draft, form, back)
            sent = _current(draft, question.name)
            if question.required and not sent:
                _error(form, question.name, definition.text(f"{question.name}.required", locale))
                return _render(definition, page, draft, form, back)
            with unit_of_work() as db:
                answers = {question.name: [d.public_id for d in sent]}
                filing.record_answers(db, draft=draft, answers=answers, locale=locale)
            if request.form.get("save"):
                return redirect(url_for("filing.save", case_type=definition.case_type))
            return onwards()
    form.form_version.data = definition.version
    return _render(definition, page, draft, form, back)


def _upload(
    definition: FormDefinition, page: Page, draft: Draft, form: UploadQuestion, upload: FileStorage
) -> str | None:
    """Receive the file into quarantine; its name as kept, or None if it was refused."""
    question = page.fields[0]
    incoming = upload.stream
    if not isinstance(incoming, IncomingFile):  # every upload is received as one
        abort(400)
    try:
        with unit_of_work() as db:
            document = documents.receive_upload(
                db, services().storage, incoming=incoming, filename=upload.filename,
                rules=rules_for(definition, page), uploaded_by=g.get("party"), draft=draft,
                question=question.name,
            )  # fmt: skip
            answers = {question.name: [d.public_id for d in _current(draft, question.name)]}
            filing.record_answers(db, draft=draft, answers=answers, locale=draft.locale)
            name = document.original_filename
    except documents.UploadRejected as rejected:
        _error(form, question.name, rejection_message(rejected))
        return None
    except StorageUnavailable:
        log.exception("could not store an upload")
        _error(
            form,
            question.name,
            _("We could not save your file just now. Try again in a few minutes"),
        )
        return None
    return str(name)


def _remove(draft: Draft, public_id: str, question: str) -> None:
    with unit_of_work() as db:
        document = _draft_document(public_id)
        if document.draft_id != draft.id or document.question != question:
            abort(404)
        documents.remove_upload(db, services().storage, document=document, by=g.get("party"))
        answers = {question: [d.public_id for d in _current(draft, question)]}
        filing.record_answers(db, draft=draft, answers=answers, locale=draft.locale)
        name = document.original_filename
    flash(_("“%(name)s” has been removed", name=name), "success")


def _current(draft: Draft, question: str) -> list[Document]:
    held = documents.current_documents(db_session(), draft=draft)
    return [d for d in held if d.question == question]


def _error(form: UploadQuestion, name: str, message: str) -> None:
    form[name].errors = [message]


def _render(
    definition: FormDefinition, page: Page, draft: Draft, form: UploadQuestion, back: str
) -> str:
    question = page.fields[0]
    case_type = case_type_definition(definition.case_type)
    return render_template(
        "portal/filing/upload.html",
        definition=definition,
        page=page,
        form=form,
        back=back,
        locale=str(get_locale() or "en"),
        uploads=[(d, status_of(d)) for d in _current(draft, question.name)],
        size_text=size_text,
        kinds=filetypes.labels(case_type.allowed_files),
        megabytes=services().settings.max_upload_bytes // (1024 * 1024),
        status_url=url_for("uploads.status", case_type=definition.case_type, slug=page.slug),
    )


def _draft_document(public_id: str) -> Document:
    try:
        return access.document_for_citizen(
            db_session(), public_id=public_id, party=None,
            draft_tokens=list(session.get("drafts", {}).values()),
        )  # fmt: skip
    except access.NotFound:
        abort(404)


@blueprint.get("/file/<case_type>/<slug>/uploads")
def status(case_type: str, slug: str) -> Response:
    """The state of this question's uploads, for the page's live status."""
    if case_type not in form_case_types():
        abort(404)
    page = form_for(case_type).page(slug)
    token = session.get("drafts", {}).get(case_type)
    draft = filing.find_draft(db_session(), token)
    if page is None or draft is None:
        abort(404)
    held = _current(draft, page.fields[0].name)
    reply = jsonify(uploads=[{"id": d.public_id, **vars(status_of(d))} for d in held])
    reply.headers["Cache-Control"] = "no-store"
    return reply


@blueprint.get("/documents/<public_id>")
def download(public_id: str) -> Response:
    """A file the citizen sent, if it is theirs (signed in, or on the form this browser is
    filling in; never by a look-up) and scanned clean: always as an attachment."""
    try:
        document = access.document_for_citizen(
            db_session(), public_id=public_id, party=g.get("party"),
            draft_tokens=list(session.get("drafts", {}).values()),
        )  # fmt: skip
        stream = documents.open_released(services().storage, document)
    except (access.NotFound, documents.NotServable):
        abort(404)
    except StorageUnavailable:
        log.exception("could not read document %s from storage", public_id)
        abort(503)
    return attachment(stream, document)
