"""Messages with residents, from the back office: writing on the case page, deciding on
held emailed replies, and the inbox of cases waiting for an answer."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms.documents import refusal_message
from backoffice.forms.messages import EMPTY, TOO_LONG, MessageForm
from backoffice.sections.workflow import status_text
from backoffice.views.case_page import render_case_page, section_url
from backoffice.views.documents import document_rules
from shared import access
from shared.models import Case
from shared.permissions import Permission
from shared.services import documents, messages
from shared.storage import StorageUnavailable
from shared.uploads.receiving import IncomingFile
from shared.web import db_session, services, unit_of_work

blueprint = Blueprint("messages", __name__)
log = logging.getLogger(__name__)

SENT = _l("Your message is sent to the resident.")
REQUESTED = _l("Your request for information is sent. The case is now waiting for the resident.")
NOT_ALLOWED = _l("The case cannot be moved to waiting for information as it is now")
CLOSED = _l("The case is closed, so no message can be sent on it.")
ACCEPTED = _l("The emailed reply is accepted and added to the conversation.")
REJECTED = _l("The emailed reply is rejected. The resident does not see it.")
NOT_STORED = _l("We could not save the file just now. Try again in a few minutes")
ALREADY_DECIDED = _l("Someone already decided about that reply, so nothing changed.")


@blueprint.post("/cases/<reference>/messages")
@requires(Permission.WORK_CASES)
def send(reference: str) -> str | Response:
    found = _case(reference)
    form = MessageForm()
    if not form.validate_on_submit():
        return render_case_page(found, message=form)
    asked = bool(form.request_for_information.data)
    upload = request.files.get(form.attachment.name)
    if upload is not None and not upload.filename:
        upload = None  # the field sent empty
    if upload is not None and not isinstance(upload.stream, IncomingFile):
        abort(400)  # every upload is received as one
    try:
        # The message and its file in one transaction: a refused file sends nothing.
        with unit_of_work() as db:
            message = messages.post_from_staff(db, case=found, staff=acting_staff(),
                                               body=form.body.data or "",
                                               request_for_information=asked)  # fmt: skip
            if upload is not None:
                document = documents.receive_upload(
                    db, services().storage, incoming=upload.stream,  # type: ignore[arg-type]
                    filename=upload.filename, rules=document_rules(found),
                    uploaded_by=acting_staff(), case=found,
                )  # fmt: skip
                messages.attach(db, message=message, document=document)
    except documents.UploadRejected as rejected:
        form.attachment.errors = [refusal_message(rejected)]
        return render_case_page(found, message=form)
    except StorageUnavailable:
        log.exception("could not store a file sent with a message on %s", found.reference)
        form.attachment.errors = [str(NOT_STORED)]
        return render_case_page(found, message=form)
    except messages.MessageRefused as refused:
        if refused.reason == "case_closed":
            flash(str(CLOSED), "info")
            return redirect(_back(found))
        if refused.reason == "not_allowed":
            form.request_for_information.errors = [str(NOT_ALLOWED)]
        else:  # empty or too long once cleaned
            form.body.errors = [str(TOO_LONG if refused.reason == "too_long" else EMPTY)]
        return render_case_page(found, message=form)
    flash(str(REQUESTED if asked else SENT), "success")
    return redirect(_back(found))


@blueprint.post("/cases/<reference>/messages/<id:message_id>/accept")
@requires(Permission.WORK_CASES)
def accept(reference: str, message_id: int) -> Response:
    return _decide(reference, message_id, accepting=True)


@blueprint.post("/cases/<reference>/messages/<id:message_id>/reject")
@requires(Permission.WORK_CASES)
def reject(reference: str, message_id: int) -> Response:
    return _decide(reference, message_id, accepting=False)


def _decide(reference: str, message_id: int, *, accepting: bool) -> Response:
    found = _case(reference)
    message = messages.message_on_case(db_session(), case=found, message_id=message_id)
    if message is None:
        abort(404)
    decide = messages.accept_held if accepting else messages.reject_held
    try:
        with unit_of_work() as db:
            decide(db, message=message, staff=acting_staff())
    except messages.MessageRefused:  # decided already (another person, a second click)
        flash(str(ALREADY_DECIDED), "info")
    else:
        flash(str(ACCEPTED if accepting else REJECTED), "success")
    return redirect(_back(found))


@blueprint.get("/messages")
@requires(Permission.SEE_INBOX)
def inbox() -> str:
    # A position that is not one of ours (typed, truncated) shows the first page.
    session = db_session()
    staff = acting_staff()
    page = messages.inbox(session, staff=staff, after=_position(request.args.get("after")),
                          before=_position(request.args.get("before")))  # fmt: skip
    held = messages.held_waiting(session, staff=staff)
    unanswered = messages.unanswered_count(session, staff=staff)
    return render_template("backoffice/messages/inbox.html", page=page, held=held,
                           unanswered=unanswered, status_text=status_text)  # fmt: skip


def _position(value: str | None) -> int | None:
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number < 2**31 else None


def _back(found: Case) -> str:
    return section_url(found.reference, "messages")


def _case(reference: str) -> Case:
    try:
        return access.case_for_staff(db_session(), reference=reference, staff=acting_staff())
    except access.NotFound:
        abort(404)
